//! Durable state of the deploys feature: which channels watch which deploys,
//! the deploy locks, and one record per deploy (so a later status updates
//! the message posted for an earlier one). Storage only: every decision is
//! in `baton_handlers::deploys`.
//!
//! Keys: a watch under [`DeployWatch::key`] (`{channel}|{target}|{env}|{workflow}`,
//! so one channel's watches are one prefix), a lock under [`lock_key`] of
//! its environment, a record under [`DeployRecord::key`].

use baton_handlers::deploys::{lock_key, DeployRecord, DeployWatch, Lock};

use crate::engine::Table;
use crate::{Result, Store, Tx, UnixTime};

const WATCHES: Table = Table::new("deploy_watches");
const LOCKS: Table = Table::new("deploy_locks");
const RECORDS: Table = Table::new("deploy_records");

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

    /// Insert or replace the lock of its environment.
    pub(crate) fn put_deploy_lock(&mut self, lock: &Lock) -> Result<()> {
        self.put_json(LOCKS, &lock_key(&lock.environment), lock)
    }

    /// Remove the lock stored under `key` ([`lock_key`]). Returns whether it existed.
    pub(crate) fn remove_deploy_lock(&mut self, key: &str) -> Result<bool> {
        self.remove(LOCKS, key)
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
    /// does not grow forever. Deploys still in progress are kept. Returns
    /// how many went.
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
        Ok(stale.len() as u64)
    }
}

impl Store {
    /// The lock stored for `environment` (any case), expired or not, read
    /// without a write transaction.
    pub fn deploy_lock(&self, environment: &str) -> Result<Option<Lock>> {
        self.read_json(LOCKS, &lock_key(environment))
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

    #[test]
    fn reads_before_any_write_find_nothing() {
        let (_dir, store) = temp_store();
        assert_eq!(store.deploy_lock("production").unwrap(), None);
        assert_eq!(store.deploy_record("hook:x:y:z").unwrap(), None);
        assert!(store.write(|tx| tx.deploy_locks()).unwrap().is_empty());
    }
}
