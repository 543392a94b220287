//! Deploy notices and deploy locks, black-box: the real `baton` binary, a
//! fake Slack, the real GitHub `deployment`, `deployment_status` and
//! `workflow_run` payloads, the CI hook, the lock commands and
//! `GET /api/locks/{environment}`, and the `baton notify deploy` CLI.

use crate::common;

use std::process::{Command, Output};

use common::{corpus, fake_slack, Baton, HOOK_TOKEN};
use serde_json::{json, Value};
use wiremock::MockServer;

/// The `ts` the fake Slack gives every posted message.
const TS: &str = "1700000000.000100";

async fn start() -> (MockServer, Baton) {
    start_with(&[]).await
}

/// [`start`] with more settings.
async fn start_with(extra: &[(&str, &str)]) -> (MockServer, Baton) {
    let slack = fake_slack::ok().await;
    let api = format!("{}/api", slack.uri());
    let mut settings = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", api.as_str()),
    ];
    settings.extend_from_slice(extra);
    let baton = Baton::start(&settings).await;
    (slack, baton)
}

async fn posts(slack: &MockServer) -> Vec<Value> {
    fake_slack::calls(slack, "chat.postMessage").await
}

async fn updates(slack: &MockServer) -> Vec<Value> {
    fake_slack::calls(slack, "chat.update").await
}

/// A corpus payload with some fields replaced (`path` is a JSON pointer).
fn rewrite(relative: &str, changes: &[(&str, Value)]) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&corpus(relative)).unwrap();
    for (pointer, new) in changes {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = new.clone();
    }
    serde_json::to_vec(&value).unwrap()
}

fn deployment_status(state: &str) -> Vec<u8> {
    rewrite(
        "github/deployment_status/payload.json",
        &[("/deployment_status/state", json!(state))],
    )
}

async fn send_github(baton: &Baton, event: &str, delivery: &str, body: &[u8]) {
    let response = baton.github(event, delivery, body).await;
    assert!(
        response.status().is_success(),
        "{event} {delivery}: {}",
        response.status()
    );
}

async fn hook(baton: &Baton, body: &Value) -> (u16, Value) {
    let response = baton
        .hook("/hooks/deploy", body.to_string().as_bytes())
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn text(call: &Value) -> &str {
    call["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn github_deployment_posts_once_then_updates_the_same_message() {
    let (slack, baton) = start().await;
    let reply = baton
        .command(
            "C0DEPLOYS",
            "U1",
            "deploys watch Codertocat/Hello-World production",
        )
        .await;
    assert!(reply.contains("Watching"), "{reply}");

    send_github(
        &baton,
        "deployment",
        "d-1",
        &corpus("github/deployment/payload.json"),
    )
    .await;
    baton.drained().await;
    let first = posts(&slack).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["channel"], "C0DEPLOYS");
    assert!(text(&first[0]).starts_with('⏳'), "{}", text(&first[0]));
    assert!(
        text(&first[0]).contains("production"),
        "{}",
        text(&first[0])
    );

    send_github(
        &baton,
        "deployment_status",
        "d-2",
        &deployment_status("in_progress"),
    )
    .await;
    // The corpus status as published (`success`).
    send_github(
        &baton,
        "deployment_status",
        "d-3",
        &corpus("github/deployment_status/payload.json"),
    )
    .await;
    baton.drained().await;

    assert_eq!(posts(&slack).await.len(), 1, "no second post");
    let updates = updates(&slack).await;
    assert_eq!(updates.len(), 2, "{updates:?}");
    for u in &updates {
        assert_eq!(u["ts"], TS, "chat.update targets the stored message: {u}");
    }
    assert!(text(&updates[0]).starts_with('🚀'), "{}", text(&updates[0]));
    assert!(text(&updates[1]).starts_with('✅'), "{}", text(&updates[1]));
}

/// Issue 10: GitHub Enterprise Server 3.1 sends `deployment` and
/// `deployment_status` without `action`; they are taken as `created`.
#[tokio::test]
async fn ghes_3_1_deployments_without_action_are_posted_and_updated() {
    let (slack, baton) = start().await;
    baton
        .command(
            "C0DEPLOYS",
            "U1",
            "deploys watch Codertocat/Hello-World production",
        )
        .await;
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/github-ghes-3.1"
    );
    let deployment = std::fs::read(format!("{fixtures}/deployment.payload.json")).unwrap();
    let status = std::fs::read(format!("{fixtures}/deployment_status.payload.json")).unwrap();
    assert!(!String::from_utf8_lossy(&deployment).contains("\"action\""));
    send_github(&baton, "deployment", "ghes-1", &deployment).await;
    send_github(&baton, "deployment_status", "ghes-2", &status).await;
    baton.drained().await;
    assert_eq!(posts(&slack).await.len(), 1);
    let updates = updates(&slack).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(text(&updates[0]).starts_with('✅'), "{}", text(&updates[0]));

    // A field Baton needs is still refused by name.
    let mut broken: Value = serde_json::from_slice(&deployment).unwrap();
    broken["deployment"]
        .as_object_mut()
        .unwrap()
        .remove("environment");
    let response = baton
        .github(
            "deployment",
            "ghes-3",
            &serde_json::to_vec(&broken).unwrap(),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("environment"));
}

#[tokio::test]
async fn a_late_status_after_success_sends_nothing() {
    let (slack, baton) = start().await;
    baton
        .command("C0DEPLOYS", "U1", "deploys watch codertocat/hello-world")
        .await;
    send_github(
        &baton,
        "deployment_status",
        "o-1",
        &deployment_status("success"),
    )
    .await;
    baton.drained().await;
    assert_eq!(posts(&slack).await.len(), 1);

    for (i, late) in ["in_progress", "queued", "failure"].iter().enumerate() {
        send_github(
            &baton,
            "deployment_status",
            &format!("o-late-{i}"),
            &deployment_status(late),
        )
        .await;
    }
    send_github(
        &baton,
        "deployment",
        "o-created",
        &corpus("github/deployment/payload.json"),
    )
    .await;
    baton.drained().await;
    assert_eq!(posts(&slack).await.len(), 1, "no new post");
    assert!(
        updates(&slack).await.is_empty(),
        "no update after the final status"
    );
}

/// C0RUNS watches the corpus repository's `test.yml` workflow as production.
async fn watch_the_test_workflow(baton: &Baton) {
    baton
        .command(
            "C0RUNS",
            "U1",
            "deploys watch octo-org/octo-repo production workflow=test.yml",
        )
        .await;
}

#[tokio::test]
async fn workflow_runs_are_deploys_only_where_a_watch_marks_the_workflow() {
    let (slack, baton) = start().await;
    watch_the_test_workflow(&baton).await;
    // A watch without `workflow=` hears deployments, not runs.
    baton
        .command("C0OTHER", "U1", "deploys watch octo-org/octo-repo")
        .await;

    send_github(
        &baton,
        "workflow_run",
        "w-1",
        &corpus("github/workflow_run/requested.payload.json"),
    )
    .await;
    baton.drained().await;
    let first = posts(&slack).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["channel"], "C0RUNS");
    assert!(
        text(&first[0]).contains("production"),
        "labelled by the watch: {}",
        text(&first[0])
    );

    send_github(
        &baton,
        "workflow_run",
        "w-2",
        &corpus("github/workflow_run/completed.payload.json"),
    )
    .await;
    baton.drained().await;
    assert_eq!(posts(&slack).await.len(), 1);
    let updates = updates(&slack).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["ts"], TS);
    assert!(text(&updates[0]).starts_with('✅'), "{}", text(&updates[0]));
}

#[tokio::test]
async fn a_re_run_of_a_finished_workflow_run_gets_its_own_message() {
    let (slack, baton) = start().await;
    watch_the_test_workflow(&baton).await;
    send_github(
        &baton,
        "workflow_run",
        "r-1",
        &corpus("github/workflow_run/completed.payload.json"),
    )
    .await;
    // GitHub's "Re-run jobs": the same run id, attempt 2, queued again.
    send_github(
        &baton,
        "workflow_run",
        "r-2",
        &rewrite(
            "github/workflow_run/requested.payload.json",
            &[("/workflow_run/run_attempt", json!(2))],
        ),
    )
    .await;
    baton.drained().await;
    let posted = posts(&slack).await;
    assert_eq!(posted.len(), 2, "one message per attempt: {posted:?}");
    let blocks = posted[1]["blocks"].to_string();
    assert!(blocks.contains("(attempt 2)"), "{blocks}");
    assert!(updates(&slack).await.is_empty());
}

#[tokio::test]
async fn a_failed_hook_deploy_replies_in_its_thread_with_the_log_tail() {
    let (slack, baton) = start().await;
    baton
        .command("C0DEPLOYS", "U1", "deploys watch checkout-api")
        .await;
    let started = json!({
        "service": "checkout-api", "environment": "staging", "version": "v2.14.1",
        "status": "started", "deploy_id": "8812", "url": "https://ci.example.com/builds/8812"
    });
    let (status, answer) = hook(&baton, &started).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["deploy"], "hook:checkout-api:staging:8812");
    assert_eq!(answer["status"], "in_progress");
    assert_eq!(answer["channels"], json!(["C0DEPLOYS"]));
    baton.drained().await;

    let log: String = (1..=12)
        .map(|i| format!("step {i:02}: npm ERR! code {i}\n"))
        .collect();
    let mut failed = started.clone();
    failed["status"] = json!("failed");
    failed["log_tail"] = json!(log);
    let (status, answer) = hook(&baton, &failed).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (202, Some("failure")),
        "{answer}"
    );
    baton.drained().await;

    let posts = posts(&slack).await;
    assert_eq!(posts.len(), 2, "the notice and one thread reply: {posts:?}");
    assert!(posts[0].get("thread_ts").is_none_or(Value::is_null));
    let reply = &posts[1];
    assert_eq!(
        reply["thread_ts"], TS,
        "the reply is in the notice's thread: {reply}"
    );
    let body = reply.to_string();
    assert!(
        body.contains("step 01: npm ERR!") && body.contains("step 12: npm ERR!"),
        "{body}"
    );
    let updates = updates(&slack).await;
    assert_eq!(updates.len(), 1);
    assert!(text(&updates[0]).starts_with('❌'), "{}", text(&updates[0]));

    // The same failure again: nothing more.
    let (status, answer) = hook(&baton, &failed).await;
    assert_eq!(status, 202);
    assert!(
        answer["note"]
            .as_str()
            .unwrap_or_default()
            .contains("nothing changed"),
        "{answer}"
    );
    baton.drained().await;
    assert_eq!(fake_slack::calls(&slack, "chat.postMessage").await.len(), 2);
}

#[tokio::test]
async fn the_hook_refuses_bad_bodies_and_tokens_and_stores_nothing() {
    let (slack, baton) = start().await;
    baton
        .command("C0DEPLOYS", "U1", "deploys watch web production")
        .await;
    let valid = json!({
        "service": "web", "environment": "production", "version": "1.4.0",
        "status": "failed", "deploy_id": "77", "log_tail": "boom\n"
    });
    let with = |field: &str, value: Value| {
        let mut v = valid.clone();
        v[field] = value;
        v.to_string()
    };
    let without = |fields: &[&str]| {
        let mut v = valid.clone();
        for f in fields {
            v.as_object_mut().unwrap().remove(*f);
        }
        v.to_string()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("missing service", without(&["service"]), "`service`"),
        (
            "missing environment",
            without(&["environment"]),
            "`environment`",
        ),
        ("missing status", without(&["status"]), "`status`"),
        (
            "unknown status",
            with("status", json!("done")),
            "unknown status `done`",
        ),
        ("no version, ref or sha", without(&["version"]), "`version`"),
        (
            "service not a string",
            with("service", json!(42)),
            "`service`",
        ),
        (
            "empty environment",
            with("environment", json!("")),
            "`environment`",
        ),
        (
            "two-word service",
            with("service", json!("web app")),
            "`service`",
        ),
        ("bad url", with("url", json!("ftp://x")), "`url`"),
        ("actor not a string", with("actor", json!(["a"])), "`actor`"),
        (
            "log tail over 64 KiB",
            with("log_tail", json!("x".repeat(64 * 1024 + 1))),
            "`log_tail`",
        ),
        ("not JSON", "{\"service\":".to_string(), "not valid JSON"),
        (
            "not an object",
            "[1,2]".to_string(),
            "expected a JSON object",
        ),
    ];
    for (name, body, names) in &cases {
        let response = baton.hook("/hooks/deploy", body.as_bytes()).await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, 400, "{name}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(
            error.contains(names),
            "{name}: `{error}` should name {names}"
        );
    }

    let body = valid.to_string();
    for (name, token) in [("wrong token", Some("not-the-token")), ("no token", None)] {
        let mut request = baton
            .http
            .post(baton.url("/hooks/deploy"))
            .header("Content-Type", "application/json")
            .body(body.clone());
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{name}");
    }
    baton.drained().await;
    assert!(
        posts(&slack).await.is_empty(),
        "a refused hook sends nothing"
    );

    // Nothing partial was stored: the same deploy starting now is its first event.
    let mut started = valid.clone();
    started["status"] = json!("started");
    let (status, answer) = hook(&baton, &started).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "in_progress", "{answer}");
    baton.drained().await;
    let posts = posts(&slack).await;
    assert_eq!(posts.len(), 1);
    assert!(text(&posts[0]).starts_with('🚀'), "{}", text(&posts[0]));
}

#[tokio::test]
async fn a_failures_only_channel_hears_failures_and_their_fix() {
    let (slack, baton) = start().await;
    baton
        .command("C0ALL", "U1", "deploys watch checkout-api production")
        .await;
    let reply = baton
        .command(
            "C0FAIL",
            "U1",
            "deploys watch checkout-api production only=failures",
        )
        .await;
    assert!(reply.contains("failures only"), "{reply}");
    let deploy = |version: &str, status: &str| {
        json!({"service": "checkout-api", "environment": "production", "version": version,
               "status": status, "deploy_id": version, "log_tail": "ERROR: migration 0043 failed"})
    };
    let in_channel = |posts: &[Value], channel: &str| -> Vec<Value> {
        posts
            .iter()
            .filter(|p| p["channel"] == channel)
            .cloned()
            .collect()
    };

    let (status, answer) = hook(&baton, &deploy("v1", "started")).await;
    assert_eq!(status, 202, "{answer}");
    baton.drained().await;
    assert!(in_channel(&posts(&slack).await, "C0FAIL").is_empty());

    hook(&baton, &deploy("v1", "failed")).await;
    baton.drained().await;
    let quiet = in_channel(&posts(&slack).await, "C0FAIL");
    assert_eq!(quiet.len(), 2, "the failure and its log: {quiet:?}");
    assert!(text(&quiet[0]).starts_with('❌'), "{}", text(&quiet[0]));
    assert!(quiet[1]["thread_ts"].is_string(), "{:?}", quiet[1]);

    for status in ["started", "succeeded"] {
        hook(&baton, &deploy("v2", status)).await;
    }
    baton.drained().await;
    let quiet = in_channel(&posts(&slack).await, "C0FAIL");
    assert_eq!(quiet.len(), 3, "{quiet:?}");
    assert!(
        text(&quiet[2]).starts_with(
            "✅ Fixed by `v2`: the next deploy of checkout-api to production succeeded"
        ),
        "{}",
        text(&quiet[2])
    );
    assert_eq!(quiet[2]["thread_ts"], TS, "in the failure's thread");
    // The full channel heard every deploy, and no "fixed".
    let all = in_channel(&posts(&slack).await, "C0ALL");
    assert_eq!(all.len(), 3, "v1, v1's log, v2: {all:?}");
    assert!(all.iter().all(|p| !text(p).contains("Fixed")));

    // Another success is not news in the quiet channel.
    hook(&baton, &deploy("v3", "succeeded")).await;
    baton.drained().await;
    assert_eq!(in_channel(&posts(&slack).await, "C0FAIL").len(), 3);
    let list = baton.command("C0FAIL", "U1", "deploys list").await;
    assert!(list.contains("failures only"), "{list}");
}

async fn lock_status(baton: &Baton, environment: &str) -> (u16, Value) {
    let response = baton
        .http
        .get(baton.url(&format!("/api/locks/{environment}")))
        .bearer_auth(HOOK_TOKEN)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn lock_and_unlock_through_commands_and_the_lock_api() {
    let (slack, baton) = start().await;
    baton
        .command("C0PROD", "U1", "deploys watch web production")
        .await;
    assert_eq!(
        lock_status(&baton, "production").await,
        (200, json!({"locked": false}))
    );

    let reply = baton
        .command(
            "C0OPS",
            "U024BE7LH",
            "lock production for 2h migrating the orders table",
        )
        .await;
    assert!(reply.contains("Locked `production`"), "{reply}");
    let (status, body) = lock_status(&baton, "Production").await;
    assert_eq!(status, 423, "{body}");
    assert_eq!(body["locked"], true);
    assert_eq!(body["by"], "U024BE7LH");
    assert_eq!(body["reason"], "migrating the orders table");
    for field in ["since", "expires_at"] {
        let t = body[field].as_str().unwrap_or_default();
        assert!(t.len() == 20 && t.ends_with('Z'), "{field}: {t}");
    }
    assert_eq!(
        lock_status(&baton, "staging").await,
        (200, json!({"locked": false}))
    );

    let locks = baton.command("C0OPS", "U2", "locks").await;
    assert!(
        locks.contains("`production` locked by <@U024BE7LH>"),
        "{locks}"
    );
    let again = baton.command("C0OPS", "U2", "lock production").await;
    assert!(again.contains("Already locked by <@U024BE7LH>"), "{again}");
    assert!(again.contains("You are #1 in its queue"), "{again}");
    let left = baton
        .command("C0OPS", "U2", "unlock production --queue")
        .await;
    assert_eq!(left, "You left the queue for `production`.");

    // The lock API wants the token too.
    let anonymous = baton
        .http
        .get(baton.url("/api/locks/production"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // A CI deploy through the lock is accepted, and its answer shows the lock.
    let (status, answer) = hook(
        &baton,
        &json!({"service": "web", "environment": "production", "version": "9", "status": "started"}),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["lock"]["by"], "U024BE7LH", "{answer}");

    let reply = baton.command("C0OPS", "U2", "unlock production").await;
    assert!(reply.contains("Unlocked `production`"), "{reply}");
    assert_eq!(
        lock_status(&baton, "production").await,
        (200, json!({"locked": false}))
    );
    assert_eq!(
        baton.command("C0OPS", "U2", "locks").await,
        "No environment is locked."
    );

    // Lock and unlock were announced where they were typed and where production is watched.
    baton.drained().await;
    let announced: Vec<(String, String)> = posts(&slack)
        .await
        .iter()
        .map(|p| {
            (
                p["channel"].as_str().unwrap().to_string(),
                text(p).chars().next().unwrap().to_string(),
            )
        })
        .collect();
    for channel in ["C0OPS", "C0PROD"] {
        for emoji in ["🔒", "🔓"] {
            assert!(
                announced.contains(&(channel.to_string(), emoji.to_string())),
                "{channel} {emoji}: {announced:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_lock_expires_on_its_own() {
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let (_slack, baton) = start_with(&[(setting, file.as_str())]).await;
    baton
        .command("C0OPS", "U1", "lock production for 2s smoke test")
        .await;
    assert_eq!(lock_status(&baton, "production").await.0, 423);
    clock.advance(3);
    assert_eq!(
        lock_status(&baton, "production").await,
        (200, json!({"locked": false}))
    );
    let locks = baton.command("C0OPS", "U1", "locks").await;
    assert_eq!(locks, "No environment is locked.");
    // An expired lock does not block a new one.
    let reply = baton.command("C0OPS", "U2", "lock production").await;
    assert!(reply.contains("Locked `production`"), "{reply}");
}

#[tokio::test]
async fn a_four_hour_lock_expires_when_the_clock_passes_four_hours() {
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let (_slack, baton) = start_with(&[(setting, file.as_str())]).await;
    let reply = baton.command("C0OPS", "U1", "lock production for 4h").await;
    assert!(reply.contains("Locked `production`"), "{reply}");
    clock.advance(4 * 3600 - 60);
    assert_eq!(
        lock_status(&baton, "production").await.0,
        423,
        "a minute left"
    );
    clock.advance(61);
    assert_eq!(
        lock_status(&baton, "production").await,
        (200, json!({"locked": false}))
    );
    let locks = baton.command("C0OPS", "U1", "locks").await;
    assert_eq!(locks, "No environment is locked.");
}

/// Run `baton notify deploy …` with only BATON_URL and (optionally) the token.
async fn notify(url: &str, token: Option<&str>, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("notify")
        .arg("deploy")
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BATON_URL", url);
    if let Some(t) = token {
        cmd.env("BATON_HOOK_TOKEN", t);
    }
    tokio::task::spawn_blocking(move || {
        let out = cmd.output().unwrap();
        drop(dir);
        out
    })
    .await
    .unwrap()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn notify_deploy_reports_to_a_running_baton_with_exit_codes() {
    let (slack, baton) = start().await;
    baton
        .command("C0DEPLOYS", "U1", "deploys watch checkout-api production")
        .await;
    let url = baton.url("");
    let common = [
        "--service",
        "checkout-api",
        "--env",
        "production",
        "--version",
        "v3.0.0",
    ];

    let out = notify(
        &url,
        Some(HOOK_TOKEN),
        &[&common[..], &["--status", "started"]].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hook:checkout-api:production:v3.0.0") && stdout.contains("C0DEPLOYS"),
        "{stdout}"
    );

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deploy.log");
    let lines: String = (1..=80).map(|i| format!("deploy line {i:03}\n")).collect();
    std::fs::write(&log, lines).unwrap();
    let log_arg = log.display().to_string();
    let failed = [
        &common[..],
        &[
            "--status", "failed", "--log", &log_arg, "--actor", "octocat",
        ],
    ]
    .concat();
    let out = notify(&url, Some(HOOK_TOKEN), &failed).await;
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    baton.drained().await;
    let posts = posts(&slack).await;
    assert_eq!(posts.len(), 2, "{posts:?}");
    let reply = posts[1].to_string();
    assert_eq!(posts[1]["thread_ts"], TS);
    assert!(
        reply.contains("deploy line 080") && reply.contains("deploy line 031"),
        "the last 50 lines: {reply}"
    );
    assert!(
        !reply.contains("deploy line 030"),
        "only the last 50 lines: {reply}"
    );

    // A bad status is a usage error found before sending: exit 2.
    let out = notify(
        &url,
        Some(HOOK_TOKEN),
        &[&common[..], &["--status", "exploded"]].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid value 'exploded'"),
        "{}",
        describe(&out)
    );
    // Rejected by Baton: exit 1 with its reason.
    let out = notify(
        &url,
        Some("wrong-token"),
        &[&common[..], &["--status", "started"]].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));

    // Usage: no token, or no version.
    let out = notify(
        &url,
        None,
        &[&common[..], &["--status", "started"]].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BATON_HOOK_TOKEN"));
    let out = notify(
        &url,
        Some(HOOK_TOKEN),
        &[
            "--service",
            "checkout-api",
            "--env",
            "production",
            "--status",
            "started",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));

    // Unreachable: exit 3.
    let nowhere = format!("http://127.0.0.1:{}", common::free_port());
    let out = notify(
        &nowhere,
        Some(HOOK_TOKEN),
        &[&common[..], &["--status", "started"]].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot reach Baton"),
        "{}",
        describe(&out)
    );
    baton.drained().await;
    assert_eq!(
        fake_slack::calls(&slack, "chat.postMessage").await.len(),
        2,
        "refused notices send nothing"
    );
}
