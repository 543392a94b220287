//! Deploy locks: who holds an environment, why, and until when. An expired
//! lock is treated exactly like no lock; [`LockStatus`] is the answer CI
//! scripts read before deploying.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::text::format_date;
use crate::UnixTime;

/// How long a lock lasts when `for <duration>` is not given.
pub const DEFAULT_LOCK_SECS: i64 = 4 * 3600;
/// The longest lock one may take (a forgotten lock should not last forever).
pub const MAX_LOCK_SECS: i64 = 30 * 86_400;
/// The longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A held (or formerly held) lock on one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// The environment as the person typed it (the store key is [`lock_key`]).
    pub environment: String,
    /// The Slack user id of the holder (`U…`).
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub since: UnixTime,
    pub expires_at: UnixTime,
    /// The channel the lock was taken in.
    #[serde(default)]
    pub channel: String,
}

impl Lock {
    /// Is it still in force at `now`?
    pub fn is_active(&self, now: UnixTime) -> bool {
        now < self.expires_at
    }
}

/// The store key of an environment's lock: its name in lower case, so
/// `Production` and `production` are one lock.
pub fn lock_key(environment: &str) -> String {
    environment.trim().to_lowercase()
}

/// The lock in force at `now`, if any: an expired lock counts as absent.
pub fn active_lock(lock: Option<&Lock>, now: UnixTime) -> Option<&Lock> {
    lock.filter(|l| l.is_active(now))
}

/// Is this environment a production one (`production` or `prod`, any case)?
pub fn is_production(environment: &str) -> bool {
    let e = environment.trim();
    e.eq_ignore_ascii_case("production") || e.eq_ignore_ascii_case("prod")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time (UTC).
pub fn format_rfc3339(time: UnixTime) -> String {
    let secs = time.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(time),
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// An environment's lock as CI reads it (`GET /api/locks/{environment}`,
/// and a held lock in the deploy hook's answer): `{"locked": false}`, or
/// `{"locked": true, "by", "reason", "since", "expires_at"}` (`reason` is
/// `null` when none was given; times are RFC 3339 UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockStatus {
    Free,
    Held {
        by: String,
        reason: Option<String>,
        since: UnixTime,
        expires_at: UnixTime,
    },
}

impl LockStatus {
    /// The status of `lock` at `now`: an expired lock is free.
    pub fn of(lock: Option<&Lock>, now: UnixTime) -> LockStatus {
        match active_lock(lock, now) {
            None => LockStatus::Free,
            Some(l) => LockStatus::Held {
                by: l.by.clone(),
                reason: l.reason.clone(),
                since: l.since,
                expires_at: l.expires_at,
            },
        }
    }

    pub fn is_locked(&self) -> bool {
        matches!(self, LockStatus::Held { .. })
    }
}

impl Serialize for LockStatus {
    /// Members in name order, as the JSON CI scripts have always read.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LockStatus::Free => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("locked", &false)?;
                map.end()
            }
            LockStatus::Held {
                by,
                reason,
                since,
                expires_at,
            } => {
                let mut map = serializer.serialize_map(Some(5))?;
                map.serialize_entry("by", by)?;
                map.serialize_entry("expires_at", &format_rfc3339(*expires_at))?;
                map.serialize_entry("locked", &true)?;
                map.serialize_entry("reason", reason)?;
                map.serialize_entry("since", &format_rfc3339(*since))?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_rfc3339;
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
    fn production_names() {
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
}
