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

pub mod channels;
pub mod deploys;
pub mod errors;
mod outbox;
pub mod reviewers;
pub mod sentry;

use std::path::Path;

use redb::{
    Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle, WriteTransaction,
};
use serde::{de::DeserializeOwned, Serialize};

pub use outbox::{DeadLetter, OutboxItem, StoredMessage};

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
    #[error("storage error: {0}")]
    Storage(String),
    #[error("corrupt record in table {table}: {reason}")]
    Corrupt { table: String, reason: String },
}

macro_rules! storage_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Storage(e.to_string()) }
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

/// The open data file.
pub struct Store {
    db: Database,
}

impl Store {
    /// Open (or create) the data file, creating its folder, and make sure
    /// every table exists.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Storage(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen {
                    path: path.display().to_string(),
                },
                other => StoreError::Storage(format!("cannot open {}: {other}", path.display())),
            })?;
        let store = Store { db };
        store.write(|tx| tx.init_schema(&path.display().to_string()))?;
        Ok(store)
    }

    /// Run `f` in one write transaction and commit it. Nothing is written if
    /// `f` or the commit fails.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let txn = self.db.begin_write()?;
        let value = {
            let mut tx = Tx {
                txn: &txn,
                outbox_grew: false,
            };
            f(&mut tx)?
        };
        txn.commit()?;
        Ok(value)
    }

    /// Run several jobs in one write transaction and one commit (group
    /// commit). Each job sees the writes of the jobs before it. If any job or
    /// the commit fails, nothing is written and the error is returned.
    /// Returns whether the outbox gained items (so a sender can look).
    pub fn write_batch<J>(
        &self,
        jobs: &mut [J],
        mut run: impl FnMut(&mut J, &mut Tx<'_>) -> Result<()>,
    ) -> Result<bool> {
        let txn = self.db.begin_write()?;
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
        let txn = self.db.begin_read()?;
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
        let txn = self.db.begin_read()?;
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
