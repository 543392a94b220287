//! The result of one attempt to send an outbox item: what the Slack and
//! GitHub clients answer and what the dispatcher records. It sits apart
//! from both so the clients do not depend on the dispatcher.

use std::time::Duration;

use baton_state::StoredMessage;

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// Done; for a Slack message, where it now is.
    Sent { posted: Option<StoredMessage> },
    /// Failed for now: try again later (no sooner than `after`, if given).
    /// `maybe_sent`: the request may have reached the service (a timeout, a
    /// 5xx, a dropped connection), so a post keeps its in-flight mark.
    Retry {
        reason: String,
        after: Option<Duration>,
        maybe_sent: bool,
    },
    /// Failed for good.
    Fail { reason: String },
}
