//! The client a command uses: PANGEA_AUTHN_TOKEN with --base-url or
//! --domain, or an in-process emulator with --emulator.

use authn_emulator::{Emulator, EmulatorHandle};
use authn_session::{AuthN, Config};

use crate::{args::Global, failure::Failure};

/// Users and sessions per user of the `--emulator` sample.
const SAMPLE: (usize, usize) = (5, 3);

/// A client, and the emulator it talks to when there is one (kept alive
/// for as long as the command runs).
pub struct Target {
    pub authn: AuthN,
    _emulator: Option<EmulatorHandle>,
}

pub async fn connect(global: &Global) -> Result<Target, Failure> {
    let mut config = Config::builder();
    if let Some(id) = &global.config_id {
        config = config.config_id(id);
    }
    let (token, config, emulator) = if global.emulator {
        let emulator = start_emulator().await?;
        let config = config.base_url_template(emulator.base_url());
        (emulator.service_token().to_string(), config, Some(emulator))
    } else {
        let token = std::env::var("PANGEA_AUTHN_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                Failure::usage(
                    "PANGEA_AUTHN_TOKEN is not set",
                    "export PANGEA_AUTHN_TOKEN=<a service token with AuthN access> (it is never \
                     taken from a flag), and PANGEA_DOMAIN or --base-url; to try it without an \
                     account, add --emulator",
                )
            })?;
        // PANGEA_BASE_URL comes in through clap; the older name as Config::from_env reads it.
        let base_url = global.base_url.clone().or_else(|| {
            std::env::var(authn_session::BASE_URL_TEMPLATE_VAR)
                .ok()
                .filter(|v| !v.trim().is_empty())
        });
        let config = match (&base_url, &global.domain) {
            (Some(url), _) => config.base_url_template(url),
            (None, Some(domain)) => config.domain(domain),
            (None, None) => return Err(Failure::usage(
                "no service address",
                "set PANGEA_DOMAIN or --domain (for example aws.us.pangea.cloud), or --base-url",
            )),
        };
        (token, config, None)
    };
    let config = config
        .build()
        .map_err(|e| Failure::api("configuration", e))?;
    let authn = AuthN::new(token, config).map_err(|e| Failure::api("configuration", e))?;
    Ok(Target {
        authn,
        _emulator: emulator,
    })
}

/// The in-process emulator of `--emulator`, seeded with sample users.
async fn start_emulator() -> Result<EmulatorHandle, Failure> {
    let emulator = Emulator::builder()
        .seed_users(SAMPLE.0, SAMPLE.1)
        .spawn()
        .await
        .map_err(|e| Failure::Usage {
            message: format!("cannot start the emulator: {e}"),
            hint: None,
        })?;
    eprintln!(
        "note: --emulator: an in-process emulator with {} users and {} sessions; it ends with this command.\n\
         note: against Pangea, leave out --emulator and set PANGEA_AUTHN_TOKEN and PANGEA_DOMAIN \
         (for example aws.us.pangea.cloud).",
        SAMPLE.0,
        SAMPLE.0 * SAMPLE.1
    );
    Ok(emulator)
}
