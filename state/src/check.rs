//! `baton check`: verify a data file offline. redb's own integrity check
//! (page checksums, tree structure), then every record decoded the way Baton
//! reads it, with what was found reported per table.

use std::path::Path;

use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use crate::outbox::{DeadLetter, OutboxItem};
use crate::{Result, Store, StoreError};

/// What `baton check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Each table with its record count.
    pub tables: Vec<(String, u64)>,
    /// Every problem found, one line each.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Check the data file at `path` without changing it beyond what redb's
    /// repair of an unclean shutdown does. Fails if the file cannot be opened
    /// at all (missing, empty, damaged, in use), with the reason.
    pub fn check(path: &Path) -> Result<CheckReport> {
        if !path.exists() {
            return Err(StoreError::Storage(format!(
                "the data file {} does not exist",
                path.display()
            )));
        }
        let store = Store::open(path)?;
        let mut report = CheckReport::default();
        let file = store.file("`baton check`")?;
        match file.check_integrity() {
            Some(Ok(true)) | None => {}
            Some(Ok(false)) => report
                .problems
                .push("redb's integrity check found damage and repaired it".into()),
            Some(Err(e)) => report
                .problems
                .push(format!("redb's integrity check failed: {e}")),
        }
        let db = file.db()?;
        let txn = db.begin_read()?;
        for handle in txn.list_tables()? {
            let name = handle.name().to_string();
            let json: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
            let ids: TableDefinition<u64, &[u8]> = TableDefinition::new(&name);
            let mut count = 0u64;
            if let Ok(table) = txn.open_table(json) {
                for entry in table.iter()? {
                    let (key, value) = entry?;
                    count += 1;
                    if let Err(e) = serde_json::from_slice::<serde_json::Value>(value.value()) {
                        report
                            .problems
                            .push(format!("{name} / {}: not JSON: {e}", key.value()));
                    }
                }
            } else if let Ok(table) = txn.open_table(ids) {
                for entry in table.iter()? {
                    let (key, value) = entry?;
                    count += 1;
                    let bytes = value.value();
                    let decoded = match name.as_str() {
                        "outbox" => serde_json::from_slice::<OutboxItem>(bytes).map(drop),
                        "dead_letters" => serde_json::from_slice::<DeadLetter>(bytes).map(drop),
                        _ => serde_json::from_slice::<serde_json::Value>(bytes).map(drop),
                    };
                    if let Err(e) = decoded {
                        report
                            .problems
                            .push(format!("{name} / {}: {e}", key.value()));
                    }
                }
            } else {
                // Counters and dedup ids: fixed-width values redb checks itself.
                let untyped = txn.open_untyped_table(handle)?;
                count = redb::ReadableTableMetadata::len(&untyped)?;
            }
            report.tables.push((name, count));
        }
        Ok(report)
    }
}
