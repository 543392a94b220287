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
