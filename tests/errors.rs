//! Error reports, black-box: `POST /hooks/errors` through the real binary
//! to a fake Slack — grouping, one post per window and its count when the
//! window closes, routing by subscription filters, mute and resolve (by
//! command and by button), a restart mid-window, Sentry's payload, and the
//! endpoint's answers to bad requests.

use crate::common;

use common::{eventually, fake_slack, Baton};
use serde_json::{json, Value};
use wiremock::MockServer;

const ADMIN: &str = "UADMIN";

async fn start(api: &MockServer, extra: &[(&str, &str)]) -> Baton {
    let api = format!("{}/api", api.uri());
    let mut env = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", api.as_str()),
        ("BATON_ERROR_WINDOW", "2s"),
    ];
    env.extend_from_slice(extra);
    Baton::start(&env).await
}

/// A Baton-shaped report of `service` whose message carries `id`.
fn report(service: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "service": service,
        "environment": "production",
        "level": "error",
        "message": message,
    }))
    .unwrap()
}

/// Send a report; expect 202 and return the answer.
async fn send(baton: &Baton, body: &[u8]) -> Value {
    let response = baton.hook("/hooks/errors", body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 202, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// The error posts (not notices) sent to `channel`.
async fn error_posts(api: &MockServer, channel: &str) -> Vec<Value> {
    fake_slack::calls(api, "chat.postMessage")
        .await
        .into_iter()
        .filter(|c| c["channel"] == channel && c["text"].as_str().unwrap_or("").contains(" ["))
        .collect()
}

async fn updates(api: &MockServer) -> Vec<Value> {
    fake_slack::calls(api, "chat.update").await
}

async fn subscribe(baton: &Baton, channel: &str, filters: &str) {
    let reply = baton
        .command(channel, ADMIN, &format!("errors subscribe {filters}"))
        .await;
    assert!(reply.contains("Subscribed"), "{reply}");
}

/// Press a button on an error message, as Slack posts it.
async fn press(baton: &Baton, channel: &str, action_id: &str, fingerprint: &str) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": "UPRESSER"},
        "channel": {"id": channel},
        "container": {"message_ts": "1700000000.000100", "channel_id": channel},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": action_id, "value": fingerprint}],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let response = baton
        .slack(
            "/slack/interactions",
            body.as_bytes(),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn same_error_with_different_ids_is_one_post_and_another_exception_another() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[("BATON_ERROR_WINDOW", "1m")]).await;
    subscribe(&baton, "CERR", "service=checkout").await;

    let mut fingerprints = Vec::new();
    for id in ["4f1c2a9e77", "9b0e11aa42", "0d3c5e6f81"] {
        let answer = send(
            &baton,
            &report("checkout", &format!("Order {id} failed: card declined")),
        )
        .await;
        assert_eq!(answer["channels"], json!(["CERR"]));
        fingerprints.push(answer["fingerprint"].as_str().unwrap().to_string());
    }
    assert!(fingerprints.iter().all(|f| *f == fingerprints[0]));
    let other = send(
        &baton,
        &serde_json::to_vec(&json!({
            "service": "checkout",
            "exception": {"type": "TimeoutError", "value": "payment gateway timed out"},
        }))
        .unwrap(),
    )
    .await;
    assert_ne!(other["fingerprint"], json!(fingerprints[0]));

    baton.drained().await;
    let posts = error_posts(&api, "CERR").await;
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(posts[0]["text"].as_str().unwrap().contains("card declined"));
    assert!(posts[1]["text"]
        .as_str()
        .unwrap()
        .contains("payment gateway timed out"));
}

#[tokio::test]
async fn a_thousand_identical_reports_become_one_post_and_one_update() {
    let api = fake_slack::ok().await;
    // Baton's time stands still during the burst, however long the machine
    // takes to send it, so all 1,000 land in one window.
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let baton = start(
        &api,
        &[
            ("BATON_ERROR_WINDOW", "10m"),
            ("BATON_TICK_EVERY", "1s"),
            (setting, file.as_str()),
        ],
    )
    .await;
    subscribe(&baton, "CBURST", "service=checkout").await;

    for batch in 0..10 {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..100 {
            let body = report(
                "checkout",
                &format!("Order {} failed: card declined", batch * 100 + i),
            );
            set.spawn(baton.post_error(body));
        }
        while let Some(status) = set.join_next().await {
            assert_eq!(status.unwrap(), 202);
        }
    }
    baton.drained().await;
    assert!(
        updates(&api).await.is_empty(),
        "no update before the window closes"
    );
    clock.advance(601);

    eventually(20, "the count update after the window closes", || async {
        !updates(&api).await.is_empty()
    })
    .await;
    baton.drained().await;
    assert_eq!(error_posts(&api, "CBURST").await.len(), 1);
    let updates = updates(&api).await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let blocks = updates[0]["blocks"].to_string();
    assert!(blocks.contains("seen 1000 times"), "{blocks}");
}

#[tokio::test]
async fn subscriptions_route_by_service_level_and_pattern() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    subscribe(&baton, "CAPI", "service=api").await;
    subscribe(&baton, "CWEB", "service=web level=warning").await;
    subscribe(&baton, "CTIMEOUT", "match=time(d\\s)?out").await;

    let channels = |v: Value| v["channels"].clone();
    assert_eq!(
        channels(send(&baton, &report("api", "db query timed out after 30s")).await),
        json!(["CAPI", "CTIMEOUT"])
    );
    let warning = serde_json::to_vec(
        &json!({"service": "web", "level": "warning", "message": "slow render of /cart"}),
    )
    .unwrap();
    assert_eq!(channels(send(&baton, &warning).await), json!(["CWEB"]));
    let info = serde_json::to_vec(
        &json!({"service": "api", "level": "info", "message": "cache warmed in 3s"}),
    )
    .unwrap();
    assert_eq!(channels(send(&baton, &info).await), json!([]));
    assert_eq!(
        channels(send(&baton, &report("billing", "invoice 12 failed")).await),
        json!([])
    );

    baton.drained().await;
    assert_eq!(error_posts(&api, "CAPI").await.len(), 1);
    assert_eq!(error_posts(&api, "CTIMEOUT").await.len(), 1);
    let web = error_posts(&api, "CWEB").await;
    assert_eq!(web.len(), 1);
    assert!(web[0]["text"].as_str().unwrap().contains("slow render"));

    let list = baton.command("CWEB", ADMIN, "errors list").await;
    assert!(list.contains("service=web"), "{list}");
    assert!(list.contains("level≥warning"), "{list}");
}

#[tokio::test]
async fn mute_and_resolve_by_command_and_a_regression_is_posted() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[("BATON_ERROR_WINDOW", "1m")]).await;
    subscribe(&baton, "CERR", "service=api").await;

    let fp = send(&baton, &report("api", "disk full on /var/7")).await["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = baton
        .command("CERR", "UONE", &format!("errors mute {fp} for 1h"))
        .await;
    assert!(reply.contains("Muted"), "{reply}");
    let answer = send(&baton, &report("api", "disk full on /var/8")).await;
    assert_eq!(answer["muted"], json!(true));
    let reply = baton
        .command("CERR", "UONE", &format!("errors unmute {fp}"))
        .await;
    assert!(reply.contains("1 report was dropped"), "{reply}");

    let reply = baton
        .command("CERR", "UONE", &format!("errors resolve {fp}"))
        .await;
    assert!(reply.contains("Resolved"), "{reply}");
    // Comes back inside the same window: a regression is posted anyway.
    send(&baton, &report("api", "disk full on /var/9")).await;
    baton.drained().await;
    let posts = error_posts(&api, "CERR").await;
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(posts[1]["text"].as_str().unwrap().contains("Regression"));
}

#[tokio::test]
async fn mute_and_resolve_by_button() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[("BATON_ERROR_WINDOW", "1m")]).await;
    subscribe(&baton, "CERR", "service=api").await;

    let muted = send(&baton, &report("api", "cache miss storm")).await["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = press(&baton, "CERR", "errors_mute", &muted).await;
    assert!(reply.contains("Muted"), "{reply}");
    assert_eq!(
        send(&baton, &report("api", "cache miss storm")).await["muted"],
        json!(true)
    );

    let resolved = send(&baton, &report("api", "queue stalled")).await["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = press(&baton, "CERR", "errors_resolve", &resolved).await;
    assert!(reply.contains("Resolved"), "{reply}");
    send(&baton, &report("api", "queue stalled")).await;

    baton.drained().await;
    let posts = error_posts(&api, "CERR").await;
    let texts: Vec<&str> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 3, "{texts:#?}");
    assert!(texts[2].contains("Regression") && texts[2].contains("queue stalled"));
    // The notices answer in the thread of the error message.
    let notices: Vec<Value> = fake_slack::calls(&api, "chat.postMessage")
        .await
        .into_iter()
        .filter(|c| c["text"].as_str().unwrap_or("").contains("<@UPRESSER>"))
        .collect();
    assert_eq!(notices.len(), 2, "{notices:#?}");
    assert!(notices.iter().all(|n| n["thread_ts"].is_string()));
}

#[tokio::test]
async fn a_restart_mid_window_neither_reposts_nor_loses_the_count() {
    let api = fake_slack::ok().await;
    // The window stays open across the restart however long it takes:
    // Baton's time stands still until the test moves it.
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let mut baton = start(
        &api,
        &[
            ("BATON_ERROR_WINDOW", "10m"),
            ("BATON_TICK_EVERY", "1s"),
            (setting, file.as_str()),
        ],
    )
    .await;
    subscribe(&baton, "CERR", "service=api").await;

    for i in 0..3 {
        send(&baton, &report("api", &format!("job {i} crashed"))).await;
    }
    baton.drained().await;
    assert_eq!(baton.terminate(), Some(0));
    baton.spawn().await;
    for i in 3..6 {
        send(&baton, &report("api", &format!("job {i} crashed"))).await;
    }
    baton.drained().await;
    assert!(updates(&api).await.is_empty(), "the window is still open");
    clock.advance(601);
    eventually(14, "the count update after restart", || async {
        !updates(&api).await.is_empty()
    })
    .await;
    baton.drained().await;
    assert_eq!(error_posts(&api, "CERR").await.len(), 1);
    let updates = updates(&api).await;
    assert_eq!(updates.len(), 1);
    assert!(updates[0]["blocks"].to_string().contains("seen 6 times"));
}

#[tokio::test]
async fn a_sentry_issue_alert_is_accepted() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    subscribe(&baton, "CFRONT", "env=prod").await;
    let body = include_bytes!("fixtures/sentry/event_alert.edited.json");
    let answer = send(&baton, body).await;
    assert_eq!(answer["channels"], json!(["CFRONT"]));
    assert_eq!(answer["fingerprint"].as_str().unwrap().len(), 16);
    baton.drained().await;
    let posts = error_posts(&api, "CFRONT").await;
    assert_eq!(posts.len(), 1);
    assert!(posts[0]["text"]
        .as_str()
        .unwrap()
        .contains("heck is not defined"));
}

#[tokio::test]
async fn bad_requests_are_refused_and_store_nothing() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[("BATON_HOOK_BODY_LIMIT", "2048")]).await;
    subscribe(&baton, "CERR", "").await;

    let response = baton
        .hook("/hooks/errors", br#"{"message": "no service"}"#)
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("`service`"));

    let response = baton
        .hook(
            "/hooks/errors",
            br#"{"service": "api", "message": "x", "level": "critical"}"#,
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("`level`"));

    let response = baton.hook("/hooks/errors", b"not json").await;
    assert_eq!(response.status(), 400);

    let response = baton
        .http
        .post(baton.url("/hooks/errors"))
        .bearer_auth("wrong-token")
        .body(report("api", "boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let big = report("api", &"x".repeat(4096));
    let response = baton.hook("/hooks/errors", &big).await;
    assert_eq!(response.status(), 413);

    baton.drained().await;
    assert!(error_posts(&api, "CERR").await.is_empty());
}

const SENTRY_SECRET: &str = "test-sentry-client-secret";

/// POST `body` to `/hooks/errors` as Sentry's integration platform does:
/// only the `Sentry-Hook-*` headers, signed with the client secret.
async fn sentry(baton: &Baton, resource: &str, body: &[u8], secret: &str) -> reqwest::Response {
    let signature = common::hmac_hex(secret, &[body]);
    baton
        .http
        .post(baton.url("/hooks/errors"))
        .header("Content-Type", "application/json")
        .header("Request-ID", "ab4ee3a1-2f5b-4a3c-8a2e-0c0b8c3f0d11")
        .header("Sentry-Hook-Resource", resource)
        .header("Sentry-Hook-Timestamp", common::now().to_string())
        .header("Sentry-Hook-Signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

fn sentry_fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/sentry/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Issue 10: real Sentry webhooks carry no `Authorization`; they are
/// verified by `Sentry-Hook-Signature` (HMAC-SHA256 of the raw body with the
/// integration's client secret). Sentry's documented example payloads,
/// unmodified, are accepted; a bad signature is 401 and stores nothing.
#[tokio::test]
async fn signed_sentry_webhooks_are_verified_and_accepted() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[("SENTRY_CLIENT_SECRET", SENTRY_SECRET)]).await;
    subscribe(&baton, "CFRONT", "").await;

    // A bad signature, a signature by another secret, and a repeated
    // signature header: refused, nothing stored.
    let error = sentry_fixture("error.created.json");
    let response = sentry(&baton, "error", &error, "not-the-secret").await;
    assert_eq!(response.status(), 401);
    let mut tampered = error.clone();
    tampered[10] ^= 1;
    let response = baton
        .http
        .post(baton.url("/hooks/errors"))
        .header("Sentry-Hook-Resource", "error")
        .header("Sentry-Hook-Signature", "00".repeat(32))
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = baton
        .http
        .post(baton.url("/hooks/errors"))
        .header("Sentry-Hook-Resource", "error")
        .header("Sentry-Hook-Signature", "00".repeat(32))
        .header("Sentry-Hook-Signature", "11".repeat(32))
        .body(error.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("repeated"));
    baton.drained().await;
    assert!(error_posts(&api, "CFRONT").await.is_empty());

    // Signed as Sentry signs: accepted and posted.
    let response = sentry(&baton, "error", &error, SENTRY_SECRET).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    let alert = sentry_fixture("event_alert.triggered.json");
    let response = sentry(&baton, "event_alert", &alert, SENTRY_SECRET).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    // Another resource (an installation, an issue change) is signed but not
    // a report: acknowledged and ignored.
    let response = sentry(
        &baton,
        "installation",
        br#"{"action":"created"}"#,
        SENTRY_SECRET,
    )
    .await;
    assert_eq!(response.status(), 202);
    baton.drained().await;
    let posts = error_posts(&api, "CFRONT").await;
    let texts: Vec<&str> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(posts.len(), 2, "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("blooopy is not defined")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("heck is not defined")),
        "{texts:?}"
    );

    // The bearer token still works for Baton's own JSON; a Sentry signature
    // does not stand in for it on other routes.
    send(&baton, &report("api", "boom")).await;
    let response = baton
        .http
        .post(baton.url("/hooks/deploy"))
        .header("Sentry-Hook-Signature", "00".repeat(32))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The secret never reaches the log.
    assert!(!baton.stderr().contains(SENTRY_SECRET));
}

/// Without `SENTRY_CLIENT_SECRET`, a signed Sentry webhook is 503 naming the
/// setting, and Baton's own bearer-token reports keep working.
#[tokio::test]
async fn sentry_webhooks_without_a_client_secret_name_the_setting() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    let response = sentry(
        &baton,
        "error",
        &sentry_fixture("error.created.json"),
        SENTRY_SECRET,
    )
    .await;
    assert_eq!(response.status(), 503);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("SENTRY_CLIENT_SECRET"));
    send(&baton, &report("api", "boom")).await;
}

#[tokio::test]
async fn under_when_5_in_10m_four_reports_stay_quiet_and_the_fifth_is_posted() {
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let api = fake_slack::ok().await;
    let baton = start(
        &api,
        &[(setting, file.as_str()), ("BATON_ERROR_WINDOW", "10m")],
    )
    .await;
    for bad in ["when=0/5m", "when=5/0s"] {
        let reply = baton
            .command("CERR", ADMIN, &format!("errors subscribe {bad}"))
            .await;
        assert!(reply.contains(&format!("`{bad}`")), "{reply}");
    }
    assert!(baton
        .command("CERR", ADMIN, "errors list")
        .await
        .contains("no error subscriptions"));
    let reply = baton
        .command(
            "CERR",
            ADMIN,
            "errors subscribe service=checkout when=5/10m",
        )
        .await;
    assert!(reply.contains("when seen 5 times within 10m"), "{reply}");

    let boom = report("checkout", "Payment gateway timed out");
    // Four, then eleven minutes of quiet: they fall out of the window.
    for _ in 0..4 {
        send(&baton, &boom).await;
        clock.advance(30);
    }
    clock.advance(11 * 60);
    for _ in 0..4 {
        send(&baton, &boom).await;
        clock.advance(30);
    }
    baton.drained().await;
    assert!(
        error_posts(&api, "CERR").await.is_empty(),
        "8 reports, never 5 within 10m"
    );

    // The fifth within ten minutes is posted, with its count.
    send(&baton, &boom).await;
    baton.drained().await;
    let posts = error_posts(&api, "CERR").await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    let text = posts[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Payment gateway timed out") && text.contains("seen 5 times in 10m"),
        "{text}"
    );
    // And later ones are grouped as usual.
    send(&baton, &boom).await;
    baton.drained().await;
    assert_eq!(error_posts(&api, "CERR").await.len(), 1);
}

#[tokio::test]
async fn resolved_until_the_next_release_stays_quiet_in_its_release_and_comes_back_in_the_next() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    subscribe(&baton, "CERR", "service=checkout").await;
    let unknown = baton
        .command(
            "CERR",
            ADMIN,
            "errors resolve 0123456789abcdef next-release",
        )
        .await;
    assert!(
        unknown.contains("has seen no error with fingerprint"),
        "{unknown}"
    );

    let in_release = |release: &str| {
        serde_json::to_vec(
            &json!({"service": "checkout", "message": "Card declined by gateway",
                                   "release": release}),
        )
        .unwrap()
    };
    let answer = send(&baton, &in_release("shop@1.4.2")).await;
    let fp = answer["fingerprint"].as_str().unwrap().to_string();
    baton.drained().await;
    assert_eq!(error_posts(&api, "CERR").await.len(), 1);

    let reply = baton
        .command("CERR", ADMIN, &format!("errors resolve {fp} next-release"))
        .await;
    assert!(
        reply.contains("until the next release") && reply.contains("`shop@1.4.2` stay quiet"),
        "{reply}"
    );
    for _ in 0..3 {
        send(&baton, &in_release("shop@1.4.2")).await;
    }
    baton.drained().await;
    assert_eq!(
        error_posts(&api, "CERR").await.len(),
        1,
        "quiet in shop@1.4.2"
    );

    send(&baton, &in_release("shop@1.5.0")).await;
    baton.drained().await;
    let posts = error_posts(&api, "CERR").await;
    assert_eq!(posts.len(), 2, "{posts:?}");
    let text = posts[1]["text"].as_str().unwrap();
    assert!(
        text.starts_with("🔁 Regression in `shop@1.5.0`: "),
        "{text}"
    );
}
