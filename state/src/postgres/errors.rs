//! How PostgreSQL's and the pool's errors become [`StoreError`]s: a
//! serialization failure or deadlock is a [`StoreError::Conflict`] (safe to
//! run again), a connection that failed or timed out is
//! [`StoreError::Unavailable`], anything else is [`StoreError::Storage`].
//! No message carries the password: the driver's errors never print the
//! connection settings, and locations are built without it.

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use crate::StoreError;

/// Map a driver error.
pub(crate) fn from_pg(error: tokio_postgres::Error) -> StoreError {
    if let Some(db) = error.as_db_error() {
        let text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        let code = db.code();
        return if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            StoreError::Conflict(text)
        } else if [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::QUERY_CANCELED,
            SqlState::READ_ONLY_SQL_TRANSACTION,
        ]
        .contains(code)
            || code.code().starts_with("08")
        {
            // The server is going away, not yet up, full, a standby, or a
            // statement ran past `statement_timeout`.
            StoreError::Unavailable(text)
        } else {
            StoreError::Storage(text)
        };
    }
    // The driver's own errors: its words for a connection problem start
    // so (tokio-postgres' `Kind` display texts).
    let text = error.to_string();
    const CONNECTION: [&str; 5] = [
        "error communicating with the server",
        "error connecting to server",
        "error performing TLS handshake",
        "connection closed",
        "timeout waiting for server",
    ];
    if error.is_closed() || CONNECTION.iter().any(|c| text.starts_with(c)) {
        StoreError::Unavailable(text)
    } else {
        StoreError::Storage(text)
    }
}

/// Map a failure to get a connection from the pool: every one of them means
/// the database cannot be reached (or refused the connection).
pub(crate) fn from_pool(error: PoolError) -> StoreError {
    match error {
        PoolError::Timeout(_) => {
            StoreError::Unavailable("timed out waiting for a database connection".into())
        }
        PoolError::Backend(e) => match from_pg(e) {
            StoreError::Storage(text) | StoreError::Conflict(text) => StoreError::Unavailable(text),
            other => other,
        },
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".into()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

/// A statement that got no answer in time: the connection's state is unknown.
pub(crate) fn timed_out(what: &str) -> StoreError {
    StoreError::Unavailable(format!("the database did not answer {what} in time"))
}
