//! Tests of `deploys/execute.rs`.

use super::*;
use crate::deploys::lock::DEFAULT_LOCK_SECS;
use crate::deploys::*;
use crate::outbound::Outbound;

#[test]
fn watch_adds_once_and_unwatch_removes() {
    let ws = watches();
    let snap = DeploySnapshot {
        watches: &ws,
        locks: &[],
        ..DeploySnapshot::default()
    };
    let out = execute(
        &parse("deploys watch octo-org/octo-repo staging").unwrap(),
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    let [Change::PutWatch(w)] = out.changes.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(w.channel, "C0OPS");
    assert_eq!(w.environment.as_deref(), Some("staging"));

    let again = execute(
        &parse("deploys watch octo-org/octo-repo PRODUCTION workflow=Deploy.yml").unwrap(),
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert!(
        again.changes.is_empty() && again.reply_text().contains("already watches"),
        "{again:?}"
    );

    let gone = execute(
        &parse("deploys unwatch octo-org/octo-repo production").unwrap(),
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert_eq!(gone.changes, vec![Change::RemoveWatch { key: ws[3].key() }]);
    let none = execute(
        &parse("deploys unwatch octo-org/octo-repo").unwrap(),
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert!(none.changes.is_empty() && none.reply_text().contains("does not watch"));

    let list = execute(&Command::List, &caller("U1"), &Policy::default(), snap, NOW);
    assert!(
        list.reply_text()
            .contains("`octo-org/octo-repo` in `production`, runs of workflow `deploy.yml`"),
        "{}",
        list.reply_text()
    );
    let empty = execute(
        &Command::List,
        &caller("U1"),
        &Policy::default(),
        DeploySnapshot::default(),
        NOW,
    );
    assert!(empty.reply_text().contains("watches no deploys"));
}

#[test]
fn lock_is_stored_and_announced_where_the_environment_is_watched() {
    let ws = watches();
    let snap = DeploySnapshot {
        watches: &ws,
        locks: &[],
        ..DeploySnapshot::default()
    };
    let out = execute(
        &parse("lock Production for 30m db migration").unwrap(),
        &caller("U024BE7LH"),
        &Policy::default(),
        snap,
        NOW,
    );
    let [Change::PutLock(lock)] = out.changes.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(lock.by, "U024BE7LH");
    assert_eq!(lock.since, NOW);
    assert_eq!(lock.expires_at, NOW + 1800);
    assert_eq!(lock.reason.as_deref(), Some("db migration"));
    let channels: Vec<&str> = out
        .outbound
        .iter()
        .map(|o| match o {
            Outbound::SlackPost { channel, text, .. } => {
                assert!(
                    text.contains("🔒 <@U024BE7LH> locked `Production` for 30m"),
                    "{text}"
                );
                channel.as_str()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // The current channel, production watchers and all-environment watchers; not staging's.
    assert_eq!(channels, vec!["C0OPS", "C0PROD", "C0ALL"]);

    let default = execute(
        &parse("lock staging").unwrap(),
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    let [Change::PutLock(l)] = default.changes.as_slice() else {
        panic!()
    };
    assert_eq!(l.expires_at - l.since, DEFAULT_LOCK_SECS);
    let configured = Policy {
        lock_default_secs: 3600,
    };
    let short = execute(
        &parse("lock staging").unwrap(),
        &caller("U1"),
        &configured,
        snap,
        NOW,
    );
    let [Change::PutLock(l)] = short.changes.as_slice() else {
        panic!()
    };
    assert_eq!(l.expires_at, NOW + 3600);
}

fn held() -> Lock {
    Lock {
        environment: "production".into(),
        by: "U024BE7LH".into(),
        reason: Some("db migration".into()),
        since: NOW,
        expires_at: NOW + 3600,
        channel: "C0OPS".into(),
    }
}

#[test]
fn locking_a_held_environment_says_who_and_changes_nothing_until_it_expires() {
    let locks = vec![held()];
    let snap = DeploySnapshot {
        watches: &[],
        locks: &locks,
        ..DeploySnapshot::default()
    };
    let out = execute(
        &parse("lock PRODUCTION for 1h").unwrap(),
        &caller("U999"),
        &Policy::default(),
        snap,
        NOW + 60,
    );
    // The caller joins the queue; nothing is announced.
    assert!(
        matches!(out.changes.as_slice(), [Change::PutQueue(q)] if q.waiting[0].user == "U999" && q.waiting[0].duration == Some(3600)),
        "{:?}",
        out.changes
    );
    assert!(out.outbound.is_empty());
    assert!(
        out.reply_text().contains("You are #1 in its queue"),
        "{}",
        out.reply_text()
    );
    assert!(
        out.reply_text().contains("Already locked by <@U024BE7LH>"),
        "{}",
        out.reply_text()
    );
    assert!(
        out.reply_text().contains("db migration") && out.reply_text().contains("59m left"),
        "{}",
        out.reply_text()
    );
    let mine = execute(
        &parse("lock production").unwrap(),
        &caller("U024BE7LH"),
        &Policy::default(),
        snap,
        NOW + 60,
    );
    assert!(
        mine.reply_text().starts_with("You already hold the lock"),
        "{}",
        mine.reply_text()
    );

    // Once expired, the lock is free to take.
    let later = execute(
        &parse("lock production").unwrap(),
        &caller("U999"),
        &Policy::default(),
        snap,
        NOW + 3600,
    );
    assert!(matches!(later.changes.as_slice(), [Change::PutLock(l)] if l.by == "U999"));
}

#[test]
fn unlock_releases_and_names_the_holder() {
    let locks = vec![held()];
    let ws = watches();
    let snap = DeploySnapshot {
        watches: &ws,
        locks: &locks,
        ..DeploySnapshot::default()
    };
    let out = execute(
        &parse("unlock production").unwrap(),
        &caller("U999"),
        &Policy::default(),
        snap,
        NOW + 60,
    );
    assert_eq!(
        out.changes,
        vec![Change::RemoveLock {
            key: "production".into()
        }]
    );
    let Outbound::SlackPost { text, .. } = &out.outbound[0] else {
        panic!()
    };
    assert_eq!(
        text,
        "🔓 <@U999> unlocked `production` (locked by <@U024BE7LH>: db migration)"
    );
    assert_eq!(out.outbound.len(), 3);

    let free = execute(
        &parse("unlock staging").unwrap(),
        &caller("U999"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert!(free.changes.is_empty() && free.reply_text().contains("is not locked"));
    let expired = execute(
        &parse("unlock production").unwrap(),
        &caller("U999"),
        &Policy::default(),
        snap,
        NOW + 3600,
    );
    assert_eq!(
        expired.changes,
        vec![Change::RemoveLock {
            key: "production".into()
        }]
    );
    assert!(expired.outbound.is_empty() && expired.reply_text().contains("is not locked"));
}

#[test]
fn locks_lists_only_active_locks() {
    let mut stale = held();
    stale.environment = "staging".into();
    stale.expires_at = NOW - 1;
    let locks = vec![held(), stale];
    let snap = DeploySnapshot {
        watches: &[],
        locks: &locks,
        ..DeploySnapshot::default()
    };
    let out = execute(
        &Command::Locks,
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert!(
        out.reply_text()
            .contains("`production` locked by <@U024BE7LH>"),
        "{}",
        out.reply_text()
    );
    assert!(!out.reply_text().contains("staging"));
    let none = execute(
        &Command::Locks,
        &caller("U1"),
        &Policy::default(),
        snap,
        NOW + 3600,
    );
    assert_eq!(none.reply_text(), "No environment is locked.");
}

#[test]
fn watching_again_with_only_failures_switches_the_watch() {
    let ws = watches();
    let snap = DeploySnapshot {
        watches: &ws,
        ..DeploySnapshot::default()
    };
    let out = execute(
        &parse("deploys watch octo-org/octo-repo production only=failures").unwrap(),
        &Caller::new("U1", "C0PROD"),
        &Policy::default(),
        snap,
        NOW,
    );
    let [Change::PutWatch(w)] = out.changes.as_slice() else {
        panic!("{:?}", out.changes)
    };
    assert!(w.failures_only);
    assert_eq!(w.key(), ws[0].key(), "the same watch, replaced");
    assert!(
        out.reply_text()
            .starts_with("Now posting only the deploys that fail"),
        "{}",
        out.reply_text()
    );
}

/// The lock commands with a queue: joining it, passing the lock on unlock
/// (with the reason and duration asked, a direct message to the new
/// holder), leaving it, and `/baton locks`.
mod lock_queue {
    use crate::caller::Caller;
    use crate::deploys::queue::MAX_QUEUE;
    use crate::deploys::*;

    use crate::deploys::tests::locks::*;

    fn caller(user: &str) -> Caller {
        Caller::new(user, "C0OPS")
    }

    #[test]
    fn a_second_person_joins_the_queue_and_hears_their_place() {
        let lock = held();
        let q = queue(vec![queued("UBOB", None, None)]);
        let out = execute::lock(
            &caller("UCAROL"),
            &state(Some(&lock), Some(&q), &[]),
            Some(1800),
            Some("hotfix"),
            DEFAULT,
            NOW + 60,
        );
        let [Change::PutQueue(stored)] = out.changes.as_slice() else {
            panic!("{:?}", out.changes)
        };
        assert_eq!(stored.waiting.len(), 2);
        assert_eq!(stored.waiting[1].user, "UCAROL");
        assert_eq!(stored.waiting[1].duration, Some(1800));
        assert_eq!(stored.waiting[1].reason.as_deref(), Some("hotfix"));
        assert_eq!(stored.waiting[1].channel, "C0OPS");
        assert!(out.outbound.is_empty());
        let reply = out.reply_text();
        assert!(
            reply.contains("Already locked by <@UALICE>")
                && reply.contains("You are #2 in its queue (1 ahead of you)")
                && reply.contains("`/baton unlock production --queue`"),
            "{reply}"
        );

        // Asking again changes nothing and says the place.
        let again = execute::lock(
            &caller("UBOB"),
            &state(Some(&lock), Some(&q), &[]),
            None,
            None,
            DEFAULT,
            NOW + 60,
        );
        assert!(again.changes.is_empty(), "{:?}", again.changes);
        assert!(
            again.reply_text().contains("already #1 in its queue"),
            "{}",
            again.reply_text()
        );
    }

    #[test]
    fn a_full_queue_takes_nobody_more() {
        let lock = held();
        let q = queue(
            (0..MAX_QUEUE)
                .map(|i| queued(&format!("U{i}"), None, None))
                .collect(),
        );
        let out = execute::lock(
            &caller("ULATE"),
            &state(Some(&lock), Some(&q), &[]),
            None,
            None,
            DEFAULT,
            NOW,
        );
        assert!(out.changes.is_empty());
        assert!(
            out.reply_text().contains("queue is full"),
            "{}",
            out.reply_text()
        );
    }

    #[test]
    fn unlock_passes_the_lock_to_the_first_in_the_queue_with_what_they_asked() {
        let lock = held();
        let q = queue(vec![
            queued("UBOB", Some(2 * 3600), Some("deploy the fix")),
            queued("UCAROL", None, None),
        ]);
        let ws = watches();
        let at = NOW + 600;
        let out = execute::unlock(
            &caller("UALICE"),
            &state(Some(&lock), Some(&q), &ws),
            DEFAULT,
            at,
        );
        let [Change::PutLock(new), Change::PutQueue(rest)] = out.changes.as_slice() else {
            panic!("{:?}", out.changes)
        };
        assert_eq!(new.by, "UBOB");
        assert_eq!((new.since, new.expires_at), (at, at + 2 * 3600));
        assert_eq!(new.reason.as_deref(), Some("deploy the fix"));
        assert_eq!(new.channel, "C0WAIT");
        assert_eq!(rest.waiting.len(), 1);
        assert_eq!(rest.waiting[0].user, "UCAROL");
        let posts = posts(&out);
        // The DM to the new holder, then the announcement where unlocked and
        // where production is watched.
        assert_eq!(posts[0].0, "UBOB");
        assert!(
            posts[0]
                .1
                .starts_with("🔒 You now hold the lock on `production` for 2h")
                && posts[0].1.contains("deploy the fix"),
            "{}",
            posts[0].1
        );
        let channels: Vec<&str> = posts[1..].iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(channels, ["C0OPS", "C0PROD"]);
        assert!(
            posts[1]
                .1
                .starts_with("🔓 <@UALICE> unlocked `production`; 🔒 it passes to <@UBOB>, next in the queue, for 2h"),
            "{}",
            posts[1].1
        );
        assert!(
            out.reply_text().contains("It passes to <@UBOB>"),
            "{}",
            out.reply_text()
        );
    }

    #[test]
    fn the_last_in_the_queue_takes_the_default_length_and_the_queue_goes() {
        let lock = held();
        let q = queue(vec![queued("UBOB", None, None)]);
        let out = execute::unlock(
            &caller("UALICE"),
            &state(Some(&lock), Some(&q), &[]),
            600,
            NOW,
        );
        assert_eq!(
            out.changes[1],
            Change::RemoveQueue {
                key: "production".into()
            }
        );
        let Change::PutLock(new) = &out.changes[0] else {
            panic!()
        };
        assert_eq!(new.expires_at, NOW + 600);
    }

    #[test]
    fn a_command_after_an_unticked_expiry_cannot_jump_the_queue() {
        let lock = held();
        let q = queue(vec![queued("UBOB", None, None)]);
        let s = state(Some(&lock), Some(&q), &[]);
        let out = execute::lock(&caller("UCAROL"), &s, None, None, DEFAULT, NOW + 4000);
        // Bob gets the lock first; Carol joins the queue behind him.
        assert!(
            matches!(&out.changes[0], Change::PutLock(l) if l.by == "UBOB"),
            "{:?}",
            out.changes
        );
        assert!(
            matches!(out.changes.last(), Some(Change::PutQueue(q)) if q.waiting.len() == 1 && q.waiting[0].user == "UCAROL"),
            "{:?}",
            out.changes
        );
        assert!(
            out.reply_text().contains("Already locked by <@UBOB>"),
            "{}",
            out.reply_text()
        );

        let unlock = execute::unlock(&caller("UCAROL"), &s, DEFAULT, NOW + 4000);
        assert!(
            unlock
                .reply_text()
                .contains("<@UALICE>'s lock on `production` had expired; it passed to <@UBOB>"),
            "{}",
            unlock.reply_text()
        );
        assert!(matches!(&unlock.changes[0], Change::PutLock(l) if l.by == "UBOB"));
    }

    #[test]
    fn leaving_the_queue() {
        let lock = held();
        let q = queue(vec![
            queued("UBOB", None, None),
            queued("UCAROL", None, None),
        ]);
        let s = state(Some(&lock), Some(&q), &[]);
        let out = execute::leave_queue(&caller("UBOB"), &s, DEFAULT, NOW);
        assert!(
            matches!(out.changes.as_slice(), [Change::PutQueue(q)] if q.waiting.len() == 1 && q.waiting[0].user == "UCAROL")
        );
        assert_eq!(out.reply_text(), "You left the queue for `production`.");
        let nobody = execute::leave_queue(&caller("UDAVE"), &s, DEFAULT, NOW);
        assert!(nobody.changes.is_empty());
        assert_eq!(
            nobody.reply_text(),
            "You are not in the queue for `production`."
        );
        let only = queue(vec![queued("UBOB", None, None)]);
        let last = execute::leave_queue(
            &caller("UBOB"),
            &state(Some(&lock), Some(&only), &[]),
            DEFAULT,
            NOW,
        );
        assert_eq!(
            last.changes,
            vec![Change::RemoveQueue {
                key: "production".into()
            }]
        );
    }

    #[test]
    fn locks_shows_holders_and_queues_and_whom_an_expired_lock_passes_to() {
        let lock = held();
        let q = queue(vec![
            queued("UBOB", Some(1800), Some("hotfix")),
            queued("UCAROL", None, None),
        ]);
        let out = execute::locks(
            std::slice::from_ref(&lock),
            std::slice::from_ref(&q),
            DEFAULT,
            NOW + 60,
        );
        assert!(out.changes.is_empty() && out.outbound.is_empty());
        let text = out.reply_text();
        assert!(
            text.contains("`production` locked by <@UALICE>")
                && text.contains("queue: 1. <@UBOB> for 30m: hotfix; 2. <@UCAROL>"),
            "{text}"
        );
        let later = execute::locks(
            std::slice::from_ref(&lock),
            std::slice::from_ref(&q),
            DEFAULT,
            NOW + 3600,
        );
        assert!(
            later
                .reply_text()
                .contains("`production` locked by <@UBOB>")
                && later.reply_text().contains("queue: 1. <@UCAROL>"),
            "{}",
            later.reply_text()
        );
        assert!(later.changes.is_empty(), "a query changes nothing");
        assert_eq!(
            lock_in_force(Some(&lock), Some(&q), DEFAULT, NOW + 3600).map(|l| l.by),
            Some("UBOB".to_string())
        );
        assert_eq!(lock_in_force(Some(&lock), None, DEFAULT, NOW + 3600), None);
    }
}

/// `deploys gate` and `ungate`, with what GitHub said of the repository
/// and environment.
mod gates {
    use crate::caller::Caller;
    use crate::deploys::*;
    use crate::UnixTime;

    /// 2026-11-23 00:00 UTC.
    const NOW: UnixTime = 1_795_392_000;
    const REPO: &str = "zaniebot/release-authenticator-example";

    #[test]
    fn a_gate_needs_a_repository_and_environment_github_knows() {
        let caller = Caller::new("UADMIN", "C0REL");
        for (check, phrase) in [
            (
                GithubCheck::NoRepository {
                    reason: "GitHub answered 404".into(),
                },
                "does not show Baton a repository",
            ),
            (GithubCheck::NoEnvironment, "has no environment `release`"),
        ] {
            let out = execute::gate(&caller, &[], REPO, "release", false, &check, NOW);
            assert!(out.changes.is_empty(), "{check:?}");
            assert!(out.reply_text().contains(phrase), "{}", out.reply_text());
        }
        let out = execute::gate(
            &caller,
            &[],
            REPO,
            "release",
            true,
            &GithubCheck::Found,
            NOW,
        );
        let [Change::PutGate(g)] = out.changes.as_slice() else {
            panic!("{:?}", out.changes)
        };
        assert_eq!((g.channel.as_str(), g.approval), ("C0REL", true));
        assert!(
            out.reply_text().contains("now guards"),
            "{}",
            out.reply_text()
        );
        let same = execute::gate(
            &caller,
            std::slice::from_ref(g),
            REPO,
            "Release",
            true,
            &GithubCheck::Found,
            NOW,
        );
        assert!(same.changes.is_empty() && same.reply_text().contains("already guards"));
        let unchecked = execute::gate(
            &caller,
            &[],
            REPO,
            "release",
            false,
            &GithubCheck::Unchecked {
                reason: "GitHub is not configured (offline mode)".into(),
            },
            NOW,
        );
        assert_eq!(unchecked.changes.len(), 1);
        assert!(unchecked
            .reply_text()
            .contains("could not check it on GitHub"));

        let gone = execute::ungate(&caller, std::slice::from_ref(g), REPO, "RELEASE");
        assert_eq!(
            gone.changes,
            vec![Change::RemoveGate {
                key: "C0REL|zaniebot/release-authenticator-example|release".into()
            }]
        );
        assert!(execute::ungate(&caller, &[], REPO, "release")
            .changes
            .is_empty());
        assert_eq!(
            render::channel_gates(std::slice::from_ref(g), "C0REL").len(),
            1
        );
    }
}
