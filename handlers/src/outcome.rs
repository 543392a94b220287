//! The one result shape of every decision: [`Outcome`].
//!
//! Every feature's decisions (GitHub deliveries, CI hooks, error reports,
//! `/baton` commands, button presses, ticks) return an `Outcome` whose
//! changes are that feature's own `Change` enum: the records to write or
//! remove. The binary stores the changes, queues the [`Outbound`] items in
//! the same transaction, and shows the reply (if any) to the person who
//! acted. Nothing else comes back from a decision.

use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;

/// What a decision asks for: state changes (`C` is the feature's change
/// type), messages to send, and an ephemeral answer to whoever acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<C> {
    /// Records to write or remove, in order.
    pub changes: Vec<C>,
    /// Messages and GitHub calls to queue in the outbox.
    pub outbound: Vec<Outbound>,
    /// The answer to the person who typed the command or pressed the
    /// button; `None` when there is no one to answer (a delivery, a tick).
    pub reply: Option<Mrkdwn>,
}

impl<C> Default for Outcome<C> {
    fn default() -> Self {
        Outcome {
            changes: Vec::new(),
            outbound: Vec::new(),
            reply: None,
        }
    }
}

impl<C> Outcome<C> {
    /// Nothing to do.
    pub fn none() -> Self {
        Outcome::default()
    }

    /// Only an answer to the person who acted; nothing changes.
    pub fn reply(text: impl Into<Mrkdwn>) -> Self {
        Outcome {
            reply: Some(text.into()),
            ..Outcome::default()
        }
    }

    /// An answer to the person who acted and the same news for the channel.
    pub fn announce(channel: &str, reply: Mrkdwn, announcement: Mrkdwn) -> Self {
        Outcome {
            reply: Some(reply),
            outbound: vec![Outbound::post(channel, announcement)],
            ..Outcome::default()
        }
    }

    /// Add a change.
    pub fn change(&mut self, change: C) {
        self.changes.push(change);
    }

    /// The same outcome with `change` added.
    pub fn with(mut self, change: C) -> Self {
        self.changes.push(change);
        self
    }

    /// The reply, or `""` when there is none.
    pub fn reply_text(&self) -> &str {
        self.reply.as_ref().map_or("", |r| r.as_str())
    }
}
