//! The one result shape of every decision: [`Outcome`].
//!
//! Every feature's decisions (GitHub deliveries, CI hooks, error reports,
//! `/baton` commands, button presses, ticks) return an `Outcome` whose
//! changes are that feature's own `Change` enum: the records to write or
//! remove. The binary stores the changes, queues the [`Outbound`] items in
//! the same transaction, and hands the reply to whoever acted: a person in
//! Slack gets text ([`Mrkdwn`], the default), a script gets the typed answer
//! of its HTTP request (a deploy hook's, an error report's, a lock's
//! status), which the binary only serializes. Nothing else comes back from
//! a decision.

use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;

/// What a decision asks for: state changes (`C` is the feature's change
/// type), messages to send, and the answer to whoever acted (`R`: by
/// default an ephemeral text for a person, `None` when there is no one to
/// answer; for an HTTP request from a script, the typed body it gets back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<C, R = Option<Mrkdwn>> {
    /// Records to write or remove, in order.
    pub changes: Vec<C>,
    /// Messages and GitHub calls to queue in the outbox.
    pub outbound: Vec<Outbound>,
    /// The answer to the person who typed the command or pressed the
    /// button (`None` for a delivery or a tick), or the body of a script's
    /// HTTP answer.
    pub reply: R,
}

impl<C, R: Default> Default for Outcome<C, R> {
    fn default() -> Self {
        Outcome {
            changes: Vec::new(),
            outbound: Vec::new(),
            reply: R::default(),
        }
    }
}

impl<C, R: Default> Outcome<C, R> {
    /// Nothing to do.
    pub fn none() -> Self {
        Outcome::default()
    }
}

impl<C, R> Outcome<C, R> {
    /// Add a change.
    pub fn change(&mut self, change: C) {
        self.changes.push(change);
    }

    /// The same outcome with `change` added.
    pub fn with(mut self, change: C) -> Self {
        self.changes.push(change);
        self
    }

    /// The same changes and messages, answered with `reply` (a script's
    /// typed answer in place of a person's text).
    pub fn answered<S>(self, reply: S) -> Outcome<C, S> {
        Outcome {
            changes: self.changes,
            outbound: self.outbound,
            reply,
        }
    }
}

impl<C> Outcome<C> {
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

    /// The reply, or `""` when there is none.
    pub fn reply_text(&self) -> &str {
        self.reply.as_ref().map_or("", |r| r.as_str())
    }
}
