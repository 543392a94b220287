//! The lock queue, black-box: `/baton lock` on an environment someone else
//! holds puts the caller in its queue; `unlock`, or the lock's expiry on
//! Baton's clock (moved by the test through `BATON_CLOCK_FILE`), passes the
//! lock to the first in the queue with what they asked for and tells them
//! in a direct message, once, across a restart.

use crate::common;

use common::{fake_slack, Baton, TestClock, HOOK_TOKEN};
use serde_json::Value;
use wiremock::MockServer;

async fn start(extra: &[(&str, &str)]) -> (MockServer, Baton) {
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

/// The posts to a person: in their direct conversation with Baton, the
/// `D…` channel `conversations.open` answers.
async fn direct_messages(slack: &MockServer, user: &str) -> Vec<String> {
    let conversation = fake_slack::direct_channel(user);
    fake_slack::calls(slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == conversation.as_str())
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn unlock_passes_the_lock_to_the_next_in_the_queue_and_tells_them() {
    let (slack, baton) = start(&[]).await;
    baton
        .command("C0PROD", "UADMIN", "deploys watch web production")
        .await;
    let reply = baton
        .command("C0OPS", "UALICE", "lock production for 2h migrating orders")
        .await;
    assert!(reply.starts_with("Locked `production`"), "{reply}");

    let bob = baton
        .command("C0OPS", "UBOB", "lock production for 30m ship the hotfix")
        .await;
    assert!(
        bob.contains("Already locked by <@UALICE>") && bob.contains("You are #1 in its queue"),
        "{bob}"
    );
    let carol = baton.command("C0WEB", "UCAROL", "lock production").await;
    assert!(
        carol.contains("You are #2 in its queue (1 ahead of you)"),
        "{carol}"
    );
    let locks = baton.command("C0OPS", "UDAVE", "locks").await;
    assert!(
        locks.contains("`production` locked by <@UALICE>")
            && locks.contains("queue: 1. <@UBOB> for 30m: ship the hotfix; 2. <@UCAROL>"),
        "{locks}"
    );

    let reply = baton.command("C0OPS", "UALICE", "unlock production").await;
    assert!(
        reply.contains("Unlocked `production`. It passes to <@UBOB>"),
        "{reply}"
    );
    let (status, lock) = lock_status(&baton, "production").await;
    assert_eq!(status, 423, "{lock}");
    assert_eq!(lock["by"], "UBOB");
    assert_eq!(lock["reason"], "ship the hotfix");

    baton.drained().await;
    let dms = direct_messages(&slack, "UBOB").await;
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(
        dms[0].starts_with("🔒 You now hold the lock on `production` for 30m"),
        "{}",
        dms[0]
    );
    let announced: Vec<Value> = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| {
            p["text"]
                .as_str()
                .is_some_and(|t| t.contains("it passes to <@UBOB>"))
        })
        .collect();
    let channels: Vec<&str> = announced
        .iter()
        .map(|p| p["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["C0OPS", "C0PROD"], "{announced:?}");

    // Carol leaves the queue; Bob's release then frees production.
    let left = baton
        .command("C0WEB", "UCAROL", "unlock production --queue")
        .await;
    assert_eq!(left, "You left the queue for `production`.");
    let locks = baton.command("C0OPS", "UDAVE", "locks").await;
    assert!(!locks.contains("queue:"), "{locks}");
    baton.command("C0OPS", "UBOB", "unlock production").await;
    assert_eq!(lock_status(&baton, "production").await.0, 200);
    baton.drained().await;
    assert!(direct_messages(&slack, "UCAROL").await.is_empty());
}

#[tokio::test]
async fn an_expired_lock_passes_to_the_queue_once_across_a_restart() {
    let clock = TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let (slack, mut baton) = start(&[(setting, file.as_str()), ("BATON_TICK_EVERY", "1s")]).await;
    baton
        .command("C0OPS", "UALICE", "lock production for 1h smoke tests")
        .await;
    let bob = baton
        .command("C0OPS", "UBOB", "lock production for 2h release 7")
        .await;
    assert!(bob.contains("You are #1 in its queue"), "{bob}");

    // Baton is down when the hour runs out; the timer fires after restart.
    // (Its announcement is out first: an in-flight post would wait for
    // Slack's late-commit grace on a clock this test holds still.)
    baton.drained().await;
    baton.kill9();
    clock.advance(3600 + 5);
    baton.spawn().await;
    common::eventually(20, "the lock passes to Bob", || async {
        let (status, lock) = lock_status(&baton, "production").await;
        status == 423 && lock["by"] == "UBOB"
    })
    .await;
    let (_, lock) = lock_status(&baton, "production").await;
    assert_eq!(lock["reason"], "release 7");
    let expires = baton_handlers::text::parse_rfc3339(lock["expires_at"].as_str().unwrap());
    let since = baton_handlers::text::parse_rfc3339(lock["since"].as_str().unwrap());
    assert_eq!(
        expires.zip(since).map(|(e, s)| e - s),
        Some(2 * 3600),
        "the duration Bob asked for"
    );
    common::eventually(20, "Bob hears it", || async {
        baton.metric("baton_outbox_depth").await == Some(0.0)
            && !direct_messages(&slack, "UBOB").await.is_empty()
    })
    .await;

    // A second restart, then Bob's own two hours run out with nobody
    // waiting: production is free, and by then every timer due has fired.
    baton.terminate();
    baton.spawn().await;
    clock.advance(2 * 3600);
    common::eventually(20, "production is free", || async {
        lock_status(&baton, "production").await.0 == 200
    })
    .await;
    baton.drained().await;
    let dms = direct_messages(&slack, "UBOB").await;
    assert_eq!(dms.len(), 1, "the hand-over fired once: {dms:?}");
    assert!(
        dms[0].starts_with("🔒 You now hold the lock on `production` for 2h"),
        "{}",
        dms[0]
    );
    let expired: Vec<String> = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter_map(|p| p["text"].as_str().map(str::to_string))
        .filter(|t| t.starts_with("⌛"))
        .collect();
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(
        expired[0].starts_with("⌛ <@UALICE>'s lock on `production` expired"),
        "{}",
        expired[0]
    );
    assert_eq!(
        baton.command("C0OPS", "UDAVE", "locks").await,
        "No environment is locked."
    );
}
