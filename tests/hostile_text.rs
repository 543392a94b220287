//! Hostile text, black-box: markup, entities, code fences and huge strings
//! in reports, payloads and commands reach the fake Slack escaped, shown as
//! written and inside Slack's limits. Every message the fake records also
//! passes the shared validator in `common::slack_rules` (checked by
//! `fake_slack::calls`).

use crate::common;

use common::{fake_slack, Baton};
use serde_json::{json, Value};
use wiremock::MockServer;

const ADMIN: &str = "UADMIN";

async fn start(api: &MockServer) -> Baton {
    let api = format!("{}/api", api.uri());
    Baton::start(&[
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", api.as_str()),
        ("BATON_ERROR_WINDOW", "2s"),
    ])
    .await
}

/// Every `text` and block text of the calls to `method`, with the channel.
async fn texts(api: &MockServer, method: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for call in fake_slack::calls(api, method).await {
        let channel = call["channel"].as_str().unwrap_or_default().to_string();
        let mut all = vec![call["text"].as_str().unwrap_or_default().to_string()];
        let blocks: Value = match &call["blocks"] {
            Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            other => other.clone(),
        };
        for block in blocks.as_array().into_iter().flatten() {
            if let Some(t) = block["text"]["text"].as_str() {
                all.push(t.to_string());
            }
            for e in block["elements"].as_array().into_iter().flatten() {
                if let Some(t) = e["text"].as_str() {
                    all.push(t.to_string());
                }
            }
        }
        out.push((channel, all.join("\n")));
    }
    out
}

/// Wait (up to 10 s) for a post whose channel and text satisfy `wanted`.
async fn post_where(api: &MockServer, wanted: impl Fn(&str, &str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some((_, text)) = texts(api, "chat.postMessage")
            .await
            .into_iter()
            .find(|(c, t)| wanted(c, t))
        {
            return text;
        }
        assert!(std::time::Instant::now() < deadline, "no such post");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_error_report_cannot_ping_a_channel_and_shows_its_brackets() {
    let api = fake_slack::ok().await;
    let baton = start(&api).await;
    let reply = baton
        .command(
            "CERR",
            ADMIN,
            "errors subscribe match=(?i)<!channel>|failed",
        )
        .await;
    assert!(reply.contains("Subscribed"), "{reply}");
    assert!(
        !reply.contains("<!"),
        "the regex is echoed escaped: {reply}"
    );

    let stack = "frame one\n```\n<!here> <https://evil.example|click>\n```\nPaymentError<T> at Service.<init>";
    let report = json!({
        "service": "web<!here>",
        "environment": "prod<@U0EVIL>",
        "level": "error",
        "message": "Payment failed <!channel> <@U123> <https://evil.example|click> & <!everyone>",
        "exception": {"type": "PaymentError<T>", "value": "in Service.<init> & more"},
        "stacktrace": stack,
        "url": "https://sentry.example/issues/1?a=1&b=2",
    });
    let response = baton
        .hook("/hooks/errors", &serde_json::to_vec(&report).unwrap())
        .await;
    assert_eq!(response.status(), 202);

    let text = &post_where(&api, |c, t| c == "CERR" && t.contains("Payment failed")).await;
    for forbidden in [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U123>",
        "<@U0EVIL>",
        "<https://evil",
    ] {
        assert!(
            !text.contains(forbidden),
            "`{forbidden}` reached Slack live:\n{text}"
        );
    }
    for shown in [
        "&lt;!channel&gt;",
        "web&lt;!here&gt;",
        "PaymentError&lt;T&gt;",
        "Service.&lt;init&gt;",
        "&amp; more",
    ] {
        assert!(text.contains(shown), "`{shown}` missing:\n{text}");
    }
    // The stack's own ``` cannot close the code block early.
    let fences = text.matches("```").count();
    assert_eq!(fences, 2, "one code block, opened and closed once:\n{text}");
    // Baton's own link survives, with its `&` escaped.
    assert!(
        text.contains("<https://sentry.example/issues/1?a=1&amp;b=2|open>"),
        "{text}"
    );
}

#[tokio::test]
async fn commands_echo_what_was_typed_escaped_once() {
    let api = fake_slack::ok().await;
    let baton = start(&api).await;

    let watch = baton
        .command("CREV", ADMIN, "reviewers watch <!channel>/x")
        .await;
    assert!(watch.contains("&lt;!channel&gt;/x"), "{watch}");
    let away = baton.command("CREV", ADMIN, "away <!channel>").await;
    assert!(!away.contains("<!"), "{away}");
    let unknown = baton.command("CREV", ADMIN, "<!here> please").await;
    assert!(unknown.contains("&lt;!here&gt;"), "{unknown}");

    // Typed `&` and `<b>`: Slack sends entities; Baton decodes once and
    // escapes once, so Slack shows exactly what was typed.
    let lock = baton
        .command("CDEP", ADMIN, "lock qa for 1h release freeze & <b>")
        .await;
    assert!(lock.contains("Locked `qa`"), "{lock}");
    let text = &post_where(&api, |_, t| t.contains("locked `qa`")).await;
    assert!(text.contains("release freeze &amp; &lt;b&gt;"), "{text}");
    assert!(!text.contains("&amp;amp;"), "escaped twice: {text}");
    let locks = baton.command("CDEP", ADMIN, "locks").await;
    assert!(locks.contains("release freeze &amp; &lt;b&gt;"), "{locks}");
}

#[tokio::test]
async fn help_placeholders_show_as_written() {
    let api = fake_slack::ok().await;
    let baton = start(&api).await;
    let help = baton.command("CHELP", ADMIN, "help").await;
    assert!(help.contains("&lt;owner/repo|owner/*&gt;"), "{help}");
    assert!(help.contains("&lt;environment&gt;"), "{help}");
    assert!(!help.contains("<owner"), "{help}");
    // The introduction too.
    baton
        .slack_event(
            "Ev-intro",
            json!({"type": "member_joined_channel", "user": common::BOT_USER, "channel": "CNEW"}),
        )
        .await;
    let intro = post_where(&api, |c, _| c == "CNEW").await;
    assert!(intro.contains("&lt;owner/repo&gt;"), "{intro}");
}

#[tokio::test]
async fn a_huge_report_stays_inside_slacks_limits() {
    let api = fake_slack::ok().await;
    let baton = start(&api).await;
    baton.command("CBIG", ADMIN, "errors subscribe").await;
    let title = format!("{}<!channel>", "&<>".repeat(40_000));
    let report = json!({
        "service": "s".repeat(5_000),
        "environment": "e".repeat(5_000),
        "level": "fatal",
        "message": title,
        "stacktrace": "```".repeat(30_000),
    });
    let body = serde_json::to_vec(&report).unwrap();
    assert!(body.len() < 1_000_000);
    assert_eq!(baton.hook("/hooks/errors", &body).await.status(), 202);
    // `post_where` reads the calls through the validator.
    post_where(&api, |c, _| c == "CBIG").await;
}

#[tokio::test]
async fn invalid_surrogates_in_json_escapes_are_refused_with_a_reason() {
    let api = fake_slack::ok().await;
    let baton = start(&api).await;
    baton.command("CSUR", ADMIN, "errors subscribe").await;
    let bodies: [&[u8]; 3] = [
        br#"{"service":"api","environment":"prod","level":"error","message":"bad \ud800 half"}"#,
        br#"{"service":"api\udfff","environment":"prod","level":"error","message":"x"}"#,
        br#"{"service":"api","environment":"prod","status":"started","version":"\ud83d"}"#,
    ];
    for (i, body) in bodies.iter().enumerate() {
        let route = if i == 2 {
            "/hooks/deploy"
        } else {
            "/hooks/errors"
        };
        let response = baton.hook(route, body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 400, "{route}: {text}");
        assert!(
            text.contains("escape") || text.contains("surrogate"),
            "the reason names the fault: {text}"
        );
    }
    // A valid pair is fine and reaches Slack as the emoji.
    let ok =
        br#"{"service":"api","environment":"prod","level":"error","message":"smile \ud83d\ude00"}"#;
    assert_eq!(baton.hook("/hooks/errors", ok).await.status(), 202);
    let text = post_where(&api, |c, t| c == "CSUR" && t.contains("smile")).await;
    assert!(text.contains("smile 😀"), "{text}");
    assert_eq!(
        texts(&api, "chat.postMessage")
            .await
            .iter()
            .filter(|(c, _)| c == "CSUR")
            .count(),
        2,
        "the subscription notice and the one valid report; nothing from the refused bodies"
    );
}
