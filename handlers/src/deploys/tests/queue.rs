//! Tests of `deploys/queue.rs`.

use crate::deploys::lock::DEFAULT_LOCK_SECS;
use crate::deploys::queue::*;

fn asked(user: &str, duration: Option<i64>) -> QueuedLock {
    QueuedLock {
        user: user.into(),
        channel: "C0OPS".into(),
        reason: Some("hotfix".into()),
        duration,
        asked_at: 100,
    }
}

#[test]
fn a_queued_request_becomes_a_lock_with_its_own_duration_or_the_default() {
    let l = asked("U2", Some(1800)).lock_on("Production", 4 * 3600, 1000);
    assert_eq!(
        (l.by.as_str(), l.since, l.expires_at, l.reason.as_deref()),
        ("U2", 1000, 2800, Some("hotfix"))
    );
    assert_eq!(l.channel, "C0OPS");
    assert_eq!(l.environment, "Production");
    let l = asked("U2", None).lock_on("production", 600, 1000);
    assert_eq!(l.expires_at, 1600);
    let l = asked("U2", None).lock_on("production", 0, 1000);
    assert_eq!(l.expires_at, 1000 + DEFAULT_LOCK_SECS);
}

#[test]
fn queues_are_found_ignoring_case_and_keep_json_stable() {
    let q = LockQueue {
        environment: "Production".into(),
        waiting: vec![asked("U2", None), asked("U3", Some(60))],
    };
    assert_eq!(q.key(), "production");
    assert_eq!(q.position("U3"), Some(1));
    assert_eq!(q.position("U9"), None);
    let queues = [q.clone()];
    assert_eq!(find_queue(&queues, " PRODUCTION"), Some(&q));
    assert_eq!(find_queue(&queues, "staging"), None);
    let text = serde_json::to_string(&q).unwrap();
    assert_eq!(
        text,
        r#"{"environment":"Production","waiting":[{"user":"U2","channel":"C0OPS","reason":"hotfix","asked_at":100},{"user":"U3","channel":"C0OPS","reason":"hotfix","duration":60,"asked_at":100}]}"#
    );
    assert_eq!(serde_json::from_str::<LockQueue>(&text).unwrap(), q);
}
