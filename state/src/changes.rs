//! Storing what a decision returned: every feature's decisions return one
//! [`Outcome<C>`](baton_handlers::Outcome), whose `C` is that feature's own
//! change type. [`StoredChange`] says how one change of each type is written;
//! [`Tx::store_outcome`] writes an outcome's changes in order, queues its
//! outbound items in the same transaction and hands back the reply. This is
//! the one store step of every feature (see `src/apply/`).

use baton_handlers::deploys::Change as DeployChange;
use baton_handlers::errors::Change as ErrorChange;
use baton_handlers::errors::DsnChange;
use baton_handlers::onboarding::Change as OnboardingChange;
use baton_handlers::reviewers::Change as ReviewerChange;
use baton_handlers::Outcome;

use crate::{Result, Tx, UnixTime};

/// A feature's state change, written inside the caller's transaction.
pub trait StoredChange {
    /// Write this change.
    fn store(self, tx: &mut Tx<'_>) -> Result<()>;
}

impl Tx<'_> {
    /// Write an outcome's changes, queue its outbound items, and return its
    /// reply (the answer to whoever acted: a person's text, if any, or a
    /// script's typed answer).
    pub fn store_outcome<C: StoredChange, R>(
        &mut self,
        outcome: Outcome<C, R>,
        now: UnixTime,
    ) -> Result<R> {
        for change in outcome.changes {
            change.store(self)?;
        }
        if !outcome.outbound.is_empty() {
            self.enqueue(outcome.outbound, now)?;
        }
        Ok(outcome.reply)
    }
}

impl StoredChange for ErrorChange {
    fn store(self, tx: &mut Tx<'_>) -> Result<()> {
        match self {
            ErrorChange::PutRecord(record) => tx.put_error_record(&record),
            ErrorChange::RemoveRecord { table, key } => {
                tx.remove_error_record(table, &key).map(drop)
            }
        }
    }
}

impl StoredChange for DsnChange {
    fn store(self, tx: &mut Tx<'_>) -> Result<()> {
        match self {
            DsnChange::PutKey(key) => tx.put_sentry_key(&key),
            DsnChange::RemoveKey(key) => tx.remove_sentry_key(&key).map(drop),
        }
    }
}

impl StoredChange for ReviewerChange {
    fn store(self, tx: &mut Tx<'_>) -> Result<()> {
        match self {
            ReviewerChange::PutPool(pool) => tx.put_reviewer_pool(&pool),
            ReviewerChange::PutPeople(people) => tx.put_reviewer_people(&people),
            ReviewerChange::PutAssignment(assignment) => tx.put_review_assignment(&assignment),
            ReviewerChange::PutWaiting(pr) => tx.put_waiting_pull_request(&pr),
            ReviewerChange::RemoveWaiting { repo, number } => {
                tx.remove_waiting_pull_request(&repo, number).map(drop)
            }
            ReviewerChange::PutTracked(tracked) => tx.put_tracked_pull_request(&tracked),
            ReviewerChange::PutPersonSettings(settings) => tx.put_person_settings(&settings),
            ReviewerChange::PutProfile(profile) => tx.put_profile(&profile),
            ReviewerChange::PutChannelSettings(settings) => {
                tx.put_channel_review_settings(&settings)
            }
            ReviewerChange::PutPendingPick(pick) => tx.put_pending_pick(&pick),
            ReviewerChange::RemovePendingPick { key } => tx.remove_pending_pick(&key).map(drop),
            ReviewerChange::PutRefusedRequest { key, at } => tx.put_refused_request(&key, at),
            ReviewerChange::PutCodeownersCopy(copy) => tx.put_codeowners_copy(&copy),
            ReviewerChange::RemoveCodeownersCopy { repo } => {
                tx.remove_codeowners_copy(&repo).map(drop)
            }
        }
    }
}

impl StoredChange for DeployChange {
    fn store(self, tx: &mut Tx<'_>) -> Result<()> {
        match self {
            DeployChange::PutRecord(record) => tx.put_deploy_record(&record),
            DeployChange::PutWatch(watch) => tx.put_deploy_watch(&watch),
            DeployChange::RemoveWatch { key } => tx.remove_deploy_watch(&key).map(drop),
            DeployChange::PutLock(lock) => tx.put_deploy_lock(&lock),
            DeployChange::RemoveLock { key } => tx.remove_deploy_lock(&key).map(drop),
            DeployChange::PutQueue(queue) => tx.put_deploy_lock_queue(&queue),
            DeployChange::RemoveQueue { key } => tx.remove_deploy_lock_queue(&key).map(drop),
            DeployChange::PutGate(gate) => tx.put_deploy_gate(&gate),
            DeployChange::RemoveGate { key } => tx.remove_deploy_gate(&key).map(drop),
            DeployChange::PutGateRequest(request) => tx.put_deploy_gate_request(&request),
            DeployChange::PutFailureMark(mark) => tx.put_deploy_failure_mark(&mark),
            DeployChange::RemoveFailureMark { key } => {
                tx.remove_deploy_failure_mark(&key).map(drop)
            }
        }
    }
}

impl StoredChange for OnboardingChange {
    fn store(self, tx: &mut Tx<'_>) -> Result<()> {
        match self {
            OnboardingChange::PutIntroduction { channel, at } => tx.put_introduction(&channel, at),
        }
    }
}
