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
    /// `effect`: whether the request may have acted all the same (a post
    /// that may have arrived keeps its in-flight mark).
    Retry {
        reason: String,
        after: Option<Duration>,
        effect: Effect,
    },
    /// Failed for good.
    Fail { reason: String },
}

/// What a failed request may have done at the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: it never left (no connection was made), or the service
    /// refused it before acting on it (a 429).
    None,
    /// Perhaps something, and the service is done with it: it answered a
    /// failure (a 500, a 503) after the request reached it.
    Perhaps,
    /// Perhaps something, perhaps later still: no answer came (a timeout, a
    /// dropped connection) or a gateway gave up waiting for the service (a
    /// 502, a 504). The service may still commit it, seconds later.
    PerhapsLater,
}

impl Effect {
    /// Whether the request may have acted (now or later).
    pub fn possible(self) -> bool {
        self != Effect::None
    }
}
