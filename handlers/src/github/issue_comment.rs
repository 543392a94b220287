//! The `issue_comment` delivery: a comment on an issue or a pull request
//! (GitHub treats a pull request's conversation as an issue's). Baton reads
//! the comments that ask for a reviewer with `r? @login`; the rest, and
//! comments on issues, are parsed as [`GithubEvent::Ignored`](super::GithubEvent)
//! so they cost no write.

use serde::Deserialize;

use crate::reviewers::mention::is_bot;

/// A `created` comment on a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueCommentEvent {
    pub action: String,
    /// `owner/repo` as GitHub spells it.
    pub repo: String,
    pub number: u64,
    pub title: String,
    /// The pull request's page.
    pub html_url: String,
    /// The pull request's author.
    pub author: String,
    /// `open` or `closed`.
    pub state: String,
    pub draft: bool,
    pub comment_id: u64,
    /// Who wrote the comment.
    pub commenter: String,
    pub commenter_is_bot: bool,
    pub body: String,
    pub installation: Option<u64>,
}

impl IssueCommentEvent {
    /// Is this a new comment on a pull request (not an issue, not an edit)?
    pub fn is_new_on_pull_request(&self) -> bool {
        self.action == "created"
    }
}

#[derive(Deserialize)]
struct User {
    login: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Issue {
    number: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    html_url: String,
    user: User,
    #[serde(default)]
    state: String,
    #[serde(default)]
    draft: bool,
    /// Present only when the issue is a pull request.
    #[serde(default)]
    pull_request: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    user: User,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

/// The wire shape: only what Baton reads.
#[derive(Deserialize)]
pub(super) struct IssueCommentPayload {
    action: String,
    issue: Issue,
    comment: Comment,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
}

impl IssueCommentPayload {
    /// The event, or `None` when the comment is on an issue.
    pub(super) fn into_event(self) -> Option<IssueCommentEvent> {
        self.issue.pull_request.as_ref()?;
        Some(IssueCommentEvent {
            action: self.action,
            repo: self.repository.full_name,
            number: self.issue.number,
            title: self.issue.title,
            html_url: self.issue.html_url,
            author: self.issue.user.login,
            state: self.issue.state,
            draft: self.issue.draft,
            comment_id: self.comment.id,
            commenter_is_bot: is_bot(&self.comment.user.login, self.comment.user.kind.as_deref()),
            commenter: self.comment.user.login,
            body: self.comment.body.unwrap_or_default(),
            installation: self.installation.map(|i| i.id),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::github::{parse, GithubEvent};

    fn fixture() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/github/issue_comment/created.payload.json"
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// The vendored comment, made a pull request's (GitHub adds
    /// `issue.pull_request` then) with `body` as its text.
    fn on_pull_request(body: &str) -> Vec<u8> {
        let mut payload = fixture();
        payload["issue"]["pull_request"] = serde_json::json!({
            "url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"
        });
        payload["comment"]["body"] = serde_json::json!(body);
        serde_json::to_vec(&payload).unwrap()
    }

    #[test]
    fn a_comment_asking_for_a_reviewer_is_read() {
        let event = parse("issue_comment", &on_pull_request("Thanks!\nr? @hubot")).unwrap();
        let GithubEvent::IssueComment(comment) = event else {
            panic!("{event:?}")
        };
        assert_eq!(
            (comment.repo.as_str(), comment.number),
            ("Codertocat/Hello-World", 1)
        );
        assert_eq!(comment.author, "Codertocat");
        assert_eq!(comment.commenter, "Codertocat");
        assert!(!comment.commenter_is_bot);
        assert_eq!(comment.comment_id, 492700400);
        assert_eq!(comment.state, "open");
        assert_eq!(comment.installation, None);
    }

    #[test]
    fn other_comments_are_ignored() {
        let ignored = GithubEvent::Ignored {
            kind: "issue_comment".into(),
        };
        // The vendored payload as published: a comment on an issue.
        let issue = serde_json::to_vec(&fixture()).unwrap();
        assert_eq!(parse("issue_comment", &issue).unwrap(), ignored);
        // On a pull request, but asking nothing.
        assert_eq!(
            parse("issue_comment", &on_pull_request("LGTM")).unwrap(),
            ignored
        );
        // An edit of a comment.
        let mut edited: serde_json::Value =
            serde_json::from_slice(&on_pull_request("r? @hubot")).unwrap();
        edited["action"] = serde_json::json!("edited");
        let edited = serde_json::to_vec(&edited).unwrap();
        assert_eq!(parse("issue_comment", &edited).unwrap(), ignored);
        // A payload without what Baton reads is still a 400.
        assert!(parse("issue_comment", br#"{"action":"created"}"#).is_err());
    }
}
