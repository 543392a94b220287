//! The stored copy of a watched pull request that has no reviewers yet
//! ([`WaitingPullRequest`]), so `/baton reviewers assign` can act on it
//! later without calling GitHub. A record of its own, not the parser's
//! [`PullRequestEvent`]: a change to how deliveries are read does not change
//! what the store holds.

use serde::{Deserialize, Serialize};

use crate::github::PullRequestEvent;

/// A waiting pull request, as last delivered. Its JSON is the file format
/// (pinned by a test).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingPullRequest {
    /// The action of the last delivery (`opened`, `edited`, …).
    pub action: String,
    /// `owner/repo` as GitHub spells it.
    pub repo: String,
    pub number: u64,
    pub title: String,
    pub html_url: String,
    pub author: String,
    pub draft: bool,
    pub merged: bool,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files: u64,
    /// Logins already requested to review.
    pub requested_reviewers: Vec<String>,
    /// Logins assigned to the pull request.
    pub assignees: Vec<String>,
    /// The GitHub App installation that sent it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation: Option<u64>,
}

impl From<&PullRequestEvent> for WaitingPullRequest {
    fn from(pr: &PullRequestEvent) -> Self {
        WaitingPullRequest {
            action: pr.action.clone(),
            repo: pr.repo.clone(),
            number: pr.number,
            title: pr.title.clone(),
            html_url: pr.html_url.clone(),
            author: pr.author.clone(),
            draft: pr.draft,
            merged: pr.merged,
            additions: pr.additions,
            deletions: pr.deletions,
            changed_files: pr.changed_files,
            requested_reviewers: pr.requested_reviewers.clone(),
            assignees: pr.assignees.clone(),
            installation: pr.installation,
        }
    }
}

impl WaitingPullRequest {
    /// The pull request as a delivery describes it, for the decisions
    /// (its description and whether its author is a bot are not kept: an
    /// assignment from here is asked for by a person).
    pub fn event(&self) -> PullRequestEvent {
        PullRequestEvent {
            action: self.action.clone(),
            repo: self.repo.clone(),
            number: self.number,
            title: self.title.clone(),
            html_url: self.html_url.clone(),
            author: self.author.clone(),
            author_is_bot: false,
            body: String::new(),
            draft: self.draft,
            merged: self.merged,
            additions: self.additions,
            deletions: self.deletions,
            changed_files: self.changed_files,
            requested_reviewers: self.requested_reviewers.clone(),
            assignees: self.assignees.clone(),
            installation: self.installation,
            requested_reviewer: None,
        }
    }
}
