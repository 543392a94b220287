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
    /// The pull request as a delivery describes it, for the decisions.
    pub fn event(&self) -> PullRequestEvent {
        PullRequestEvent {
            action: self.action.clone(),
            repo: self.repo.clone(),
            number: self.number,
            title: self.title.clone(),
            html_url: self.html_url.clone(),
            author: self.author.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by Baton before this record had a type of its own (the
    /// parser's `PullRequestEvent`, serialized as is).
    const STORED: &str = r#"{"action":"opened","repo":"Octo-Org/api","number":1347,"title":"Retry <webhook> delivery","html_url":"https://github.com/Octo-Org/api/pull/1347","author":"monalisa","draft":true,"merged":false,"additions":120,"deletions":31,"changed_files":4,"requested_reviewers":["hubot"],"assignees":["octocat"],"installation":42}"#;
    const STORED_WITHOUT_APP: &str = r#"{"action":"opened","repo":"Octo-Org/api","number":1347,"title":"Retry <webhook> delivery","html_url":"https://github.com/Octo-Org/api/pull/1347","author":"monalisa","draft":true,"merged":false,"additions":120,"deletions":31,"changed_files":4,"requested_reviewers":["hubot"],"assignees":["octocat"]}"#;

    #[test]
    fn stored_copies_read_and_write_unchanged() {
        for stored in [STORED, STORED_WITHOUT_APP] {
            let waiting: WaitingPullRequest = serde_json::from_str(stored).unwrap();
            assert_eq!(serde_json::to_string(&waiting).unwrap(), stored);
            assert_eq!(WaitingPullRequest::from(&waiting.event()), waiting);
        }
        let waiting: WaitingPullRequest = serde_json::from_str(STORED).unwrap();
        assert_eq!(waiting.installation, Some(42));
        assert_eq!(waiting.event().requested_reviewers, ["hubot"]);
    }
}
