//! `baton migrate --from FILE --to URL`: move one Baton's state (its redb
//! data file) into PostgreSQL, where several replicas can share it (or into
//! another data file). Run with Baton stopped; the copy is one transaction
//! of the target and its counts are verified before the command says done.
//!
//! Exit codes: 0 copied and verified; 1 the copy failed (nothing was
//! written to the target); 2 usage error (the target already holds data).

use std::path::Path;
use std::process::ExitCode;

use baton_state::{Store, StoreError};

pub fn run(from: &Path, to: &str, into_non_empty: bool) -> ExitCode {
    let target = match open_target(to) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("baton migrate: cannot open the target: {e}");
            return ExitCode::FAILURE;
        }
    };
    match baton_state::migrate::migrate(from, &target, into_non_empty) {
        Ok(summary) => {
            for (table, count) in &summary.tables {
                println!("{table:<24} {count:>8}");
            }
            println!(
                "OK: {} records copied from {} to {} and counted on both sides.",
                summary.records(),
                from.display(),
                target.location()
            );
            ExitCode::SUCCESS
        }
        Err(e @ StoreError::Storage(_)) if e.to_string().contains("already holds") => {
            eprintln!("baton migrate: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("baton migrate: {e}; nothing was written to the target");
            ExitCode::FAILURE
        }
    }
}

/// A `postgres://` URL, or a data file path.
fn open_target(to: &str) -> Result<Store, StoreError> {
    if to.starts_with("postgres://") || to.starts_with("postgresql://") {
        Store::open_postgres(to)
    } else {
        Store::open(Path::new(to))
    }
}
