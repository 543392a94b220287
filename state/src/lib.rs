//! Baton's durable state, behind one interface over two engines: the
//! embedded redb file (the default, [`embedded`]) and PostgreSQL shared by
//! several replicas. [`engine`] is the seam a backend implements; the
//! feature modules ([`reviewers`] with [`reviews`], [`deploys`], [`errors`], [`channels`],
//! [`sentry`], [`reviewer_lookups`], the outbox) add typed methods to [`Tx`] over it, so the
//! features never see an engine's types. Reads are public; a feature's
//! writes are not: outside this crate a record is written only as a change
//! of an [`Outcome`](baton_handlers::Outcome), through [`Tx::store_outcome`]
//! (its put and remove methods are `pub(crate)`). What only the embedded
//! file can do (a consistent copy) hangs off [`Store::data_file`], which a
//! PostgreSQL store does not have.
//!
//! Every write happens inside a [`Tx`]: the binary runs each accepted event's
//! load → decide → store inside one write transaction (several events that
//! arrive together may share one commit), so an event's dedup id, its state
//! changes and its outbox items land together or not at all. Queries run in
//! a read transaction ([`Store::read`]).
//!
//! Values are JSON (serde) so records stay readable with a debugger and new
//! optional fields need no migration.

mod backup;
pub mod catch_up;
mod changes;
pub mod channels;
mod check;
#[cfg(test)]
mod conformance;
mod dedup_index;
pub mod deploys;
mod embedded;
mod engine;
pub mod errors;
mod faults;
pub mod migrate;
mod outbox;
mod postgres;
pub mod reviewer_lookups;
pub mod reviewers;
pub mod reviews;
pub mod sentry;
#[doc(hidden)]
pub mod testing;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{de::DeserializeOwned, Serialize};

pub use backup::{backup_file, inspect, schema_supported, BackupSummary, FileState};
pub use changes::StoredChange;
pub use check::CheckReport;
use embedded::RedbEngine;
use engine::{Engine, Records, Table};
pub use outbox::{DeadLetter, OutboxItem, ServiceBacklog, StoredMessage};
use postgres::PostgresEngine;

/// Unix seconds, passed in by the caller (the state crate never reads the clock).
pub type UnixTime = i64;

/// Version of the layout, stored with the data; bump with a migration.
pub const SCHEMA_VERSION: u64 = 2;

/// How many times a write that conflicted with another process is run
/// again before its callers are told it failed.
const CONFLICT_RETRIES: u32 = 8;

/// Anything that can go wrong in the store. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data file {path} is already open in another Baton process; stop that process or point BATON_DATA at another file")]
    AlreadyOpen { path: String },
    #[error("the store at {path} was written by a newer Baton (schema {found}, this build knows {known})")]
    NewerSchema {
        path: String,
        found: u64,
        known: u64,
    },
    #[error("the data file {path} is damaged: {reason}. Restore it from a backup (`baton check --data {path}` says what is wrong); only a missing file starts a new database")]
    Damaged { path: String, reason: String },
    #[error("storage error: {0}")]
    Storage(String),
    /// The disk failed under a write (full, read-only, gone). The store stays
    /// closed for writes until [`Store::reopen`] succeeds.
    #[error("the data file cannot be written: {0}")]
    Io(String),
    #[error("corrupt record in table {table}: {reason}")]
    Corrupt { table: String, reason: String },
    /// A write inside a read-only transaction (a bug).
    #[error("a write was attempted in a read-only transaction")]
    ReadOnly,
    /// Another process changed what this transaction read (PostgreSQL's
    /// serialization failure or deadlock). Nothing was stored; running the
    /// transaction again is safe.
    #[error("the transaction conflicted with another Baton process: {0}")]
    Conflict(String),
    /// The database cannot be reached. Nothing was stored.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether the store refuses writes for now (the disk failing, the
    /// database unreachable) rather than this write being wrong: nothing was
    /// stored, and the same write may work once the store is back.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Io(_) | StoreError::Unavailable(_))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to open the data file.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Test hook: while this file exists, every write to the data file fails
    /// with an I/O error, as on a full disk.
    pub fault_file: Option<PathBuf>,
    /// Bytes of page cache redb may hold (`None`: the engine's default).
    pub cache_bytes: Option<usize>,
}

/// Baton's state: an [`Engine`] and the transactions over it.
pub struct Store {
    engine: Arc<dyn Engine>,
    /// The same engine when it is the embedded file (for backups and checks).
    file: Option<Arc<RedbEngine>>,
}

impl Store {
    /// Open (or create) the data file, creating its folder, and make sure
    /// every table exists.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, StoreOptions::default())
    }

    /// [`Store::open`] with options (fault injection for tests).
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store> {
        let file = Arc::new(RedbEngine::open(path, options)?);
        Store {
            engine: file.clone(),
            file: Some(file),
        }
        .with_records_upgraded()
    }

    /// A store over another engine.
    pub(crate) fn from_engine(engine: Arc<dyn Engine>) -> Store {
        Store { engine, file: None }
    }

    /// Connect to the PostgreSQL database at `url` (migrating its schema
    /// under an advisory lock, see [`PostgresEngine::connect`]).
    pub fn open_postgres(url: &str) -> Result<Store> {
        Store::from_engine(Arc::new(PostgresEngine::connect(url)?)).with_records_upgraded()
    }

    /// Bring records written by an older Baton up to what this one reads
    /// (today: index the review assignments stored before
    /// `reviewers_assigned_at` existed, and the locks stored before their
    /// expiry timers, `deploy_due`). Reads only, once done.
    fn with_records_upgraded(self) -> Result<Store> {
        if !self.read(|tx| tx.review_index_built())? {
            self.write(|tx| tx.index_review_assignments())?;
        }
        if !self.read(|tx| tx.deploy_locks_indexed())? {
            self.write(|tx| tx.index_deploy_locks())?;
        }
        Ok(self)
    }

    /// `redb` or `postgres`.
    pub fn kind(&self) -> &'static str {
        self.engine.kind()
    }

    /// Where the data lives (a file, or a database without its password).
    pub fn location(&self) -> String {
        self.engine.location()
    }

    /// The data file, when the store is the embedded file: what only a
    /// file can do (a consistent copy of it) is offered there, so a store
    /// on PostgreSQL has no such method to fail at run time.
    pub fn data_file(&self) -> Option<DataFile<'_>> {
        self.file.as_deref().map(|engine| DataFile { engine })
    }

    /// How many entries the data file's index of delivery ids holds and the
    /// bytes it takes (for the memory benchmark); `None` on PostgreSQL.
    #[doc(hidden)]
    pub fn dedup_index_size(&self) -> Option<(usize, usize)> {
        self.file.as_ref().map(|file| file.id_index_size())
    }

    /// The embedded engine of a store opened from a file (`baton check`,
    /// `baton migrate --from`), or why an operation needs it.
    fn file(&self, what: &str) -> Result<&RedbEngine> {
        self.file.as_deref().ok_or_else(|| {
            StoreError::Storage(format!(
                "{what} works on the embedded data file; this store is {} ({})",
                self.engine.kind(),
                self.engine.location()
            ))
        })
    }

    /// Why the store cannot serve, if it cannot (for `/readyz`).
    pub fn failure(&self) -> Option<String> {
        self.engine.failure()
    }

    /// Try to serve again after a failure (redb refuses every write after an
    /// I/O error until its file is opened again). Returns `Ok` once writes
    /// work again; safe to call while healthy (then it does nothing).
    pub fn reopen(&self) -> Result<()> {
        self.engine.reopen()
    }

    /// Run `f` in one write transaction and commit it. Nothing is written if
    /// `f` or the commit fails. `f` may run more than once (after a conflict
    /// with another process), so it must only touch the transaction.
    pub fn write<T>(&self, mut f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut value = None;
        self.write_batch(&mut [()], |(), tx| {
            value = Some(f(tx)?);
            Ok(())
        })?;
        value.ok_or_else(|| StoreError::Storage("the write ran no job".into()))
    }

    /// Run several jobs in one write transaction and one commit (group
    /// commit). Each job sees the writes of the jobs before it. If any job or
    /// the commit fails, nothing is written and the error is returned; after
    /// a conflict with another process the whole batch runs again (a bounded
    /// number of times). Returns whether the outbox gained items.
    pub fn write_batch<J>(
        &self,
        jobs: &mut [J],
        mut run: impl FnMut(&mut J, &mut Tx<'_>) -> Result<()>,
    ) -> Result<bool> {
        let mut attempt = 0;
        loop {
            let result = self.write_batch_once(jobs, &mut run);
            match result {
                Err(StoreError::Conflict(_)) if attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    std::thread::sleep(conflict_pause(attempt));
                }
                Err(e) => {
                    self.engine.note_failure(&e);
                    return Err(e);
                }
                Ok(grew) => return Ok(grew),
            }
        }
    }

    fn write_batch_once<J>(
        &self,
        jobs: &mut [J],
        run: &mut impl FnMut(&mut J, &mut Tx<'_>) -> Result<()>,
    ) -> Result<bool> {
        let mut tx = Tx {
            records: self.engine.begin_write()?,
            outbox_grew: false,
            pending_picks_put: 0,
        };
        for job in jobs.iter_mut() {
            run(job, &mut tx)?;
        }
        let outbox_grew = tx.outbox_grew;
        tx.records.commit()?;
        Ok(outbox_grew)
    }

    /// Run `f` in a read-only transaction (one consistent snapshot). `f`
    /// gets the transaction shared, so it can call no writing method; the
    /// engines refuse writes in a read transaction as well.
    pub fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = Tx {
            records: self.engine.begin_read()?,
            outbox_grew: false,
            pending_picks_put: 0,
        };
        f(&tx)
    }

    /// A read transaction handed out writable, to show that the engine
    /// refuses the writes (the conformance suite).
    #[cfg(test)]
    pub(crate) fn begin_read_for_test(&self) -> Result<Tx<'_>> {
        Ok(Tx {
            records: self.engine.begin_read()?,
            outbox_grew: false,
            pending_picks_put: 0,
        })
    }

    /// Read one JSON record without a write transaction.
    pub(crate) fn read_json<T: DeserializeOwned>(
        &self,
        table: Table,
        key: &str,
    ) -> Result<Option<T>> {
        self.read(|tx| tx.get_json(table, key))
    }

    /// Read every record of a JSON table whose key starts with `prefix`.
    #[cfg(test)]
    pub(crate) fn read_json_prefix<T: DeserializeOwned>(
        &self,
        table: Table,
        prefix: &str,
    ) -> Result<Vec<(String, T)>> {
        self.read(|tx| tx.scan_json(table, prefix))
    }
}

/// The embedded data file behind a [`Store`] ([`Store::data_file`]).
pub struct DataFile<'s> {
    engine: &'s RedbEngine,
}

impl DataFile<'_> {
    /// Where the file is.
    pub fn path(&self) -> &Path {
        self.engine.path()
    }
}

/// How long to wait before running a conflicted write again: a few
/// milliseconds, growing, spread so two processes do not collide again.
fn conflict_pause(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let spread = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % 1000;
    Duration::from_micros(u64::from(attempt.min(6)) * 1000 + spread * u64::from(attempt))
}

/// A random non-zero id for a new data store (see [`Store::install_id`]).
pub(crate) fn random_install_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        .max(1)
}

fn decode<T: DeserializeOwned>(table: Table, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table: table.name().to_string(),
        reason: e.to_string(),
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("state records serialize to JSON")
}

/// One open transaction. Feature modules add typed methods to it.
pub struct Tx<'t> {
    records: Box<dyn Records + 't>,
    /// Set when an item was added to the outbox in this transaction.
    outbox_grew: bool,
    /// Pending picks stored in this transaction (by every job of a batch so
    /// far): a job compares the count before and after it ran to know
    /// whether the lookup task has work.
    pending_picks_put: u64,
}

impl Tx<'_> {
    /// Record an event id. Returns `true` the first time it is seen, `false`
    /// for a redelivery (which must then act not at all).
    pub fn first_delivery(&mut self, event_id: &str, now: UnixTime) -> Result<bool> {
        self.records.first_delivery(event_id, now)
    }

    /// Forget event ids first seen before `cutoff`. Returns how many went.
    pub fn prune_deliveries(&mut self, cutoff: UnixTime) -> Result<u64> {
        self.records.prune_deliveries(cutoff)
    }

    /// A counter, incremented and returned (starts at 1).
    pub fn next_id(&mut self, name: &str) -> Result<u64> {
        self.records.next_id(name)
    }

    /// A counter's value, if it was ever set.
    pub(crate) fn counter(&self, name: &str) -> Result<Option<u64>> {
        self.records.counter(name)
    }

    /// Set a counter.
    pub(crate) fn set_counter(&mut self, name: &str, value: u64) -> Result<()> {
        self.records.set_counter(name, value)
    }

    /// Read a JSON record.
    pub(crate) fn get_json<T: DeserializeOwned>(
        &self,
        table: Table,
        key: &str,
    ) -> Result<Option<T>> {
        match self.records.get(table, key)? {
            Some(bytes) => decode(table, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Write a JSON record.
    pub(crate) fn put_json<T: Serialize>(
        &mut self,
        table: Table,
        key: &str,
        value: &T,
    ) -> Result<()> {
        self.records.put(table, key, &encode(value))
    }

    /// Remove a record. Returns whether it existed.
    pub(crate) fn remove(&mut self, table: Table, key: &str) -> Result<bool> {
        self.records.remove(table, key)
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub(crate) fn scan_json<T: DeserializeOwned>(
        &self,
        table: Table,
        prefix: &str,
    ) -> Result<Vec<(String, T)>> {
        self.scan_json_below(table, prefix, None, usize::MAX)
    }

    /// The records whose key starts with `prefix` and sorts below `below`,
    /// in key order, at most `limit`.
    pub(crate) fn scan_json_below<T: DeserializeOwned>(
        &self,
        table: Table,
        prefix: &str,
        below: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, T)>> {
        self.records
            .scan(table, prefix, below, limit)?
            .into_iter()
            .map(|(key, bytes)| Ok((key, decode(table, &bytes)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested/baton.redb")).unwrap();
        (dir, store)
    }

    const THINGS: Table = Table::new("test_things");

    #[test]
    fn dedup_acts_once_and_prunes() {
        let (_dir, store) = temp_store();
        assert!(store.write(|tx| tx.first_delivery("d1", 100)).unwrap());
        assert!(!store.write(|tx| tx.first_delivery("d1", 200)).unwrap());
        assert_eq!(store.write(|tx| tx.prune_deliveries(150)).unwrap(), 1);
        assert!(store.write(|tx| tx.first_delivery("d1", 300)).unwrap());
    }

    #[test]
    fn failed_job_writes_nothing() {
        let (_dir, store) = temp_store();
        let err = store.write(|tx| {
            tx.put_json(THINGS, "a", &1)?;
            Err::<(), _>(StoreError::Storage("boom".into()))
        });
        assert!(err.is_err());
        assert_eq!(store.read_json::<i32>(THINGS, "a").unwrap(), None);
    }

    #[test]
    fn batch_commits_together_and_sees_earlier_jobs() {
        let (_dir, store) = temp_store();
        let mut jobs = vec!["x", "x", "y"];
        let mut firsts = Vec::new();
        store
            .write_batch(&mut jobs, |id, tx| {
                firsts.push(tx.first_delivery(id, 1)?);
                Ok(())
            })
            .unwrap();
        assert_eq!(firsts, vec![true, false, true]);
    }

    #[test]
    fn second_open_says_already_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.redb");
        let _first = Store::open(&path).unwrap();
        let err = Store::open(&path).err().expect("second open must fail");
        assert!(matches!(err, StoreError::AlreadyOpen { .. }), "{err}");
        assert!(err.to_string().contains("already open"));
    }

    #[test]
    fn json_records_survive_reopen_and_scan_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.redb");
        {
            let store = Store::open(&path).unwrap();
            store
                .write(|tx| {
                    tx.put_json(THINGS, "a:1", &"one")?;
                    tx.put_json(THINGS, "a:2", &"two")?;
                    tx.put_json(THINGS, "b:1", &"other")
                })
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let found: Vec<(String, String)> = store.read_json_prefix(THINGS, "a:").unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(store.write(|tx| tx.next_id("n")).unwrap(), 1);
        assert_eq!(store.write(|tx| tx.next_id("n")).unwrap(), 2);
    }
}
