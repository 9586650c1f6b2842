//! Why a command failed, how that reads on stderr (`error: …` and a hint, as
//! cargo and git write them), and the exit code it maps to.

use std::process::ExitCode;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or input: exit 2, nothing was sent.
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// The API or the network failed: exit 1 (or 2 for input the SDK
    /// refused before sending, and for a command that could not start).
    Api {
        context: String,
        error: Box<authn_session::Error>,
        exit: u8,
    },
    /// Writing the output failed: exit 1.
    Output(std::io::Error),
    /// What went wrong is printed already (a revoke's report, a batch's
    /// errors): only this exit code is left to give.
    Reported(u8),
}

impl Failure {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Failure::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn api(context: impl Into<String>, error: authn_session::Error) -> Self {
        let exit = if refused_before_sending(&error) { 2 } else { 1 };
        Failure::Api {
            context: context.into(),
            error: Box::new(error),
            exit,
        }
    }

    /// A failure before the command could do its work at all (`verify`'s
    /// first list): exit 2, as for bad usage, since nothing was learned.
    pub fn could_not_run(context: impl Into<String>, error: authn_session::Error) -> Self {
        Failure::Api {
            context: context.into(),
            error: Box::new(error),
            exit: 2,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::Usage { .. } => 2,
            Failure::Api { exit, .. } => *exit,
            Failure::Output(_) => 1,
            Failure::Reported(code) => *code,
        })
    }

    /// The message for stderr: `error: …`, the request id, a hint.
    pub fn message(&self) -> Option<String> {
        match self {
            Failure::Usage { message, hint } => Some(match hint {
                Some(hint) => format!("error: {message}\nhint: {hint}"),
                None => format!("error: {message}"),
            }),
            Failure::Api { context, error, .. } => {
                let mut text = format!("error: {context}: {error}");
                if let Some(id) = error.request_id() {
                    text.push_str(&format!("\n  request id: {id}"));
                }
                if let Some(hint) = hint(error) {
                    text.push_str(&format!("\nhint: {hint}"));
                }
                Some(text)
            }
            Failure::Reported(_) => None,
            Failure::Output(e) => Some(format!("error: cannot write the output: {e}")),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

fn refused_before_sending(error: &authn_session::Error) -> bool {
    matches!(
        error,
        authn_session::Error::InvalidInput { .. } | authn_session::Error::Config(_)
    )
}

fn hint(error: &authn_session::Error) -> Option<&'static str> {
    use authn_session::{ApiErrorKind, Error};
    match error {
        Error::Api(api) => match api.kind {
            ApiErrorKind::Unauthorized => Some(
                "check that PANGEA_AUTHN_TOKEN is a service token with AuthN access for this domain",
            ),
            ApiErrorKind::NotFound => {
                Some("nothing by that id is active: it may have ended already, or the id is wrong")
            }
            _ => None,
        },
        Error::Transport { .. } | Error::Timeout { .. } => {
            Some("check --base-url / PANGEA_DOMAIN and the network")
        }
        _ => None,
    }
}
