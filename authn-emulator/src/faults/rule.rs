//! One fault rule: which requests it matches, how many, and its one effect
//! (a status, a 202 with polls, a connection dropped after the change), with
//! its flat JSON form for `POST /_emulator/faults`.

use serde::{Deserialize, Serialize};

/// One fault rule, as `POST /_emulator/faults` takes it (JSON) and as
/// [`Faults::add`](super::Faults::add) takes it.
///
/// ```
/// use authn_emulator::FaultRule;
///
/// // The next two refreshes answer 503 with a Pangea envelope.
/// let rule = FaultRule::new("client_session_refresh").status(503).times(2);
/// // The next list is queued: 202, then its result after 3 polls of /request/{id}.
/// let queued = FaultRule::new("/v2/session/list").accept_polls(3);
/// // The next refresh is applied, then its connection closes without an answer.
/// let lost = FaultRule::new("client_session_refresh").drop_after_commit();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "wire::FaultRule", into = "wire::FaultRule")]
#[non_exhaustive]
pub struct FaultRule {
    /// The path (`/v2/session/list`) or operationId (`session_list`) it applies to.
    pub path: String,
    /// How many matching requests it applies to (default 1).
    pub times: u32,
    /// Waits this long before anything else.
    pub delay_ms: Option<u64>,
    /// What it does to the request; `None`: only waits and counts. One
    /// effect at most, by construction.
    pub effect: Option<FaultEffect>,
    /// With [`FaultEffect::Status`]: the envelope's `status` string (default:
    /// the one Pangea uses for the HTTP status).
    pub envelope_status: Option<String>,
    /// With [`FaultEffect::Status`]: sends `Retry-After` with this many seconds.
    pub retry_after_secs: Option<u64>,
}

/// What a [`FaultRule`] does to the requests it matches. In JSON it is one
/// of the fields `status`, `accept_polls` or `drop_after_commit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultEffect {
    /// Answers with this HTTP status (400–599) and an error envelope instead
    /// of processing the request.
    Status(u16),
    /// Processes the request, answers 202 `Accepted`, and gives the result at
    /// `GET /request/{request_id}` after this many polls that answer 202 again.
    Accept {
        /// Polls that answer 202 before the result.
        polls: u32,
    },
    /// Processes the request (the change is made), then closes the connection
    /// without answering.
    DropAfterCommit,
}

/// The JSON form of a rule (`POST /_emulator/faults`): flat, as users write
/// it; reading it refuses two effects.
mod wire {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct FaultRule {
        pub path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub envelope_status: Option<String>,
        #[serde(default = "one")]
        pub times: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub retry_after_secs: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub delay_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub accept_polls: Option<u32>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub drop_after_commit: bool,
    }

    fn one() -> u32 {
        1
    }

    impl TryFrom<FaultRule> for super::FaultRule {
        type Error = String;

        fn try_from(w: FaultRule) -> Result<Self, String> {
            use super::FaultEffect;
            let effect = match (w.status, w.accept_polls, w.drop_after_commit) {
                (None, None, false) => None,
                (Some(status), None, false) => Some(FaultEffect::Status(status)),
                (None, Some(polls), false) => Some(FaultEffect::Accept { polls }),
                (None, None, true) => Some(FaultEffect::DropAfterCommit),
                _ => {
                    return Err(
                        "give at most one of status, accept_polls and drop_after_commit".into(),
                    )
                }
            };
            Ok(super::FaultRule {
                path: w.path,
                times: w.times,
                delay_ms: w.delay_ms,
                effect,
                envelope_status: w.envelope_status,
                retry_after_secs: w.retry_after_secs,
            })
        }
    }

    impl From<super::FaultRule> for FaultRule {
        fn from(r: super::FaultRule) -> Self {
            use super::FaultEffect;
            FaultRule {
                path: r.path,
                status: match r.effect {
                    Some(FaultEffect::Status(status)) => Some(status),
                    _ => None,
                },
                envelope_status: r.envelope_status,
                times: r.times,
                retry_after_secs: r.retry_after_secs,
                delay_ms: r.delay_ms,
                accept_polls: match r.effect {
                    Some(FaultEffect::Accept { polls }) => Some(polls),
                    _ => None,
                },
                drop_after_commit: r.effect == Some(FaultEffect::DropAfterCommit),
            }
        }
    }
}

impl FaultRule {
    /// A rule for `path_or_operation` that, as it is, only counts: add an effect.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_logout").delay_ms(200);
    /// ```
    pub fn new(path_or_operation: impl Into<String>) -> Self {
        Self {
            path: path_or_operation.into(),
            times: 1,
            delay_ms: None,
            effect: None,
            envelope_status: None,
            retry_after_secs: None,
        }
    }

    /// Answers with `status` and an error envelope (its effect, replacing
    /// any other).
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(500);
    /// ```
    pub fn status(mut self, status: u16) -> Self {
        self.effect = Some(FaultEffect::Status(status));
        self
    }

    /// The envelope's `status` string, with [`status`](Self::status).
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(400).envelope_status("NoCredit");
    /// ```
    pub fn envelope_status(mut self, status: impl Into<String>) -> Self {
        self.envelope_status = Some(status.into());
        self
    }

    /// Applies to the next `times` matching requests.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(503).times(3);
    /// ```
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Sends `Retry-After: secs`, with [`status`](Self::status).
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(429).retry_after_secs(1);
    /// ```
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Waits `ms` milliseconds first.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").delay_ms(250);
    /// ```
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }

    /// Queues the request: 202 now, the result after `polls` polls (its
    /// effect, replacing any other).
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").accept_polls(2);
    /// ```
    pub fn accept_polls(mut self, polls: u32) -> Self {
        self.effect = Some(FaultEffect::Accept { polls });
        self
    }

    /// Makes the change, then closes the connection without answering (its
    /// effect, replacing any other).
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("client_session_refresh").drop_after_commit();
    /// ```
    pub fn drop_after_commit(mut self) -> Self {
        self.effect = Some(FaultEffect::DropAfterCommit);
        self
    }

    /// Why the rule cannot be applied, as `(JSON pointer, reason)`.
    pub(crate) fn problem(&self) -> Option<(&'static str, String)> {
        let known = authn_session_gen::operations::ALL
            .iter()
            .any(|op| op.path == self.path || op.id == self.path);
        if !known {
            return Some((
                "/path",
                format!("{:?} is no path or operationId of the API", self.path),
            ));
        }
        match self.effect {
            Some(FaultEffect::Status(status)) if !(400..=599).contains(&status) => {
                return Some(("/status", "must be between 400 and 599".into()));
            }
            Some(FaultEffect::Status(_)) => {}
            _ if self.envelope_status.is_some() || self.retry_after_secs.is_some() => {
                return Some((
                    "/",
                    "envelope_status and retry_after_secs go with status".into(),
                ));
            }
            _ => {}
        }
        if self.times == 0 {
            return Some(("/times", "must be at least 1".into()));
        }
        None
    }

    pub(crate) fn matches(&self, path: &str, operation: Option<&str>) -> bool {
        self.path == path || Some(self.path.as_str()) == operation
    }
}
