//! GitHub App authentication, black-box: Baton signs App JWTs with the test
//! App's key and acts per installation against a fake GitHub that checks
//! the JWT's RS256 signature and claims, mints short-lived installation
//! tokens and refuses expired ones (`common::fake_github_app`).

use crate::common;

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
        .contains("could not be decoded"));
    assert!(fake_github_app::check_jwt("nope").is_err());
}

/// Run the `baton` binary in a fresh folder with only a data file, a free
/// listen address and `env` (which may override both); (exit code, stdout,
/// stderr).
fn baton_cli(args: &[&str], env: &[(&str, String)]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec![
        (
            "BATON_DATA",
            dir.path().join("baton.redb").display().to_string(),
        ),
        ("BATON_LISTEN", format!("127.0.0.1:{}", common::free_port())),
    ];
    all.extend_from_slice(env);
    common::baton_cli(args, &all, dir.path())
}

#[tokio::test]
async fn doctor_checks_the_app_and_names_the_fix_when_it_fails() {
    let fake = fake_github_app::start(3600, &[(1, "Codertocat"), (2, "other-org")]).await;
    let env = fake_github_app::settings(&fake.server);
    let run = |env: Vec<(&'static str, String)>| {
        tokio::task::spawn_blocking(move || baton_cli(&["doctor"], &env))
    };
    let (_, out, err) = run(env.clone()).await.unwrap();
    assert!(
        out.contains("✔ GitHub App: GET /app OK")
            && out.contains("App baton-test (id 4711)")
            && out.contains("Codertocat (installation 1, 10 repositories)")
            && out.contains("other-org (installation 2, 20 repositories)"),
        "{out}{err}"
    );

    // The id of no App.
    let mut wrong_id = env.clone();
    wrong_id[0].1 = "999".into();
    let (code, out, _) = run(wrong_id).await.unwrap();
    assert_ne!(code, 0);
    assert!(
        out.contains("✘ GitHub App") && out.contains("GITHUB_APP_ID (999) is not this key's App"),
        "{out}"
    );

    // Another key than the App's.
    let other_key = tempfile::NamedTempFile::new().unwrap();
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(other_key.path())
        .arg("2048")
        .output();
    if made.is_ok_and(|o| o.status.success()) {
        let mut wrong_key = env.clone();
        wrong_key[1].1 = other_key.path().display().to_string();
        let (code, out, _) = run(wrong_key).await.unwrap();
        assert_ne!(code, 0);
        assert!(
            out.contains("the private key does not belong to this App"),
            "{out}"
        );
    }
}

#[test]
fn the_app_manifest_is_printed_for_https_only() {
    let (code, out, _) = baton_cli(
        &[
            "github",
            "app-manifest",
            "--url",
            "https://baton.example.com",
        ],
        &[],
    );
    assert_eq!(code, 0);
    let manifest: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        manifest["hook_attributes"]["url"],
        "https://baton.example.com/github/webhook"
    );
    assert_eq!(manifest["default_permissions"]["pull_requests"], "write");
    let (code, _, err) = baton_cli(
        &[
            "github",
            "app-manifest",
            "--url",
            "http://baton.example.com",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("https://"), "{err}");
}

#[test]
fn a_token_and_an_app_together_are_refused_naming_both() {
    let env = vec![
        ("GITHUB_APP_ID", "4711".to_string()),
        (
            "GITHUB_APP_PRIVATE_KEY_FILE",
            fake_github_app::PRIVATE_KEY_FILE.to_string(),
        ),
        ("GITHUB_TOKEN", "ghp-test".to_string()),
    ];
    let (code, out, err) = baton_cli(&["config", "check"], &env);
    assert_ne!(code, 0);
    let text = out + &err;
    assert!(
        text.contains("GITHUB_TOKEN and GITHUB_APP_ID are both set"),
        "{text}"
    );
    assert!(!text.contains("BEGIN RSA"), "the key is never printed");
}
