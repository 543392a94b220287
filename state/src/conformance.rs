//! The storage conformance suite: the behaviour every engine must have, run
//! through [`Store`] and the typed [`crate::Tx`] methods the features use.
//! `conformance_suite!(module, opener)` expands to one `#[test]` per
//! scenario; `opener(name)` opens the store called `name` (a fresh, empty
//! one the first time; the same data again after the previous handle is
//! dropped). The redb engine runs it below; the PostgreSQL engine runs it
//! against a real server.

use baton_handlers::errors::{Group, Mode, Sample};
use baton_handlers::github::PullRequestEvent;
use baton_handlers::reviewers::{AssignedReviewer, Assignment, People, Pool, ReviewStatus};
use baton_handlers::Outbound;

use crate::engine::Table;
use crate::{Store, StoreError, StoredMessage};

pub mod deploys;
pub mod errors;
pub mod reviewer_lookups;
pub mod reviews;

/// Opens the store called `name` (see the module comment).
pub type Opener<'a> = &'a dyn Fn(&str) -> Store;

const THINGS: Table = Table::new("conformance_things");
const NOW: i64 = 1_795_392_000; // 2026-11-23

/// Expand to a test module running every scenario on one engine.
macro_rules! conformance_suite {
    ($module:ident, $opener:expr) => {
        mod $module {
            use crate::conformance as suite;

            #[test]
            fn dedup_acts_once_and_prunes() {
                suite::dedup_acts_once_and_prunes(&$opener);
            }
            #[test]
            fn a_failed_write_stores_nothing() {
                suite::a_failed_write_stores_nothing(&$opener);
            }
            #[test]
            fn batched_jobs_see_earlier_jobs_and_commit_together() {
                suite::batched_jobs_see_earlier_jobs_and_commit_together(&$opener);
            }
            #[test]
            fn records_scan_in_byte_order() {
                suite::records_scan_in_byte_order(&$opener);
            }
            #[test]
            fn reads_cannot_write() {
                suite::reads_cannot_write(&$opener);
            }
            #[test]
            fn rotation_and_counters_continue_across_reopen() {
                suite::rotation_and_counters_continue_across_reopen(&$opener);
            }
            #[test]
            fn outbox_claim_complete_retry_dead_letter() {
                suite::outbox_claim_complete_retry_dead_letter(&$opener);
            }
            #[test]
            fn outbox_backlog_counts_each_service() {
                suite::outbox_backlog_counts_each_service(&$opener);
            }
            #[test]
            fn timers_come_due_in_order() {
                suite::timers_come_due_in_order(&$opener);
            }
            #[test]
            fn pruning_forgets_only_what_is_old() {
                suite::pruning_forgets_only_what_is_old(&$opener);
            }
            #[test]
            fn review_assignments_are_read_by_window_and_indexed_on_open() {
                suite::review_assignments_are_read_by_window_and_indexed_on_open(&$opener);
            }
            #[test]
            fn review_records_keep_their_open_list_and_reminder_index() {
                suite::reviews::review_records_keep_their_open_list_and_reminder_index(&$opener);
            }
            #[test]
            fn review_settings_profiles_and_digests_come_due() {
                suite::reviews::settings_profiles_and_digests_come_due(&$opener);
            }
            #[test]
            fn lock_timers_come_due_once_and_move_with_their_lock() {
                suite::deploys::lock_timers_come_due_once_and_move_with_their_lock(&$opener);
            }
            #[test]
            fn lock_queues_keep_their_order() {
                suite::deploys::lock_queues_keep_their_order(&$opener);
            }
            #[test]
            fn seen_releases_and_next_release_resolutions_are_kept() {
                suite::errors::seen_releases_and_next_release_resolutions_are_kept(&$opener);
            }
            #[test]
            fn failure_marks_are_read_by_key() {
                suite::deploys::failure_marks_are_read_by_key(&$opener);
            }
            #[test]
            fn gate_requests_are_found_by_environment_and_pruned_when_old() {
                suite::deploys::gate_requests_are_found_by_environment_and_pruned_when_old(
                    &$opener,
                );
            }
            #[test]
            fn pending_picks_codeowners_copies_and_refusals_are_kept() {
                suite::reviewer_lookups::pending_picks_codeowners_copies_and_refusals_are_kept(
                    &$opener,
                );
            }
        }
    };
}
pub(crate) use conformance_suite;

pub fn dedup_acts_once_and_prunes(open: Opener<'_>) {
    let store = open("dedup");
    assert!(store.write(|tx| tx.first_delivery("d1", 100)).unwrap());
    assert!(!store.write(|tx| tx.first_delivery("d1", 200)).unwrap());
    // Twice in one transaction: the second is a redelivery too.
    let both = store
        .write(|tx| Ok((tx.first_delivery("d2", 150)?, tx.first_delivery("d2", 150)?)))
        .unwrap();
    assert_eq!(both, (true, false));
    assert_eq!(store.write(|tx| tx.prune_deliveries(120)).unwrap(), 1);
    assert!(store.write(|tx| tx.first_delivery("d1", 300)).unwrap());
    assert!(!store.write(|tx| tx.first_delivery("d2", 300)).unwrap());
    let listed = store.read(|tx| tx.records.deliveries("", 10)).unwrap();
    assert_eq!(
        listed,
        vec![("d1".to_string(), 300), ("d2".to_string(), 150)]
    );
    let after = store.read(|tx| tx.records.deliveries("d1", 10)).unwrap();
    assert_eq!(after, vec![("d2".to_string(), 150)]);
}

pub fn a_failed_write_stores_nothing(open: Opener<'_>) {
    let store = open("failed");
    let err = store.write(|tx| {
        tx.put_json(THINGS, "a", &1)?;
        tx.first_delivery("event", NOW)?;
        tx.enqueue(vec![Outbound::post("C1", "lost")], NOW)?;
        Err::<(), _>(StoreError::Storage("boom".into()))
    });
    assert!(err.is_err());
    assert_eq!(store.read_json::<i32>(THINGS, "a").unwrap(), None);
    assert!(store.write(|tx| tx.first_delivery("event", NOW)).unwrap());
    assert_eq!(store.outbox_counts().unwrap(), (0, 0));
}

pub fn batched_jobs_see_earlier_jobs_and_commit_together(open: Opener<'_>) {
    let store = open("batch");
    let mut jobs = vec!["x", "x", "y"];
    let mut firsts = Vec::new();
    store
        .write_batch(&mut jobs, |id, tx| {
            firsts.push(tx.first_delivery(id, 1)?);
            tx.put_json(THINGS, id, &firsts.len())
        })
        .unwrap();
    assert_eq!(firsts, vec![true, false, true]);
    assert_eq!(store.read_json::<usize>(THINGS, "x").unwrap(), Some(2));
    // A batch whose last job fails stores none of its jobs.
    let mut jobs = vec!["p", "q"];
    let failed = store.write_batch(&mut jobs, |id, tx| {
        tx.put_json(THINGS, id, &0)?;
        match *id {
            "q" => Err(StoreError::Storage("boom".into())),
            _ => Ok(()),
        }
    });
    assert!(failed.is_err());
    assert_eq!(store.read_json::<usize>(THINGS, "p").unwrap(), None);
}

pub fn records_scan_in_byte_order(open: Opener<'_>) {
    let store = open("scan");
    let keys = ["a:2", "a:10", "B", "a:1", "a;", "a:1/x", "é", "a"];
    store
        .write(|tx| {
            for key in keys {
                tx.put_json(THINGS, key, &key)?;
            }
            Ok(())
        })
        .unwrap();
    let all: Vec<String> = store
        .read_json_prefix::<String>(THINGS, "")
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(all, ["B", "a", "a:1", "a:1/x", "a:10", "a:2", "a;", "é"]);
    let prefixed: Vec<String> = store
        .read_json_prefix::<String>(THINGS, "a:1")
        .unwrap()
        .into_iter()
        .map(|(k, v)| {
            assert_eq!(k, v);
            k
        })
        .collect();
    assert_eq!(prefixed, ["a:1", "a:1/x", "a:10"]);
    let below: Vec<String> = store
        .read(|tx| tx.scan_json_below::<String>(THINGS, "a", Some("a:10"), 10))
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(below, ["a", "a:1", "a:1/x"]);
    let limited = store
        .read(|tx| tx.scan_json_below::<String>(THINGS, "", None, 2))
        .unwrap();
    assert_eq!(limited.len(), 2);
    assert_eq!(store.read(|tx| tx.records.count(THINGS)).unwrap(), 8);
    assert!(store.write(|tx| tx.remove(THINGS, "a:2")).unwrap());
    assert!(!store.write(|tx| tx.remove(THINGS, "a:2")).unwrap());
    store
        .write(|tx| tx.put_json(THINGS, "a", &"again"))
        .unwrap();
    assert_eq!(
        store.read_json::<String>(THINGS, "a").unwrap().as_deref(),
        Some("again")
    );
    assert_eq!(store.read(|tx| tx.records.count(THINGS)).unwrap(), 7);
    // A table never written reads as empty.
    let empty = Table::new("conformance_never_written");
    assert_eq!(store.read_json::<String>(empty, "x").unwrap(), None);
    assert!(store
        .read_json_prefix::<String>(empty, "")
        .unwrap()
        .is_empty());
}

pub fn reads_cannot_write(open: Opener<'_>) {
    let store = open("read-only");
    // `Store::read` hands out no `&mut Tx`; below it, the engine's read
    // transaction refuses writes too.
    let mut tx = store.begin_read_for_test().unwrap();
    let err = tx.put_json(THINGS, "a", &1).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly), "{err}");
    let err = tx.first_delivery("x", NOW).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly), "{err}");
    drop(tx);
    assert!(store.write(|tx| tx.first_delivery("x", NOW)).unwrap());
}

pub fn rotation_and_counters_continue_across_reopen(open: Opener<'_>) {
    const LOGINS: [&str; 4] = ["octocat", "hubot", "monalisa", "defunkt"];
    let people = People::default();
    let mut steady = Pool::new("C024BE91L");
    steady.repos.push("octo-org/api".into());
    for login in LOGINS {
        steady.add_member(login, &people, NOW);
    }
    let channel = steady.channel.clone();
    let mut store = open("rotation");
    store.write(|tx| tx.put_reviewer_pool(&steady)).unwrap();
    assert_eq!(store.write(|tx| tx.next_id("n")).unwrap(), 1);
    let install_id = store.install_id().unwrap();
    assert_ne!(install_id, 0);
    for turn in 0..12usize {
        if turn % 3 == 2 {
            drop(store);
            store = open("rotation");
        }
        let author = LOGINS[turn % LOGINS.len()];
        let now = NOW + turn as i64 * 60;
        let expected = steady.pick_reviewers(author, &[], 1, &people, now);
        let picked = store
            .write(|tx| {
                let mut pool = tx.reviewer_pool(&channel)?.expect("pool stored");
                let picked = pool.pick_reviewers(author, &[], 1, &people, now);
                tx.put_reviewer_pool(&pool)?;
                Ok(picked)
            })
            .unwrap();
        assert_eq!(
            picked, expected,
            "turn {turn}: no skipped turn, no double turn"
        );
    }
    drop(store);
    let store = open("rotation");
    assert_eq!(
        store.read(|tx| tx.reviewer_pool(&channel)).unwrap(),
        Some(steady)
    );
    assert_eq!(store.write(|tx| tx.next_id("n")).unwrap(), 2);
    assert_eq!(
        store.install_id().unwrap(),
        install_id,
        "stable across reopen"
    );
}

pub fn outbox_claim_complete_retry_dead_letter(open: Opener<'_>) {
    use std::time::Duration;
    let lease = Duration::from_secs(30);
    let store = open("outbox");
    let queued = store
        .write(|tx| {
            tx.enqueue(
                vec![
                    Outbound::post("C1", "a"),
                    Outbound::GithubRequestReviewers {
                        repo: "octo-org/api".into(),
                        number: 7,
                        reviewers: vec!["hubot".into()],
                        installation: Some(7),
                    },
                    Outbound::post("C1", "b"),
                    Outbound::post("C1", "c"),
                ],
                10,
            )
        })
        .unwrap();
    assert_eq!(queued, 4);
    let slack = store.claim_outbox("slack", "me", lease, 10).unwrap();
    assert_eq!(slack.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 3, 4]);
    assert_eq!((slack[0].attempts, slack[0].not_before), (0, 10.0));
    let github = store.claim_outbox("github", "me", lease, 10).unwrap();
    assert_eq!(github.iter().map(|i| i.id).collect::<Vec<_>>(), [2]);
    assert_eq!(
        store.claim_outbox("slack", "me", lease, 2).unwrap().len(),
        2
    );

    store.write(|tx| tx.mark_in_flight(&[1, 3], 11.25)).unwrap();
    store.write(|tx| tx.mark_in_flight(&[1], 30.0)).unwrap();
    store
        .write(|tx| {
            let posted = StoredMessage {
                channel: "C1".into(),
                ts: "1.2".into(),
            };
            tx.complete_delivery(1, Some(("k", posted)))?;
            tx.reschedule_delivery(3, 99.5, "timeout", 12.0, true)?;
            tx.reschedule_delivery(2, 20.0, "HTTP 502", 12.0, false)?;
            tx.dead_letter(4, "channel_not_found", 13)
        })
        .unwrap();
    let slack = store.claim_outbox("slack", "me", lease, 10).unwrap();
    assert_eq!(slack.len(), 1);
    assert_eq!(
        (slack[0].id, slack[0].attempts, slack[0].not_before),
        (3, 1, 99.5)
    );
    assert_eq!(slack[0].in_flight_since, Some(11.25), "first mark kept");
    assert_eq!(slack[0].last_error.as_deref(), Some("timeout"));
    assert_eq!(store.outbox_counts().unwrap(), (2, 1));
    assert_eq!(store.message("k").unwrap().unwrap().ts, "1.2");
    assert_eq!(
        store.read(|tx| tx.message("k")).unwrap().unwrap().channel,
        "C1"
    );
    let dead = store.dead_letters().unwrap();
    assert_eq!(
        (dead[0].item.id, dead[0].reason.as_str()),
        (4, "channel_not_found")
    );
    let backlog = store.outbox_backlog().unwrap();
    assert_eq!((backlog[0].service, backlog[0].depth), ("slack", 1));
    assert_eq!((backlog[1].service, backlog[1].depth), ("github", 1));
    assert_eq!(backlog[0].oldest_created_at, Some(10));

    // A dead letter goes back into the outbox, same id, fresh schedule.
    let requeued = store.write(|tx| tx.requeue_dead_letters(None, 50)).unwrap();
    assert_eq!(requeued, vec![4]);
    let pending = store.pending_outbox(10).unwrap();
    assert_eq!(pending.iter().map(|i| i.id).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!((pending[2].attempts, pending[2].created_at), (0, 50));
    assert_eq!(store.outbox_counts().unwrap(), (3, 0));
    assert_eq!(
        store
            .write(|tx| tx.requeue_dead_letters(Some(4), 60))
            .unwrap(),
        Vec::<u64>::new()
    );
    // New items get new ids, after the old ones.
    store
        .write(|tx| tx.enqueue(vec![Outbound::post("C2", "d")], 70))
        .unwrap();
    let ids: Vec<u64> = store
        .pending_outbox(10)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, [2, 3, 4, 5]);
}

fn group(channel: &str, fingerprint: &str, window_end: i64) -> Group {
    Group {
        channel: channel.into(),
        fingerprint: fingerprint.into(),
        mode: Mode::Stream,
        window_start: window_end - 600,
        window_end,
        count: 1,
        last_seen: window_end - 600,
        message_key: None,
        sample: Sample {
            service: "api".into(),
            environment: "production".into(),
            level: baton_handlers::errors::Level::Error,
            title: "boom".into(),
            exception: None,
            stack: vec![],
            stack_more: 0,
            url: None,
            regression: false,
            release: None,
        },
        closed: None,
        sightings: Vec::new(),
    }
}

pub fn outbox_backlog_counts_each_service(open: Opener<'_>) {
    let store = open("backlog");
    let depths = |store: &Store| -> Vec<(&'static str, u64, Option<i64>)> {
        store
            .outbox_backlog()
            .unwrap()
            .into_iter()
            .map(|b| (b.service, b.depth, b.oldest_created_at))
            .collect()
    };
    assert_eq!(depths(&store), [("slack", 0, None), ("github", 0, None)]);
    store
        .write(|tx| {
            tx.enqueue(
                vec![Outbound::GithubRequestReviewers {
                    repo: "octo-org/api".into(),
                    number: 7,
                    reviewers: vec!["hubot".into()],
                    installation: None,
                }],
                NOW,
            )?;
            tx.enqueue(
                vec![Outbound::post("C1", "a"), Outbound::post("C1", "b")],
                NOW + 5,
            )
        })
        .unwrap();
    store
        .write(|tx| tx.enqueue(vec![Outbound::post("C1", "c")], NOW + 9))
        .unwrap();
    assert_eq!(
        depths(&store),
        [("slack", 3, Some(NOW + 5)), ("github", 1, Some(NOW))]
    );
    store
        .write(|tx| tx.complete_delivery(2, None).map(drop))
        .unwrap();
    assert_eq!(
        depths(&store),
        [("slack", 2, Some(NOW + 5)), ("github", 1, Some(NOW))]
    );
}

pub fn timers_come_due_in_order(open: Opener<'_>) {
    let store = open("timers");
    store
        .write(|tx| {
            tx.put_error_group(&group("C1", "late", NOW + 300))?;
            tx.put_error_group(&group("C1", "first", NOW + 100))?;
            tx.put_error_group(&group("C2", "second", NOW + 200))?;
            tx.put_error_group(&group("C2", "moved", NOW + 50))?;
            // Moving a group's window moves its timer.
            tx.put_error_group(&group("C2", "moved", NOW + 1_000))
        })
        .unwrap();
    let due = |now: i64, limit: usize| -> Vec<String> {
        store
            .write(|tx| tx.due_error_groups(now, limit))
            .unwrap()
            .into_iter()
            .map(|g| g.fingerprint)
            .collect()
    };
    assert!(due(NOW + 99, 10).is_empty());
    assert_eq!(due(NOW + 200, 10), ["first", "second"]);
    assert_eq!(due(NOW + 300, 2), ["first", "second"]);
    assert!(store.write(|tx| tx.remove_error_group("C1/first")).unwrap());
    assert_eq!(due(NOW + 5_000, 10), ["second", "late", "moved"]);
}

pub fn pruning_forgets_only_what_is_old(open: Opener<'_>) {
    let store = open("pruning");
    store
        .write(|tx| {
            for (id, seen) in [("old-1", 10), ("old-2", 20), ("new", 30)] {
                tx.first_delivery(id, seen)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(store.write(|tx| tx.prune_deliveries(25)).unwrap(), 2);
    assert_eq!(store.write(|tx| tx.prune_deliveries(25)).unwrap(), 0);
    assert!(!store.write(|tx| tx.first_delivery("new", 40)).unwrap());
    assert!(store.write(|tx| tx.first_delivery("old-1", 40)).unwrap());
}

fn assignment(channel: &str, number: u64, assigned_at: i64) -> Assignment {
    let pr = PullRequestEvent {
        action: "opened".into(),
        repo: "octo-org/api".into(),
        number,
        title: "Retry webhook delivery".into(),
        html_url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: "monalisa".into(),
        author_is_bot: false,
        body: String::new(),
        draft: false,
        merged: false,
        additions: 1,
        deletions: 1,
        changed_files: 1,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    };
    Assignment::new(&pr, channel, &["octocat".into()], assigned_at)
}

/// `stats` reads a channel's assignments by the time their reviewers were
/// assigned, and a store whose assignments were written before that index
/// existed has them indexed when it is opened.
pub fn review_assignments_are_read_by_window_and_indexed_on_open(open: Opener<'_>) {
    const DAY: i64 = 86_400;
    let old = assignment("C1", 1, NOW - 10 * DAY);
    let mut handed_on = assignment("C1", 2, NOW - 10 * DAY);
    handed_on.reviewers.push(AssignedReviewer {
        login: "hubot".into(),
        assigned_at: NOW - DAY,
        status: ReviewStatus::Pending,
    });
    let recent = assignment("C1", 3, NOW - 2 * DAY);
    let elsewhere = assignment("C2", 4, NOW);
    let store = open("review-window");
    store
        .write(|tx| {
            for a in [&old, &handed_on, &recent, &elsewhere] {
                tx.put_review_assignment(a)?;
            }
            // A record an older Baton wrote: in its table, not in the index.
            let unindexed = assignment("C1", 5, NOW - DAY);
            tx.put_json(
                Table::new("reviewers_assignments"),
                &unindexed.key(),
                &unindexed,
            )?;
            tx.set_counter(crate::reviewers::ASSIGNED_AT_BUILT, 0)
        })
        .unwrap();
    let numbers = |store: &Store, channel: &str, since: i64| -> Vec<u64> {
        let mut found: Vec<u64> = store
            .read(|tx| tx.review_assignments_since(channel, since))
            .unwrap()
            .iter()
            .map(|a| a.number)
            .collect();
        found.sort_unstable();
        found
    };
    // The window starts at `since`, inclusive; a reviewer added later brings
    // an older assignment into it; other channels stay out.
    assert_eq!(numbers(&store, "C1", NOW - 2 * DAY), [2, 3]);
    assert_eq!(numbers(&store, "C1", NOW - 2 * DAY + 1), [2]);
    assert_eq!(numbers(&store, "C1", NOW - 11 * DAY), [1, 2, 3]);
    assert_eq!(numbers(&store, "C2", NOW - DAY), [4]);
    assert_eq!(numbers(&store, "C3", 0), Vec::<u64>::new());
    drop(store);
    let store = open("review-window");
    assert_eq!(numbers(&store, "C1", NOW - 2 * DAY), [2, 3, 5]);
    assert!(store.read(|tx| tx.review_index_built()).unwrap());
}

#[cfg(test)]
mod redb {
    use std::path::PathBuf;

    use crate::Store;

    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().unwrap();
    }

    pub(super) fn open(name: &str) -> Store {
        let path: PathBuf = DIR.with(|dir| dir.path().join(format!("{name}.redb")));
        Store::open(&path).unwrap()
    }

    super::conformance_suite!(suite, super::open);
}

#[cfg(test)]
mod postgres {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use crate::Store;

    thread_local! {
        /// Each test's databases by name (one test runs on one thread).
        static DATABASES: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }

    /// The database called `name` for this test, made on first use. When
    /// the PostgreSQL tests are skipped (`BATON_SKIP_POSTGRES_TESTS=1`),
    /// the scenario runs on a data file instead, so it still passes.
    fn open(name: &str) -> Store {
        let url = DATABASES.with(|dbs| {
            dbs.borrow_mut()
                .entry(name.to_string())
                .or_insert_with(|| crate::testing::postgres_database().unwrap_or_default())
                .clone()
        });
        if url.is_empty() {
            return super::redb::open(name);
        }
        Store::open_postgres(&url).unwrap()
    }

    super::conformance_suite!(suite, super::open);
}
