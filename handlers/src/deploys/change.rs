//! What the deploys feature's decisions change: the records of [`Change`],
//! carried in the one [`Outcome`](crate::Outcome) shape every feature
//! returns, keyed as the store keys them.

use super::failure_mark::FailureMark;
use super::gate::{DeployGate, GateRequest};
use super::lock::Lock;
use super::queue::LockQueue;
use super::record::DeployRecord;
use super::watch::DeployWatch;

/// One record to write or forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Insert or replace a deploy's record under its `key` (boxed: a
    /// record is far larger than the other changes).
    PutRecord(Box<DeployRecord>),
    /// Insert or replace the watch under [`DeployWatch::key`].
    PutWatch(DeployWatch),
    DeleteWatch {
        key: String,
    },
    /// Insert or replace the lock under [`lock_key`](super::lock_key) of its
    /// environment.
    PutLock(Lock),
    DeleteLock {
        key: String,
    },
    /// Insert or replace an environment's lock queue under
    /// [`LockQueue::key`].
    PutQueue(LockQueue),
    DeleteQueue {
        key: String,
    },
    /// Insert or replace a channel's gate under [`DeployGate::key`].
    PutGate(DeployGate),
    DeleteGate {
        key: String,
    },
    /// Insert or replace a protection rule request under its `key` (boxed:
    /// far larger than the other changes).
    PutGateRequest(Box<GateRequest>),
    /// Insert or replace a failures-only channel's mark under
    /// [`FailureMark::key`].
    PutFailureMark(FailureMark),
    DeleteFailureMark {
        key: String,
    },
}

/// What a deploys decision asks for.
pub type Outcome = crate::Outcome<Change>;

impl crate::Outcome<Change> {
    /// The deploy record this outcome writes, if any.
    pub fn record(&self) -> Option<&DeployRecord> {
        self.changes.iter().find_map(|c| match c {
            Change::PutRecord(record) => Some(&**record),
            _ => None,
        })
    }
}
