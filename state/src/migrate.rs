//! `baton migrate`: copy every record of an embedded data file into another
//! store (PostgreSQL, when a team moves from one box to replicas), in one
//! transaction of the target, then count both sides.
//!
//! Copied: every record table (rotations, mappings, subscriptions, locks,
//! open windows, posted messages…), the pending outbox and its dead
//! letters, the delivery ids still kept for dedup, and the counters (ids,
//! the install id that Baton's Slack metadata carries). The source is read
//! in one snapshot with Baton stopped (the file is locked while it runs).

use std::path::Path;

use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use crate::embedded::META;
use crate::engine::Table;
use crate::{Result, Store, StoreError};

/// Tables of the file that are not string-keyed records.
const SPECIAL: [&str; 4] = ["meta", "dedup_arrivals", "outbox", "dead_letters"];

/// What was copied: each table with its record count (target = source).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MigrationSummary {
    pub tables: Vec<(String, u64)>,
}

impl MigrationSummary {
    pub fn records(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// One table's records, key and value.
type TableRecords = Vec<(String, Vec<u8>)>;

/// Everything read from the source file.
#[derive(Default)]
struct Snapshot {
    tables: Vec<(Table, TableRecords)>,
    counters: Vec<(String, u64)>,
    deliveries: Vec<(String, i64)>,
    outbox: Vec<crate::OutboxItem>,
    dead_letters: Vec<crate::DeadLetter>,
}

/// Copy the data file at `source` into `target`. A target that already
/// holds any of Baton's data is refused unless `into_non_empty` (then the
/// source's records replace the target's under the same keys).
pub fn migrate(source: &Path, target: &Store, into_non_empty: bool) -> Result<MigrationSummary> {
    if !source.exists() {
        return Err(StoreError::Storage(format!(
            "there is no data file at {}",
            source.display()
        )));
    }
    let snapshot = read_source(&Store::open(source)?)?;
    let expected = summary_of(&snapshot);
    target.write(|tx| {
        if !into_non_empty {
            if let Some(what) = first_data(tx, &snapshot)? {
                return Err(StoreError::Storage(format!(
                    "the target {} already holds Baton data ({what}); migrate into an empty database, or pass --into-non-empty to overwrite records with the same keys",
                    target.location()
                )));
            }
        }
        for (table, records) in &snapshot.tables {
            for (key, value) in records {
                tx.records.put(*table, key, value)?;
            }
        }
        for (name, value) in &snapshot.counters {
            tx.records.set_counter(name, *value)?;
        }
        for (id, seen) in &snapshot.deliveries {
            tx.records.first_delivery(id, *seen)?;
        }
        for item in &snapshot.outbox {
            tx.records.outbox_put(item)?;
        }
        for letter in &snapshot.dead_letters {
            tx.records.dead_letter_put(letter)?;
        }
        Ok(())
    })?;
    let found = target.read(|tx| {
        let mut tables = Vec::new();
        for (table, _) in &snapshot.tables {
            tables.push((table.name().to_string(), tx.records.count(*table)?));
        }
        tables.push(("dedup".into(), count_deliveries(tx)?));
        tables.push(("outbox".into(), tx.records.outbox_count()?));
        tables.push(("dead_letters".into(), tx.records.dead_letter_count()?));
        Ok(MigrationSummary { tables })
    })?;
    for ((name, want), (_, got)) in expected.tables.iter().zip(&found.tables) {
        let short = if into_non_empty {
            got < want
        } else {
            got != want
        };
        if short {
            return Err(StoreError::Storage(format!(
                "verification failed: table {name} has {got} records in the target, {want} in the source"
            )));
        }
    }
    Ok(expected)
}

fn summary_of(snapshot: &Snapshot) -> MigrationSummary {
    let mut tables: Vec<(String, u64)> = snapshot
        .tables
        .iter()
        .map(|(table, records)| (table.name().to_string(), records.len() as u64))
        .collect();
    tables.push(("dedup".into(), snapshot.deliveries.len() as u64));
    tables.push(("outbox".into(), snapshot.outbox.len() as u64));
    tables.push(("dead_letters".into(), snapshot.dead_letters.len() as u64));
    MigrationSummary { tables }
}

fn read_source(store: &Store) -> Result<Snapshot> {
    let file = store.file("`baton migrate --from`")?;
    let db = file.db()?;
    let txn = db.begin_read()?;
    let mut snapshot = Snapshot::default();
    for handle in txn.list_tables()? {
        let name = handle.name().to_string();
        if SPECIAL.contains(&name.as_str()) {
            continue;
        }
        let definition: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let table = txn
            .open_table(definition)
            .map_err(|e| StoreError::Storage(format!("table {name} cannot be copied: {e}")))?;
        let mut records = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            records.push((key.value().to_string(), value.value().to_vec()));
        }
        // Table names are `'static` (they name the data in every engine);
        // a one-shot command may keep the few it found for its lifetime.
        let table = Table::new(Box::leak(name.into_boxed_str()));
        snapshot.tables.push((table, records));
    }
    for entry in txn.open_table(META)?.iter()? {
        let (name, value) = entry?;
        if name.value() != "schema_version" {
            snapshot
                .counters
                .push((name.value().to_string(), value.value()));
        }
    }
    store.read(|tx| {
        snapshot.deliveries = tx.records.deliveries("", usize::MAX)?;
        snapshot.outbox = tx.records.outbox_items(0, usize::MAX)?;
        snapshot.dead_letters = tx.records.dead_letters(0, usize::MAX)?;
        Ok(())
    })?;
    Ok(snapshot)
}

/// The first kind of Baton data the target already holds, if any.
fn first_data(tx: &crate::Tx<'_>, snapshot: &Snapshot) -> Result<Option<String>> {
    for (table, _) in &snapshot.tables {
        let n = tx.records.count(*table)?;
        if n > 0 {
            return Ok(Some(format!("{n} records in {}", table.name())));
        }
    }
    if !tx.records.deliveries("", 1)?.is_empty() {
        return Ok(Some("delivery ids".into()));
    }
    let (outbox, dead) = (tx.records.outbox_count()?, tx.records.dead_letter_count()?);
    if outbox + dead > 0 {
        return Ok(Some(format!("{outbox} outbox items, {dead} dead letters")));
    }
    Ok(None)
}

fn count_deliveries(tx: &crate::Tx<'_>) -> Result<u64> {
    Ok(tx.records.deliveries("", usize::MAX)?.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_handlers::reviewers::{People, Pool};
    use baton_handlers::Outbound;

    #[test]
    fn every_record_is_copied_and_counted_and_a_full_target_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let source_path = dir.path().join("source.redb");
        let install_id;
        {
            let source = Store::open(&source_path).unwrap();
            install_id = source.install_id().unwrap();
            let mut pool = Pool::new("C1");
            pool.add_member("octocat", &People::default(), 1);
            source
                .write(|tx| {
                    tx.put_reviewer_pool(&pool)?;
                    tx.first_delivery("delivery-1", 100)?;
                    tx.enqueue(
                        vec![Outbound::post("C1", "a"), Outbound::post("C1", "b")],
                        100,
                    )?;
                    tx.next_id("sentry_project_id")
                })
                .unwrap();
            source.write(|tx| tx.dead_letter(2, "gone", 101)).unwrap();
        }
        let target = Store::open(&dir.path().join("target.redb")).unwrap();
        let summary = migrate(&source_path, &target, false).unwrap();
        assert!(summary.tables.contains(&("reviewers_pools".to_string(), 1)));
        assert!(summary.tables.contains(&("dedup".to_string(), 1)));
        assert_eq!(summary.records(), 4);
        assert_eq!(
            target
                .read(|tx| tx.reviewer_pool("C1"))
                .unwrap()
                .unwrap()
                .members
                .len(),
            1
        );
        assert!(!target
            .write(|tx| tx.first_delivery("delivery-1", 200))
            .unwrap());
        assert_eq!(target.outbox_counts().unwrap(), (1, 1));
        assert_eq!(target.install_id().unwrap(), install_id);
        assert_eq!(
            target.write(|tx| tx.next_id("sentry_project_id")).unwrap(),
            2
        );
        assert_eq!(target.write(|tx| tx.next_id("outbox_next_id")).unwrap(), 3);

        let refused = migrate(&source_path, &target, false).unwrap_err();
        assert!(
            refused.to_string().contains("already holds Baton data"),
            "{refused}"
        );
        assert!(migrate(&source_path, &target, true).is_ok());
    }
}
