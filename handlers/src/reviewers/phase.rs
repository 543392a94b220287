//! Where a pull request stands in its review, in one word: the state the
//! channel's assignment message shows ([`Phase`]) and the App Home, the
//! digest and `/baton reviews` name. Worked out from the review record by
//! `lifecycle::TrackedPullRequest::phase`; kept here, apart from both, so
//! the assignment message can show it without knowing the lifecycle.

use serde::{Deserialize, Serialize};

use crate::mrkdwn::Mrkdwn;

/// A pull request's review state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Nobody is asked to review it (yet).
    NoReviewers,
    /// A draft: it waits on no one.
    Draft,
    /// At least one reviewer is asked and has not answered.
    AwaitingReview,
    /// A reviewer asked for changes: it waits on its author.
    ChangesRequested,
    /// Reviewed with comments only, nobody asked any more: its author's turn.
    Commented,
    /// Approved by the reviewers asked, not merged yet.
    Approved,
    Merged,
    Closed,
}

impl Phase {
    /// The line the assignment message shows for an open pull request.
    pub fn status_line(self) -> Mrkdwn {
        Mrkdwn::from(match self {
            Phase::NoReviewers => ":grey_question: No reviewer asked",
            Phase::Draft => ":construction: Draft: waiting on no one",
            Phase::AwaitingReview => ":hourglass_flowing_sand: Waiting on review",
            Phase::ChangesRequested => ":repeat: Changes requested: waiting on the author",
            Phase::Commented => ":speech_balloon: Reviewed with comments: the author's turn",
            Phase::Approved => ":white_check_mark: Approved: ready to merge",
            Phase::Merged => ":white_check_mark: Merged",
            Phase::Closed => ":no_entry_sign: Closed",
        })
    }

    /// A few words for lists: "waiting on review", "changes requested"…
    pub fn words(self) -> &'static str {
        match self {
            Phase::NoReviewers => "no reviewer asked",
            Phase::Draft => "draft",
            Phase::AwaitingReview => "waiting on review",
            Phase::ChangesRequested => "changes requested",
            Phase::Commented => "reviewed with comments",
            Phase::Approved => "approved",
            Phase::Merged => "merged",
            Phase::Closed => "closed",
        }
    }

    /// Is the pull request closed (merged or not)?
    pub fn is_closed(self) -> bool {
        matches!(self, Phase::Merged | Phase::Closed)
    }
}
