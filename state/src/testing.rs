//! For tests only: a fresh, empty PostgreSQL database per test.
//!
//! [`postgres_database`] finds a server through `BATON_TEST_DATABASE_URL`,
//! or else starts a throwaway cluster with `.ci/postgres.sh` (once per test
//! process; it stops when the process ends) if PostgreSQL is installed. It
//! creates a uniquely named database there and returns its URL. Without
//! either, the test fails with one line saying how to install PostgreSQL,
//! unless `BATON_SKIP_POSTGRES_TESTS=1` skips the PostgreSQL tests.
//!
//! Always compiled (it is small), so the binary's tests use it without a
//! cargo feature that would build the crates above it twice.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::postgres::{parse_url, tls};

/// Databases this helper made that are older than this are dropped (a
/// test process killed before its cluster was cleaned up leaves them).
const STALE_AFTER: Duration = Duration::from_secs(6 * 3600);

const HOW_TO_INSTALL: &str = "PostgreSQL tests need PostgreSQL: install it (`apt-get install -y postgresql`), or set BATON_TEST_DATABASE_URL=postgres://user@host:port/db, or skip them with BATON_SKIP_POSTGRES_TESTS=1";

/// A URL of a new, empty database for one test, or `None` (with a note
/// printed) when `BATON_SKIP_POSTGRES_TESTS=1` skips the PostgreSQL tests.
/// Panics with one line when no PostgreSQL can be found.
///
/// ```ignore
/// let Some(url) = baton_state::testing::postgres_database() else { return };
/// ```
pub fn postgres_database() -> Option<String> {
    if std::env::var("BATON_SKIP_POSTGRES_TESTS").as_deref() == Ok("1") {
        eprintln!("note: BATON_SKIP_POSTGRES_TESTS=1: this PostgreSQL test is skipped");
        return None;
    }
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    let server = match SERVER.get_or_init(find_server) {
        Ok(url) => url,
        Err(reason) => panic!("{reason}"),
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "baton_test_{}_{}_{}",
        unix_now(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    static CLEANED: OnceLock<()> = OnceLock::new();
    let cleanup = CLEANED.set(()).is_ok();
    if let Err(e) = run_on_server(server, &name, cleanup) {
        panic!("cannot create a test database on {server}: {e}");
    }
    Some(with_database(server, &name))
}

/// `BATON_TEST_DATABASE_URL`, or a throwaway cluster started for this process.
fn find_server() -> Result<String, String> {
    if let Ok(url) = std::env::var("BATON_TEST_DATABASE_URL") {
        if !url.trim().is_empty() {
            return Ok(url.trim().to_string());
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/postgres.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("start")
        .env("BATON_PG_WATCH_PID", std::process::id().to_string())
        .env("BATON_PG_NO_INSTALL", "1")
        .output()
        .map_err(|e| {
            format!(
                "{HOW_TO_INSTALL} (running {} failed: {e})",
                script.display()
            )
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let url = stdout
        .lines()
        .find_map(|line| line.strip_prefix("export BATON_TEST_DATABASE_URL="));
    match url {
        Some(url) if output.status.success() => Ok(url.to_string()),
        _ => {
            let why = String::from_utf8_lossy(&output.stderr);
            let why = why.lines().last().unwrap_or("").trim();
            Err(format!("{HOW_TO_INSTALL} ({why})"))
        }
    }
}

/// Create the database `name` (and first, once, drop this helper's stale ones).
fn run_on_server(server: &str, name: &str, cleanup: bool) -> Result<(), String> {
    let config = parse_url(server).map_err(|e| e.to_string())?;
    let tls = tls(&config).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (client, connection) = config.connect(tls).await.map_err(|e| e.to_string())?;
        let driver = tokio::spawn(connection);
        if cleanup {
            let rows = client
                .query(
                    "SELECT datname::text FROM pg_database WHERE datname LIKE 'baton\\_test\\_%'",
                    &[],
                )
                .await
                .map_err(|e| e.to_string())?;
            let oldest = unix_now().saturating_sub(STALE_AFTER.as_secs());
            for row in rows {
                let old: String = row.get(0);
                let made: Option<u64> = old.split('_').nth(2).and_then(|s| s.parse().ok());
                if made.is_some_and(|made| made < oldest) {
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)"))
                        .await;
                }
            }
        }
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => db.message().to_string(),
                None => e.to_string(),
            })?;
        drop(client);
        let _ = driver.await;
        Ok(())
    })
}

/// `server`'s URL with the database `name` instead of its own.
fn with_database(server: &str, name: &str) -> String {
    if let Some(scheme_end) = server.find("://") {
        let (before_query, query) = match server.find('?') {
            Some(q) => server.split_at(q),
            None => (server, ""),
        };
        let authority_start = scheme_end + 3;
        let base = match before_query[authority_start..].find('/') {
            Some(slash) => &before_query[..authority_start + slash],
            None => before_query,
        };
        format!("{base}/{name}{query}")
    } else {
        format!("{server} dbname={name}")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_replaces_the_servers() {
        assert_eq!(
            with_database(
                "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://u:p@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgresql://h", "t2"), "postgresql://h/t2");
        assert_eq!(
            with_database("host=h user=u", "t3"),
            "host=h user=u dbname=t3"
        );
    }
}
