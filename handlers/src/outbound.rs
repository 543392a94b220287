//! Outbound actions: what a decision asks the outside world to do.
//!
//! The binary stores these in the outbox inside the same transaction as the
//! state change that implies them, and a dispatcher sends them later. They
//! say *what* to send, never *how*.

use serde::{Deserialize, Serialize};

use crate::blocks::Blocks;
use crate::mrkdwn::Mrkdwn;

/// A stable name for a Slack message Baton posted, so that later actions can
/// update it or reply in its thread (for example `pr:owner/repo#12`).
pub type MessageKey = String;

/// One thing to send, stored in the outbox until it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outbound {
    /// Post a message in a channel. With `key`, the message's `ts` is
    /// remembered so later `SlackUpdate`/`thread_of` can refer to it; a post
    /// whose key already has a message becomes an update of that message.
    SlackPost {
        channel: String,
        /// Plain-text fallback (notifications, screen readers).
        text: Mrkdwn,
        /// Block Kit blocks, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blocks: Option<Blocks>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<MessageKey>,
        /// Reply in the thread of the message with this key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_of: Option<MessageKey>,
    },
    /// Replace the text and blocks of the message stored under `key`
    /// (`chat.update`). If that message was never posted, it is posted.
    SlackUpdate {
        key: MessageKey,
        channel: String,
        text: Mrkdwn,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blocks: Option<Blocks>,
    },
    /// A direct message to Slack user `user` (`U…`), in the app's
    /// conversation with them (`conversations.open`, then a post there
    /// with the same once-only guard as a channel post).
    SlackDirect {
        user: String,
        text: Mrkdwn,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blocks: Option<Blocks>,
    },
    /// Draw `user`'s App Home tab (`views.publish` of a `home` view with
    /// these blocks; publishing the same view again changes nothing).
    SlackHome { user: String, blocks: Blocks },
    /// Ask GitHub to request reviews from `reviewers` on a pull request.
    GithubRequestReviewers {
        repo: String,
        number: u64,
        reviewers: Vec<String>,
        /// The GitHub App installation to act as (from the delivery's
        /// `installation.id`); `None` for a token, or in records written
        /// before Apps were supported (the repository's installation is then
        /// looked up).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        installation: Option<u64>,
    },
    /// Withdraw review requests (used when a reviewer is reassigned).
    GithubRemoveReviewers {
        repo: String,
        number: u64,
        reviewers: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        installation: Option<u64>,
    },
    /// Answer a deployment protection rule: `POST` `{"environment_name",
    /// "state", "comment"}` to the request's `deployment_callback_url`,
    /// which must be on the configured GitHub API host (checked when the
    /// request is accepted, and again before sending: a token never goes
    /// anywhere else).
    GithubDeploymentReview {
        callback_url: String,
        /// `owner/repo` (to find the App's installation when the request
        /// named none).
        repo: String,
        environment: String,
        state: ReviewState,
        comment: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        installation: Option<u64>,
    },
}

/// A deployment protection rule's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Approved,
    Rejected,
}

impl ReviewState {
    /// As GitHub's API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Approved => "approved",
            ReviewState::Rejected => "rejected",
        }
    }
}

impl Outbound {
    /// A plain channel message with no blocks and no key.
    pub fn post(channel: impl Into<String>, text: impl Into<Mrkdwn>) -> Self {
        Outbound::SlackPost {
            channel: channel.into(),
            text: text.into(),
            blocks: None,
            key: None,
            thread_of: None,
        }
    }

    /// A direct message without blocks.
    pub fn direct(user: impl Into<String>, text: impl Into<Mrkdwn>) -> Self {
        Outbound::SlackDirect {
            user: user.into(),
            text: text.into(),
            blocks: None,
        }
    }

    /// Which service this goes to, for logs and metrics.
    pub fn service(&self) -> &'static str {
        match self {
            Outbound::SlackPost { .. }
            | Outbound::SlackUpdate { .. }
            | Outbound::SlackDirect { .. }
            | Outbound::SlackHome { .. } => "slack",
            Outbound::GithubRequestReviewers { .. }
            | Outbound::GithubRemoveReviewers { .. }
            | Outbound::GithubDeploymentReview { .. } => "github",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_actions_stored_before_installations_still_load() {
        let old =
            r#"{"kind":"github_request_reviewers","repo":"a/b","number":7,"reviewers":["hubot"]}"#;
        let action: Outbound = serde_json::from_str(old).unwrap();
        assert_eq!(
            action,
            Outbound::GithubRequestReviewers {
                repo: "a/b".into(),
                number: 7,
                reviewers: vec!["hubot".into()],
                installation: None,
            }
        );
        let old =
            r#"{"kind":"github_remove_reviewers","repo":"a/b","number":7,"reviewers":["hubot"]}"#;
        let action: Outbound = serde_json::from_str(old).unwrap();
        assert!(matches!(
            action,
            Outbound::GithubRemoveReviewers {
                installation: None,
                ..
            }
        ));
        // And an installation round-trips.
        let new = Outbound::GithubRequestReviewers {
            repo: "a/b".into(),
            number: 7,
            reviewers: vec!["hubot".into()],
            installation: Some(42),
        };
        let text = serde_json::to_string(&new).unwrap();
        assert!(text.contains(r#""installation":42"#), "{text}");
        assert_eq!(serde_json::from_str::<Outbound>(&text).unwrap(), new);
    }
}
