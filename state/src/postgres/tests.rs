//! The PostgreSQL engine's own tests (the conformance suite runs the shared
//! scenarios). Each test gets a fresh database from
//! [`crate::testing::postgres_database`].

use std::sync::Barrier;
use std::time::{Duration, Instant};

use baton_handlers::Outbound;

use super::records::prefix_end;
use super::*;
use crate::engine::Table;
use crate::testing::postgres_database;
use crate::DeadLetter;

const THINGS: Table = Table::new("things");

fn item(id: u64, action: Outbound) -> OutboxItem {
    OutboxItem {
        id,
        action,
        created_at: 1,
        attempts: 0,
        not_before: 1.0,
        last_error: None,
        last_attempt_at: None,
        in_flight_since: None,
    }
}

fn slack(id: u64) -> OutboxItem {
    item(id, Outbound::post("C1", "hello"))
}

fn github(id: u64) -> OutboxItem {
    item(
        id,
        Outbound::GithubRequestReviewers {
            repo: "o/r".into(),
            number: id,
            reviewers: vec!["ann".into()],
            installation: None,
        },
    )
}

/// Run SQL on the test database with a connection of its own.
/// An engine on a fresh database, or `None` where the PostgreSQL tests are
/// skipped (see [`postgres_database`]).
fn fresh_engine() -> Option<PostgresEngine> {
    postgres_database().map(|url| PostgresEngine::connect(&url).unwrap())
}

fn admin(engine: &PostgresEngine, sql: &str) {
    let client = engine.connection().unwrap();
    engine.block_on(client.batch_execute(sql)).unwrap();
}

fn ids(items: &[OutboxItem]) -> Vec<u64> {
    items.iter().map(|i| i.id).collect()
}

#[test]
fn prefix_end_is_the_first_string_past_the_prefix() {
    assert_eq!(prefix_end(""), None);
    assert_eq!(prefix_end("a:").as_deref(), Some("a;"));
    assert_eq!(prefix_end("a\u{d7ff}").as_deref(), Some("a\u{e000}"));
    assert_eq!(prefix_end("a\u{10ffff}").as_deref(), Some("b"));
    assert_eq!(prefix_end("\u{10ffff}"), None);
}

#[test]
fn migrations_are_idempotent_and_keep_the_data() {
    let Some(url) = postgres_database() else {
        return;
    };
    let engine = PostgresEngine::connect(&url).unwrap();
    let mut tx = engine.begin_write().unwrap();
    tx.put(THINGS, "k", b"v").unwrap();
    tx.commit().unwrap();
    // Migrating again (a second connect, and the migration itself) changes nothing.
    let mut client = engine.connection().unwrap();
    engine
        .block_on(schema::migrate(&mut client, "test"))
        .unwrap();
    drop(client);
    let again = PostgresEngine::connect(&url).unwrap();
    let tx = again.begin_read().unwrap();
    assert_eq!(tx.get(THINGS, "k").unwrap().as_deref(), Some(&b"v"[..]));
    drop(tx);
    let client = again.connection().unwrap();
    let version: i64 = again
        .block_on(client.query_one("SELECT version FROM schema_version", &[]))
        .unwrap()
        .get(0);
    assert_eq!(version as usize, schema::MIGRATIONS.len());
}

#[test]
fn replicas_starting_together_migrate_once() {
    let Some(url) = postgres_database() else {
        return;
    };
    let engines: Vec<Result<PostgresEngine>> = std::thread::scope(|s| {
        let starts: Vec<_> = (0..4)
            .map(|_| s.spawn(|| PostgresEngine::connect(&url)))
            .collect();
        starts.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for engine in &engines {
        assert!(engine.is_ok(), "{:?}", engine.as_ref().err());
    }
}

#[test]
fn a_newer_database_is_refused_by_name_without_password() {
    let Some(url) = postgres_database() else {
        return;
    };
    let engine = PostgresEngine::connect(&url).unwrap();
    admin(&engine, "UPDATE schema_version SET version = 99");
    // The same database, reached with a password in the URL (trust
    // authentication ignores it).
    let with_password = url.replacen("postgres://postgres@", "postgres://postgres:hunter2@", 1);
    let err = PostgresEngine::connect(&with_password)
        .err()
        .expect("refused");
    match &err {
        StoreError::NewerSchema { path, found, known } => {
            assert_eq!((*found, *known), (99, schema::MIGRATIONS.len() as u64));
            assert!(path.starts_with("postgres://postgres@127.0.0.1:"), "{path}");
        }
        other => panic!("expected NewerSchema, got {other}"),
    }
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn an_unreachable_database_is_unavailable_and_named_without_password() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = PostgresEngine::connect(&format!(
        "postgres://baton:hunter2@127.0.0.1:{port}/baton?sslmode=disable"
    ))
    .err()
    .expect("nothing listens there");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("postgres://baton@127.0.0.1:{port}/baton")),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn records_scan_in_byte_order_by_prefix_and_bound() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    for key in ["a:2", "a:1", "a:\u{e9}", "a:Z", "a;", "a", "B", "b:1"] {
        tx.put(THINGS, key, key.as_bytes()).unwrap();
    }
    tx.put(Table::new("other"), "a:3", b"x").unwrap();
    tx.commit().unwrap();

    let tx = engine.begin_read().unwrap();
    let keys = |prefix: &str, below: Option<&str>, limit: usize| -> Vec<String> {
        tx.scan(THINGS, prefix, below, limit)
            .unwrap()
            .into_iter()
            .map(|(k, v)| {
                assert_eq!(k.as_bytes(), v);
                k
            })
            .collect()
    };
    assert_eq!(keys("a:", None, 10), ["a:1", "a:2", "a:Z", "a:\u{e9}"]);
    assert_eq!(keys("a:", Some("a:Z"), 10), ["a:1", "a:2"]);
    assert_eq!(
        keys("a:", Some("zzz"), 10),
        ["a:1", "a:2", "a:Z", "a:\u{e9}"]
    );
    assert_eq!(keys("a:", None, 2), ["a:1", "a:2"]);
    assert_eq!(keys("", None, 3), ["B", "a", "a:1"]);
    assert_eq!(keys("", Some("a:"), 10), ["B", "a"]);
    assert_eq!(tx.count(THINGS).unwrap(), 8);
    assert_eq!(tx.get(THINGS, "a;").unwrap().as_deref(), Some(&b"a;"[..]));
    assert_eq!(tx.get(THINGS, "nope").unwrap(), None);
}

#[test]
fn read_transactions_refuse_writes() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_read().unwrap();
    assert!(matches!(
        tx.put(THINGS, "k", b"v"),
        Err(StoreError::ReadOnly)
    ));
    assert!(matches!(
        tx.first_delivery("d", 1),
        Err(StoreError::ReadOnly)
    ));
    assert!(matches!(tx.next_id("n"), Err(StoreError::ReadOnly)));
    assert!(matches!(
        tx.outbox_put(&slack(1)),
        Err(StoreError::ReadOnly)
    ));
    tx.commit().unwrap();
}

#[test]
fn uncommitted_writes_vanish_and_a_failed_statement_blocks_the_commit() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    tx.put(THINGS, "dropped", b"v").unwrap();
    drop(tx);
    let mut tx = engine.begin_write().unwrap();
    assert_eq!(tx.get(THINGS, "dropped").unwrap(), None);
    tx.put(THINGS, "kept?", b"v").unwrap();
    // PostgreSQL text cannot hold NUL: the statement fails, the transaction
    // is aborted, and a commit must not report success.
    let err = tx.put(THINGS, "bad\0key", b"v").unwrap_err();
    assert!(matches!(err, StoreError::Storage(_)), "{err}");
    assert!(tx.commit().is_err());
    assert_eq!(engine.failure(), None);
    let tx = engine.begin_read().unwrap();
    assert_eq!(tx.get(THINGS, "kept?").unwrap(), None);
}

#[test]
fn held_writes_are_read_back_by_their_transaction_and_land_at_commit() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    tx.put(THINGS, "a", b"1").unwrap();
    tx.put(THINGS, "b", b"2").unwrap();
    tx.commit().unwrap();

    let mut tx = engine.begin_write().unwrap();
    assert_eq!(tx.get(THINGS, "a").unwrap().as_deref(), Some(&b"1"[..]));
    let before = tx.scan(THINGS, "", None, 10).unwrap();
    assert_eq!(before.len(), 2);
    // Held, not sent: the transaction's reads answer with them anyway.
    tx.put(THINGS, "a", b"one").unwrap();
    tx.put(THINGS, "c", b"3").unwrap();
    assert_eq!(tx.get(THINGS, "a").unwrap().as_deref(), Some(&b"one"[..]));
    assert!(
        tx.remove(THINGS, "c").unwrap(),
        "a held put is there to remove"
    );
    assert!(!tx.remove(THINGS, "c").unwrap());
    assert!(
        tx.remove(THINGS, "b").unwrap(),
        "a row only the database knows"
    );
    tx.put(THINGS, "d", b"4").unwrap();
    let keys: Vec<String> = tx
        .scan(THINGS, "", None, 10)
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(keys, ["a", "d"], "a scan after writes sees them, in order");
    tx.set_counter("n", 7).unwrap();
    tx.outbox_put(&slack(1)).unwrap();
    assert_eq!(ids(&tx.outbox_items(0, 10).unwrap()), [1]);
    tx.put(THINGS, "e", b"5").unwrap(); // held until the commit
    tx.commit().unwrap();

    let tx = engine.begin_read().unwrap();
    let stored: Vec<(String, Vec<u8>)> = tx.scan(THINGS, "", None, 10).unwrap();
    assert_eq!(
        stored,
        [
            ("a".to_string(), b"one".to_vec()),
            ("d".to_string(), b"4".to_vec()),
            ("e".to_string(), b"5".to_vec()),
        ]
    );
    assert_eq!(tx.counter("n").unwrap(), Some(7));
    assert_eq!(tx.outbox_count().unwrap(), 1);
}

#[test]
fn a_held_write_that_conflicts_fails_the_commit_and_stores_nothing() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    tx.put(THINGS, "rotation", b"0").unwrap();
    tx.commit().unwrap();

    let mut late = engine.begin_write().unwrap();
    late.count(THINGS).unwrap(); // its snapshot, before the other commits
    let mut early = engine.begin_write().unwrap();
    early.put(THINGS, "rotation", b"1").unwrap();
    early.commit().unwrap();
    // The late transaction's writes are held: its UPDATE of a row changed
    // since its snapshot goes out with the COMMIT and is refused there.
    late.put(THINGS, "other", b"x").unwrap();
    late.put(THINGS, "rotation", b"2").unwrap();
    let err = late.commit().unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(engine.failure(), None);

    let tx = engine.begin_read().unwrap();
    assert_eq!(
        tx.get(THINGS, "rotation").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(tx.get(THINGS, "other").unwrap(), None);
}

#[test]
fn counters_deliveries_outbox_and_dead_letters_round_trip() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    assert_eq!(tx.counter("n").unwrap(), None);
    assert_eq!(tx.next_id("n").unwrap(), 1);
    assert_eq!(tx.next_id("n").unwrap(), 2);
    tx.set_counter("m", 41).unwrap();
    assert_eq!(tx.next_id("m").unwrap(), 42);
    assert!(tx.first_delivery("d1", 100).unwrap());
    assert!(!tx.first_delivery("d1", 200).unwrap());
    assert!(tx.first_delivery("d2", 300).unwrap());
    assert_eq!(tx.prune_deliveries(150).unwrap(), 1);
    assert_eq!(tx.deliveries("", 10).unwrap(), [("d2".to_string(), 300)]);
    for i in [3, 1, 2] {
        tx.outbox_put(&slack(i)).unwrap();
    }
    let mut changed = slack(2);
    changed.attempts = 5;
    tx.outbox_put(&changed).unwrap();
    assert_eq!(ids(&tx.outbox_items(1, 10).unwrap()), [2, 3]);
    assert_eq!(tx.outbox_get(2).unwrap(), Some(changed));
    assert_eq!(tx.outbox_remove(3).unwrap(), Some(slack(3)));
    assert_eq!(tx.outbox_remove(3).unwrap(), None);
    tx.dead_letter_put(&DeadLetter {
        item: github(7),
        reason: "gone".into(),
        at: 9,
    })
    .unwrap();
    tx.commit().unwrap();

    let tx = engine.begin_read().unwrap();
    assert_eq!(tx.counter("n").unwrap(), Some(2));
    assert_eq!(tx.outbox_count().unwrap(), 2);
    assert_eq!(tx.dead_letter_count().unwrap(), 1);
    assert_eq!(tx.dead_letters(0, 10).unwrap()[0].reason, "gone");
    drop(tx);
    let mut tx = engine.begin_write().unwrap();
    assert_eq!(tx.dead_letter_remove(7).unwrap().map(|l| l.at), Some(9));
    tx.commit().unwrap();
}

#[test]
fn the_same_delivery_at_once_is_first_exactly_once() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    for round in 0..5 {
        let id = format!("delivery-{round}");
        let inserted = Barrier::new(2);
        let outcomes: Vec<Result<bool>> = std::thread::scope(|s| {
            let first = s.spawn(|| {
                let mut tx = engine.begin_write()?;
                let first = tx.first_delivery(&id, 1)?;
                inserted.wait();
                // Hold the uncommitted row while the other one inserts.
                std::thread::sleep(Duration::from_millis(100));
                tx.commit()?;
                Ok(first)
            });
            let second = s.spawn(|| {
                let mut tx = engine.begin_write()?;
                tx.count(THINGS)?; // take the snapshot before the first commits
                inserted.wait();
                let first = tx.first_delivery(&id, 2)?;
                tx.commit()?;
                Ok(first)
            });
            vec![first.join().unwrap(), second.join().unwrap()]
        });
        assert!(matches!(outcomes[0], Ok(true)), "{:?}", outcomes[0]);
        assert!(
            matches!(outcomes[1], Ok(false) | Err(StoreError::Conflict(_))),
            "{:?}",
            outcomes[1]
        );
    }
    let tx = engine.begin_read().unwrap();
    assert_eq!(tx.deliveries("", 100).unwrap().len(), 5);
}

#[test]
fn two_writers_of_one_record_one_commits_the_other_conflicts() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    tx.put(THINGS, "rotation", b"0").unwrap();
    tx.commit().unwrap();

    let both_read = Barrier::new(2);
    let outcomes: Vec<Result<()>> = std::thread::scope(|s| {
        let writer = |value: &'static [u8], lead: bool| {
            let engine = &engine;
            let both_read = &both_read;
            move || -> Result<()> {
                let mut tx = engine.begin_write()?;
                if lead {
                    tx.get(THINGS, "rotation")?;
                    both_read.wait();
                    tx.put(THINGS, "rotation", value)?;
                    std::thread::sleep(Duration::from_millis(100));
                } else {
                    tx.count(THINGS)?; // the snapshot, before the other commits
                    both_read.wait();
                    // Waits on the other's row lock, then finds it changed.
                    tx.get(THINGS, "rotation")?;
                    tx.put(THINGS, "rotation", value)?;
                }
                tx.commit()
            }
        };
        let a = s.spawn(writer(b"1", true));
        let b = s.spawn(writer(b"2", false));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert!(outcomes[0].is_ok(), "{:?}", outcomes[0]);
    assert!(
        matches!(outcomes[1], Err(StoreError::Conflict(_))),
        "{:?}",
        outcomes[1]
    );
    assert_eq!(engine.failure(), None);
    let tx = engine.begin_read().unwrap();
    assert_eq!(
        tx.get(THINGS, "rotation").unwrap().as_deref(),
        Some(&b"1"[..])
    );
}

#[test]
fn a_lease_keeps_other_owners_off_until_it_expires() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    for id in 1..=3 {
        tx.outbox_put(&slack(id)).unwrap();
    }
    tx.outbox_put(&github(4)).unwrap();
    tx.commit().unwrap();

    let lease = Duration::from_secs(3);
    let started = Instant::now();
    assert_eq!(
        ids(&engine.claim_outbox("slack", "a", lease, 1).unwrap()),
        [1]
    );
    // The head is a's: b gets nothing behind it, in the same service.
    assert!(engine
        .claim_outbox("slack", "b", lease, 10)
        .unwrap()
        .is_empty());
    // Another service's queue is free.
    assert_eq!(
        ids(&engine.claim_outbox("github", "b", lease, 10).unwrap()),
        [4]
    );
    // a renews and extends its claim.
    assert_eq!(
        ids(&engine.claim_outbox("slack", "a", lease, 10).unwrap()),
        [1, 2, 3]
    );
    assert!(
        started.elapsed() < lease,
        "the test machine is too slow for this lease"
    );
    std::thread::sleep(lease + Duration::from_millis(100));
    // a's lease ran out: b takes over, and a is now kept off.
    assert_eq!(
        ids(&engine.claim_outbox("slack", "b", lease, 10).unwrap()),
        [1, 2, 3]
    );
    assert!(engine
        .claim_outbox("slack", "a", lease, 10)
        .unwrap()
        .is_empty());
    // A removed item is gone from the queue.
    let mut tx = engine.begin_write().unwrap();
    tx.outbox_remove(1).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        ids(&engine.claim_outbox("slack", "b", lease, 10).unwrap()),
        [2, 3]
    );
}

#[test]
fn a_row_a_writer_holds_ends_the_claim() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let mut tx = engine.begin_write().unwrap();
    for id in 1..=3 {
        tx.outbox_put(&slack(id)).unwrap();
    }
    tx.commit().unwrap();
    let lease = Duration::from_secs(30);
    // A write transaction holds item 2 (reading it locks it): the claim
    // stops before it instead of waiting or jumping over it.
    let writer = engine.begin_write().unwrap();
    assert!(writer.outbox_get(2).unwrap().is_some());
    assert_eq!(
        ids(&engine.claim_outbox("slack", "a", lease, 10).unwrap()),
        [1]
    );
    // Dropping a transaction rolls it back in the background (the caller
    // does not wait for it), so the lock goes a moment later.
    drop(writer);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let claimed = ids(&engine.claim_outbox("slack", "a", lease, 10).unwrap());
        if claimed == [1, 2, 3] || Instant::now() > deadline {
            assert_eq!(claimed, [1, 2, 3]);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_lost_connection_closes_the_engine_until_reopen_reaches_the_database() {
    let Some(url) = postgres_database() else {
        return;
    };
    let engine = PostgresEngine::connect(&url).unwrap();
    let tx = engine.begin_write().unwrap();
    // Every other session to this database is cut, as by a failover.
    let killer = PostgresEngine::connect(&url).unwrap();
    admin(
        &killer,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    let err = tx.get(THINGS, "k").unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    drop(tx);
    let failure = engine.failure().expect("closed after a lost connection");
    assert!(failure.contains("unreachable"), "{failure}");
    assert!(matches!(
        engine.begin_write().err(),
        Some(StoreError::Unavailable(_))
    ));
    engine.reopen().unwrap();
    assert_eq!(engine.failure(), None);
    let mut tx = engine.begin_write().unwrap();
    tx.put(THINGS, "k", b"v").unwrap();
    tx.commit().unwrap();
}

/// A measurement, not a test: durable events per second of
/// `first_delivery + put + commit` on 1, 4 and 16 threads (the pool's size).
/// `cargo test -p baton-state --release -- --ignored --nocapture events_per_second`
#[test]
#[ignore]
fn events_per_second() {
    let Some(engine) = fresh_engine() else {
        return;
    };
    let value = vec![b'x'; 1024];
    for threads in [1, 4, 16] {
        let per_thread = if threads == 1 { 500 } else { 1_000 };
        let started = Instant::now();
        std::thread::scope(|s| {
            for t in 0..threads {
                let (engine, value) = (&engine, &value);
                s.spawn(move || {
                    for i in 0..per_thread {
                        let mut tx = engine.begin_write().unwrap();
                        assert!(tx.first_delivery(&format!("{threads}-{t}-{i}"), 1).unwrap());
                        tx.put(THINGS, &format!("pool:{t}:{i}"), value).unwrap();
                        tx.commit().unwrap();
                    }
                });
            }
        });
        let rate = (threads * per_thread) as f64 / started.elapsed().as_secs_f64();
        println!("{threads} thread(s): {rate:.0} events/s");
    }
}
