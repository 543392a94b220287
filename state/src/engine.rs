//! The storage engine seam: what a backend (the embedded redb file, or a
//! PostgreSQL database shared by several Baton replicas) must do so that
//! every typed method on [`crate::Tx`] works on it.
//!
//! Records are opaque bytes (JSON written by the feature modules) under
//! string keys in named [`Table`]s. The outbox and the dead letters are
//! numbered queues of [`OutboxItem`]s. The dedup set, the counters and the
//! outbox claims have operations of their own, because each engine does
//! them its own way (a unique insert, a row lock, a lease).
//!
//! The conformance suite (`crate::conformance`) runs the same scenarios on
//! any engine, so a backend is held to the behaviour the features rely on.
//!
//! Engine methods block; they are called from the writer thread or from
//! `spawn_blocking`, never from an async task.

use std::time::Duration;

use crate::{DeadLetter, OutboxItem, Result, UnixTime};

/// A named table of string-keyed records. Names are stable: they are the
/// on-disk (or in-database) identity of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(&'static str);

impl Table {
    pub const fn new(name: &'static str) -> Table {
        Table(name)
    }

    pub fn name(self) -> &'static str {
        self.0
    }
}

/// A backend that stores Baton's state.
pub trait Engine: Send + Sync {
    /// `redb` or `postgres`, for the log and `/readyz`.
    fn kind(&self) -> &'static str;

    /// Where the data lives (a file path, or the database's host and name),
    /// never with a password.
    fn location(&self) -> String;

    /// Open a write transaction. Reads inside it see the transaction's own
    /// writes and hold what they read against concurrent writers (redb has
    /// one writer; PostgreSQL locks the rows read), so two processes never
    /// decide from the same state. Nothing is stored unless
    /// [`Records::commit`] succeeds.
    fn begin_write(&self) -> Result<Box<dyn Records + '_>>;

    /// Open a read-only transaction: one consistent snapshot. Its writes
    /// fail with [`crate::StoreError::ReadOnly`].
    fn begin_read(&self) -> Result<Box<dyn Records + '_>>;

    /// Claim the head of `service`'s outbox queue for the dispatcher named
    /// `owner`: the oldest items (at most `limit`, due or not, in id order),
    /// stopping at the first item another owner holds a live lease on. The
    /// returned items are leased to `owner` for `lease`; claiming again
    /// renews the lease. A dispatcher that dies loses its lease and another
    /// takes the items over. An engine used by one process returns the
    /// oldest items.
    fn claim_outbox(
        &self,
        service: &str,
        owner: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxItem>>;

    /// Why the engine cannot serve right now (the disk failed, the database
    /// is unreachable), if it cannot.
    fn failure(&self) -> Option<String>;

    /// A write failed with `error`: an engine that closes itself after some
    /// failures (redb after an I/O error) records it here.
    fn note_failure(&self, _error: &crate::StoreError) {}

    /// Try to serve again after a failure. `Ok` once writes work again;
    /// does nothing while healthy.
    fn reopen(&self) -> Result<()>;
}

/// One open transaction of an [`Engine`].
pub trait Records {
    // --- string-keyed records ---

    /// The record under `key`.
    fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>>;

    /// The records whose key starts with `prefix` and, when `below` is
    /// given, sorts before it, in byte order of the key, at most `limit`.
    fn scan(
        &self,
        table: Table,
        prefix: &str,
        below: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>>;

    /// How many records `table` holds.
    fn count(&self, table: Table) -> Result<u64>;

    /// Insert or replace the record under `key`.
    fn put(&mut self, table: Table, key: &str, value: &[u8]) -> Result<()>;

    /// Remove the record under `key`. Returns whether it existed.
    fn remove(&mut self, table: Table, key: &str) -> Result<bool>;

    // --- delivery ids already acted on ---

    /// Record an event id first seen at `now`. `true` the first time,
    /// `false` for a redelivery, also when another process records the same
    /// id at the same moment (exactly one of them sees `true`).
    fn first_delivery(&mut self, id: &str, now: UnixTime) -> Result<bool>;

    /// Forget ids first seen before `cutoff`. Returns how many went.
    fn prune_deliveries(&mut self, cutoff: UnixTime) -> Result<u64>;

    /// The recorded ids after `after` (all when empty) in byte order, with
    /// when each was first seen, at most `limit` (for `baton migrate`).
    fn deliveries(&self, after: &str, limit: usize) -> Result<Vec<(String, UnixTime)>>;

    // --- counters ---

    /// Increment the counter `name` and return it (the first call gives 1).
    fn next_id(&mut self, name: &str) -> Result<u64>;

    /// The counter `name`, if set.
    fn counter(&self, name: &str) -> Result<Option<u64>>;

    /// Set the counter `name` (for `baton migrate`).
    fn set_counter(&mut self, name: &str, value: u64) -> Result<()>;

    // --- the outbox and the dead letters, in id order ---

    fn outbox_get(&self, id: u64) -> Result<Option<OutboxItem>>;

    /// Insert or replace an item (under `item.id`).
    fn outbox_put(&mut self, item: &OutboxItem) -> Result<()>;

    /// Remove an item, returning it if it was there.
    fn outbox_remove(&mut self, id: u64) -> Result<Option<OutboxItem>>;

    /// Items with an id above `after`, at most `limit`.
    fn outbox_items(&self, after: u64, limit: usize) -> Result<Vec<OutboxItem>>;

    fn outbox_count(&self) -> Result<u64>;

    /// How many items `service`'s queue holds, and when its oldest item
    /// (the lowest id) was created. The default walks the whole outbox; an
    /// engine with an index by service answers from it instead.
    fn outbox_backlog(&self, service: &str) -> Result<(u64, Option<UnixTime>)> {
        let (mut depth, mut oldest) = (0, None);
        let mut after = 0;
        loop {
            let page = self.outbox_items(after, 512)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for item in page.iter().filter(|item| item.action.service() == service) {
                depth += 1;
                oldest.get_or_insert(item.created_at);
            }
        }
        Ok((depth, oldest))
    }

    /// Insert or replace a dead letter (under `letter.item.id`).
    fn dead_letter_put(&mut self, letter: &DeadLetter) -> Result<()>;

    /// Remove a dead letter, returning it if it was there.
    fn dead_letter_remove(&mut self, id: u64) -> Result<Option<DeadLetter>>;

    /// Dead letters with an id above `after`, at most `limit`.
    fn dead_letters(&self, after: u64, limit: usize) -> Result<Vec<DeadLetter>>;

    fn dead_letter_count(&self) -> Result<u64>;

    /// Make every write of this transaction durable, or none of them.
    fn commit(self: Box<Self>) -> Result<()>;
}
