//! Tests of the embedded engine: what only redb shows (the file, its lock,
//! its id index); the behaviour both engines share is in `conformance`.

use super::*;
use crate::Store;

#[test]
fn ids_are_kept_across_reopen_in_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.redb");
    {
        let store = Store::open(&path).unwrap();
        for (id, at) in [("zz", 100), ("aa", 101), ("mm", 102)] {
            assert!(store.write(|tx| tx.first_delivery(id, at)).unwrap());
        }
    }
    let store = Store::open(&path).unwrap();
    for id in ["zz", "aa", "mm"] {
        assert!(
            !store.write(|tx| tx.first_delivery(id, 200)).unwrap(),
            "{id}"
        );
    }
    let file = store.file("the test").unwrap();
    let txn = file.db().unwrap().begin_read().unwrap();
    let stored: Vec<(i64, String)> = txn
        .open_table(ARRIVALS)
        .unwrap()
        .iter()
        .unwrap()
        .map(|entry| {
            let (key, _) = entry.unwrap();
            let (at, id) = key.value();
            (at, id.to_string())
        })
        .collect();
    assert_eq!(
        stored,
        [(100, "zz".into()), (101, "aa".into()), (102, "mm".into())],
        "stored by arrival, first seen kept"
    );
}

#[test]
fn ids_of_a_failed_transaction_are_not_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.redb")).unwrap();
    let failed = store.write(|tx| {
        assert!(tx.first_delivery("d1", 100)?);
        Err::<(), _>(StoreError::Storage("boom".into()))
    });
    assert!(failed.is_err());
    assert!(store.write(|tx| tx.first_delivery("d1", 101)).unwrap());
    // Pruned and seen again in one transaction: new again, and kept.
    let again = store
        .write(|tx| {
            tx.prune_deliveries(200)?;
            Ok((tx.first_delivery("d1", 300)?, tx.first_delivery("d1", 300)?))
        })
        .unwrap();
    assert_eq!(again, (true, false));
    assert!(!store.write(|tx| tx.first_delivery("d1", 301)).unwrap());
}

/// A store whose index hashes every id alike: every lookup finds
/// candidates, and only the stored rows can tell ids apart.
fn colliding_store(path: &Path) -> Store {
    let store = Store::open(path).unwrap();
    store
        .file("the test")
        .unwrap()
        .rehash_ids_for_test(crate::dedup_index::Hashing::Fixed(|_| 0x5EED));
    store
}

#[test]
fn ids_whose_hashes_collide_are_told_apart_by_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.redb");
    let store = colliding_store(&path);
    // Same hash, same second, one transaction and several.
    let firsts = store
        .write(|tx| Ok((tx.first_delivery("a", 100)?, tx.first_delivery("b", 100)?)))
        .unwrap();
    assert_eq!(firsts, (true, true));
    for (id, at) in [("c", 100), ("d", 101), ("e", 5_000_000_000), ("f", -3)] {
        assert!(store.write(|tx| tx.first_delivery(id, at)).unwrap(), "{id}");
    }
    for id in ["a", "b", "c", "d", "e", "f"] {
        assert!(
            !store.write(|tx| tx.first_delivery(id, 200)).unwrap(),
            "{id}"
        );
    }
    // A failed transaction's id stays in the index; its row decides.
    let failed = store.write(|tx| {
        assert!(tx.first_delivery("g", 150)?);
        Err::<(), _>(StoreError::Storage("boom".into()))
    });
    assert!(failed.is_err());
    assert!(store.write(|tx| tx.first_delivery("g", 150)).unwrap());
    assert!(!store.write(|tx| tx.first_delivery("g", 150)).unwrap());

    // Pruning forgets the old ones only, also after reopening.
    assert_eq!(store.write(|tx| tx.prune_deliveries(101)).unwrap(), 4);
    let check = |store: &Store| {
        for (id, first) in [("a", true), ("b", true), ("c", true), ("f", true)] {
            assert_eq!(
                store.write(|tx| tx.first_delivery(id, 300)).unwrap(),
                first,
                "{id}"
            );
        }
        for id in ["d", "e", "g", "a"] {
            assert!(
                !store.write(|tx| tx.first_delivery(id, 300)).unwrap(),
                "{id}"
            );
        }
    };
    check(&store);
    drop(store);
    let store = colliding_store(&path);
    assert_eq!(store.write(|tx| tx.prune_deliveries(301)).unwrap(), 6);
    assert!(store.write(|tx| tx.first_delivery("a", 400)).unwrap());
    assert!(!store.write(|tx| tx.first_delivery("e", 400)).unwrap());
}

#[test]
fn an_id_kept_after_a_prune_at_an_earlier_time_is_not_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let store = colliding_store(&dir.path().join("b.redb"));
    assert!(store.write(|tx| tx.first_delivery("old", 10)).unwrap());
    let kept = store
        .write(|tx| {
            tx.prune_deliveries(100)?;
            tx.first_delivery("late", 50)
        })
        .unwrap();
    assert!(kept);
    assert!(!store.write(|tx| tx.first_delivery("late", 500)).unwrap());
    assert!(store.write(|tx| tx.first_delivery("old", 500)).unwrap());
    // And in a later transaction, after the prune has committed.
    assert!(store.write(|tx| tx.first_delivery("later", 60)).unwrap());
    assert!(!store.write(|tx| tx.first_delivery("later", 500)).unwrap());
    assert_eq!(store.write(|tx| tx.prune_deliveries(100)).unwrap(), 2);
    assert!(store.write(|tx| tx.first_delivery("later", 500)).unwrap());
}

#[test]
fn a_schema_1_file_has_its_ids_moved_and_is_marked_schema_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.redb");
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("schema_version", 1).unwrap();
            let mut dedup = txn.open_table(DEDUP_V1).unwrap();
            dedup.insert("github:old-delivery", 100).unwrap();
            dedup.insert("sentry:1:old-event", 90).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert!(!store
        .write(|tx| tx.first_delivery("github:old-delivery", 500))
        .unwrap());
    assert!(!store
        .write(|tx| tx.first_delivery("sentry:1:old-event", 500))
        .unwrap());
    assert!(store.write(|tx| tx.first_delivery("new", 500)).unwrap());
    assert_eq!(
        store.read(|tx| tx.records.deliveries("", 10)).unwrap(),
        [
            ("github:old-delivery".to_string(), 100),
            ("new".to_string(), 500),
            ("sentry:1:old-event".to_string(), 90),
        ]
    );
    let file = store.file("the test").unwrap();
    let txn = file.db().unwrap().begin_read().unwrap();
    let schema = txn.open_table(META).unwrap().get("schema_version").unwrap();
    assert_eq!(schema.map(|v| v.value()), Some(SCHEMA_VERSION));
    assert!(matches!(
        txn.open_table(DEDUP_V1),
        Err(redb::TableError::TableDoesNotExist(_))
    ));
}
