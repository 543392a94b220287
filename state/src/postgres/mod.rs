//! The PostgreSQL engine: Baton's state in a database shared by several
//! replicas (`BATON_DATABASE_URL=postgres://…`).
//!
//! The driver is async (tokio-postgres with a deadpool pool), the
//! [`Engine`] seam is blocking: the engine owns a small private tokio
//! runtime that runs the connections, and each call `block_on`s it from the
//! calling thread (the writer thread or a `spawn_blocking` task; never an
//! async task, where `block_on` panics). One transaction holds one pooled
//! connection from `begin_*` to `commit` or drop.
//!
//! Write transactions run at SERIALIZABLE and lock what they read
//! (`SELECT … FOR UPDATE`), so two replicas never decide from the same
//! state; read transactions are REPEATABLE READ READ ONLY snapshots. A
//! serialization failure or deadlock answers [`StoreError::Conflict`] (run
//! the transaction again). A lost connection answers
//! [`StoreError::Unavailable`] and closes the engine ([`Engine::failure`])
//! until [`Engine::reopen`] reaches the database again.

mod connection;
mod errors;
mod records;
mod schema;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};

use crate::engine::{Engine, Records};
use crate::{OutboxItem, Result, StoreError};
use errors::{from_pg, from_pool, timed_out};
use records::{decode_item, to_i64, Mode, PgRecords};

pub(crate) use connection::{parse_url, tls};

/// Connections kept open to the database, at most.
const POOL_SIZE: usize = 16;
/// How long one round trip to the database may take before the connection
/// is given up as unreachable.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for a free connection or a new one.
const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// Baton's state in PostgreSQL. See the module documentation.
pub struct PostgresEngine {
    /// `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    pool: Pool,
    location: String,
    /// Why the engine is closed, while it is.
    failure: Mutex<Option<String>>,
}

impl PostgresEngine {
    /// Connect to the database at `url` (`postgres://user:password@host:port/db`,
    /// TLS as its `sslmode` asks), and bring its schema up to date (or
    /// refuse a database written by a newer Baton).
    pub fn connect(url: &str) -> Result<PostgresEngine> {
        let config = parse_url(url)?;
        let location = connection::location(&config);
        let tls = tls(&config)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("baton-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Storage(format!("cannot start the database runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .recycle_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Storage(format!("cannot build the connection pool: {e}")))?;
        let engine = PostgresEngine {
            runtime: Some(runtime),
            pool,
            location,
            failure: Mutex::new(None),
        };
        let mut client = engine.connection().map_err(|e| engine.named(e))?;
        engine
            .block_on(schema::migrate(&mut client, &engine.location))
            .map_err(|e| engine.named(e))?;
        Ok(engine)
    }

    /// Run a future on the engine's runtime, from a non-async thread.
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the engine")
            .block_on(future)
    }

    /// Run one round trip with the statement timeout.
    fn round_trip<T>(
        &self,
        what: &str,
        future: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T> {
        match self.block_on(async { tokio::time::timeout(STATEMENT_TIMEOUT, future).await }) {
            Ok(result) => result.map_err(|e| self.noted(from_pg(e))),
            Err(_) => Err(self.noted(timed_out(what))),
        }
    }

    /// A pooled connection (fails fast while the engine is closed).
    fn connection(&self) -> Result<Object> {
        if let Some(reason) = self.failure() {
            return Err(StoreError::Unavailable(reason));
        }
        self.block_on(self.pool.get())
            .map_err(|e| self.noted(from_pool(e)))
    }

    /// Remember an unreachable database (closing the engine until
    /// [`Engine::reopen`]); pass every error through.
    fn noted(&self, error: StoreError) -> StoreError {
        if let StoreError::Unavailable(reason) = &error {
            let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            if failure.is_none() {
                *failure = Some(format!(
                    "the database {} is unreachable: {reason}",
                    self.location
                ));
            }
        }
        error
    }

    /// Name the database in a connect-time error.
    fn named(&self, error: StoreError) -> StoreError {
        match error {
            StoreError::Unavailable(reason) => {
                StoreError::Unavailable(format!("{}: {reason}", self.location))
            }
            StoreError::Storage(reason) => {
                StoreError::Storage(format!("{}: {reason}", self.location))
            }
            other => other,
        }
    }

    /// Open a transaction of `mode` on one pooled connection (`BEGIN` goes
    /// out with its first statement).
    fn begin(&self, mode: Mode) -> Result<PgRecords<'_>> {
        Ok(PgRecords::new(self, self.connection()?, mode))
    }

    /// Give a connection whose transaction was not committed back to the
    /// pool once it is rolled back (without blocking the caller), or drop it
    /// when its state is unknown.
    fn release(&self, client: Object, begun: bool, broken: bool) {
        if broken {
            drop(Object::take(client));
            return;
        }
        if !begun {
            return;
        }
        if let Some(runtime) = &self.runtime {
            runtime.spawn(async move {
                let rollback =
                    tokio::time::timeout(STATEMENT_TIMEOUT, client.batch_execute("ROLLBACK"));
                if !matches!(rollback.await, Ok(Ok(()))) {
                    drop(Object::take(client));
                }
            });
        }
    }
}

impl Engine for PostgresEngine {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn begin_write(&self) -> Result<Box<dyn Records + '_>> {
        Ok(Box::new(self.begin(Mode::Write)?))
    }

    fn begin_read(&self) -> Result<Box<dyn Records + '_>> {
        Ok(Box::new(self.begin(Mode::Read)?))
    }

    /// One short transaction: claimers of the same service queue on an
    /// advisory lock; the head of the queue is read `FOR UPDATE SKIP
    /// LOCKED`, and a row skipped (a writer holds it) or leased to another
    /// live owner ends the claimed prefix. Leases use the database's clock.
    fn claim_outbox(
        &self,
        service: &str,
        owner: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxItem>> {
        let mut client = self.connection()?;
        let claimed = self.block_on(async {
            tokio::time::timeout(
                STATEMENT_TIMEOUT,
                claim(&mut client, service, owner, lease, limit),
            )
            .await
        });
        match claimed {
            Ok(Ok(rows)) => rows.into_iter().map(|bytes| decode_item(&bytes)).collect(),
            Ok(Err(e)) => {
                let e = self.noted(from_pg(e));
                if matches!(e, StoreError::Unavailable(_)) {
                    drop(Object::take(client));
                }
                Err(e)
            }
            Err(_) => {
                drop(Object::take(client));
                Err(self.noted(timed_out("an outbox claim")))
            }
        }
    }

    fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Drop every idle connection (they may be half-open after an outage)
    /// and prove a fresh one answers `SELECT 1`.
    fn reopen(&self) -> Result<()> {
        if self.failure().is_none() {
            return Ok(());
        }
        self.pool.retain(|_, _| false);
        let client = self.block_on(self.pool.get()).map_err(from_pool)?;
        match self.block_on(async {
            tokio::time::timeout(STATEMENT_TIMEOUT, client.simple_query("SELECT 1")).await
        }) {
            Ok(Ok(_)) => {
                *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Ok(())
            }
            Ok(Err(e)) => Err(from_pg(e)),
            Err(_) => Err(timed_out("SELECT 1")),
        }
    }
}

impl Drop for PostgresEngine {
    fn drop(&mut self) {
        self.pool.close();
        // Safe from any context, async included.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The claim transaction (see [`PostgresEngine::claim_outbox`]); returns the
/// claimed items' bytes in id order.
async fn claim(
    client: &mut Object,
    service: &str,
    owner: &str,
    lease: Duration,
    limit: usize,
) -> Result<Vec<Vec<u8>>, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let lock = tx
        .prepare_cached("SELECT pg_advisory_xact_lock(1650553967, hashtext($1))")
        .await?;
    tx.execute(&lock, &[&service]).await?;
    let head = tx
        .prepare_cached(
            "WITH head AS (
                 SELECT id FROM outbox WHERE service = $1 ORDER BY id LIMIT $2
             ), free AS (
                 SELECT id, item, lease_owner, lease_until > now() AS live
                 FROM outbox WHERE id IN (SELECT id FROM head)
                 FOR UPDATE SKIP LOCKED
             )
             SELECT head.id, free.item, free.lease_owner, free.live
             FROM head LEFT JOIN free ON free.id = head.id
             ORDER BY head.id",
        )
        .await?;
    let rows = tx.query(&head, &[&service, &to_i64(limit)]).await?;
    let mut ids = Vec::new();
    let mut items = Vec::new();
    for row in rows {
        let item: Option<Vec<u8>> = row.get(1);
        let holder: Option<String> = row.get(2);
        let live: Option<bool> = row.get(3);
        let Some(item) = item else {
            break; // a writer holds the row: it is someone's, for now
        };
        if live == Some(true) && holder.as_deref().is_some_and(|h| h != owner) {
            break;
        }
        ids.push(row.get::<_, i64>(0));
        items.push(item);
    }
    if !ids.is_empty() {
        let take = tx
            .prepare_cached(
                "UPDATE outbox SET lease_owner = $1, lease_until = now() + $2 * interval '1 second'
                 WHERE id = ANY($3)",
            )
            .await?;
        tx.execute(&take, &[&owner, &lease.as_secs_f64(), &ids])
            .await?;
    }
    tx.commit().await?;
    Ok(items)
}
