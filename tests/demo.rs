//! The demo, black-box: `baton demo` runs its whole scenario against local
//! fakes of Slack and GitHub, and every message it sends passes the shared
//! validator (`common::slack_rules`); offline, it prints what Slack would
//! show (a log tail's `==>` as written, not `==&gt;`).

use crate::common;

use std::process::Command;

use common::fake_slack;

/// Run `baton demo` with `env`; returns its stdout after a successful exit.
async fn run_demo(env: &[(&str, String)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("demo")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "demo failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn every_message_of_the_demo_passes_the_validator() {
    let slack = fake_slack::ok().await;
    let github = common::fake_github::ok().await;
    run_demo(&[
        ("SLACK_BOT_TOKEN", "xoxb-demo-test".into()),
        ("SLACK_API_URL", format!("{}/api", slack.uri())),
        ("GITHUB_TOKEN", "ghp-demo-test".into()),
        ("GITHUB_API_URL", github.uri()),
    ])
    .await;
    // `calls` holds every recorded post and update to the validator.
    let posts = fake_slack::calls(&slack, "chat.postMessage").await;
    let updates = fake_slack::calls(&slack, "chat.update").await;
    assert!(
        posts.len() >= 10,
        "the demo posted {} messages",
        posts.len()
    );
    assert!(!updates.is_empty(), "the demo updated messages in place");
    let log_tail = posts
        .iter()
        .filter_map(|p| serde_json::to_string(&p["blocks"]).ok())
        .find(|b| b.contains("building image"))
        .expect("the failed deploy's log tail");
    assert!(log_tail.contains("==&gt; building image"), "{log_tail}");
}

#[tokio::test]
async fn offline_the_demo_prints_what_slack_would_show() {
    let stdout = run_demo(&[]).await;
    assert!(stdout.contains("│ ==> building image"), "{stdout}");
    assert!(
        !stdout.contains("&gt;") && !stdout.contains("&lt;"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`/baton reviewers watch <owner/repo>`"),
        "{stdout}"
    );
    // A short review lifecycle, in direct messages.
    for step in [
        "Slack chat.postMessage → UHUBOT",
        "You are asked to review this pull request",
        "requested changes on octo-org/api#101",
        "asks for your review again",
        "it is ready to merge",
        ":white_check_mark: Approved: ready to merge",
        ":alarm_clock: Reminder:",
    ] {
        assert!(stdout.contains(step), "{step} in {stdout}");
    }
}
