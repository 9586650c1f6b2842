//! The client a command uses: the environment as the SDK reads it
//! (`authn_session::Env`: PANGEA_AUTHN_TOKEN, the address, the config id)
//! with the flags over it, or an in-process emulator with --emulator. The
//! command line reads no environment variable itself.

use authn_emulator::{Emulator, EmulatorHandle};
use authn_session::{AuthN, Env, SecretToken};

use std::sync::Arc;

use crate::{args::Global, audit::Audit, failure::Failure};

/// Users and sessions per user of the `--emulator` sample.
const SAMPLE: (usize, usize) = (5, 3);

/// A client, and the emulator it talks to when there is one (kept alive
/// for as long as the command runs).
pub struct Target {
    pub authn: AuthN,
    _emulator: Option<EmulatorHandle>,
}

/// The client of `global`'s settings; with `audit`, its observer writes the
/// audit file of `revoke --audit`.
pub async fn connect(global: &Global, audit: Option<Arc<Audit>>) -> Result<Target, Failure> {
    // The environment as the SDK reads it, the flags over it.
    let mut env = Env::read();
    if let Some(url) = &global.base_url {
        env.base_url = Some(url.clone());
    }
    if let Some(domain) = &global.domain {
        env.domain = Some(domain.clone());
    }
    if let Some(id) = &global.config_id {
        env.config_id = Some(id.clone());
    }
    let (token, config, emulator) = if global.emulator {
        let emulator = start_emulator().await?;
        env.base_url = Some(emulator.base_url());
        let token = SecretToken::from(emulator.service_token());
        (token, env.config(), Some(emulator))
    } else {
        let token = env.token.clone().ok_or_else(|| {
            Failure::usage(
                "PANGEA_AUTHN_TOKEN is not set",
                "export PANGEA_AUTHN_TOKEN=<a service token with AuthN access> (it is never \
                 taken from a flag), and PANGEA_DOMAIN or --base-url; to try it without an \
                 account, add --emulator",
            )
        })?;
        let config = env.config().map_err(|_| {
            Failure::usage(
                "no service address",
                "set PANGEA_DOMAIN or --domain (for example aws.us.pangea.cloud), or --base-url",
            )
        })?;
        (token, Ok(config), None)
    };
    let config = config
        .map(|config| match audit {
            Some(audit) => config.observer(move |attempt| audit.observe(attempt)),
            None => config,
        })
        .and_then(|config| config.build())
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
