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
    };
    let out = execute(
        &parse("lock PRODUCTION for 1h").unwrap(),
        &caller("U999"),
        &Policy::default(),
        snap,
        NOW + 60,
    );
    assert!(out.changes.is_empty() && out.outbound.is_empty());
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
