//! Tests of `reviewers/waiting.rs`.

use crate::reviewers::waiting::*;

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
