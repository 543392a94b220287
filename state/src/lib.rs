//! Baton's durable state, over one redb file.
//!
//! Every write happens inside a [`Tx`]: the binary runs each accepted event's
//! load → decide → store inside one write transaction (several events that
//! arrive together may share one commit), so an event's dedup id, its state
//! changes and its outbox items land together or not at all.
//!
//! Values are JSON (serde) so the file stays readable with a debugger and
//! new optional fields need no migration. Feature tables live in their own
//! modules ([`reviewers`], [`deploys`], [`errors`], [`channels`],
//! [`sentry`]).

mod backup;
pub mod catch_up;
pub mod channels;
mod check;
pub mod deploys;
pub mod errors;
mod faults;
mod outbox;
pub mod reviewers;
pub mod sentry;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use redb::{
    Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle, WriteTransaction,
};
use serde::{de::DeserializeOwned, Serialize};

pub use backup::{backup_file, inspect, schema_supported, BackupSummary, FileState};
pub use check::CheckReport;
pub use outbox::{DeadLetter, OutboxItem, ServiceBacklog, StoredMessage};

/// Unix seconds, passed in by the caller (the state crate never reads the clock).
pub type UnixTime = i64;

/// Version of the file's layout, stored in `meta`; bump with a migration.
pub const SCHEMA_VERSION: u64 = 1;

/// Memory redb may use to cache pages. Baton's working set (pools, locks,
/// open windows, recent delivery ids) is small; redb's default is 1 GiB.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// A JSON-valued table with string keys, the shape of every feature table.
pub type JsonTable = TableDefinition<'static, &'static str, &'static [u8]>;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Delivery / event ids already acted on → when they were first seen.
const DEDUP: TableDefinition<&str, i64> = TableDefinition::new("dedup");

/// Anything that can go wrong in the store. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data file {path} is already open in another Baton process; stop that process or point BATON_DATA at another file")]
    AlreadyOpen { path: String },
    #[error("the data file {path} was written by a newer Baton (schema {found}, this build knows {known})")]
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
}

impl StoreError {
    /// Whether this is the disk failing (as opposed to a bad record or a bug).
    pub fn is_io(&self) -> bool {
        matches!(self, StoreError::Io(_))
    }
}

macro_rules! storage_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                match redb::Error::from(e) {
                    e @ (redb::Error::Io(_) | redb::Error::PreviousIo) => StoreError::Io(e.to_string()),
                    e => StoreError::Storage(e.to_string()),
                }
            }
        }
    )*};
}
storage_error_from!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to open the data file.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Test hook: while this file exists, every write to the data file fails
    /// with an I/O error, as on a full disk.
    pub fault_file: Option<PathBuf>,
}

/// The open data file. After the disk fails under a write it is closed
/// (every call answers [`StoreError::Io`] with the reason) until
/// [`Store::reopen`] succeeds.
pub struct Store {
    path: PathBuf,
    options: StoreOptions,
    db: RwLock<Option<Arc<Database>>>,
    /// Why the store is closed, while it is.
    failure: Mutex<Option<String>>,
}

impl Store {
    /// Open (or create) the data file, creating its folder, and make sure
    /// every table exists.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, StoreOptions::default())
    }

    /// [`Store::open`] with options (fault injection for tests).
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Storage(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let db = open_database(path, &options)?;
        let store = Store {
            path: path.to_path_buf(),
            options,
            db: RwLock::new(Some(Arc::new(db))),
            failure: Mutex::new(None),
        };
        let shown = path.display().to_string();
        // redb panics on some damaged pages; name the file instead.
        match quietly(|| store.write(|tx| tx.init_schema(&shown))) {
            Ok(result) => result?,
            Err(panic) => {
                return Err(StoreError::Damaged {
                    path: shown,
                    reason: format!("redb could not read it ({})", panic_text(&panic)),
                })
            }
        }
        Ok(store)
    }

    /// The data file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the store is closed, if it is (for `/readyz`).
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The open database, or why there is none.
    fn db(&self) -> Result<Arc<Database>> {
        if let Some(reason) = self.failure() {
            return Err(StoreError::Io(reason));
        }
        self.db
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Io("the data file is closed".into()))
    }

    /// Remember that the disk failed: close for every caller until reopened.
    fn fail(&self, error: &StoreError) {
        if error.is_io() {
            let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            if failure.is_none() {
                *failure = Some(error.to_string());
            }
        }
    }

    /// Close the data file and open it again (redb refuses every write after
    /// an I/O error until then). Returns `Ok` once writes work again; the
    /// store stays closed otherwise. Safe to call while it is healthy (then
    /// it does nothing).
    pub fn reopen(&self) -> Result<()> {
        if self.failure().is_none() {
            return Ok(());
        }
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        if let Some(mut old) = slot.take() {
            // Readers hold their clone only for one read; wait them out so the
            // file's lock is released before it is opened again.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            loop {
                match Arc::try_unwrap(old) {
                    Ok(db) => {
                        drop(db);
                        break;
                    }
                    Err(shared) if std::time::Instant::now() < deadline => {
                        old = shared;
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    Err(shared) => {
                        *slot = Some(shared);
                        return Err(StoreError::Io(
                            "the data file is still in use; cannot reopen it yet".into(),
                        ));
                    }
                }
            }
        }
        let db = Arc::new(open_database(&self.path, &self.options)?);
        // Prove that a write works before reporting the store healthy.
        let probe = (|| -> Result<()> {
            let txn = db.begin_write()?;
            txn.open_table(META)?;
            txn.commit()?;
            Ok(())
        })();
        match probe {
            Ok(()) => {
                *slot = Some(db);
                *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Ok(())
            }
            Err(e) => {
                drop(db);
                Err(e)
            }
        }
    }

    /// Run `f` in one write transaction and commit it. Nothing is written if
    /// `f` or the commit fails.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut value = None;
        self.write_batch(&mut [()], |(), tx| {
            if let Some(f) = f.take() {
                value = Some(f(tx)?);
            }
            Ok(())
        })?;
        value.ok_or_else(|| StoreError::Storage("the write ran no job".into()))
    }

    /// Run several jobs in one write transaction and one commit (group
    /// commit). Each job sees the writes of the jobs before it. If any job or
    /// the commit fails, nothing is written and the error is returned.
    /// Returns whether the outbox gained items (so a sender can look).
    pub fn write_batch<J>(
        &self,
        jobs: &mut [J],
        run: impl FnMut(&mut J, &mut Tx<'_>) -> Result<()>,
    ) -> Result<bool> {
        let result = self.write_batch_once(jobs, run);
        if let Err(e) = &result {
            self.fail(e);
        }
        result
    }

    fn write_batch_once<J>(
        &self,
        jobs: &mut [J],
        mut run: impl FnMut(&mut J, &mut Tx<'_>) -> Result<()>,
    ) -> Result<bool> {
        let db = self.db()?;
        let txn = db.begin_write()?;
        let outbox_grew = {
            let mut tx = Tx {
                txn: &txn,
                outbox_grew: false,
            };
            for job in jobs.iter_mut() {
                run(job, &mut tx)?;
            }
            tx.outbox_grew
        };
        txn.commit()?;
        Ok(outbox_grew)
    }

    /// Read one JSON record without a write transaction.
    pub fn read_json<T: DeserializeOwned>(&self, table: JsonTable, key: &str) -> Result<Option<T>> {
        let txn = self.db()?.begin_read()?;
        let table_handle = match txn.open_table(table) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        match table_handle.get(key)? {
            Some(bytes) => decode(table, bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Read every record of a JSON table whose key starts with `prefix`.
    pub fn read_json_prefix<T: DeserializeOwned>(
        &self,
        table: JsonTable,
        prefix: &str,
    ) -> Result<Vec<(String, T)>> {
        let txn = self.db()?.begin_read()?;
        let table_handle = match txn.open_table(table) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for entry in table_handle.range(prefix..)? {
            let (key, value) = entry?;
            if !key.value().starts_with(prefix) {
                break;
            }
            out.push((key.value().to_string(), decode(table, value.value())?));
        }
        Ok(out)
    }
}

/// Open or create the redb file. An empty file is refused (only a missing
/// file is a new database), and a damaged one is named, never a panic.
fn open_database(path: &Path, options: &StoreOptions) -> Result<Database> {
    let shown = path.display().to_string();
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(StoreError::Storage(format!(
                "the data file {shown} is a folder, not a file"
            )));
        }
        if meta.len() == 0 {
            return Err(StoreError::Damaged {
                path: shown,
                reason: "the file is empty (0 bytes), so it holds no database; a botched restore or a full disk at creation leaves such a file".into(),
            });
        }
    }
    let builder = || {
        let mut builder = Database::builder();
        builder.set_cache_size(CACHE_BYTES);
        builder
    };
    let opened = quietly(|| match &options.fault_file {
        None => builder().create(path),
        Some(fault_file) => {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| redb::DatabaseError::Storage(redb::StorageError::Io(e)))?;
            builder().create_with_backend(faults::FaultyFile::new(file, fault_file.clone())?)
        }
    });
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) => {
            Err(StoreError::AlreadyOpen { path: shown })
        }
        Ok(Err(redb::DatabaseError::Storage(redb::StorageError::Io(e))))
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::ReadOnlyFilesystem
                    | std::io::ErrorKind::QuotaExceeded
            ) =>
        {
            Err(StoreError::Io(format!("cannot open {shown}: {e}")))
        }
        Ok(Err(other)) => Err(StoreError::Damaged {
            path: shown,
            reason: other.to_string(),
        }),
        Err(panic) => Err(StoreError::Damaged {
            path: shown,
            reason: format!("redb could not read it ({})", panic_text(&panic)),
        }),
    }
}

thread_local! {
    /// Set while [`quietly`] runs on this thread.
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, turning a panic into an `Err` without the panic hook's report
/// (redb panics on some damaged files; the caller names the file instead).
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET_PANICS.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET_PANICS.with(|q| q.set(false));
    result
}

/// The message of a caught panic.
fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "it panicked".into())
}

fn decode<T: DeserializeOwned>(table: JsonTable, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table: table.name().to_string(),
        reason: e.to_string(),
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("state records serialize to JSON")
}

/// One open write transaction. Feature modules add typed methods to it.
pub struct Tx<'t> {
    txn: &'t WriteTransaction,
    /// Set when an item was added to the outbox in this transaction.
    outbox_grew: bool,
}

impl Tx<'_> {
    fn init_schema(&mut self, path: &str) -> Result<()> {
        let mut meta = self.txn.open_table(META)?;
        let found = meta.get("schema_version")?.map(|v| v.value());
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::NewerSchema {
                    path: path.to_string(),
                    found: v,
                    known: SCHEMA_VERSION,
                })
            }
            Some(_) => {}
            None => {
                meta.insert("schema_version", SCHEMA_VERSION)?;
            }
        }
        if meta.get("install_id")?.is_none() {
            use std::hash::{BuildHasher, Hasher};
            let random = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish();
            meta.insert("install_id", random.max(1))?;
        }
        drop(meta);
        self.txn.open_table(DEDUP)?;
        outbox::create_tables(self.txn)?;
        Ok(())
    }

    /// Record an event id. Returns `true` the first time it is seen, `false`
    /// for a redelivery (which must then act not at all).
    pub fn first_delivery(&mut self, event_id: &str, now: UnixTime) -> Result<bool> {
        let mut dedup = self.txn.open_table(DEDUP)?;
        if dedup.get(event_id)?.is_some() {
            return Ok(false);
        }
        dedup.insert(event_id, now)?;
        Ok(true)
    }

    /// Forget event ids first seen before `cutoff`. Returns how many went.
    pub fn prune_deliveries(&mut self, cutoff: UnixTime) -> Result<u64> {
        let mut dedup = self.txn.open_table(DEDUP)?;
        let mut removed = 0;
        dedup.retain(|_, seen| {
            let keep = seen >= cutoff;
            removed += u64::from(!keep);
            keep
        })?;
        Ok(removed)
    }

    /// A counter in `meta`, incremented and returned (starts at 1).
    pub fn next_id(&mut self, name: &str) -> Result<u64> {
        let mut meta = self.txn.open_table(META)?;
        let next = meta.get(name)?.map(|v| v.value()).unwrap_or(0) + 1;
        meta.insert(name, next)?;
        Ok(next)
    }

    /// Read a JSON record.
    pub fn get_json<T: DeserializeOwned>(&self, table: JsonTable, key: &str) -> Result<Option<T>> {
        let t = self.txn.open_table(table)?;
        let value = t.get(key)?;
        match value {
            Some(bytes) => decode(table, bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Write a JSON record.
    pub fn put_json<T: Serialize>(&mut self, table: JsonTable, key: &str, value: &T) -> Result<()> {
        let mut t = self.txn.open_table(table)?;
        t.insert(key, encode(value).as_slice())?;
        Ok(())
    }

    /// Remove a record. Returns whether it existed.
    pub fn remove(&mut self, table: JsonTable, key: &str) -> Result<bool> {
        let mut t = self.txn.open_table(table)?;
        let existed = t.remove(key)?.is_some();
        Ok(existed)
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub fn scan_json<T: DeserializeOwned>(
        &self,
        table: JsonTable,
        prefix: &str,
    ) -> Result<Vec<(String, T)>> {
        let t = self.txn.open_table(table)?;
        let mut out = Vec::new();
        for entry in t.range(prefix..)? {
            let (key, value) = entry?;
            if !key.value().starts_with(prefix) {
                break;
            }
            out.push((key.value().to_string(), decode(table, value.value())?));
        }
        Ok(out)
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

    const THINGS: JsonTable = TableDefinition::new("test_things");

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
