//! What the reviewers feature's decisions change: the records of
//! [`Change`], carried in the one [`Outcome`](crate::Outcome) shape every
//! feature returns, and the lookups tests and callers use on it.

use super::assignment::Assignment;
use super::lifecycle::{ChannelSettings, PersonSettings, Profile, TrackedPullRequest};
use super::pending::{CodeownersCopy, PendingPick};
use super::pool::{People, Pool};
use super::waiting::WaitingPullRequest;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::UnixTime;

/// One record to write or forget.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Write a channel's pool (keyed by its `channel`).
    PutPool(Pool),
    /// Write the global GitHub → Slack mapping and away list.
    PutPeople(People),
    /// Write a pull request's assignment (keyed by its `key()`).
    PutAssignment(Assignment),
    /// Remember a watched pull request that has no reviewers yet, so
    /// `/baton assign` can act on it later.
    PutWaiting(WaitingPullRequest),
    /// Forget a waiting pull request (assigned or closed).
    RemoveWaiting { repo: String, number: u64 },
    /// Remember a pick that waits for a lookup (keyed by its `key()`).
    PutPendingPick(PendingPick),
    /// Forget a pending pick (done).
    RemovePendingPick { key: String },
    /// Remember that a commenter was told they may not ask `r?` here.
    PutRefusedRequest { key: String, at: UnixTime },
    /// Keep a copy of a repository's CODEOWNERS (keyed by its repository).
    PutCodeownersCopy(CodeownersCopy),
    /// Forget a repository's CODEOWNERS copy (a push to its default branch).
    RemoveCodeownersCopy { repo: String },
    /// Write a pull request's review record (keyed by its `key()`; its
    /// reminder times are indexed with it).
    PutTracked(TrackedPullRequest),
    /// Write a person's own settings (keyed by Slack user).
    PutPersonSettings(PersonSettings),
    /// Write what Slack's profile of a person said (keyed by Slack user).
    PutProfile(Profile),
    /// Write a channel's review settings (its digest time is indexed).
    PutChannelSettings(ChannelSettings),
}

/// What a reviewers decision asks for.
pub type Outcome = crate::Outcome<Change>;

impl<R> crate::Outcome<Change, R> {
    /// The pool this outcome writes, if any.
    pub fn pool(&self) -> Option<&Pool> {
        self.changes.iter().find_map(|c| match c {
            Change::PutPool(pool) => Some(pool),
            _ => None,
        })
    }

    /// The assignment this outcome writes, if any.
    pub fn assignment(&self) -> Option<&Assignment> {
        self.changes.iter().find_map(|c| match c {
            Change::PutAssignment(assignment) => Some(assignment),
            _ => None,
        })
    }

    /// The review records this outcome writes.
    pub fn tracked(&self) -> Vec<&TrackedPullRequest> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                Change::PutTracked(tracked) => Some(tracked),
                _ => None,
            })
            .collect()
    }

    /// The people record this outcome writes, if any.
    pub fn people(&self) -> Option<&People> {
        self.changes.iter().find_map(|c| match c {
            Change::PutPeople(people) => Some(people),
            _ => None,
        })
    }
}

/// An outcome writing `after` if it differs from `before`, and
/// `assignment` if any, with these messages and reply.
pub(crate) fn decided(
    before: &Pool,
    after: Pool,
    assignment: Option<Assignment>,
    outbound: Vec<Outbound>,
    reply: Option<Mrkdwn>,
) -> Outcome {
    let mut outcome = Outcome {
        outbound,
        reply,
        ..Outcome::default()
    };
    if after != *before {
        outcome.change(Change::PutPool(after));
    }
    if let Some(assignment) = assignment {
        outcome.change(Change::PutAssignment(assignment));
    }
    outcome
}
