//! One open PostgreSQL transaction behind the [`Records`] seam. Every
//! statement is prepared once per connection (deadpool's statement cache);
//! reads in a write transaction take row locks (`FOR UPDATE`).
//!
//! Round trips are what a transaction costs (the writer waits for each), so
//! a transaction spends as few as it can:
//! - writes whose answer nobody needs (`put`, a `remove` of a record whose
//!   presence is known, the outbox and dead-letter puts, `set_counter`) are
//!   held and sent pipelined ahead of the next statement or the `COMMIT`, in
//!   the order they were made;
//! - a record read or written once is answered from the transaction's own
//!   copy the next time (a batch of deliveries reads the same pools and
//!   people again and again), and so is a scan repeated with no write to
//!   its table in between. What the copy answers is what the database would:
//!   the transaction's snapshot, its own writes, and the rows it locked.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::PostgresEngine;
use crate::engine::{Records, Table};
use crate::{DeadLetter, OutboxItem, Result, StoreError, UnixTime};

/// What a transaction may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Read,
}

impl Mode {
    pub(crate) fn begin_sql(self) -> &'static str {
        match self {
            Mode::Write => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            Mode::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// A read statement: as given for a snapshot, with row locks in a write
    /// transaction.
    fn read(self, [snapshot, locking]: [&'static str; 2]) -> &'static str {
        match self {
            Mode::Read => snapshot,
            Mode::Write => locking,
        }
    }
}

/// `sql` and the same with ` FOR UPDATE` appended, both `&'static str`.
macro_rules! reads {
    ($sql:expr) => {
        [$sql, concat!($sql, " FOR UPDATE")]
    };
}

const GET: [&str; 2] = reads!("SELECT value FROM records WHERE tbl = $1 AND key = $2");
const SCAN_BOUNDED: [&str; 2] = reads!(
    "SELECT key, value FROM records WHERE tbl = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4"
);
const SCAN_OPEN: [&str; 2] =
    reads!("SELECT key, value FROM records WHERE tbl = $1 AND key >= $2 ORDER BY key LIMIT $3");
const COUNT: &str = "SELECT count(*) FROM records WHERE tbl = $1";
const PUT: &str = "INSERT INTO records (tbl, key, value) VALUES ($1, $2, $3)
     ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value";
const REMOVE: &str = "DELETE FROM records WHERE tbl = $1 AND key = $2";
const FIRST_DELIVERY: &str =
    "INSERT INTO deliveries (id, seen) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING";
const PRUNE_DELIVERIES: &str = "DELETE FROM deliveries WHERE seen < $1";
const DELIVERIES: [&str; 2] =
    reads!("SELECT id, seen FROM deliveries WHERE id > $1 ORDER BY id LIMIT $2");
const NEXT_ID: &str = "INSERT INTO counters (name, value) VALUES ($1, 1)
     ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value";
const COUNTER: [&str; 2] = reads!("SELECT value FROM counters WHERE name = $1");
const SET_COUNTER: &str = "INSERT INTO counters (name, value) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";
const OUTBOX_GET: [&str; 2] = reads!("SELECT item FROM outbox WHERE id = $1");
const OUTBOX_PUT: &str = "INSERT INTO outbox (id, service, item) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET service = excluded.service, item = excluded.item";
const OUTBOX_REMOVE: &str = "DELETE FROM outbox WHERE id = $1 RETURNING item";
const OUTBOX_ITEMS: [&str; 2] =
    reads!("SELECT item FROM outbox WHERE id > $1 ORDER BY id LIMIT $2");
const OUTBOX_COUNT: &str = "SELECT count(*) FROM outbox";
const OUTBOX_BACKLOG: &str = "SELECT count(*),
     (SELECT item FROM outbox WHERE service = $1 ORDER BY id LIMIT 1)
     FROM outbox WHERE service = $1";
const DEAD_LETTER_PUT: &str = "INSERT INTO dead_letters (id, letter) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET letter = excluded.letter";
const DEAD_LETTER_REMOVE: &str = "DELETE FROM dead_letters WHERE id = $1 RETURNING letter";
const DEAD_LETTERS: [&str; 2] =
    reads!("SELECT letter FROM dead_letters WHERE id > $1 ORDER BY id LIMIT $2");
const DEAD_LETTER_COUNT: &str = "SELECT count(*) FROM dead_letters";

/// A parameter of a held write, owned until it is sent.
type OwnedParam = Box<dyn ToSql + Sync + Send>;

/// A write held until the next round trip (see the module documentation).
struct HeldWrite {
    sql: &'static str,
    params: Vec<OwnedParam>,
}

/// A scan's arguments, as the key of its remembered answer.
type ScanKey = (Table, String, Option<String>, usize);
/// A scan's answer: keys and values in key order.
type ScanRows = Vec<(String, Vec<u8>)>;
/// A record as this transaction last saw it: `None` is known absent.
type KnownRecords = HashMap<(Table, String), Option<Vec<u8>>>;

/// One open transaction on one pooled connection.
pub(crate) struct PgRecords<'e> {
    engine: &'e PostgresEngine,
    /// `None` once committed.
    client: Option<Object>,
    mode: Mode,
    /// Whether `BEGIN` was sent. It goes out with the first statement, in
    /// the same round trip; a transaction that ran none sends nothing.
    begun: Cell<bool>,
    /// A statement failed: PostgreSQL has aborted the transaction, so a
    /// `COMMIT` would quietly roll back. Commit refuses instead.
    failed: Cell<bool>,
    /// The connection's state is unknown (it failed or timed out): it is
    /// dropped rather than returned to the pool.
    broken: Cell<bool>,
    /// Writes not sent yet, in order.
    held: RefCell<Vec<HeldWrite>>,
    /// Records this transaction read or wrote: `None` is known absent.
    known: RefCell<KnownRecords>,
    /// Scans answered since the last write to their table.
    scans: RefCell<HashMap<ScanKey, ScanRows>>,
}

impl<'e> PgRecords<'e> {
    pub(crate) fn new(engine: &'e PostgresEngine, client: Object, mode: Mode) -> PgRecords<'e> {
        PgRecords {
            engine,
            client: Some(client),
            mode,
            begun: Cell::new(false),
            failed: Cell::new(false),
            broken: Cell::new(false),
            held: RefCell::new(Vec::new()),
            known: RefCell::new(HashMap::new()),
            scans: RefCell::new(HashMap::new()),
        }
    }

    fn client(&self) -> &Object {
        self.client
            .as_ref()
            .expect("the connection is held until commit")
    }

    /// Run one statement (prepared once per connection) and return its rows.
    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let client = self.client();
        self.run(sql, async {
            let statement = client.prepare_cached(sql).await?;
            client.query(&statement, params).await
        })
    }

    /// Run one statement and return how many rows it changed.
    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let client = self.client();
        self.run(sql, async {
            let statement = client.prepare_cached(sql).await?;
            client.execute(&statement, params).await
        })
    }

    /// Run a statement's round trip. `BEGIN` (if this is the transaction's
    /// first statement) and the held writes go out ahead of it in the same
    /// round trip: the driver pipelines requests in the order they are first
    /// polled. The first error in that order is the answer (PostgreSQL
    /// refuses everything after a failed statement in a transaction).
    fn run<T>(
        &self,
        sql: &str,
        statement: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T> {
        let begin = !self.begun.replace(true);
        let held = std::mem::take(&mut *self.held.borrow_mut());
        if !begin && held.is_empty() {
            return self.checked(self.engine.round_trip(sql, statement));
        }
        let client = self.client();
        self.checked(self.engine.round_trip(sql, async {
            // Prepared first (a lookup once a connection has them), so that
            // each write below goes out on its first poll, in order.
            let mut prepared = Vec::with_capacity(held.len());
            for write in &held {
                prepared.push(client.prepare_cached(write.sql).await?);
            }
            let writes = held.iter().zip(&prepared).map(|(write, statement)| {
                let params: Vec<&(dyn ToSql + Sync)> = write
                    .params
                    .iter()
                    .map(|param| param.as_ref() as &(dyn ToSql + Sync))
                    .collect();
                async move { client.execute(statement, &params).await }
            });
            let (began, written, result) = tokio::join!(
                biased;
                async {
                    if begin {
                        client.batch_execute(self.mode.begin_sql()).await
                    } else {
                        Ok(())
                    }
                },
                futures_util::future::join_all(writes),
                statement
            );
            began?;
            for write in written {
                write?;
            }
            result
        }))
    }

    /// Hold a write until the next round trip.
    fn hold(&self, sql: &'static str, params: Vec<OwnedParam>) -> Result<()> {
        self.writable()?;
        if self.failed.get() {
            return Err(aborted());
        }
        self.held.borrow_mut().push(HeldWrite { sql, params });
        Ok(())
    }

    /// Remember `table`'s record `key` as this transaction now sees it, and
    /// forget the table's scans.
    fn wrote(&self, table: Table, key: &str, value: Option<&[u8]>) {
        self.known
            .borrow_mut()
            .insert((table, key.to_string()), value.map(<[u8]>::to_vec));
        self.scans.borrow_mut().retain(|scan, _| scan.0 != table);
    }

    /// Note a failed statement (see `failed` and `broken`).
    fn checked<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            self.failed.set(true);
            if matches!(e, StoreError::Unavailable(_)) {
                self.broken.set(true);
            }
        }
        result
    }

    fn writable(&self) -> Result<()> {
        match self.mode {
            Mode::Write => Ok(()),
            Mode::Read => Err(StoreError::ReadOnly),
        }
    }

    fn items<T: serde::de::DeserializeOwned>(&self, table: &str, rows: Vec<Row>) -> Result<Vec<T>> {
        rows.iter().map(|row| decode(table, row.get(0))).collect()
    }
}

impl Records for PgRecords<'_> {
    fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>> {
        if let Some(known) = self.known.borrow().get(&(table, key.to_string())) {
            return Ok(known.clone());
        }
        let rows = self.query(self.mode.read(GET), &[&table.name(), &key])?;
        let value: Option<Vec<u8>> = rows.first().map(|row| row.get(0));
        self.known
            .borrow_mut()
            .insert((table, key.to_string()), value.clone());
        Ok(value)
    }

    fn scan(
        &self,
        table: Table,
        prefix: &str,
        below: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let scan: ScanKey = (table, prefix.to_string(), below.map(str::to_string), limit);
        if let Some(rows) = self.scans.borrow().get(&scan) {
            return Ok(rows.clone());
        }
        let limit = to_i64(limit);
        let end = match (prefix_end(prefix), below) {
            (Some(end), Some(below)) => Some(end.min(below.to_string())),
            (end, below) => end.or(below.map(str::to_string)),
        };
        let rows = match &end {
            Some(end) => self.query(
                self.mode.read(SCAN_BOUNDED),
                &[&table.name(), &prefix, end, &limit],
            )?,
            None => self.query(self.mode.read(SCAN_OPEN), &[&table.name(), &prefix, &limit])?,
        };
        let rows: ScanRows = rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        self.scans.borrow_mut().insert(scan, rows.clone());
        Ok(rows)
    }

    fn count(&self, table: Table) -> Result<u64> {
        let rows = self.query(COUNT, &[&table.name()])?;
        Ok(count_of(&rows))
    }

    fn put(&mut self, table: Table, key: &str, value: &[u8]) -> Result<()> {
        self.checked(refuse_nul(key))?;
        self.hold(
            PUT,
            vec![
                Box::new(table.name()),
                Box::new(key.to_string()),
                Box::new(value.to_vec()),
            ],
        )?;
        self.wrote(table, key, Some(value));
        Ok(())
    }

    fn remove(&mut self, table: Table, key: &str) -> Result<bool> {
        self.writable()?;
        let known = self
            .known
            .borrow()
            .get(&(table, key.to_string()))
            .map(Option::is_some);
        let existed = match known {
            Some(false) => return Ok(false),
            Some(true) => {
                self.hold(
                    REMOVE,
                    vec![Box::new(table.name()), Box::new(key.to_string())],
                )?;
                true
            }
            None => self.execute(REMOVE, &[&table.name(), &key])? > 0,
        };
        self.wrote(table, key, None);
        Ok(existed)
    }

    fn first_delivery(&mut self, id: &str, now: UnixTime) -> Result<bool> {
        self.writable()?;
        Ok(self.execute(FIRST_DELIVERY, &[&id, &now])? == 1)
    }

    fn prune_deliveries(&mut self, cutoff: UnixTime) -> Result<u64> {
        self.writable()?;
        self.execute(PRUNE_DELIVERIES, &[&cutoff])
    }

    fn deliveries(&self, after: &str, limit: usize) -> Result<Vec<(String, UnixTime)>> {
        let rows = self.query(self.mode.read(DELIVERIES), &[&after, &to_i64(limit)])?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    fn next_id(&mut self, name: &str) -> Result<u64> {
        self.writable()?;
        let rows = self.query(NEXT_ID, &[&name])?;
        Ok(rows.first().map(|row| row.get::<_, i64>(0)).unwrap_or(0) as u64)
    }

    fn counter(&self, name: &str) -> Result<Option<u64>> {
        let rows = self.query(self.mode.read(COUNTER), &[&name])?;
        Ok(rows.first().map(|row| row.get::<_, i64>(0) as u64))
    }

    fn set_counter(&mut self, name: &str, value: u64) -> Result<()> {
        // Stored bit for bit: an install id is any u64; `counter` casts back.
        self.hold(
            SET_COUNTER,
            vec![Box::new(name.to_string()), Box::new(value as i64)],
        )
    }

    fn outbox_get(&self, id: u64) -> Result<Option<OutboxItem>> {
        let rows = self.query(self.mode.read(OUTBOX_GET), &[&id_param(id)?])?;
        Ok(self.items("outbox", rows)?.pop())
    }

    fn outbox_put(&mut self, item: &OutboxItem) -> Result<()> {
        self.hold(
            OUTBOX_PUT,
            vec![
                Box::new(id_param(item.id)?),
                Box::new(item.action.service()),
                Box::new(encode(item)),
            ],
        )
    }

    fn outbox_remove(&mut self, id: u64) -> Result<Option<OutboxItem>> {
        self.writable()?;
        let rows = self.query(OUTBOX_REMOVE, &[&id_param(id)?])?;
        Ok(self.items("outbox", rows)?.pop())
    }

    fn outbox_items(&self, after: u64, limit: usize) -> Result<Vec<OutboxItem>> {
        let rows = self.query(
            self.mode.read(OUTBOX_ITEMS),
            &[&id_param(after)?, &to_i64(limit)],
        )?;
        self.items("outbox", rows)
    }

    fn outbox_count(&self) -> Result<u64> {
        Ok(count_of(&self.query(OUTBOX_COUNT, &[])?))
    }

    /// One statement on the `(service, id)` index, not the whole outbox.
    fn outbox_backlog(&self, service: &str) -> Result<(u64, Option<UnixTime>)> {
        let rows = self.query(OUTBOX_BACKLOG, &[&service])?;
        let oldest: Option<Vec<u8>> = rows.first().and_then(|row| row.get(1));
        let oldest = match oldest {
            Some(bytes) => Some(decode_item(&bytes)?.created_at),
            None => None,
        };
        Ok((count_of(&rows), oldest))
    }

    fn dead_letter_put(&mut self, letter: &DeadLetter) -> Result<()> {
        self.hold(
            DEAD_LETTER_PUT,
            vec![
                Box::new(id_param(letter.item.id)?),
                Box::new(encode(letter)),
            ],
        )
    }

    fn dead_letter_remove(&mut self, id: u64) -> Result<Option<DeadLetter>> {
        self.writable()?;
        let rows = self.query(DEAD_LETTER_REMOVE, &[&id_param(id)?])?;
        Ok(self.items("dead_letters", rows)?.pop())
    }

    fn dead_letters(&self, after: u64, limit: usize) -> Result<Vec<DeadLetter>> {
        let rows = self.query(
            self.mode.read(DEAD_LETTERS),
            &[&id_param(after)?, &to_i64(limit)],
        )?;
        self.items("dead_letters", rows)
    }

    fn dead_letter_count(&self) -> Result<u64> {
        Ok(count_of(&self.query(DEAD_LETTER_COUNT, &[])?))
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        if self.failed.get() {
            return Err(StoreError::Storage(
                "a statement of this transaction failed, so nothing was stored".into(),
            ));
        }
        if !self.begun.get() && self.held.borrow().is_empty() {
            self.client.take();
            return Ok(()); // nothing was read or written
        }
        // The held writes go out with the COMMIT. If one fails, PostgreSQL
        // answers the COMMIT with a rollback, and that write's error is the
        // answer.
        let result = {
            let client = self.client();
            self.run("COMMIT", client.batch_execute("COMMIT"))
        };
        let client = self.client.take().expect("commit runs once");
        match &result {
            // The outcome of a commit whose answer was lost is unknown; the
            // connection goes.
            Err(StoreError::Unavailable(_)) => drop(Object::take(client)),
            // A refused commit (a serialization failure) has ended the
            // transaction: the connection is clean.
            _ => drop(client),
        }
        result
    }
}

impl Drop for PgRecords<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.engine
                .release(client, self.begun.get(), self.broken.get());
        }
    }
}

/// The smallest string above every string that starts with `prefix` (in
/// byte order, which is code point order for UTF-8), or `None` when there
/// is none (an empty prefix, or one of only `char::MAX`).
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A row count or limit as PostgreSQL's `bigint`.
pub(crate) fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An id or counter value as `bigint`.
fn id_param(id: u64) -> Result<i64> {
    i64::try_from(id)
        .map_err(|_| StoreError::Storage(format!("id {id} is too large for PostgreSQL")))
}

/// PostgreSQL's `text` cannot hold NUL. A held write is refused at once,
/// as its statement would be, not at the next round trip; the transaction
/// is then aborted like after any failed statement.
fn refuse_nul(key: &str) -> Result<()> {
    if key.contains('\0') {
        return Err(StoreError::Storage(format!(
            "a key cannot hold the NUL character (SQLSTATE 22021): {:?}",
            key
        )));
    }
    Ok(())
}

/// Why a write after a failed statement is refused.
fn aborted() -> StoreError {
    StoreError::Storage("a statement of this transaction failed, so nothing more is written".into())
}

fn count_of(rows: &[Row]) -> u64 {
    rows.first().map(|row| row.get::<_, i64>(0)).unwrap_or(0) as u64
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("state records serialize to JSON")
}

fn decode<T: serde::de::DeserializeOwned>(table: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table: table.to_string(),
        reason: e.to_string(),
    })
}

/// An outbox item's stored bytes.
pub(crate) fn decode_item(bytes: &[u8]) -> Result<OutboxItem> {
    decode("outbox", bytes)
}
