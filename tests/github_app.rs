//! GitHub App authentication, black-box: Baton signs App JWTs with the test
//! App's key and acts per installation against a fake GitHub that checks
//! the JWT's RS256 signature and claims, mints short-lived installation
//! tokens and refuses expired ones (`common::fake_github_app`).

mod common;

use std::time::Duration;

use common::fake_github_app::{self, FakeApp};
use common::review_pool::{self, pull_request, ADMIN, POOL, REPO};
use common::Baton;
use serde_json::{json, Value};

/// A second repository, installed through a second installation.
const OTHER_REPO: &str = "other-org/widgets";
const OTHER_CHANNEL: &str = "C0WIDGETS";

async fn start_baton(fake: &FakeApp) -> Baton {
    let settings = fake_github_app::settings(&fake.server);
    let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let baton = Baton::start(&env).await;
    review_pool::set_up(&baton).await;
    baton
}

/// `pull_request/opened` for `number` in `repo`, sent by `installation`.
fn opened(repo: &str, number: u64, installation: u64) -> Vec<u8> {
    let mut payload: Value =
        serde_json::from_slice(&pull_request("opened", number, "mojombo")).unwrap();
    payload["repository"]["full_name"] = json!(repo);
    payload["installation"] =
        json!({"id": installation, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="});
    serde_json::to_vec(&payload).unwrap()
}

async fn deliver(baton: &Baton, repo: &str, number: u64, installation: u64) {
    let status = baton
        .github(
            "pull_request",
            &format!("app-{repo}-{number}"),
            &opened(repo, number, installation),
        )
        .await
        .status();
    assert!(status.is_success(), "#{number}: {status}");
    baton.drained().await;
}

#[tokio::test]
async fn each_installation_requests_reviewers_with_its_own_token() {
    let fake = fake_github_app::start(3600, &[(1, "Codertocat"), (2, "other-org")]).await;
    let baton = start_baton(&fake).await;
    let reply = baton
        .command(
            OTHER_CHANNEL,
            ADMIN,
            &format!("reviewers watch {OTHER_REPO}"),
        )
        .await;
    assert!(reply.starts_with("Done."), "{reply}");
    let (login, user) = POOL[0];
    let reply = baton
        .command(
            OTHER_CHANNEL,
            ADMIN,
            &format!("reviewers add {login} <@{user}>"),
        )
        .await;
    assert!(reply.starts_with("Done."), "{reply}");

    deliver(&baton, REPO, 5, 1).await;
    deliver(&baton, OTHER_REPO, 6, 2).await;
    deliver(&baton, REPO, 7, 1).await;

    let seen = fake.seen.lock().unwrap();
    assert!(
        seen.refused.is_empty(),
        "the fake refused: {:?}",
        seen.refused
    );
    let calls: Vec<(String, u64)> = seen
        .reviewer_calls
        .iter()
        .map(|(m, path, installation)| (format!("{m} {path}"), *installation))
        .collect();
    assert_eq!(
        calls,
        [
            (format!("POST /repos/{REPO}/pulls/5/requested_reviewers"), 1),
            (
                format!("POST /repos/{OTHER_REPO}/pulls/6/requested_reviewers"),
                2
            ),
            (format!("POST /repos/{REPO}/pulls/7/requested_reviewers"), 1),
        ]
    );
    // One token per installation, minted once and then reused.
    assert_eq!(seen.mints, [1, 2]);
    drop(seen);
    // No token nor the key reaches the log.
    let log = baton.stderr() + &baton.stdout();
    assert!(!log.contains("ghs_installation"), "a token was logged");
    assert!(!log.contains("PRIVATE KEY"), "the key was logged");
}

#[tokio::test]
async fn an_installation_token_near_expiry_is_renewed_before_use() {
    // Tokens that live 8 s: Baton renews them with half their life left.
    let fake = fake_github_app::start(8, &[(1, "Codertocat")]).await;
    let baton = start_baton(&fake).await;

    deliver(&baton, REPO, 11, 1).await;
    deliver(&baton, REPO, 12, 1).await;
    assert_eq!(
        fake.seen.lock().unwrap().mints,
        [1],
        "the fresh token is reused"
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    deliver(&baton, REPO, 13, 1).await;
    {
        let seen = fake.seen.lock().unwrap();
        assert_eq!(seen.mints, [1, 1], "a token with 3 s left was renewed");
        assert!(
            seen.refused.is_empty(),
            "the fake refused: {:?}",
            seen.refused
        );
        assert_eq!(seen.reviewer_calls.len(), 3);
    }

    // The fake does refuse an expired token, as GitHub does.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!fake.accepts_token(&fake.token(1, 1)).await);
}

#[test]
fn the_fake_checks_the_jwt_like_github() {
    // A JWT from another key, or with claims GitHub refuses, is refused.
    let forged = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0NzExIn0.AAAA";
    assert!(fake_github_app::check_jwt(forged)
        .unwrap_err()
        .contains("signature"));
    assert!(fake_github_app::check_jwt("nope").is_err());
}
