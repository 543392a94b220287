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
    /// Forget the watch under `key`.
    RemoveWatch { key: String },
    /// Insert or replace the lock under [`lock_key`](super::lock_key) of its
    /// environment.
    PutLock(Lock),
    /// Forget the lock under `key` (an environment's [`lock_key`](super::lock_key)).
    RemoveLock { key: String },
    /// Insert or replace an environment's lock queue under
    /// [`LockQueue::key`].
    PutQueue(LockQueue),
    /// Forget the queue under `key` (an environment's [`lock_key`](super::lock_key)).
    RemoveQueue { key: String },
    /// Insert or replace a channel's gate under [`DeployGate::key`].
    PutGate(DeployGate),
    /// Forget the gate under `key`.
    RemoveGate { key: String },
    /// Insert or replace a protection rule request under its `key` (boxed:
    /// far larger than the other changes).
    PutGateRequest(Box<GateRequest>),
    /// Insert or replace a failures-only channel's mark under
    /// [`FailureMark::key`].
    PutFailureMark(FailureMark),
    /// Forget the failure mark under `key`.
    RemoveFailureMark { key: String },
}

/// What a deploys decision asks for.
pub type Outcome = crate::Outcome<Change>;

impl<R> crate::Outcome<Change, R> {
    /// The deploy record this outcome writes, if any.
    pub fn record(&self) -> Option<&DeployRecord> {
        self.changes.iter().find_map(|c| match c {
            Change::PutRecord(record) => Some(&**record),
            _ => None,
        })
    }
}
