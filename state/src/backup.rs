//! Consistent copies of the data file, and a read-only look at one.
//!
//! Copying the redb file with `cp` while Baton writes can catch a commit
//! half-written (redb rewrites pages in place and flips a header), so a
//! backup is made from ONE read transaction, a snapshot that later commits
//! do not change, copied table by table into a new file and committed
//! durably. The writer keeps running meanwhile.

use std::path::Path;

use redb::{
    Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableDefinition, TableError, TableHandle, WriteTransaction,
};

use crate::embedded::META;
use crate::{DataFile, Result, Store, StoreError, SCHEMA_VERSION};

/// What a backup holds: each table's name and number of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub tables: Vec<(String, u64)>,
}

impl BackupSummary {
    pub fn records(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// A data file as seen without opening it for writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Not there yet: Baton creates it on first start.
    Missing,
    /// Opened read-only: its schema version and whether this build reads it.
    Readable {
        schema: u64,
        tables: Vec<(String, u64)>,
    },
    /// Held by a running Baton (redb locks the file).
    InUse,
    /// Not closed cleanly (e.g. `kill -9`); redb repairs it on the next start.
    NeedsRepair,
}

impl DataFile<'_> {
    /// Copy a snapshot of every table into a new file at `dest` (which must
    /// not exist), committed durably. Safe while the store is being written.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupSummary> {
        let snapshot = self.engine.db()?.begin_read()?;
        copy_snapshot(&snapshot, dest)
    }
}

/// Back up the data file at `source` while no Baton has it open: read-only
/// when it was closed cleanly, else opened (and so repaired) the way Baton
/// itself opens it.
pub fn backup_file(source: &Path, dest: &Path) -> Result<BackupSummary> {
    if !source.exists() {
        return Err(StoreError::Storage(format!(
            "there is no data file at {}",
            source.display()
        )));
    }
    match ReadOnlyDatabase::open(source) {
        Ok(db) => copy_snapshot(&db.begin_read()?, dest),
        Err(redb::DatabaseError::RepairAborted) => {
            let store = Store::open(source)?;
            let engine = store.file("a backup")?;
            DataFile { engine }.backup_to(dest)
        }
        Err(e) => Err(open_error(source, e)),
    }
}

/// Look at a data file without creating or changing it.
pub fn inspect(path: &Path) -> Result<FileState> {
    if !path.exists() {
        return Ok(FileState::Missing);
    }
    let db = match ReadOnlyDatabase::open(path) {
        Ok(db) => db,
        Err(redb::DatabaseError::RepairAborted) => return Ok(FileState::NeedsRepair),
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Ok(FileState::InUse),
        Err(e) => return Err(open_error(path, e)),
    };
    let txn = db.begin_read()?;
    let schema = match txn.open_table(META) {
        Ok(meta) => meta.get("schema_version")?.map(|v| v.value()).unwrap_or(0),
        Err(TableError::TableDoesNotExist(_)) => 0,
        Err(e) => return Err(e.into()),
    };
    let tables = table_sizes(&txn)?;
    Ok(FileState::Readable { schema, tables })
}

/// Whether this build can open a file of `schema` (newer files are refused).
pub fn schema_supported(schema: u64) -> bool {
    schema <= SCHEMA_VERSION
}

fn open_error(path: &Path, e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen {
            path: path.display().to_string(),
        },
        other => StoreError::Storage(format!("cannot open {}: {other}", path.display())),
    }
}

/// Every table's layout in Baton's file, tried in turn; a table of another
/// layout fails the backup rather than being left out.
macro_rules! for_each_layout {
    ($try:ident) => {
        $try!(&str, &[u8]);
        $try!(&str, u64);
        $try!(&str, i64);
        $try!(u64, &[u8]);
        $try!((i64, &str), ());
    };
}

fn table_sizes(txn: &ReadTransaction) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    'tables: for handle in txn.list_tables()? {
        let name = handle.name().to_string();
        macro_rules! try_len {
            ($k:ty, $v:ty) => {
                match txn.open_table(TableDefinition::<$k, $v>::new(&name)) {
                    Ok(table) => {
                        out.push((name.clone(), table.len()?));
                        continue 'tables;
                    }
                    Err(TableError::TableTypeMismatch { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            };
        }
        for_each_layout!(try_len);
        return Err(unknown_layout(&name));
    }
    Ok(out)
}

fn unknown_layout(name: &str) -> StoreError {
    StoreError::Storage(format!(
        "table {name} has a layout the backup does not know; add it to state/src/backup.rs"
    ))
}

fn copy_snapshot(snapshot: &ReadTransaction, dest: &Path) -> Result<BackupSummary> {
    if dest.exists() {
        return Err(StoreError::Storage(format!(
            "{} already exists; choose a new file name",
            dest.display()
        )));
    }
    let partial = dest.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let result = (|| {
        let target = Database::create(&partial).map_err(|e| {
            StoreError::Storage(format!("cannot create {}: {e}", partial.display()))
        })?;
        let txn = target.begin_write()?;
        let mut tables = Vec::new();
        for handle in snapshot.list_tables()? {
            let name = handle.name().to_string();
            let count = copy_table(snapshot, &txn, &name)?;
            tables.push((name, count));
        }
        txn.commit()?;
        drop(target);
        std::fs::rename(&partial, dest)
            .map_err(|e| StoreError::Storage(format!("cannot write {}: {e}", dest.display())))?;
        Ok(BackupSummary { tables })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn copy_table(snapshot: &ReadTransaction, txn: &WriteTransaction, name: &str) -> Result<u64> {
    macro_rules! try_copy {
        ($k:ty, $v:ty) => {
            let definition = TableDefinition::<$k, $v>::new(name);
            match snapshot.open_table(definition) {
                Ok(source) => {
                    let mut target = txn.open_table(definition)?;
                    let mut count = 0;
                    for entry in source.iter()? {
                        let (key, value) = entry?;
                        target.insert(key.value(), value.value())?;
                        count += 1;
                    }
                    return Ok(count);
                }
                Err(TableError::TableTypeMismatch { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        };
    }
    for_each_layout!(try_copy);
    Err(unknown_layout(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const THINGS: crate::engine::Table = crate::engine::Table::new("backup_test_things");

    #[test]
    fn a_backup_taken_during_writes_opens_and_holds_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("live.redb")).unwrap();
        store
            .write(|tx| {
                assert!(tx.first_delivery("delivery-1", 100)?);
                tx.put_json(THINGS, "a", &serde_json::json!({"n": 1}))?;
                Ok(())
            })
            .unwrap();
        let dest = dir.path().join("copy.redb");
        let summary = store.data_file().unwrap().backup_to(&dest).unwrap();
        // Written after the snapshot: not in the copy, and the live file goes on.
        store
            .write(|tx| tx.put_json(THINGS, "b", &serde_json::json!({"n": 2})))
            .unwrap();
        assert!(summary.records() >= 3, "{summary:?}");
        assert!(!dir.path().join("copy.partial").exists());

        let FileState::Readable { schema, tables } = inspect(&dest).unwrap() else {
            panic!("the copy does not open read-only")
        };
        assert_eq!(schema, SCHEMA_VERSION);
        assert!(
            tables.contains(&("backup_test_things".to_string(), 1)),
            "{tables:?}"
        );
        drop(store);
        let copy = Store::open(&dest).unwrap();
        let a: Option<serde_json::Value> = copy.read_json(THINGS, "a").unwrap();
        let b: Option<serde_json::Value> = copy.read_json(THINGS, "b").unwrap();
        assert_eq!(a, Some(serde_json::json!({"n": 1})));
        assert_eq!(b, None);
        let redelivered = copy
            .write(|tx| tx.first_delivery("delivery-1", 200))
            .unwrap();
        assert!(!redelivered, "the copy keeps the dedup ids");
    }

    #[test]
    fn a_backup_never_overwrites_and_a_stopped_file_is_read_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.redb");
        drop(Store::open(&live).unwrap());
        let dest = dir.path().join("copy.redb");
        std::fs::write(&dest, b"keep me").unwrap();
        assert!(backup_file(&live, &dest).is_err());
        assert_eq!(std::fs::read(&dest).unwrap(), b"keep me");
        let other = dir.path().join("copy2.redb");
        backup_file(&live, &other).unwrap();
        assert!(matches!(
            inspect(&other).unwrap(),
            FileState::Readable { .. }
        ));
        assert_eq!(
            inspect(&dir.path().join("none.redb")).unwrap(),
            FileState::Missing
        );
        assert!(backup_file(&dir.path().join("none.redb"), &dest).is_err());
    }

    #[test]
    fn inspect_never_creates_the_file_and_sees_a_running_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/baton.redb");
        assert_eq!(inspect(&path).unwrap(), FileState::Missing);
        assert!(!dir.path().join("sub").exists());
        let store = Store::open(&path).unwrap();
        // In-process, redb refuses a second open of a file it holds too.
        let seen = inspect(&path).unwrap();
        assert!(matches!(seen, FileState::InUse), "{seen:?}");
        drop(store);
    }
}
