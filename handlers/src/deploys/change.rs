//! What the deploys feature's decisions change: the records of [`Change`],
//! carried in the one [`Outcome`](crate::Outcome) shape every feature
//! returns, keyed as the store keys them.

use super::lock::Lock;
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
