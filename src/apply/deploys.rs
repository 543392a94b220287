//! Applying deploy inputs: GitHub `deployment`, `deployment_status` and
//! `workflow_run` events, the CI hook (`POST /hooks/deploy`), the deploy
//! commands (`/baton deploys …`, `lock`, `unlock`, `locks`) and the lock
//! status CI reads (`GET /api/locks/{environment}`).
//!
//! Each function loads the watches, locks and deploy record a decision
//! needs, calls the pure decision in `baton_handlers::deploys`, and stores
//! its [`Outcome`](baton_handlers::Outcome) (record, watch and lock
//! changes, outbox items) with `Tx::store_outcome` in the caller's one
//! write transaction. [`tick`] fires the timers of locks whose time ran out
//! (they pass to the first in their queue), reading only the head of the
//! due index.

use baton_handlers::deploys::{
    self as decide, channels_for, execute, hook_answer, lock_in_force, lock_status_json, on_update,
    Command, DeployRecord, DeploySnapshot, DeployUpdate, LockState, Outcome, Policy,
};
use baton_handlers::github::GithubEvent;
use baton_handlers::UnixTime;
use baton_state::{Result, Store, Tx};
use serde_json::Value;

use super::{Caller, Context};

/// A validated `/hooks/deploy` body.
pub use baton_handlers::deploys::DeployHook;

/// Validate a `/hooks/deploy` body; the error (answered 400) names the field.
pub fn parse_hook(body: &[u8]) -> std::result::Result<DeployHook, String> {
    decide::parse_hook(body).map_err(|e| e.to_string())
}

/// A CI hook: fold it into its deploy. The answer tells the script which
/// deploy it updated and which channels hear about it.
pub fn on_hook(tx: &mut Tx<'_>, hook: &DeployHook, _ctx: &Context, now: UnixTime) -> Result<Value> {
    let update = DeployUpdate::from_hook(hook);
    let (record, changed) = apply_update(tx, &update, now)?;
    let lock = tx.deploy_lock(&hook.environment)?;
    Ok(hook_answer(
        hook,
        &update,
        record.as_ref(),
        changed,
        lock.as_ref(),
        now,
    ))
}

/// A verified GitHub deploy event (already deduplicated by delivery id).
pub fn on_github(
    tx: &mut Tx<'_>,
    event: &GithubEvent,
    _ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    let update = match event {
        GithubEvent::Deployment(e) => DeployUpdate::from_deployment(e),
        GithubEvent::DeploymentStatus(e) => DeployUpdate::from_deployment_status(e),
        GithubEvent::WorkflowRun(e) => DeployUpdate::from_workflow_run(e)
            .map(|u| -> Result<_> { Ok(u.with_watch_environment(&tx.deploy_watches()?)) })
            .transpose()?,
        _ => None,
    };
    match update {
        Some(update) => apply_update(tx, &update, now).map(|_| ()),
        None => {
            tracing::debug!("deploy event not handled (action or state); ignored");
            Ok(())
        }
    }
}

/// Load → [`on_update`] → store, for one normalized deploy event. Returns
/// the deploy's record after the update (`None`: not stored) and whether
/// the update changed it.
fn apply_update(
    tx: &mut Tx<'_>,
    update: &DeployUpdate,
    now: UnixTime,
) -> Result<(Option<DeployRecord>, bool)> {
    let watches = tx.deploy_watches()?;
    let channels = channels_for(&watches, update);
    let existing = tx.deploy_record(&update.key)?;
    let lock = match &update.environment {
        Some(env) => tx.deploy_lock(env)?,
        None => None,
    };
    let outcome = on_update(existing.as_ref(), update, &channels, lock.as_ref(), now);
    let updated = outcome.record().cloned();
    let changed = updated.is_some();
    tx.store_outcome(outcome, now)?;
    Ok((updated.or(existing), changed))
}

/// Load what a deploys command reads and decide it. `apply::command` stores
/// the outcome (admin-only commands were already refused to non-admins);
/// `apply::query` answers `deploys list` and `locks` from it in a read transaction.
pub fn decide_command(
    tx: &Tx<'_>,
    cmd: &Command,
    caller: &Caller,
    ctx: &Context,
    now: UnixTime,
) -> Result<Outcome> {
    let watches = tx.deploy_watches()?;
    let locks = tx.deploy_locks()?;
    let queues = tx.deploy_lock_queues()?;
    let snapshot = DeploySnapshot {
        watches: &watches,
        locks: &locks,
        queues: &queues,
    };
    Ok(execute(cmd, caller, &policy(ctx), snapshot, now))
}

fn policy(ctx: &Context) -> Policy {
    Policy {
        lock_default_secs: ctx.lock_default_secs,
    }
}

/// Most expired locks one tick hands over (the rest wait for the next).
const TICK_LOCKS: usize = 500;

/// Fire the timers of the locks whose time ran out: each passes to the
/// first in its queue or goes. Called every `BATON_TICK_EVERY`
/// (`src/server.rs`); the decision moves or removes the lock's timer in
/// this same transaction, so a timer fires once.
pub fn tick(tx: &mut Tx<'_>, ctx: &Context, now: UnixTime) -> Result<()> {
    let due = tx.due_deploy_locks(now, TICK_LOCKS)?;
    if due.is_empty() {
        return Ok(());
    }
    let watches = tx.deploy_watches()?;
    for lock in due {
        let queue = tx.deploy_lock_queue(&lock.environment)?;
        let state = LockState {
            environment: &lock.environment,
            lock: Some(&lock),
            queue: queue.as_ref(),
            watches: &watches,
        };
        let outcome = decide::expire(&state, policy(ctx).lock_default_secs, now);
        tx.store_outcome(outcome, now)?;
    }
    Ok(())
}

/// The lock state of `environment` for CI: `(locked, JSON)`; an expired
/// lock reads as no lock, or as the lock of the first in its queue.
pub fn lock_status(
    store: &Store,
    environment: &str,
    ctx: &Context,
    now: UnixTime,
) -> Result<(bool, Value)> {
    let lock = store.deploy_lock(environment)?;
    let queue = match &lock {
        Some(_) => store.deploy_lock_queue(environment)?,
        None => None,
    };
    let in_force = lock_in_force(
        lock.as_ref(),
        queue.as_ref(),
        policy(ctx).lock_default_secs,
        now,
    );
    Ok(lock_status_json(in_force.as_ref(), now))
}
