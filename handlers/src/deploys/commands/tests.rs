//! Tests of `commands`.

use super::*;
use crate::command::{self, Command as Top};

/// 2026-11-23 09:00 UTC.
const NOW: UnixTime = 1_795_392_000 + 9 * 3600;

fn parse(text: &str) -> Result<Command, UsageError> {
    match command::parse(text)? {
        Top::Deploys(c) => Ok(c),
        other => panic!("{other:?}"),
    }
}

fn ctx(user: &str) -> Caller {
    Caller::new(user, "C0OPS")
}

fn watches() -> Vec<DeployWatch> {
    vec![
        DeployWatch {
            channel: "C0PROD".into(),
            target: DeployTarget::Repo("octo-org/octo-repo".into()),
            environment: Some("production".into()),
            workflow: None,
        },
        DeployWatch {
            channel: "C0STAGE".into(),
            target: DeployTarget::Service("checkout-api".into()),
            environment: Some("staging".into()),
            workflow: None,
        },
        DeployWatch {
            channel: "C0ALL".into(),
            target: DeployTarget::Repo("octo-org/*".into()),
            environment: None,
            workflow: None,
        },
        DeployWatch {
            channel: "C0OPS".into(),
            target: DeployTarget::Repo("octo-org/octo-repo".into()),
            environment: Some("production".into()),
            workflow: Some("deploy.yml".into()),
        },
    ]
}

#[test]
fn commands_parse() {
    assert_eq!(
        parse("deploys watch Octo-Org/Octo-Repo production workflow=deploy.yml"),
        Ok(Command::Watch {
            target: DeployTarget::Repo("octo-org/octo-repo".into()),
            environment: Some("production".into()),
            workflow: Some("deploy.yml".into()),
        })
    );
    assert_eq!(
        parse("deploys watch checkout-api"),
        Ok(Command::Watch {
            target: DeployTarget::Service("checkout-api".into()),
            environment: None,
            workflow: None,
        })
    );
    assert_eq!(
        parse("lock production for 2h migrating the orders table"),
        Ok(Command::Lock {
            environment: "production".into(),
            duration: Some(7200),
            reason: Some("migrating the orders table".into()),
        })
    );
    assert_eq!(
        parse("lock staging"),
        Ok(Command::Lock {
            environment: "staging".into(),
            duration: None,
            reason: None,
        })
    );
    assert_eq!(
        parse("lock prod hotfix in flight"),
        Ok(Command::Lock {
            environment: "prod".into(),
            duration: None,
            reason: Some("hotfix in flight".into()),
        })
    );
    assert_eq!(parse("LOCKS"), Ok(Command::Locks));
    assert_eq!(parse("deploys list"), Ok(Command::List));
    assert_eq!(
        parse("unlock production"),
        Ok(Command::Unlock {
            environment: "production".into()
        })
    );
}

#[test]
fn admin_only_is_watch_and_unwatch() {
    assert!(parse("deploys watch a/b").unwrap().admin_only());
    assert!(parse("deploys unwatch a/b").unwrap().admin_only());
    for c in ["deploys list", "lock prod", "unlock prod", "locks"] {
        assert!(!parse(c).unwrap().admin_only(), "{c}");
    }
    for (_, spec) in COMMANDS {
        assert_eq!(
            spec.admin_only,
            parse(spec.example).unwrap().admin_only(),
            "{}",
            spec.name
        );
    }
}

/// Each bad command → a usage error whose message has this phrase.
#[test]
fn command_parse_errors() {
    let cases = [
        ("deploys watch", "name a repo"),
        ("deploys watch a/b/c", "is not `owner/repo`"),
        (
            "deploys watch <#C123|general>",
            "neither `owner/repo` nor a service",
        ),
        ("deploys watch a/b prod staging", "one environment at most"),
        (
            "deploys watch checkout-api workflow=deploy.yml",
            "needs a GitHub repo",
        ),
        ("deploys watch a/b workflow=", "needs a workflow name"),
        (
            "deploys watch a/b workflow=x workflow=y",
            "`workflow=` once",
        ),
        ("deploys watch a/b pro*d", "not an environment name"),
        ("deploys unwatch", "name a repo"),
        ("deploys list everything", "takes no arguments"),
        ("locks production", "takes no arguments"),
        ("lock", "name the environment"),
        ("lock for 2h", "name the environment first"),
        ("lock production for", "needs a duration"),
        ("lock production for soon", "`soon` is not a duration"),
        ("lock production for 0m", "is not a duration"),
        ("lock production for 90d", "at most 30d"),
        ("unlock", "name the environment"),
        ("unlock production staging", "one environment"),
    ];
    for (text, phrase) in cases {
        let err = parse_or_err(text);
        assert!(err.message.contains(phrase), "`{text}`: {}", err.message);
        assert!(err.usage.is_some(), "`{text}` shows usage");
    }
    let long = format!("lock production {}", "why ".repeat(200));
    assert!(parse_or_err(&long).message.contains("too long"));
}

fn parse_or_err(text: &str) -> UsageError {
    command::parse(text).expect_err(text)
}

#[test]
fn watch_adds_once_and_unwatch_removes() {
    let ws = watches();
    let snap = DeploySnapshot {
        watches: &ws,
        locks: &[],
    };
    let out = execute(
        &parse("deploys watch octo-org/octo-repo staging").unwrap(),
        &ctx("U1"),
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
        &ctx("U1"),
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
        &ctx("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert_eq!(gone.changes, vec![Change::RemoveWatch { key: ws[3].key() }]);
    let none = execute(
        &parse("deploys unwatch octo-org/octo-repo").unwrap(),
        &ctx("U1"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert!(none.changes.is_empty() && none.reply_text().contains("does not watch"));

    let list = execute(&Command::List, &ctx("U1"), &Policy::default(), snap, NOW);
    assert!(
        list.reply_text()
            .contains("`octo-org/octo-repo` in `production`, runs of workflow `deploy.yml`"),
        "{}",
        list.reply_text()
    );
    let empty = execute(
        &Command::List,
        &ctx("U1"),
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
        &ctx("U024BE7LH"),
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
        &ctx("U1"),
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
        &ctx("U1"),
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
        &ctx("U999"),
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
        &ctx("U024BE7LH"),
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
        &ctx("U999"),
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
        &ctx("U999"),
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
        &ctx("U999"),
        &Policy::default(),
        snap,
        NOW,
    );
    assert!(free.changes.is_empty() && free.reply_text().contains("is not locked"));
    let expired = execute(
        &parse("unlock production").unwrap(),
        &ctx("U999"),
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
    let out = execute(&Command::Locks, &ctx("U1"), &Policy::default(), snap, NOW);
    assert!(
        out.reply_text()
            .contains("`production` locked by <@U024BE7LH>"),
        "{}",
        out.reply_text()
    );
    assert!(!out.reply_text().contains("staging"));
    let none = execute(
        &Command::Locks,
        &ctx("U1"),
        &Policy::default(),
        snap,
        NOW + 3600,
    );
    assert_eq!(none.reply_text(), "No environment is locked.");
}
