//! The `push` delivery, read for one thing: a push to a repository's
//! default branch may change its CODEOWNERS, so Baton forgets its copy.
//! A push to any other branch (or a tag) is parsed as
//! [`GithubEvent::Ignored`](super::GithubEvent).

use serde::Deserialize;

/// A push to a repository's default branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEvent {
    /// `owner/repo` as GitHub spells it.
    pub repo: String,
    /// `refs/heads/main`.
    pub git_ref: String,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
    #[serde(default)]
    default_branch: Option<String>,
}

/// The wire shape: only what Baton reads.
#[derive(Deserialize)]
pub(super) struct PushPayload {
    #[serde(rename = "ref")]
    git_ref: String,
    repository: Repository,
}

impl PushPayload {
    /// The event, or `None` when the push is not to the default branch.
    pub(super) fn into_event(self) -> Option<PushEvent> {
        let default = self.repository.default_branch?;
        let to_default = self.git_ref == format!("refs/heads/{default}");
        to_default.then_some(PushEvent {
            repo: self.repository.full_name,
            git_ref: self.git_ref,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::github::{parse, GithubEvent, PushEvent};

    fn push_to(git_ref: &str) -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/github/push/payload.json"
        );
        let mut payload: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        payload["ref"] = serde_json::json!(git_ref);
        serde_json::to_vec(&payload).unwrap()
    }

    #[test]
    fn only_a_push_to_the_default_branch_is_read() {
        assert_eq!(
            parse("push", &push_to("refs/heads/master")).unwrap(),
            GithubEvent::Push(PushEvent {
                repo: "Codertocat/Hello-World".into(),
                git_ref: "refs/heads/master".into(),
            })
        );
        let ignored = GithubEvent::Ignored {
            kind: "push".into(),
        };
        // The vendored payload as published pushes a tag.
        assert_eq!(
            parse("push", &push_to("refs/tags/simple-tag")).unwrap(),
            ignored
        );
        assert_eq!(
            parse("push", &push_to("refs/heads/feature")).unwrap(),
            ignored
        );
    }
}
