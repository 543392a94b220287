//! Conformance scenarios of the deploys feature's own tables, run on every
//! engine by `conformance_suite!`: lock expiry timers (come due once, move
//! with a renewed lock, go with a removed one, indexed on open), lock
//! queues, gates and the protection rule requests waiting on a lock, and
//! the failure marks of failures-only channels.

use baton_handlers::deploys::gate::{request_key, Decider};
use baton_handlers::deploys::{
    DeployGate, FailureMark, GateRequest, GateState, Lock, LockQueue, QueuedLock,
};

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

fn request(environment: &str, id: u64, state: GateState, requested_at: i64) -> GateRequest {
    let callback =
        format!("https://api.github.com/repos/o/r/actions/runs/{id}/deployment_protection_rule");
    GateRequest {
        key: request_key(environment, "o/r", Some(id), &callback),
        repo: "o/r".into(),
        environment: environment.into(),
        git_ref: Some("main".into()),
        sha: None,
        started_by: Some("octocat".into()),
        event: None,
        deployment_id: Some(id),
        callback_url: callback,
        installation: Some(9),
        requested_at,
        approval: false,
        channels: vec!["C1".into()],
        state,
    }
}

pub fn gate_requests_are_found_by_environment_and_pruned_when_old(open: Opener<'_>) {
    let store = open("gate_requests");
    let decided = GateState::Decided {
        approved: true,
        by: Decider::NotLocked,
        at: NOW,
    };
    store
        .write(|tx| {
            tx.put_deploy_gate(&DeployGate {
                channel: "C1".into(),
                repo: "o/r".into(),
                environment: "Prod".into(),
                approval: true,
                created_by: "U1".into(),
                created_at: NOW,
            })?;
            tx.put_deploy_gate_request(&request("Prod", 1, GateState::WaitingOnLock, NOW))?;
            tx.put_deploy_gate_request(&request("prod", 2, decided.clone(), NOW))?;
            tx.put_deploy_gate_request(&request("production", 3, GateState::WaitingOnLock, NOW))?;
            tx.put_deploy_gate_request(&request("prod", 4, GateState::AwaitingApproval, NOW - 100))
        })
        .unwrap();
    drop(store);
    let store = open("gate_requests");
    let waiting = store
        .read(|tx| tx.gate_requests_waiting_on("PROD"))
        .unwrap();
    assert_eq!(
        waiting.iter().map(|r| r.deployment_id).collect::<Vec<_>>(),
        [Some(1)]
    );
    assert_eq!(store.read(|tx| tx.deploy_gates()).unwrap().len(), 1);
    let key = request_key("prod", "o/r", Some(2), "");
    assert_eq!(
        store
            .read(|tx| tx.deploy_gate_request(&key))
            .unwrap()
            .map(|r| r.state),
        Some(decided)
    );
    assert_eq!(
        store
            .write(|tx| tx.prune_finished_deploys(NOW - 50))
            .unwrap(),
        1
    );
    let key = request_key("prod", "o/r", Some(4), "");
    assert_eq!(store.read(|tx| tx.deploy_gate_request(&key)).unwrap(), None);
    assert!(store
        .write(|tx| tx.remove_deploy_gate("C1|o/r|prod"))
        .unwrap());
}

pub fn failure_marks_are_read_by_key(open: Opener<'_>) {
    let store = open("failure_marks");
    let mark = FailureMark {
        channel: "C1".into(),
        subject: "Checkout-API".into(),
        environment: "Production".into(),
        record_key: "hook:checkout-api:production:v1".into(),
        failed_at: NOW,
    };
    store.write(|tx| tx.put_deploy_failure_mark(&mark)).unwrap();
    drop(store);
    let store = open("failure_marks");
    let keys = [
        "C1|checkout-api|production".to_string(),
        "C2|x|y".to_string(),
    ];
    assert_eq!(
        store.read(|tx| tx.deploy_failure_marks(&keys)).unwrap(),
        vec![mark]
    );
    assert!(store
        .write(|tx| tx.remove_deploy_failure_mark(&keys[0]))
        .unwrap());
    assert!(store
        .read(|tx| tx.deploy_failure_marks(&keys))
        .unwrap()
        .is_empty());
}
