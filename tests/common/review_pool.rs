//! The review rotation the reviewer tests set up: the corpus repository
//! watched in one channel, three reviewers in rotation order. (The corpus
//! pull request already requests `octocat` and assigns `Codertocat`, who are
//! therefore never in the pool.)

use super::basics::corpus;
use super::baton::Baton;

pub const CHANNEL: &str = "C0REVIEWS";
pub const ADMIN: &str = "U0ADMIN01";
/// The corpus payloads' repository.
pub const REPO: &str = "Codertocat/Hello-World";
/// GitHub login and Slack user, in rotation order.
pub const POOL: [(&str, &str); 3] = [
    ("hubot", "U0HUBOT01"),
    ("monalisa", "U0MONA001"),
    ("defunkt", "U0DEFUNK1"),
];

/// A corpus `pull_request` payload, rewritten to pull request `number`
/// by `author` in [`REPO`].
pub fn pull_request(action: &str, number: u64, author: &str) -> Vec<u8> {
    let mut payload: serde_json::Value = serde_json::from_slice(&corpus(&format!(
        "github/pull_request/{action}.payload.json"
    )))
    .unwrap();
    payload["number"] = serde_json::json!(number);
    payload["pull_request"]["number"] = serde_json::json!(number);
    payload["pull_request"]["user"]["login"] = serde_json::json!(author);
    payload["repository"]["full_name"] = serde_json::json!(REPO);
    serde_json::to_vec(&payload).unwrap()
}

/// Watch [`REPO`] in [`CHANNEL`] and add the [`POOL`].
pub async fn set_up(baton: &Baton) {
    let reply = baton
        .command(CHANNEL, ADMIN, "reviewers watch codertocat/hello-world")
        .await;
    assert!(reply.starts_with("Done."), "{reply}");
    for (login, user) in POOL {
        let reply = baton
            .command(CHANNEL, ADMIN, &format!("reviewers add {login} <@{user}>"))
            .await;
        assert!(reply.starts_with("Done."), "{reply}");
    }
}
