//! The lock queue: who asked for an environment while someone else held its
//! lock, in the order they asked ([`LockQueue`], one record per
//! environment). When the lock is released or expires it passes to the
//! first in the queue, with the reason and duration they asked for
//! ([`QueuedLock::lock_on`]); the decisions are in `super::locking`.

use serde::{Deserialize, Serialize};

use super::lock::{lock_key, Lock, DEFAULT_LOCK_SECS};
use crate::UnixTime;

/// The most people one environment's queue holds.
pub const MAX_QUEUE: usize = 20;

/// One person waiting for an environment's lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedLock {
    /// Slack user id (`U…`).
    pub user: String,
    /// The channel they asked in (the lock's channel once they hold it).
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Seconds asked with `for <duration>`; `None`: the default length at
    /// the time the lock passes to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    pub asked_at: UnixTime,
}

impl QueuedLock {
    /// The lock this request becomes when it is handed the lock of
    /// `environment` at `now` (`default_secs` when no duration was asked).
    pub fn lock_on(&self, environment: &str, default_secs: i64, now: UnixTime) -> Lock {
        let secs = match self.duration {
            Some(secs) => secs,
            None if default_secs > 0 => default_secs,
            None => DEFAULT_LOCK_SECS,
        };
        Lock {
            environment: environment.to_string(),
            by: self.user.clone(),
            reason: self.reason.clone(),
            since: now,
            expires_at: now + secs,
            channel: self.channel.clone(),
        }
    }
}

/// The people waiting for one environment's lock, first in line first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockQueue {
    /// The environment as first typed (the store key is [`LockQueue::key`]).
    pub environment: String,
    pub waiting: Vec<QueuedLock>,
}

impl LockQueue {
    /// The store key: the environment's [`lock_key`].
    pub fn key(&self) -> String {
        lock_key(&self.environment)
    }

    /// `user`'s place in the queue (0 is next), if they are in it.
    pub fn position(&self, user: &str) -> Option<usize> {
        self.waiting.iter().position(|q| q.user == user)
    }
}

/// The queue stored for `environment` among `queues`, if any.
pub fn find_queue<'a>(queues: &'a [LockQueue], environment: &str) -> Option<&'a LockQueue> {
    let key = lock_key(environment);
    queues.iter().find(|q| q.key() == key)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
