//! One open PostgreSQL transaction behind the [`Records`] seam. Every
//! statement is prepared once per connection (deadpool's statement cache);
//! reads in a write transaction take row locks (`FOR UPDATE`).

use std::cell::Cell;

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
const DEAD_LETTER_PUT: &str = "INSERT INTO dead_letters (id, letter) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET letter = excluded.letter";
const DEAD_LETTER_REMOVE: &str = "DELETE FROM dead_letters WHERE id = $1 RETURNING letter";
const DEAD_LETTERS: [&str; 2] =
    reads!("SELECT letter FROM dead_letters WHERE id > $1 ORDER BY id LIMIT $2");
const DEAD_LETTER_COUNT: &str = "SELECT count(*) FROM dead_letters";

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

    /// Run a statement's round trip, preceded by `BEGIN` in the same round
    /// trip if it is the transaction's first (the driver pipelines requests
    /// in the order they are first polled).
    fn run<T>(
        &self,
        sql: &str,
        statement: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T> {
        if self.begun.replace(true) {
            return self.checked(self.engine.round_trip(sql, statement));
        }
        let client = self.client();
        self.checked(self.engine.round_trip(sql, async {
            let (begin, result) = tokio::join!(
                biased;
                client.batch_execute(self.mode.begin_sql()),
                statement
            );
            begin?;
            result
        }))
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
        let rows = self.query(self.mode.read(GET), &[&table.name(), &key])?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn scan(
        &self,
        table: Table,
        prefix: &str,
        below: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>> {
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
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    fn count(&self, table: Table) -> Result<u64> {
        let rows = self.query(COUNT, &[&table.name()])?;
        Ok(count_of(&rows))
    }

    fn put(&mut self, table: Table, key: &str, value: &[u8]) -> Result<()> {
        self.writable()?;
        self.execute(PUT, &[&table.name(), &key, &value])?;
        Ok(())
    }

    fn remove(&mut self, table: Table, key: &str) -> Result<bool> {
        self.writable()?;
        Ok(self.execute(REMOVE, &[&table.name(), &key])? > 0)
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
        self.writable()?;
        // Stored bit for bit: an install id is any u64; `counter` casts back.
        self.execute(SET_COUNTER, &[&name, &(value as i64)])?;
        Ok(())
    }

    fn outbox_get(&self, id: u64) -> Result<Option<OutboxItem>> {
        let rows = self.query(self.mode.read(OUTBOX_GET), &[&id_param(id)?])?;
        Ok(self.items("outbox", rows)?.pop())
    }

    fn outbox_put(&mut self, item: &OutboxItem) -> Result<()> {
        self.writable()?;
        let bytes = encode(item);
        self.execute(
            OUTBOX_PUT,
            &[&id_param(item.id)?, &item.action.service(), &bytes],
        )?;
        Ok(())
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

    fn dead_letter_put(&mut self, letter: &DeadLetter) -> Result<()> {
        self.writable()?;
        let bytes = encode(letter);
        self.execute(DEAD_LETTER_PUT, &[&id_param(letter.item.id)?, &bytes])?;
        Ok(())
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
        let client = self.client.take().expect("commit runs once");
        if !self.begun.get() {
            return Ok(()); // nothing was read or written
        }
        let result = self
            .engine
            .round_trip("COMMIT", client.batch_execute("COMMIT"));
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
