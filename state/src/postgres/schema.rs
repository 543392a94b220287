//! The database's schema: numbered migrations embedded in the binary,
//! applied at connect in one transaction under an advisory lock (so
//! replicas starting together do not race), and a `schema_version` row
//! that refuses a binary older than the database.

use deadpool_postgres::Object;

use super::errors::from_pg;
use crate::{Result, StoreError};

/// The migrations, in order; `MIGRATIONS[n]` takes the schema from version
/// `n` to `n + 1`. Append only: a released migration never changes.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the tables of every engine operation.
    r#"
    CREATE TABLE records (
        tbl   text NOT NULL,
        key   text COLLATE "C" NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (tbl, key)
    );
    CREATE TABLE deliveries (
        id   text COLLATE "C" PRIMARY KEY,
        seen bigint NOT NULL
    );
    CREATE INDEX deliveries_by_seen ON deliveries (seen);
    CREATE TABLE counters (
        name  text COLLATE "C" PRIMARY KEY,
        value bigint NOT NULL
    );
    CREATE TABLE outbox (
        id          bigint PRIMARY KEY,
        service     text NOT NULL,
        item        bytea NOT NULL,
        lease_owner text,
        lease_until timestamptz
    );
    CREATE INDEX outbox_by_service ON outbox (service, id);
    CREATE TABLE dead_letters (
        id     bigint PRIMARY KEY,
        letter bytea NOT NULL
    );
    "#,
];

/// Advisory lock key (two 32-bit halves) held while migrating: "baton",
/// "schema".
const LOCK_CLASS: i32 = 0x6261_746f;
const LOCK_SCHEMA: i32 = 0x7363_6865;

/// Bring the database to [`known_version`], or refuse one that is newer.
/// `location` names the database in the error (it carries no password).
pub(crate) async fn migrate(client: &mut Object, location: &str) -> Result<()> {
    migrate_to(client, location, MIGRATIONS).await
}

/// [`migrate`] with a given list (tests use a longer list to make a
/// "newer" database).
pub(crate) async fn migrate_to(
    client: &mut Object,
    location: &str,
    migrations: &[&str],
) -> Result<()> {
    let known = migrations.len() as u64;
    let tx = client.transaction().await.map_err(from_pg)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&LOCK_CLASS, &LOCK_SCHEMA],
    )
    .await
    .map_err(from_pg)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             single  boolean PRIMARY KEY DEFAULT true CHECK (single),
             version bigint NOT NULL
         );
         INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING;",
    )
    .await
    .map_err(from_pg)?;
    let found: i64 = tx
        .query_one("SELECT version FROM schema_version", &[])
        .await
        .map_err(from_pg)?
        .get(0);
    let found = u64::try_from(found).unwrap_or(0);
    if found > known {
        return Err(StoreError::NewerSchema {
            path: location.to_string(),
            found,
            known,
        });
    }
    for (done, sql) in migrations.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).await.map_err(|e| match from_pg(e) {
            StoreError::Storage(text) => {
                StoreError::Storage(format!("schema migration {} failed: {text}", done + 1))
            }
            other => other,
        })?;
    }
    if known > found {
        tx.execute("UPDATE schema_version SET version = $1", &[&(known as i64)])
            .await
            .map_err(from_pg)?;
    }
    // The database's random id, which Baton's Slack message metadata
    // carries (as the data file's `install_id`); `baton migrate` copies a
    // file's id over it.
    let install_id = (crate::random_install_id() >> 1) as i64;
    tx.execute(
        "INSERT INTO counters (name, value) VALUES ('install_id', $1) ON CONFLICT DO NOTHING",
        &[&install_id],
    )
    .await
    .map_err(from_pg)?;
    tx.commit().await.map_err(from_pg)
}
