//! Conformance scenarios of the deploys feature's own tables, run on every
//! engine by `conformance_suite!`: lock expiry timers (come due once, move
//! with a renewed lock, go with a removed one, indexed on open) and lock
//! queues.

use baton_handlers::deploys::{Lock, LockQueue, QueuedLock};

use super::{Opener, NOW};

fn lock(environment: &str, expires_at: i64) -> Lock {
    Lock {
        environment: environment.into(),
        by: "U1".into(),
        reason: Some("migration".into()),
        since: NOW,
        expires_at,
        channel: "C1".into(),
    }
}

pub fn lock_timers_come_due_once_and_move_with_their_lock(open: Opener<'_>) {
    let store = open("lock_timers");
    store
        .write(|tx| {
            tx.put_deploy_lock(&lock("production", NOW + 200))?;
            tx.put_deploy_lock(&lock("staging", NOW + 100))?;
            tx.put_deploy_lock(&lock("qa", NOW + 300))?;
            // Renewing moves the timer.
            tx.put_deploy_lock(&lock("QA", NOW + 50))
        })
        .unwrap();
    let due = |now: i64| -> Vec<String> {
        store
            .write(|tx| tx.due_deploy_locks(now, 10))
            .unwrap()
            .into_iter()
            .map(|l| l.environment)
            .collect()
    };
    assert!(due(NOW + 49).is_empty());
    assert_eq!(due(NOW + 200), ["QA", "staging", "production"]);
    assert!(store.write(|tx| tx.remove_deploy_lock("qa")).unwrap());
    assert_eq!(due(NOW + 5_000), ["staging", "production"]);
    drop(store);
    // The timers survive a reopen.
    let store = open("lock_timers");
    let again = store
        .write(|tx| tx.due_deploy_locks(NOW + 5_000, 10))
        .unwrap();
    assert_eq!(again.len(), 2);
}

pub fn lock_queues_keep_their_order(open: Opener<'_>) {
    let store = open("lock_queues");
    let waiting = |user: &str| QueuedLock {
        user: user.into(),
        channel: "C1".into(),
        reason: None,
        duration: None,
        asked_at: NOW,
    };
    let queue = LockQueue {
        environment: "Production".into(),
        waiting: vec![waiting("U3"), waiting("U2"), waiting("U4")],
    };
    store.write(|tx| tx.put_deploy_lock_queue(&queue)).unwrap();
    drop(store);
    let store = open("lock_queues");
    assert_eq!(store.deploy_lock_queue("production").unwrap(), Some(queue));
    assert!(store
        .write(|tx| tx.remove_deploy_lock_queue("production"))
        .unwrap());
    assert!(store.read(|tx| tx.deploy_lock_queues()).unwrap().is_empty());
}
