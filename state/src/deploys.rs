//! Durable state of the deploys feature: which channels watch which deploys,
//! the deploy locks, and one record per deploy (so a later status updates
//! the message posted for an earlier one). Storage only: every decision is
//! in `baton_handlers::deploys`.
//!
//! Keys: a watch under [`DeployWatch::key`] (`{channel}|{target}|{env}|{workflow}`,
//! so one channel's watches are one prefix), a lock and its queue under
//! [`lock_key`] of their environment, a record under [`DeployRecord::key`],
//! a gate under [`DeployGate::key`] and a protection rule request under its
//! key (`{environment}|{repo}|{id}`: one environment's requests are one
//! prefix, read when its lock goes).
//!
//! Lock expiry is a timer: the due index (`deploy_due`) maps
//! `"{expires_at:020}/{lock key}"` to the lock key, kept in step with
//! `deploy_locks` by [`Tx::put_deploy_lock`] and [`Tx::remove_deploy_lock`]
//! (nothing else writes either), so the periodic tick reads only the locks
//! whose time has come ([`Tx::due_deploy_locks`]). Locks stored before the
//! index existed are indexed once, when the store is opened
//! ([`Tx::index_deploy_locks`]).

use baton_handlers::deploys::{
    lock_key, requests_prefix, DeployGate, DeployRecord, DeployWatch, FailureMark, GateRequest,
    Lock, LockQueue,
};

use crate::engine::Table;
use crate::{Result, Store, Tx, UnixTime};

const WATCHES: Table = Table::new("deploy_watches");
const LOCKS: Table = Table::new("deploy_locks");
const RECORDS: Table = Table::new("deploy_records");
const QUEUES: Table = Table::new("deploy_lock_queues");
const GATES: Table = Table::new("deploy_gates");
/// A failures-only channel's last failure of a service to an environment.
const FAILURE_MARKS: Table = Table::new("deploy_failure_marks");
/// Protection rule requests under `{environment}|{repo}|{id}`, so one
/// environment's are one prefix.
const GATE_REQUESTS: Table = Table::new("deploy_gate_requests");
/// `"{expires_at:020}/{lock key}"` → lock key (JSON string).
const DUE: Table = Table::new("deploy_due");

/// The counter that says every lock has its entry in `deploy_due`: 1 once
/// the locks stored before the index were indexed.
pub(crate) const DUE_BUILT: &str = "deploy_due_built";

/// The due-index key of a lock expiring at `expires_at` (times before 1970
/// sort first).
fn due_key(expires_at: UnixTime, key: &str) -> String {
    format!("{:020}/{key}", expires_at.max(0))
}

fn values<T>(rows: Vec<(String, T)>) -> Vec<T> {
    rows.into_iter().map(|(_, v)| v).collect()
}

impl Tx<'_> {
    /// Every channel's watches, in key order (channel first).
    pub fn deploy_watches(&self) -> Result<Vec<DeployWatch>> {
        self.scan_json(WATCHES, "").map(values)
    }

    /// The watches of one channel.
    pub fn channel_deploy_watches(&self, channel: &str) -> Result<Vec<DeployWatch>> {
        self.scan_json(WATCHES, &format!("{channel}|")).map(values)
    }

    /// Insert or replace a watch (under its key).
    pub(crate) fn put_deploy_watch(&mut self, watch: &DeployWatch) -> Result<()> {
        self.put_json(WATCHES, &watch.key(), watch)
    }

    /// Remove the watch stored under `key`. Returns whether it existed.
    pub(crate) fn remove_deploy_watch(&mut self, key: &str) -> Result<bool> {
        self.remove(WATCHES, key)
    }

    /// Every stored lock, expired ones included.
    pub fn deploy_locks(&self) -> Result<Vec<Lock>> {
        self.scan_json(LOCKS, "").map(values)
    }

    /// The lock stored for `environment` (any case), expired or not.
    pub fn deploy_lock(&self, environment: &str) -> Result<Option<Lock>> {
        self.get_json(LOCKS, &lock_key(environment))
    }

    /// Insert or replace the lock of its environment, moving its timer.
    pub(crate) fn put_deploy_lock(&mut self, lock: &Lock) -> Result<()> {
        let key = lock_key(&lock.environment);
        let due = due_key(lock.expires_at, &key);
        if let Some(old) = self.get_json::<Lock>(LOCKS, &key)? {
            let old_due = due_key(old.expires_at, &key);
            if old_due != due {
                self.remove(DUE, &old_due)?;
            }
        }
        self.put_json(DUE, &due, &key)?;
        self.put_json(LOCKS, &key, lock)
    }

    /// Remove the lock stored under `key` ([`lock_key`]) and its timer.
    /// Returns whether it existed.
    pub(crate) fn remove_deploy_lock(&mut self, key: &str) -> Result<bool> {
        if let Some(old) = self.get_json::<Lock>(LOCKS, key)? {
            self.remove(DUE, &due_key(old.expires_at, key))?;
        }
        self.remove(LOCKS, key)
    }

    /// The locks whose time ran out at or before `now`, at most `limit`,
    /// earliest first. Reads only the head of the due index; an entry whose
    /// lock is gone or was renewed is dropped.
    pub fn due_deploy_locks(&mut self, now: UnixTime, limit: usize) -> Result<Vec<Lock>> {
        // '0' sorts after '/', so every key due at `now` is below `end`.
        let end = format!("{:020}0", now.max(0));
        let entries: Vec<(String, String)> = self.scan_json_below(DUE, "", Some(&end), limit)?;
        let mut due = Vec::with_capacity(entries.len());
        for (index_key, key) in entries {
            match self.get_json::<Lock>(LOCKS, &key)? {
                Some(lock) if due_key(lock.expires_at, &key) == index_key => due.push(lock),
                _ => {
                    self.remove(DUE, &index_key)?;
                }
            }
        }
        Ok(due)
    }

    /// Give every stored lock its due-index entry, once (locks stored by a
    /// Baton without the index have none). Returns how many were indexed.
    pub(crate) fn index_deploy_locks(&mut self) -> Result<usize> {
        if self.deploy_locks_indexed()? {
            return Ok(0);
        }
        let locks = self.scan_json::<Lock>(LOCKS, "")?;
        for (key, lock) in &locks {
            self.put_json(DUE, &due_key(lock.expires_at, key), key)?;
        }
        self.set_counter(DUE_BUILT, 1)?;
        Ok(locks.len())
    }

    /// Has every lock its due-index entry?
    pub(crate) fn deploy_locks_indexed(&self) -> Result<bool> {
        Ok(self.counter(DUE_BUILT)?.unwrap_or(0) >= 1)
    }

    /// The failure marks stored under `keys` (those that exist).
    pub fn deploy_failure_marks(&self, keys: &[String]) -> Result<Vec<FailureMark>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.extend(self.get_json::<FailureMark>(FAILURE_MARKS, key)?);
        }
        Ok(out)
    }

    /// Insert or replace a failure mark (under its key).
    pub(crate) fn put_deploy_failure_mark(&mut self, mark: &FailureMark) -> Result<()> {
        self.put_json(FAILURE_MARKS, &mark.key(), mark)
    }

    /// Remove the failure mark under `key`. Returns whether it existed.
    pub(crate) fn remove_deploy_failure_mark(&mut self, key: &str) -> Result<bool> {
        self.remove(FAILURE_MARKS, key)
    }

    /// Every channel's gates (a small table).
    pub fn deploy_gates(&self) -> Result<Vec<DeployGate>> {
        self.scan_json(GATES, "").map(values)
    }

    /// Insert or replace a gate (under its key).
    pub(crate) fn put_deploy_gate(&mut self, gate: &DeployGate) -> Result<()> {
        self.put_json(GATES, &gate.key(), gate)
    }

    /// Remove the gate stored under `key`. Returns whether it existed.
    pub(crate) fn remove_deploy_gate(&mut self, key: &str) -> Result<bool> {
        self.remove(GATES, key)
    }

    /// The protection rule request stored under `key`.
    pub fn deploy_gate_request(&self, key: &str) -> Result<Option<GateRequest>> {
        self.get_json(GATE_REQUESTS, key)
    }

    /// Insert or replace a protection rule request (under its key).
    pub(crate) fn put_deploy_gate_request(&mut self, request: &GateRequest) -> Result<()> {
        self.put_json(GATE_REQUESTS, &request.key, request)
    }

    /// The requests of `environment` (any case) still waiting on its lock.
    pub fn gate_requests_waiting_on(&self, environment: &str) -> Result<Vec<GateRequest>> {
        let key = lock_key(environment);
        Ok(self
            .scan_json::<GateRequest>(GATE_REQUESTS, &requests_prefix(environment))?
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| r.waits_on_lock() && lock_key(&r.environment) == key)
            .collect())
    }

    /// Every environment's lock queue.
    pub fn deploy_lock_queues(&self) -> Result<Vec<LockQueue>> {
        self.scan_json(QUEUES, "").map(values)
    }

    /// The queue of `environment` (any case), if anyone waits.
    pub fn deploy_lock_queue(&self, environment: &str) -> Result<Option<LockQueue>> {
        self.get_json(QUEUES, &lock_key(environment))
    }

    /// Insert or replace an environment's queue.
    pub(crate) fn put_deploy_lock_queue(&mut self, queue: &LockQueue) -> Result<()> {
        self.put_json(QUEUES, &queue.key(), queue)
    }

    /// Remove the queue stored under `key` ([`lock_key`]). Returns whether it existed.
    pub(crate) fn remove_deploy_lock_queue(&mut self, key: &str) -> Result<bool> {
        self.remove(QUEUES, key)
    }

    /// The record of the deploy keyed `key`.
    pub fn deploy_record(&self, key: &str) -> Result<Option<DeployRecord>> {
        self.get_json(RECORDS, key)
    }

    /// Insert or replace a deploy record (under its key).
    pub(crate) fn put_deploy_record(&mut self, record: &DeployRecord) -> Result<()> {
        self.put_json(RECORDS, &record.key, record)
    }

    /// Forget finished deploys last updated before `cutoff`, so the table
    /// does not grow forever, and protection rule requests made before it
    /// (GitHub waits 30 days for an answer, then gives up). Deploys still
    /// in progress are kept. Returns how many went.
    pub fn prune_finished_deploys(&mut self, cutoff: UnixTime) -> Result<u64> {
        let stale: Vec<String> = self
            .scan_json::<DeployRecord>(RECORDS, "")?
            .into_iter()
            .filter(|(_, record)| record.status.is_terminal() && record.updated_at < cutoff)
            .map(|(key, _)| key)
            .collect();
        for key in &stale {
            self.remove(RECORDS, key)?;
        }
        let old_requests: Vec<String> = self
            .scan_json::<GateRequest>(GATE_REQUESTS, "")?
            .into_iter()
            .filter(|(_, request)| request.requested_at < cutoff)
            .map(|(key, _)| key)
            .collect();
        for key in &old_requests {
            self.remove(GATE_REQUESTS, key)?;
        }
        Ok((stale.len() + old_requests.len()) as u64)
    }
}

impl Store {
    /// The lock stored for `environment` (any case), expired or not, read
    /// without a write transaction.
    pub fn deploy_lock(&self, environment: &str) -> Result<Option<Lock>> {
        self.read_json(LOCKS, &lock_key(environment))
    }

    /// The queue of `environment` (any case), read without a write transaction.
    pub fn deploy_lock_queue(&self, environment: &str) -> Result<Option<LockQueue>> {
        self.read_json(QUEUES, &lock_key(environment))
    }

    /// The record of the deploy keyed `key`, read without a write transaction.
    pub fn deploy_record(&self, key: &str) -> Result<Option<DeployRecord>> {
        self.read_json(RECORDS, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_handlers::deploys::{active_lock, DeployTarget};

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("baton.redb")).unwrap();
        (dir, store)
    }

    fn watch(channel: &str, target: &str, env: Option<&str>) -> DeployWatch {
        DeployWatch {
            channel: channel.into(),
            target: DeployTarget::Repo(target.into()),
            environment: env.map(Into::into),
            workflow: None,
            failures_only: false,
        }
    }

    #[test]
    fn finished_deploys_are_pruned_and_running_ones_kept() {
        use baton_handlers::deploys::{on_update, parse_hook, DeployUpdate};
        let (_dir, store) = temp_store();
        let record = |status: &str, now: i64| {
            let body = format!(
                r#"{{"service":"api","environment":"prod","version":"v{status}","status":"{status}"}}"#
            );
            let update = DeployUpdate::from_hook(&parse_hook(body.as_bytes()).unwrap());
            on_update(None, &update, &["C1".to_string()], None, now)
                .record()
                .cloned()
                .unwrap()
        };
        store
            .write(|tx| {
                tx.put_deploy_record(&record("succeeded", 100))?;
                tx.put_deploy_record(&record("started", 100))?;
                tx.put_deploy_record(&record("failed", 500))
            })
            .unwrap();
        assert_eq!(store.write(|tx| tx.prune_finished_deploys(200)).unwrap(), 1);
        let left = store
            .write(|tx| tx.scan_json::<DeployRecord>(RECORDS, ""))
            .unwrap();
        let statuses: Vec<String> = left
            .iter()
            .map(|(_, r)| format!("{:?}", r.status))
            .collect();
        assert_eq!(left.len(), 2, "{statuses:?}");
    }

    #[test]
    fn watches_by_channel_and_removal() {
        let (_dir, store) = temp_store();
        store
            .write(|tx| {
                tx.put_deploy_watch(&watch("C1", "a/b", Some("production")))?;
                tx.put_deploy_watch(&watch("C1", "a/b", Some("Production")))?; // same key
                tx.put_deploy_watch(&watch("C10", "a/c", None))?;
                tx.put_deploy_watch(&watch("C2", "a/*", None))
            })
            .unwrap();
        let (all, c1) = store
            .write(|tx| Ok((tx.deploy_watches()?, tx.channel_deploy_watches("C1")?)))
            .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(c1.len(), 1, "C10 is not C1: {c1:?}");
        let key = watch("C1", "a/b", Some("production")).key();
        assert!(store.write(|tx| tx.remove_deploy_watch(&key)).unwrap());
        assert!(!store.write(|tx| tx.remove_deploy_watch(&key)).unwrap());
    }

    #[test]
    fn locks_are_keyed_ignoring_case_and_expire_with_an_injected_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baton.redb");
        let now = 1_795_392_000;
        {
            let store = Store::open(&path).unwrap();
            let lock = Lock {
                environment: "Production".into(),
                by: "U1".into(),
                reason: None,
                since: now,
                expires_at: now + 2,
                channel: "C1".into(),
            };
            store.write(|tx| tx.put_deploy_lock(&lock)).unwrap();
        }
        // Survives a reopen; read outside a write transaction.
        let store = Store::open(&path).unwrap();
        let stored = store.deploy_lock("production").unwrap().unwrap();
        assert_eq!(stored.by, "U1");
        assert!(active_lock(Some(&stored), now + 1).is_some());
        assert!(active_lock(Some(&stored), now + 2).is_none());
        assert_eq!(store.deploy_lock("staging").unwrap(), None);
        assert!(store
            .write(|tx| tx.remove_deploy_lock("production"))
            .unwrap());
        assert_eq!(store.deploy_lock("PRODUCTION").unwrap(), None);
    }

    fn lock(environment: &str, expires_at: i64) -> Lock {
        Lock {
            environment: environment.into(),
            by: "U1".into(),
            reason: None,
            since: 0,
            expires_at,
            channel: "C1".into(),
        }
    }

    #[test]
    fn expired_locks_come_due_once_and_move_with_their_lock() {
        let (_dir, store) = temp_store();
        store
            .write(|tx| {
                tx.put_deploy_lock(&lock("production", 200))?;
                tx.put_deploy_lock(&lock("staging", 100))?;
                tx.put_deploy_lock(&lock("qa", 300))
            })
            .unwrap();
        let due = |now| {
            store
                .write(|tx| tx.due_deploy_locks(now, 10))
                .unwrap()
                .into_iter()
                .map(|l| l.environment)
                .collect::<Vec<_>>()
        };
        assert!(due(99).is_empty());
        assert_eq!(due(200), ["staging", "production"]);
        // Renewed: its old timer is gone, the new one comes due later.
        store
            .write(|tx| tx.put_deploy_lock(&lock("Production", 250)))
            .unwrap();
        assert_eq!(due(200), ["staging"]);
        assert_eq!(due(250), ["staging", "Production"]);
        // Removed: its timer goes with it.
        store.write(|tx| tx.remove_deploy_lock("staging")).unwrap();
        assert_eq!(due(1000), ["Production", "qa"]);
        assert_eq!(
            store
                .write(|tx| tx.due_deploy_locks(1000, 1))
                .unwrap()
                .len(),
            1,
            "at most `limit`"
        );
    }

    #[test]
    fn queues_are_kept_per_environment() {
        use baton_handlers::deploys::QueuedLock;
        let (_dir, store) = temp_store();
        let queue = LockQueue {
            environment: "Production".into(),
            waiting: vec![QueuedLock {
                user: "U2".into(),
                channel: "C1".into(),
                reason: None,
                duration: Some(60),
                asked_at: 5,
            }],
        };
        store.write(|tx| tx.put_deploy_lock_queue(&queue)).unwrap();
        assert_eq!(
            store.deploy_lock_queue("production").unwrap(),
            Some(queue.clone())
        );
        assert_eq!(
            store.read(|tx| tx.deploy_lock_queues()).unwrap(),
            vec![queue]
        );
        assert!(store
            .write(|tx| tx.remove_deploy_lock_queue("production"))
            .unwrap());
        assert_eq!(store.deploy_lock_queue("PRODUCTION").unwrap(), None);
    }

    #[test]
    fn locks_stored_before_the_timers_are_indexed_when_the_store_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baton.redb");
        {
            let store = Store::open(&path).unwrap();
            // As an older Baton wrote it: the lock without its timer.
            store
                .write(|tx| {
                    tx.put_json(LOCKS, "production", &lock("production", 100))?;
                    tx.set_counter(DUE_BUILT, 0)
                })
                .unwrap();
            assert!(store
                .write(|tx| tx.due_deploy_locks(100, 10))
                .unwrap()
                .is_empty());
        }
        let store = Store::open(&path).unwrap();
        let due = store.write(|tx| tx.due_deploy_locks(100, 10)).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(
            store.write(|tx| tx.index_deploy_locks()).unwrap(),
            0,
            "once"
        );
    }

    #[test]
    fn reads_before_any_write_find_nothing() {
        let (_dir, store) = temp_store();
        assert_eq!(store.deploy_lock("production").unwrap(), None);
        assert_eq!(store.deploy_record("hook:x:y:z").unwrap(), None);
        assert!(store.write(|tx| tx.deploy_locks()).unwrap().is_empty());
    }
}
