//! First ten minutes, black-box: the manifest and webhook helpers, `baton
//! doctor` against fakes that succeed and fail, help and mentions.

use crate::common;

use common::{baton_cli, fake_slack, Baton};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn slack_manifest_and_github_webhook_print_ready_to_paste_text() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = baton_cli::<&str, &str>(
        &["slack", "manifest", "--url", "https://baton.example.com"],
        &[],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert!(out.contains("url: https://baton.example.com/slack/commands"));
    assert!(out.contains("request_url: https://baton.example.com/slack/events"));
    let (code, _, err) =
        baton_cli::<&str, &str>(&["slack", "manifest", "--url", "nope"], &[], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("--url"));
    let (code, out, _) = baton_cli::<&str, &str>(
        &["github", "webhook", "--url", "https://baton.example.com"],
        &[],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert!(out.contains("https://baton.example.com/github/webhook"));
    assert!(out.contains("application/json"));
    assert!(out.contains("pull_request_review"));
}

#[test]
fn config_check_redacts_and_names_bad_settings() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = baton_cli(
        &["config", "check"],
        &[("SLACK_BOT_TOKEN", "xoxb-hidden-value")],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert!(out.contains("SLACK_BOT_TOKEN") && out.contains("[redacted]"));
    assert!(!out.contains("xoxb-hidden-value"));
    std::fs::write(
        dir.path().join("baton.toml"),
        "listen = \"127.0.0.1:4000\"\n",
    )
    .unwrap();
    let (code, out, _) = baton_cli::<&str, &str>(&["config", "check"], &[], dir.path());
    assert_eq!(code, 0);
    assert!(
        out.contains("127.0.0.1:4000") && out.contains("baton.toml"),
        "{out}"
    );
    // The environment beats baton.toml; flags beat the environment.
    let (_, out, _) = baton_cli(
        &["config", "check", "--listen", "127.0.0.1:5000"],
        &[("BATON_LISTEN", "127.0.0.1:4500")],
        dir.path(),
    );
    assert!(
        out.contains("127.0.0.1:5000") && out.contains("(flag)"),
        "{out}"
    );
    let (code, _, err) = baton_cli(
        &["config", "check"],
        &[("BATON_ERROR_WINDOW", "soon")],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("BATON_ERROR_WINDOW"), "{err}");
}

#[tokio::test]
async fn doctor_passes_against_healthy_fakes() {
    let slack = MockServer::start().await;
    Mock::given(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "url": "https://t.slack.com/", "team": "Demo Team", "user": "baton", "team_id": "T1", "user_id": "UBATON"})))
        .mount(&slack)
        .await;
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": "baton-bot", "id": 1})),
        )
        .mount(&github)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let slack_url = format!("{}/api", slack.uri());
    let github_url = github.uri();
    let data = dir.path().join("d/baton.redb").display().to_string();
    let listen = format!("127.0.0.1:{}", common::free_port());
    let env = [
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", slack_url.as_str()),
        ("SLACK_SIGNING_SECRET", "0123456789abcdef0123456789abcdef"),
        ("GITHUB_TOKEN", "ghp-test"),
        ("GITHUB_API_URL", github_url.as_str()),
        ("GITHUB_WEBHOOK_SECRET", "a-long-random-webhook-secret"),
        ("BATON_HOOK_TOKEN", "0123456789abcdef0123"),
        ("BATON_DATA", data.as_str()),
        ("BATON_LISTEN", listen.as_str()),
    ];
    let dir_path = dir.path().to_path_buf();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (code, out, err) =
        tokio::task::spawn_blocking(move || baton_cli(&["doctor"], &env, &dir_path))
            .await
            .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("✔ Slack bot token: auth.test OK") && out.contains("UBATON"),
        "{out}"
    );
    assert!(
        out.contains("✔ GitHub token: GET /user OK") && out.contains("baton-bot"),
        "{out}"
    );
    assert!(out.contains("✔ Data file"));
    assert!(out.contains("✔ Listen address"));
}

#[tokio::test]
async fn doctor_fails_with_a_fix_for_each_problem() {
    let slack = MockServer::start().await;
    Mock::given(path("/api/auth.test"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
        )
        .mount(&slack)
        .await;
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})),
        )
        .mount(&github)
        .await;
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = busy.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let slack_url = format!("{}/api", slack.uri());
    let github_url = github.uri();
    let env = [
        ("SLACK_BOT_TOKEN", "xoxb-bad"),
        ("SLACK_API_URL", slack_url.as_str()),
        ("GITHUB_TOKEN", "ghp-bad"),
        ("GITHUB_API_URL", github_url.as_str()),
        ("BATON_HOOK_TOKEN", "short"),
        ("BATON_LISTEN", listen.as_str()),
    ];
    let dir_path = dir.path().to_path_buf();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (code, out, _) =
        tokio::task::spawn_blocking(move || baton_cli(&["doctor"], &env, &dir_path))
            .await
            .unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✘ Slack bot token: auth.test failed: Slack error invalid_auth"),
        "{out}"
    );
    assert!(
        out.contains("✘ GitHub token: GET /user failed: GitHub answered HTTP 401"),
        "{out}"
    );
    assert!(out.contains("✘ Hook token"));
    assert!(out.contains("✘ Listen address"));
    assert_eq!(out.matches("    fix: ").count(), 4, "{out}");
    assert!(out.contains("– Slack signing secret: not set"));
    drop(busy);
}

#[tokio::test]
async fn help_and_unknown_subcommands() {
    let baton = Baton::start(&[]).await;
    let help = baton.command("C1", "U1", "help").await;
    for spec in [
        "reviewers add",
        "deploys watch",
        "lock",
        "errors subscribe",
        "help",
    ] {
        assert!(
            help.contains(&format!("/baton {spec}")),
            "help lacks {spec}: {help}"
        );
    }
    let topic = baton.command("C1", "U1", "help deploys").await;
    assert!(topic.contains("/baton lock") && !topic.contains("/baton reviewers add"));
    let unknown = baton.command("C1", "U1", "reviewrs list").await;
    assert!(
        unknown.contains("Did you mean `/baton reviewers list`"),
        "{unknown}"
    );
}

#[tokio::test]
async fn a_mention_answers_with_what_the_channel_is_set_up_for() {
    let slack = fake_slack::ok().await;
    let api = format!("{}/api", slack.uri());
    let baton = Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &api)]).await;
    let event = json!({"type": "app_mention", "user": "U1", "channel": "CHELP", "text": "<@UBATONBOT> what can you do?"});
    assert_eq!(baton.slack_event("EvMention", event).await.status(), 200);
    baton.drained().await;
    let posts = fake_slack::calls(&slack, "chat.postMessage").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["channel"], "CHELP");
    let text = posts[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Reviewers: not set up") && text.contains("/baton help"),
        "{text}"
    );
    assert!(
        posts[0]["blocks"].is_array(),
        "Block Kit with a plain-text fallback"
    );
}

#[tokio::test]
async fn a_mention_in_a_set_up_channel_lists_what_is_set_up() {
    let slack = fake_slack::ok().await;
    let api = format!("{}/api", slack.uri());
    let baton = Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &api)]).await;
    baton
        .command("CSET", "U1", "reviewers watch octo/api")
        .await;
    baton
        .command("CSET", "U1", "reviewers add monalisa <@U0MONA|mona>")
        .await;
    baton
        .command("CSET", "U1", "deploys watch checkout production")
        .await;
    baton
        .command("CSET", "U1", "errors subscribe service=checkout")
        .await;
    baton.drained().await;
    let before = fake_slack::calls(&slack, "chat.postMessage").await.len();
    let event =
        json!({"type": "app_mention", "user": "U1", "channel": "CSET", "text": "<@UBATONBOT>"});
    assert_eq!(baton.slack_event("EvMentionSet", event).await.status(), 200);
    baton.drained().await;
    let posts = fake_slack::calls(&slack, "chat.postMessage").await;
    assert_eq!(posts.len(), before + 1);
    let text = posts.last().unwrap()["text"].as_str().unwrap().to_string();
    assert!(text.contains("1 reviewer(s) for octo/api"), "{text}");
    assert!(
        text.contains("Deploys: watching") && text.contains("checkout"),
        "{text}"
    );
    assert!(
        text.contains("Errors:") && !text.contains("Errors: not set up"),
        "{text}"
    );
}
