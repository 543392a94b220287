//! The embedded engine: Baton's state in one redb file, the default.
//!
//! One process owns the file (redb locks it) and one writer thread writes,
//! so a write transaction's reads need no locks and the outbox has no
//! other claimer. After the disk fails under a write (full, read-only,
//! gone) the engine is closed for every caller until [`Engine::reopen`]
//! succeeds (redb refuses writes after an I/O error until then).
//!
//! Layout: string-keyed JSON tables under their [`Table`] names, `outbox`
//! and `dead_letters` keyed by id, `dedup_arrivals` (first seen, event id)
//! and `meta` (schema version, install id, counters).
//!
//! Delivery and event ids are stored in arrival order and found through an
//! index in memory, built at open: ids are random (a Sentry `event_id`, a
//! GitHub delivery GUID), and a table keyed by id copied a different 4 KiB
//! page for each new id, at every commit; appended in arrival order, a
//! commit's new ids share the table's last page. The index
//! ([`crate::dedup_index`]) holds about 5 bytes per id kept
//! (`BATON_DEDUP_RETENTION`): a part of the id's hash and when it was first
//! seen, which locates its row; the row read confirms it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition, WriteTransaction,
};

use crate::dedup_index::IdIndex;
use crate::engine::{Engine, Records, Table};
use crate::{faults, DeadLetter, OutboxItem, Result, StoreError, StoreOptions, UnixTime};

/// Memory redb may use to cache pages unless told otherwise
/// (`BATON_DATA_CACHE`). Baton's working set (pools, locks, open windows,
/// the last page of the delivery ids) is small; redb's default is 1 GiB.
/// 4 MiB ingested as fast as 8 MiB (issue 27, README) and is 4 MiB less RSS.
const CACHE_BYTES: usize = 4 * 1024 * 1024;

pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Delivery / event ids already acted on, as (first seen, id), in arrival
/// order (see the module documentation).
pub(crate) const ARRIVALS: TableDefinition<(i64, &str), ()> =
    TableDefinition::new("dedup_arrivals");
/// Schema 1's table of the same ids (id → first seen), moved into
/// [`ARRIVALS`] when a schema 1 file is opened.
const DEDUP_V1: TableDefinition<&str, i64> = TableDefinition::new("dedup");
const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
const DEAD_LETTERS: TableDefinition<u64, &[u8]> = TableDefinition::new("dead_letters");

use crate::SCHEMA_VERSION;

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

/// The open data file.
pub struct RedbEngine {
    path: PathBuf,
    options: StoreOptions,
    db: RwLock<Option<Arc<Database>>>,
    /// Why the engine is closed, while it is.
    failure: Mutex<Option<String>>,
    /// Where each id of [`ARRIVALS`] is, and maybe some that are not (see
    /// [`crate::dedup_index`]): a write transaction puts its ids in before
    /// it commits, so the next transaction never misses them.
    ids: Mutex<IdIndex>,
}

impl RedbEngine {
    /// Open (or create) the data file, creating its folder, and make sure
    /// every table exists and the layout is one this build knows.
    pub fn open(path: &Path, options: StoreOptions) -> Result<RedbEngine> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Storage(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let db = open_database(path, &options)?;
        let engine = RedbEngine {
            path: path.to_path_buf(),
            options,
            db: RwLock::new(Some(Arc::new(db))),
            failure: Mutex::new(None),
            ids: Mutex::new(IdIndex::keyed()),
        };
        let shown = path.display().to_string();
        // redb panics on some damaged pages; name the file instead.
        match quietly(|| engine.init_schema(&shown)) {
            Ok(result) => result?,
            Err(panic) => {
                return Err(StoreError::Damaged {
                    path: shown,
                    reason: format!("redb could not read it ({})", panic_text(&panic)),
                })
            }
        }
        let empty = engine.id_index().emptied();
        *engine.id_index() = load_id_index(engine.db()?.as_ref(), empty)?;
        Ok(engine)
    }

    fn id_index(&self) -> std::sync::MutexGuard<'_, IdIndex> {
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Build the index again from the file with another hash (tests make
    /// ids collide with it).
    #[cfg(test)]
    pub(crate) fn rehash_ids_for_test(&self, hashing: crate::dedup_index::Hashing) {
        *self.id_index() =
            load_id_index(self.db().unwrap().as_ref(), IdIndex::new(hashing)).unwrap();
    }

    /// How many entries the index holds and its bytes on the heap.
    pub(crate) fn id_index_size(&self) -> (usize, usize) {
        let index = self.id_index();
        (index.len(), index.heap_bytes())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the engine is closed (the I/O error's text), while it is.
    fn failed_because(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The open database, or why there is none.
    pub(crate) fn db(&self) -> Result<Arc<Database>> {
        if let Some(reason) = self.failed_because() {
            return Err(StoreError::Io(reason));
        }
        self.db
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Io("the data file is closed".into()))
    }

    /// Run redb's integrity check (which repairs what it can). `None` when
    /// another handle to the database is alive and the check cannot run.
    pub(crate) fn check_integrity(&self) -> Option<std::result::Result<bool, String>> {
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        let db = slot.as_mut().and_then(Arc::get_mut)?;
        Some(db.check_integrity().map_err(|e| e.to_string()))
    }

    fn init_schema(&self, path: &str) -> Result<()> {
        let txn = self.db()?.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let found = meta.get("schema_version")?.map(|v| v.value());
            match found {
                Some(v) if v > SCHEMA_VERSION => {
                    return Err(StoreError::NewerSchema {
                        path: path.to_string(),
                        found: v,
                        known: SCHEMA_VERSION,
                    })
                }
                Some(v) if v == SCHEMA_VERSION => {}
                Some(_) | None => {
                    meta.insert("schema_version", SCHEMA_VERSION)?;
                }
            }
            if meta.get("install_id")?.is_none() {
                meta.insert("install_id", crate::random_install_id())?;
            }
        }
        move_v1_dedup(&txn)?;
        // A reopen's probe cut short by a crash (see `probe_writes`).
        txn.delete_table(PROBE)?;
        txn.open_table(OUTBOX)?;
        txn.open_table(DEAD_LETTERS)?;
        txn.open_table(json_table(crate::outbox::MESSAGES))?;
        txn.commit()?;
        Ok(())
    }
}

impl Engine for RedbEngine {
    fn kind(&self) -> &'static str {
        "redb"
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn begin_write(&self) -> Result<Box<dyn Records + '_>> {
        Ok(Box::new(RedbTxn::Write {
            txn: self.db()?.begin_write()?,
            ids: Pruning {
                index: &self.ids,
                rows_before: None,
                rows: 0,
            },
        }))
    }

    fn begin_read(&self) -> Result<Box<dyn Records + '_>> {
        Ok(Box::new(RedbTxn::Read {
            txn: self.db()?.begin_read()?,
        }))
    }

    fn claim_outbox(
        &self,
        service: &str,
        _owner: &str,
        _lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxItem>> {
        // One process owns the file: the head of the queue is ours.
        let txn = self.begin_read()?;
        let mut out = Vec::new();
        let mut after = 0;
        while out.len() < limit {
            let page = txn.outbox_items(after, 256)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            out.extend(
                page.into_iter()
                    .filter(|item| item.action.service() == service),
            );
        }
        out.truncate(limit);
        Ok(out)
    }

    fn failure(&self) -> Option<String> {
        self.failed_because()
            .map(|reason| StoreError::Io(reason).to_string())
    }

    fn note_failure(&self, error: &StoreError) {
        if let StoreError::Io(reason) = error {
            let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            if failure.is_none() {
                *failure = Some(reason.clone());
            }
        }
    }

    fn reopen(&self) -> Result<()> {
        if self.failed_because().is_none() {
            return Ok(());
        }
        if let Some(free) = free_bytes(&self.path).filter(|&free| free < REOPEN_MIN_FREE_BYTES) {
            return Err(StoreError::Io(format!(
                "its disk has {} KiB free; reopening it once {} KiB are",
                free / 1024,
                REOPEN_MIN_FREE_BYTES / 1024
            )));
        }
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        if let Some(mut old) = slot.take() {
            // Readers hold their clone only for one read; wait them out so the
            // file's lock is released before it is opened again.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            loop {
                match Arc::try_unwrap(old) {
                    Ok(db) => {
                        drop(db);
                        break;
                    }
                    Err(shared) if std::time::Instant::now() < deadline => {
                        old = shared;
                        std::thread::sleep(Duration::from_millis(5));
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
        let empty = self.id_index().emptied();
        match probe_writes(&db).and_then(|()| load_id_index(&db, empty)) {
            Ok(ids) => {
                *self.id_index() = ids;
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
}

/// Free space the data file's filesystem needs (for unprivileged users)
/// before a file closed by a failed write is opened again: while a full disk
/// stays full, no reopen (which may repair the file) is even tried, and a
/// disk just under full does not make the store flap open and shut.
const REOPEN_MIN_FREE_BYTES: u64 = 1024 * 1024;
/// How much a reopened file must take before it counts as writable again.
const PROBE_BYTES: usize = 256 * 1024;
/// Where the probe writes (and removes at once).
const PROBE: TableDefinition<&str, &[u8]> = TableDefinition::new("write_probe");

/// Prove that writes of some size work before calling the store healthy: a
/// commit of [`PROBE_BYTES`], then one removing them. A tiny commit can fit
/// in pages the file already has while the disk is still full, and the
/// store would flap between open and failed with every write.
fn probe_writes(db: &Database) -> Result<()> {
    let fill = vec![0x5a_u8; PROBE_BYTES];
    let txn = db.begin_write()?;
    txn.open_table(PROBE)?.insert("probe", fill.as_slice())?;
    txn.commit()?;
    let txn = db.begin_write()?;
    txn.delete_table(PROBE)?;
    txn.commit()?;
    Ok(())
}

/// The free space for unprivileged users on the filesystem holding `path`,
/// where it can be read.
fn free_bytes(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: statvfs only reads the path and writes the struct passed.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
            return None;
        }
        // The field types differ between platforms (u32 on some).
        #[allow(clippy::useless_conversion)]
        let (blocks, block_size) = (u64::from(stat.f_bavail), u64::from(stat.f_frsize));
        Some(blocks.saturating_mul(block_size))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn json_table(table: Table) -> TableDefinition<'static, &'static str, &'static [u8]> {
    TableDefinition::new(table.name())
}

/// A redb transaction, read-write or read-only (boxed whole behind
/// `dyn Records`, so the size difference costs nothing).
#[allow(clippy::large_enum_variant)]
enum RedbTxn<'e> {
    Write {
        txn: WriteTransaction,
        ids: Pruning<'e>,
    },
    Read {
        txn: ReadTransaction,
    },
}

/// A write transaction's view of the ids index: its new ids go straight in
/// (an id whose transaction fails stays a candidate that its row read turns
/// down), and what it pruned is told to the index once it commits.
struct Pruning<'e> {
    index: &'e Mutex<IdIndex>,
    /// Every row first seen before this is gone, once this transaction
    /// commits: its prune's cutoff, lowered by an id kept after it at an
    /// earlier time.
    rows_before: Option<UnixTime>,
    /// Rows this transaction pruned.
    rows: u64,
}

impl Pruning<'_> {
    fn index(&self) -> std::sync::MutexGuard<'_, IdIndex> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Run `$body` with `$t` bound to the table `$def` opened in `$txn`
/// (whichever kind it is); a table a read transaction cannot find is
/// empty, and `$missing` is the answer then.
macro_rules! with_table {
    ($txn:expr, $def:expr, $missing:expr, |$t:ident| $body:expr) => {
        match $txn {
            RedbTxn::Write { txn, .. } => {
                let $t = txn.open_table($def)?;
                let result = $body;
                result
            }
            RedbTxn::Read { txn } => match txn.open_table($def) {
                Ok($t) => {
                    let result = $body;
                    result
                }
                Err(redb::TableError::TableDoesNotExist(_)) => Ok($missing),
                Err(e) => Err(e.into()),
            },
        }
    };
}

impl RedbTxn<'_> {
    fn writing(&self) -> Result<&WriteTransaction> {
        match self {
            RedbTxn::Write { txn, .. } => Ok(txn),
            RedbTxn::Read { .. } => Err(StoreError::ReadOnly),
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(table: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table: table.to_string(),
        reason: e.to_string(),
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("state records serialize to JSON")
}

impl Records for RedbTxn<'_> {
    fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>> {
        with_table!(self, json_table(table), None, |t| Ok(t
            .get(key)?
            .map(|v| v.value().to_vec())))
    }

    fn scan(
        &self,
        table: Table,
        prefix: &str,
        below: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        with_table!(self, json_table(table), Vec::new(), |t| {
            let mut out = Vec::new();
            for entry in t.range(prefix..)? {
                let (key, value) = entry?;
                let key = key.value();
                if out.len() >= limit
                    || !key.starts_with(prefix)
                    || below.is_some_and(|below| key >= below)
                {
                    break;
                }
                out.push((key.to_string(), value.value().to_vec()));
            }
            Ok(out)
        })
    }

    fn count(&self, table: Table) -> Result<u64> {
        with_table!(self, json_table(table), 0, |t| Ok(t.len()?))
    }

    fn put(&mut self, table: Table, key: &str, value: &[u8]) -> Result<()> {
        self.writing()?
            .open_table(json_table(table))?
            .insert(key, value)?;
        Ok(())
    }

    fn remove(&mut self, table: Table, key: &str) -> Result<bool> {
        let existed = self
            .writing()?
            .open_table(json_table(table))?
            .remove(key)?
            .is_some();
        Ok(existed)
    }

    fn first_delivery(&mut self, id: &str, now: UnixTime) -> Result<bool> {
        let RedbTxn::Write { txn, ids } = self else {
            return Err(StoreError::ReadOnly);
        };
        let mut arrivals = txn.open_table(ARRIVALS)?;
        let mut index = ids.index();
        let hash = index.hash(id);
        for seen in index.candidates(hash) {
            if arrivals.get((seen, id))?.is_some() {
                return Ok(false);
            }
        }
        index.insert(hash, now);
        drop(index);
        arrivals.insert((now, id), ())?;
        if let Some(before) = &mut ids.rows_before {
            *before = (*before).min(now);
        }
        Ok(true)
    }

    fn prune_deliveries(&mut self, cutoff: UnixTime) -> Result<u64> {
        let RedbTxn::Write { txn, ids } = self else {
            return Err(StoreError::ReadOnly);
        };
        let mut count = 0;
        txn.open_table(ARRIVALS)?
            .retain_in(..(cutoff, ""), |_, ()| {
                count += 1;
                false
            })?;
        ids.rows += count;
        ids.rows_before = Some(ids.rows_before.map_or(cutoff, |before| before.max(cutoff)));
        Ok(count)
    }

    /// Read from the table (for `baton migrate` and counts): the ids are
    /// stored in arrival order, so this reads every row.
    fn deliveries(&self, after: &str, limit: usize) -> Result<Vec<(String, UnixTime)>> {
        with_table!(self, ARRIVALS, Vec::new(), |t| {
            let mut page = BTreeMap::<String, UnixTime>::new();
            for entry in t.iter()? {
                let (key, _) = entry?;
                let (seen, id) = key.value();
                let beyond_page = page.len() == limit
                    && page
                        .last_key_value()
                        .is_some_and(|(last, _)| id > last.as_str());
                if id <= after || beyond_page {
                    continue;
                }
                let first = page.entry(id.to_string()).or_insert(seen);
                *first = (*first).min(seen);
                if page.len() > limit {
                    page.pop_last();
                }
            }
            Ok(page.into_iter().collect())
        })
    }

    fn next_id(&mut self, name: &str) -> Result<u64> {
        let mut meta = self.writing()?.open_table(META)?;
        let next = meta.get(name)?.map(|v| v.value()).unwrap_or(0) + 1;
        meta.insert(name, next)?;
        Ok(next)
    }

    fn counter(&self, name: &str) -> Result<Option<u64>> {
        with_table!(self, META, None, |t| Ok(t.get(name)?.map(|v| v.value())))
    }

    fn set_counter(&mut self, name: &str, value: u64) -> Result<()> {
        self.writing()?.open_table(META)?.insert(name, value)?;
        Ok(())
    }

    fn outbox_get(&self, id: u64) -> Result<Option<OutboxItem>> {
        with_table!(self, OUTBOX, None, |t| match t.get(id)? {
            Some(bytes) => decode("outbox", bytes.value()).map(Some),
            None => Ok(None),
        })
    }

    fn outbox_put(&mut self, item: &OutboxItem) -> Result<()> {
        self.writing()?
            .open_table(OUTBOX)?
            .insert(item.id, encode(item).as_slice())?;
        Ok(())
    }

    fn outbox_remove(&mut self, id: u64) -> Result<Option<OutboxItem>> {
        let removed = self
            .writing()?
            .open_table(OUTBOX)?
            .remove(id)?
            .map(|bytes| bytes.value().to_vec());
        removed.map(|bytes| decode("outbox", &bytes)).transpose()
    }

    fn outbox_items(&self, after: u64, limit: usize) -> Result<Vec<OutboxItem>> {
        with_table!(self, OUTBOX, Vec::new(), |t| {
            let mut out = Vec::new();
            for entry in t.range(after.saturating_add(1)..)? {
                if out.len() >= limit {
                    break;
                }
                out.push(decode("outbox", entry?.1.value())?);
            }
            Ok(out)
        })
    }

    fn outbox_count(&self) -> Result<u64> {
        with_table!(self, OUTBOX, 0, |t| Ok(t.len()?))
    }

    fn dead_letter_put(&mut self, letter: &DeadLetter) -> Result<()> {
        self.writing()?
            .open_table(DEAD_LETTERS)?
            .insert(letter.item.id, encode(letter).as_slice())?;
        Ok(())
    }

    fn dead_letter_remove(&mut self, id: u64) -> Result<Option<DeadLetter>> {
        let removed = self
            .writing()?
            .open_table(DEAD_LETTERS)?
            .remove(id)?
            .map(|bytes| bytes.value().to_vec());
        removed
            .map(|bytes| decode("dead_letters", &bytes))
            .transpose()
    }

    fn dead_letters(&self, after: u64, limit: usize) -> Result<Vec<DeadLetter>> {
        with_table!(self, DEAD_LETTERS, Vec::new(), |t| {
            let mut out = Vec::new();
            for entry in t.range(after.saturating_add(1)..)? {
                if out.len() >= limit {
                    break;
                }
                out.push(decode("dead_letters", entry?.1.value())?);
            }
            Ok(out)
        })
    }

    fn dead_letter_count(&self) -> Result<u64> {
        with_table!(self, DEAD_LETTERS, 0, |t| Ok(t.len()?))
    }

    fn commit(self: Box<Self>) -> Result<()> {
        match *self {
            RedbTxn::Write { txn, ids } => {
                txn.commit()?;
                if let Some(before) = ids.rows_before {
                    let mut index = ids.index();
                    index.pruned_before(before);
                    // A full bucket drops its stale entries before it grows,
                    // so a steady trickle of prunes needs no sweep; a prune
                    // of a large share gives its memory back now.
                    if ids.rows > 0 && ids.rows >= index.len() as u64 / 4 {
                        index.sweep();
                    }
                }
            }
            RedbTxn::Read { .. } => {}
        }
        Ok(())
    }
}

/// `index` (empty) filled with every id of [`ARRIVALS`].
fn load_id_index(db: &Database, mut index: IdIndex) -> Result<IdIndex> {
    let txn = db.begin_read()?;
    let arrivals = match txn.open_table(ARRIVALS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(index),
        Err(e) => return Err(e.into()),
    };
    // Two passes over the rows, so each bucket is allocated once at its
    // final size (growing them as they filled left about a third more
    // memory behind in the allocator).
    let mut counts = IdIndex::load_counts();
    for entry in arrivals.iter()? {
        let (key, _) = entry?;
        let (seen, id) = key.value();
        IdIndex::count_for_load(&mut counts, index.hash(id), seen);
    }
    index.reserve_for_load(&counts);
    drop(counts);
    for entry in arrivals.iter()? {
        let (key, _) = entry?;
        let (seen, id) = key.value();
        index.push_unsorted(index.hash(id), seen);
    }
    index.sort();
    Ok(index)
}

/// Schema 1 kept ids in `dedup` (id → first seen): move them into
/// [`ARRIVALS`] and drop that table (a no-op on a new or moved file).
fn move_v1_dedup(txn: &WriteTransaction) -> Result<()> {
    let mut arrivals = txn.open_table(ARRIVALS)?;
    let moved = match txn.open_table(DEDUP_V1) {
        Ok(old) => {
            for entry in old.iter()? {
                let (id, seen) = entry?;
                arrivals.insert((seen.value(), id.value()), ())?;
            }
            true
        }
        Err(redb::TableError::TableTypeMismatch { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    drop(arrivals);
    if moved {
        txn.delete_table(DEDUP_V1)?;
    }
    Ok(())
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
        builder.set_cache_size(options.cache_bytes.unwrap_or(CACHE_BYTES));
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
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
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
pub(crate) fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "it panicked".into())
}

#[cfg(test)]
mod tests;
