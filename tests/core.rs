//! The core contract, black-box: signatures, parsing, dedup, durability
//! across `kill -9`, retries and dead letters, limits, health and shutdown.

use crate::common;

use common::{corpus, fake_slack, Baton, BOT_USER};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn bot_joined(channel: &str) -> serde_json::Value {
    json!({"type": "member_joined_channel", "user": BOT_USER, "channel": channel, "channel_type": "C"})
}

#[tokio::test]
async fn every_github_corpus_payload_is_accepted_by_the_webhook() {
    let baton = Baton::start(&[]).await;
    let root = common::corpora().join("github");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let event = dir.file_name().unwrap().to_str().unwrap().to_string();
        if !dir.is_dir() || event == "schemas" {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let body = std::fs::read(&file).unwrap();
            let response = baton
                .github(&event, &format!("corpus-{checked}"), &body)
                .await;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert!(
                matches!(status, 200 | 202),
                "{} answered {status}: {text}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} payloads found");
    assert!(baton
        .http
        .get(baton.url("/healthz"))
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
}

#[tokio::test]
async fn every_slack_corpus_payload_is_accepted() {
    let baton = Baton::start(&[]).await;
    let slack = common::corpora().join("slack");
    let events = [
        "bolt-python/events/app_mention.event_callback.json",
        "bolt-python/events/member_joined_channel.event_callback.json",
        "bolt-python/events/message.message_body.event_callback.json",
        "bolt-python/events/message.message_body2.event_callback.json",
        "bolt-python/events/message.message_body3.event_callback.json",
        "bolt-python/events/message_file_share.event_callback.json",
        "bolt-python/events/url_verification.json",
        "python-slack-events-api/reaction_added.json",
        "python-slack-events-api/url_challenge.json",
    ];
    for file in events {
        let body = std::fs::read(slack.join(file)).unwrap();
        let response = baton
            .slack("/slack/events", &body, "application/json")
            .await;
        assert_eq!(
            response.status(),
            200,
            "{file}: {}",
            response.text().await.unwrap()
        );
    }
    let challenge: serde_json::Value = baton
        .slack(
            "/slack/events",
            &corpus("slack/python-slack-events-api/url_challenge.json"),
            "application/json",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(challenge["challenge"], "valid_challenge_token");

    for file in [
        "bolt-python/slash_commands/hello-world.form-body.txt",
        "python-slack-sdk/slash_commands/webhook-collect.form-body.txt",
    ] {
        let body = std::fs::read(slack.join(file)).unwrap();
        let response = baton
            .slack(
                "/slack/commands",
                &body,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(response.status(), 200, "{file}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["response_type"], "ephemeral", "{file}");
    }
    let body = corpus("slack/bolt-python/interactivity/block_actions.form-body.txt");
    let response = baton
        .slack(
            "/slack/interactions",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn bad_signatures_get_401_and_store_nothing() {
    let baton = Baton::start(&[]).await;
    let body = corpus("github/pull_request/opened.payload.json");
    let bad = baton
        .http
        .post(baton.url("/github/webhook"))
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", "same-id")
        .header(
            "X-Hub-Signature-256",
            "sha256=0000000000000000000000000000000000000000000000000000000000000000",
        )
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let missing = baton
        .http
        .post(baton.url("/github/webhook"))
        .header("X-GitHub-Event", "ping")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    // The refused delivery id was not stored: the signed one is not a duplicate.
    let good: serde_json::Value = baton
        .github("pull_request", "same-id", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(good["duplicate"], serde_json::Value::Null, "{good}");

    // Slack: stale timestamp and wrong signature.
    let event =
        json!({"type": "event_callback", "event_id": "Ev1", "event": bot_joined("C1")}).to_string();
    let stale = baton
        .http
        .post(baton.url("/slack/events"))
        .header(
            "X-Slack-Request-Timestamp",
            (common::now() - 600).to_string(),
        )
        .header("X-Slack-Signature", "v0=00")
        .body(event.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 401);
    let wrong = baton
        .http
        .post(baton.url("/slack/events"))
        .header("X-Slack-Request-Timestamp", common::now().to_string())
        .header(
            "X-Slack-Signature",
            "v0=0000000000000000000000000000000000000000000000000000000000000000",
        )
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let hook = baton
        .http
        .post(baton.url("/hooks/deploy"))
        .bearer_auth("wrong")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 401);
    baton.drained().await;
    assert!(
        !baton.stdout().contains("Hi, I'm"),
        "a refused event must not act"
    );
}

#[tokio::test]
async fn bad_bodies_get_400_naming_the_problem_and_oversized_413() {
    let baton = Baton::start(&[
        ("BATON_SLACK_BODY_LIMIT", "2048"),
        ("BATON_GITHUB_BODY_LIMIT", "4096"),
    ])
    .await;
    let response = baton
        .github("pull_request", "d1", b"{\"action\":\"opened\"}")
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("pull_request"));
    let response = baton.github("pull_request", "d2", b"not json at all").await;
    assert_eq!(response.status(), 400);
    let response = baton
        .http
        .post(baton.url("/github/webhook"))
        .header(
            "X-Hub-Signature-256",
            format!("sha256={}", {
                use hmac::{Hmac, KeyInit, Mac};
                let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(
                    common::GITHUB_SECRET.as_bytes(),
                )
                .unwrap();
                mac.update(b"{}");
                hex::encode(mac.finalize().into_bytes())
            }),
        )
        .header("X-GitHub-Delivery", "d3")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("X-GitHub-Event"));
    let response = baton
        .slack(
            "/slack/events",
            br#"{"type":"event_callback","event":{"type":"app_mention","user":"U1","channel":"C1"}}"#,
            "application/json",
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("event_id"));
    let response = baton
        .slack(
            "/slack/commands",
            b"text=only",
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(response.status(), 400);
    let response = baton
        .slack(
            "/slack/interactions",
            b"payload=%7Bnope",
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(response.status(), 400);
    let big = vec![b'x'; 8192];
    assert_eq!(
        baton
            .slack("/slack/events", &big, "application/json")
            .await
            .status(),
        413
    );
    assert_eq!(baton.github("push", "d4", &big).await.status(), 413);
    // Unknown event kinds are accepted and ignored.
    assert_eq!(baton.github("star", "d5", b"{}").await.status(), 202);
    assert_eq!(
        baton
            .http
            .get(baton.url("/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn unset_secrets_answer_503_naming_the_setting() {
    let baton = Baton::start(&[
        ("GITHUB_WEBHOOK_SECRET", ""),
        ("SLACK_SIGNING_SECRET", ""),
        ("BATON_HOOK_TOKEN", ""),
    ])
    .await;
    for (path, setting) in [
        ("/github/webhook", "GITHUB_WEBHOOK_SECRET"),
        ("/slack/events", "SLACK_SIGNING_SECRET"),
        ("/slack/commands", "SLACK_SIGNING_SECRET"),
        ("/hooks/deploy", "BATON_HOOK_TOKEN"),
        ("/hooks/errors", "BATON_HOOK_TOKEN"),
    ] {
        let response = baton
            .http
            .post(baton.url(path))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "{path}");
        assert!(response.text().await.unwrap().contains(setting), "{path}");
    }
}

#[tokio::test]
async fn a_redelivered_event_acts_once() {
    let slack = fake_slack::ok().await;
    let api = format!("{}/api", slack.uri());
    let baton = Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &api)]).await;
    for retry in ["", "1", "2"] {
        let body = json!({"type": "event_callback", "event_id": "EvSAME", "event": {"type": "app_mention", "user": "U1", "channel": "C9", "text": "<@UBATONBOT>"}});
        let headers: Vec<(&str, &str)> = if retry.is_empty() {
            vec![]
        } else {
            vec![
                ("X-Slack-Retry-Num", retry),
                ("X-Slack-Retry-Reason", "http_timeout"),
            ]
        };
        let response = baton
            .slack_with_headers(
                "/slack/events",
                body.to_string().as_bytes(),
                "application/json",
                &headers,
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    baton.drained().await;
    assert_eq!(fake_slack::calls(&slack, "chat.postMessage").await.len(), 1);
    assert_eq!(
        baton
            .metric("baton_events_duplicate_total{source=\"slack\"}")
            .await,
        Some(2.0)
    );
}

#[tokio::test]
async fn an_acknowledged_event_survives_kill_9_and_is_sent_after_restart() {
    // Slack is down at first: the message waits in the outbox.
    let down_port = common::free_port();
    let down = format!("http://127.0.0.1:{down_port}/api");
    let mut baton =
        Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &down)]).await;
    assert_eq!(
        baton
            .slack_event("EvKILL", bot_joined("CKILL"))
            .await
            .status(),
        200
    );
    common::eventually(10, "a failed attempt", || async {
        baton
            .metric("baton_deliveries_retried_total")
            .await
            .is_some()
    })
    .await;
    baton.kill9();

    let slack = MockServer::start().await;
    fake_slack::mount_ok(&slack).await;
    let up = format!("{}/api", slack.uri());
    baton.env.retain(|(k, _)| k != "SLACK_API_URL");
    baton.env.push(("SLACK_API_URL".into(), up));
    baton.spawn().await;
    common::eventually(20, "the intro is delivered after restart", || async {
        !fake_slack::calls(&slack, "chat.postMessage")
            .await
            .is_empty()
    })
    .await;
    let calls = fake_slack::calls(&slack, "chat.postMessage").await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["channel"], "CKILL");
    // The same event redelivered after the restart still acts once.
    assert_eq!(
        baton
            .slack_event("EvKILL", bot_joined("CKILL"))
            .await
            .status(),
        200
    );
    baton.drained().await;
    assert_eq!(fake_slack::calls(&slack, "chat.postMessage").await.len(), 1);
}

#[tokio::test]
async fn slack_500_then_429_then_200_delivers_exactly_once() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"ok": false, "error": "ratelimited"})),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fake_slack::ok_body()))
        .with_priority(3)
        .mount(&slack)
        .await;
    fake_slack::mount_empty_history(&slack).await;
    let api = format!("{}/api", slack.uri());
    let baton = Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &api)]).await;
    assert_eq!(
        baton
            .slack_event("EvRETRY", bot_joined("C1"))
            .await
            .status(),
        200
    );
    common::eventually(20, "delivery after retries", || async {
        baton.metric("baton_deliveries_total").await == Some(1.0)
    })
    .await;
    baton.drained().await;
    let attempts = fake_slack::calls(&slack, "chat.postMessage").await.len();
    assert_eq!(attempts, 3, "500, 429, then 200");
    assert_eq!(
        baton.metric("baton_deliveries_retried_total").await,
        Some(2.0)
    );
    assert_eq!(baton.metric("baton_dead_letters").await, Some(0.0));
}

#[tokio::test]
async fn channel_not_found_leaves_a_dead_letter() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "channel_not_found"})),
        )
        .mount(&slack)
        .await;
    let api = format!("{}/api", slack.uri());
    let baton = Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &api)]).await;
    assert_eq!(
        baton
            .slack_event("EvDEAD", bot_joined("CGONE"))
            .await
            .status(),
        200
    );
    baton.drained().await;
    assert_eq!(baton.metric("baton_dead_letters").await, Some(1.0));
    assert_eq!(
        fake_slack::calls(&slack, "chat.postMessage").await.len(),
        1,
        "a permanent failure is not retried"
    );
    assert!(baton.stderr().contains("channel_not_found"));
}

#[tokio::test]
async fn the_intro_is_posted_once_per_channel() {
    let baton = Baton::start(&[]).await;
    for (i, channel) in ["CA", "CA", "CB"].iter().enumerate() {
        assert_eq!(
            baton
                .slack_event(&format!("EvJoin{i}"), bot_joined(channel))
                .await
                .status(),
            200
        );
    }
    // Someone else joining does not trigger it.
    let other = json!({"type": "member_joined_channel", "user": "U999", "channel": "CC"});
    assert_eq!(baton.slack_event("EvJoinOther", other).await.status(), 200);
    baton.drained().await;
    let out = baton.stdout();
    assert_eq!(out.matches("Hi, I'm *Baton*").count(), 2, "{out}");
    assert!(out.contains("Slack chat.postMessage → CA"));
    assert!(out.contains("Slack chat.postMessage → CB"));
}

#[tokio::test]
async fn health_readiness_metrics_and_clean_shutdown() {
    let mut baton = Baton::start(&[]).await;
    assert_eq!(
        baton
            .http
            .get(baton.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        baton
            .http
            .get(baton.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    baton
        .github("ping", "p1", &corpus("github/ping/payload.json"))
        .await;
    let metrics = baton.metrics_text().await;
    assert!(
        metrics.contains("baton_http_requests_total{route=\"/github/webhook\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("baton_outbox_depth 0"));
    assert!(metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .all(|l| l.starts_with("baton_")));
    assert_eq!(baton.terminate(), Some(0));
    // The data file is closed: a new process opens it.
    baton.spawn().await;
}

#[tokio::test]
async fn a_second_process_on_the_same_file_says_so() {
    let baton = Baton::start(&[]).await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("serve")
        .env_clear()
        .env("BATON_LISTEN", format!("127.0.0.1:{}", common::free_port()))
        .env("BATON_DATA", baton.dir.join("baton.redb"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("already open in another Baton process"),
        "{stderr}"
    );
}

#[tokio::test]
async fn secrets_never_reach_the_logs_or_the_data_file() {
    let baton = Baton::start(&[
        ("SLACK_BOT_TOKEN", "xoxb-supersecret-token"),
        ("SLACK_API_URL", "http://127.0.0.1:9/api"),
        ("RUST_LOG", "debug"),
    ])
    .await;
    baton.slack_event("EvS", bot_joined("CS")).await;
    common::eventually(10, "a failed attempt", || async {
        baton
            .metric("baton_deliveries_retried_total")
            .await
            .is_some()
    })
    .await;
    let data = std::fs::read(baton.dir.join("baton.redb")).unwrap();
    for secret in [
        "xoxb-supersecret-token",
        common::SLACK_SECRET,
        common::GITHUB_SECRET,
        common::HOOK_TOKEN,
    ] {
        assert!(!baton.stderr().contains(secret), "{secret} in the log");
        assert!(!baton.stdout().contains(secret), "{secret} on stdout");
        assert!(
            !data.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in redb"
        );
    }
}
