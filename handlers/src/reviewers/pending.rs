//! The stored records of picks that wait for GitHub's facts: the
//! [`PendingPick`] itself (so a restart resumes it) and a repository's
//! [`CodeownersCopy`]. What is done with them is in `super::lookup`.

use serde::{Deserialize, Serialize};

use super::assignment::message_key;
use super::codeowners::Team;
use super::waiting::WaitingPullRequest;
use crate::UnixTime;

/// Where GitHub looks for CODEOWNERS, in its order.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// A stored copy of CODEOWNERS is used for at most this long.
pub const CODEOWNERS_FRESH_SECS: i64 = 600;

/// A `r?` comment that asked for a reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskedInComment {
    pub comment_id: u64,
    /// Who wrote the comment.
    pub by: String,
}

/// A pick waiting for its lookup. Stored under [`PendingPick::key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPick {
    /// The pull request as delivered.
    pub pr: WaitingPullRequest,
    /// The rotation's channel.
    pub channel: String,
    /// Look up the code owners of the changed paths.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub owners: bool,
    /// `r? @org/team`: one of the rotation's members in that team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Team>,
    /// Asked in a comment (a reviewer in addition to those on it); `None`
    /// for the pull request's first pick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<AskedInComment>,
    pub queued_at: UnixTime,
}

/// The prefix of every pending pick's key of one pull request.
pub fn pending_prefix(repo: &str, number: u64) -> String {
    format!("{}/", message_key(repo, number))
}

impl PendingPick {
    /// `pr:owner/repo#12/opened`, or `…/comment-{id}` for a comment's.
    pub fn key(&self) -> String {
        let prefix = pending_prefix(&self.pr.repo, self.pr.number);
        match &self.comment {
            Some(comment) => format!("{prefix}comment-{}", comment.comment_id),
            None => format!("{prefix}opened"),
        }
    }

    /// Does the lookup need the CODEOWNERS file and the changed files?
    pub fn needs_owners(&self) -> bool {
        self.owners && self.team.is_none()
    }
}

/// The CODEOWNERS file of a repository as last fetched (or that it has
/// none), with when: a copy is used for [`CODEOWNERS_FRESH_SECS`] and
/// forgotten on a push to the default branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeownersCopy {
    /// Lower-cased `owner/repo`.
    pub repo: String,
    /// Where it was found (one of [`CODEOWNERS_PATHS`]); `None` when the
    /// repository has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub fetched_at: UnixTime,
}

impl CodeownersCopy {
    /// Can this copy still be used at `now`?
    pub fn is_fresh(&self, now: UnixTime) -> bool {
        (self.fetched_at..self.fetched_at + CODEOWNERS_FRESH_SECS).contains(&now)
    }
}
