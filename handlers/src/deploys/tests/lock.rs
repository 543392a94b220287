//! Tests of `deploys/lock.rs`.

use crate::deploys::lock::*;
use crate::text::parse_rfc3339;
use crate::UnixTime;
use serde_json::{json, Value};

/// The status and its JSON, as CI reads them.
fn lock_status_json(lock: Option<&Lock>, now: UnixTime) -> (bool, Value) {
    let status = LockStatus::of(lock, now);
    (status.is_locked(), serde_json::to_value(&status).unwrap())
}

/// 2026-11-23 09:00:00 UTC.
const NINE: UnixTime = 1_795_392_000 + 9 * 3600;

fn lock() -> Lock {
    Lock {
        environment: "production".into(),
        by: "U024BE7LH".into(),
        reason: Some("migrating the orders table".into()),
        since: NINE,
        expires_at: NINE + DEFAULT_LOCK_SECS,
        channel: "C0DEPLOYS".into(),
    }
}

#[test]
fn lock_expires_at_its_deadline_with_an_injected_now() {
    let l = lock();
    assert_eq!(active_lock(Some(&l), NINE), Some(&l));
    assert_eq!(
        active_lock(Some(&l), NINE + DEFAULT_LOCK_SECS - 1),
        Some(&l)
    );
    assert_eq!(active_lock(Some(&l), NINE + DEFAULT_LOCK_SECS), None);
    assert_eq!(active_lock(Some(&l), NINE + 86_400), None);
    assert_eq!(active_lock(None, NINE), None);
}

#[test]
fn lock_json_when_free_held_and_expired() {
    assert_eq!(
        lock_status_json(None, NINE),
        (false, json!({"locked": false}))
    );
    let l = lock();
    let (locked, value) = lock_status_json(Some(&l), NINE + 60);
    assert!(locked);
    assert_eq!(
        value,
        json!({
            "locked": true,
            "by": "U024BE7LH",
            "reason": "migrating the orders table",
            "since": "2026-11-23T09:00:00Z",
            "expires_at": "2026-11-23T13:00:00Z",
        })
    );
    let (locked, value) = lock_status_json(Some(&l), NINE + DEFAULT_LOCK_SECS);
    assert!(!locked);
    assert_eq!(value, json!({"locked": false}));
    let no_reason = Lock {
        reason: None,
        ..lock()
    };
    assert_eq!(
        lock_status_json(Some(&no_reason), NINE).1["reason"],
        Value::Null
    );
}

#[test]
fn rfc3339_round_trips_through_the_parser() {
    for t in [0, 59, NINE, NINE + 3599, 951_782_400, -1] {
        assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t), "{t}");
    }
    assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
}

#[test]
fn production_and_prod_are_production_in_any_case() {
    for e in ["production", "Production", "PROD", " prod "] {
        assert!(is_production(e), "{e}");
    }
    for e in ["staging", "production-eu", "preprod"] {
        assert!(!is_production(e), "{e}");
    }
    assert_eq!(lock_key(" Production"), "production");
}

#[test]
fn lock_round_trips_as_json() {
    let l = lock();
    let text = serde_json::to_string(&l).unwrap();
    assert_eq!(serde_json::from_str::<Lock>(&text).unwrap(), l);
}
