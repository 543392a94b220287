//! The lock decisions with a queue: joining it, passing the lock on unlock
//! and on expiry (with the reason and duration asked, a direct message to
//! the new holder), leaving it, and `/baton locks`.

use super::*;
use crate::deploys::watch::DeployTarget;

/// 2026-11-23 00:00 UTC.
const NOW: UnixTime = 1_795_392_000;
const DEFAULT: i64 = 4 * 3600;

fn caller(user: &str) -> Caller {
    Caller::new(user, "C0OPS")
}

fn held() -> Lock {
    Lock {
        environment: "production".into(),
        by: "UALICE".into(),
        reason: Some("db migration".into()),
        since: NOW,
        expires_at: NOW + 3600,
        channel: "C0OPS".into(),
    }
}

fn queued(user: &str, duration: Option<i64>, reason: Option<&str>) -> QueuedLock {
    QueuedLock {
        user: user.into(),
        channel: "C0WAIT".into(),
        reason: reason.map(Into::into),
        duration,
        asked_at: NOW + 10,
    }
}

fn queue(waiting: Vec<QueuedLock>) -> LockQueue {
    LockQueue {
        environment: "production".into(),
        waiting,
    }
}

fn watches() -> Vec<DeployWatch> {
    vec![DeployWatch {
        channel: "C0PROD".into(),
        target: DeployTarget::Service("web".into()),
        environment: Some("production".into()),
        workflow: None,
        failures_only: false,
    }]
}

fn state<'a>(
    lock: Option<&'a Lock>,
    queue: Option<&'a LockQueue>,
    watches: &'a [DeployWatch],
) -> LockState<'a> {
    LockState {
        environment: "production",
        lock,
        queue,
        waiting: &[],
        watches,
    }
}

fn posts(out: &Outcome) -> Vec<(String, String)> {
    out.outbound
        .iter()
        .map(|o| match o {
            Outbound::SlackPost { channel, text, .. } => (channel.clone(), text.to_string()),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_second_person_joins_the_queue_and_hears_their_place() {
    let lock = held();
    let q = queue(vec![queued("UBOB", None, None)]);
    let out = super::lock(
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
    let again = super::lock(
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
    let out = super::lock(
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
    let out = super::unlock(
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
    let out = super::unlock(
        &caller("UALICE"),
        &state(Some(&lock), Some(&q), &[]),
        600,
        NOW,
    );
    assert_eq!(
        out.changes[1],
        Change::DeleteQueue {
            key: "production".into()
        }
    );
    let Change::PutLock(new) = &out.changes[0] else {
        panic!()
    };
    assert_eq!(new.expires_at, NOW + 600);
}

#[test]
fn expiry_passes_the_lock_on_and_announces_where_it_was_taken() {
    let lock = held();
    let q = queue(vec![queued("UBOB", None, Some("next release"))]);
    let ws = watches();
    let s = state(Some(&lock), Some(&q), &ws);
    assert_eq!(expire(&s, DEFAULT, NOW + 3599), Outcome::none(), "not yet");
    let at = NOW + 3600 + 7;
    let out = expire(&s, DEFAULT, at);
    let Change::PutLock(new) = &out.changes[0] else {
        panic!("{:?}", out.changes)
    };
    assert_eq!((new.by.as_str(), new.since), ("UBOB", at));
    assert_eq!(new.expires_at, at + DEFAULT);
    let posts = posts(&out);
    assert_eq!(posts[0].0, "UBOB");
    assert_eq!(
        posts[1..]
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["C0OPS", "C0PROD"]
    );
    assert!(
        posts[1]
            .1
            .starts_with("⌛ <@UALICE>'s lock on `production` expired; 🔒 it passes to <@UBOB>"),
        "{}",
        posts[1].1
    );
    assert!(out.reply.is_none());
}

#[test]
fn an_expired_lock_with_nobody_waiting_goes_quietly() {
    let lock = held();
    let out = expire(&state(Some(&lock), None, &watches()), DEFAULT, NOW + 3600);
    assert_eq!(
        out.changes,
        vec![Change::DeleteLock {
            key: "production".into()
        }]
    );
    assert!(out.outbound.is_empty());
}

#[test]
fn a_command_after_an_unticked_expiry_cannot_jump_the_queue() {
    let lock = held();
    let q = queue(vec![queued("UBOB", None, None)]);
    let s = state(Some(&lock), Some(&q), &[]);
    let out = super::lock(&caller("UCAROL"), &s, None, None, DEFAULT, NOW + 4000);
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

    let unlock = super::unlock(&caller("UCAROL"), &s, DEFAULT, NOW + 4000);
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
    let out = leave_queue(&caller("UBOB"), &s, DEFAULT, NOW);
    assert!(
        matches!(out.changes.as_slice(), [Change::PutQueue(q)] if q.waiting.len() == 1 && q.waiting[0].user == "UCAROL")
    );
    assert_eq!(out.reply_text(), "You left the queue for `production`.");
    let nobody = leave_queue(&caller("UDAVE"), &s, DEFAULT, NOW);
    assert!(nobody.changes.is_empty());
    assert_eq!(
        nobody.reply_text(),
        "You are not in the queue for `production`."
    );
    let only = queue(vec![queued("UBOB", None, None)]);
    let last = leave_queue(
        &caller("UBOB"),
        &state(Some(&lock), Some(&only), &[]),
        DEFAULT,
        NOW,
    );
    assert_eq!(
        last.changes,
        vec![Change::DeleteQueue {
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
    let out = locks(
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
    let later = locks(
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
