//! The lock queue: who asked for an environment while someone else held its
//! lock, in the order they asked ([`LockQueue`], one record per
//! environment). When the lock is released or expires it passes to the
//! first in the queue, with the reason and duration they asked for
//! ([`QueuedLock::lock_on`]). The decisions are `super::execute`'s
//! (`lock`, `unlock`, `locks`) and `super::decide`'s (the hand-over and
//! the lock's timer).

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
