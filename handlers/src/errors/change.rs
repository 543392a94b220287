//! What the errors feature's decisions change: the records of [`Change`]
//! (reports, subscriptions, mutes, resolved marks) and of [`DsnChange`]
//! (the SDKs' keys), carried in the one [`Outcome`](crate::Outcome) shape
//! every feature returns.

use super::dsn::SentryKey;
use super::records::{Record, Table};

/// One write the caller applies in its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Insert or replace the record under `record.key()` in `record.table()`.
    PutRecord(Record),
    /// Forget the record under `key` in `table`.
    RemoveRecord { table: Table, key: String },
}

/// One SDK key to write or forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsnChange {
    /// Store a new key (under its key and its service).
    PutKey(SentryKey),
    /// Forget a key (both entries).
    RemoveKey(SentryKey),
}

/// What an errors decision returns: the feature's [`Change`]s in the one
/// result shape of every decision ([`crate::outcome::Outcome`]).
pub type Outcome = crate::outcome::Outcome<Change>;

impl<R> crate::outcome::Outcome<Change, R> {
    pub(crate) fn put(&mut self, record: Record) {
        self.changes.push(Change::PutRecord(record));
    }

    pub(crate) fn remove(&mut self, table: Table, key: String) {
        self.changes.push(Change::RemoveRecord { table, key });
    }

    /// The records this outcome writes of one kind (handy in tests).
    pub fn puts(&self) -> impl Iterator<Item = &Record> {
        self.changes.iter().filter_map(|c| match c {
            Change::PutRecord(r) => Some(r),
            Change::RemoveRecord { .. } => None,
        })
    }
}
