//! Applying deploy inputs: GitHub `deployment`, `deployment_status` and
//! `workflow_run` events, the CI hook (`POST /hooks/deploy`), the deploy
//! commands (`/baton deploys …`, `lock`, `unlock`, `locks`) and the lock
//! status CI reads (`GET /api/locks/{environment}`).
//!
//! Each function loads the watches, locks and deploy record a decision
//! needs, calls the pure decision in `baton_handlers::deploys`, and stores
//! its [`Outcome`](baton_handlers::Outcome) (record, watch and lock
//! changes, outbox items) with `Tx::store_outcome` in the caller's one
//! write transaction.

use baton_handlers::deploys::{
    self as decide, channels_for, execute, on_update, Command, DeployRecord, DeploySnapshot,
    DeployUpdate, HookAnswer, Lock, LockStatus, Outcome, Policy,
};
use baton_handlers::github::GithubEvent;
use baton_handlers::UnixTime;
use baton_state::{Result, Store, Tx};

use super::{Caller, Context};

/// A validated `/hooks/deploy` body.
pub use baton_handlers::deploys::DeployHook;

/// Validate a `/hooks/deploy` body; the error (answered 400) names the field.
pub fn parse_hook(body: &[u8]) -> std::result::Result<DeployHook, String> {
    decide::parse_hook(body).map_err(|e| e.to_string())
}

/// A CI hook: fold it into its deploy. The answer tells the script which
/// deploy it updated and which channels hear about it.
pub fn on_hook(
    tx: &mut Tx<'_>,
    hook: &DeployHook,
    _ctx: &Context,
    now: UnixTime,
) -> Result<HookAnswer> {
    let update = DeployUpdate::from_hook(hook);
    let (existing, channels, lock) = load_update(tx, &update)?;
    let outcome = decide::on_hook(
        hook,
        &update,
        existing.as_ref(),
        &channels,
        lock.as_ref(),
        now,
    );
    tx.store_outcome(outcome, now)
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
        Some(update) => apply_update(tx, &update, now),
        None => {
            tracing::debug!("deploy event not handled (action or state); ignored");
            Ok(())
        }
    }
}

/// Load → [`on_update`] → store, for one normalized deploy event.
fn apply_update(tx: &mut Tx<'_>, update: &DeployUpdate, now: UnixTime) -> Result<()> {
    let (existing, channels, lock) = load_update(tx, update)?;
    let outcome = on_update(existing.as_ref(), update, &channels, lock.as_ref(), now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// What an update's decision reads: the deploy's record, the channels
/// watching it, and its environment's lock.
fn load_update(
    tx: &Tx<'_>,
    update: &DeployUpdate,
) -> Result<(Option<DeployRecord>, Vec<String>, Option<Lock>)> {
    let watches = tx.deploy_watches()?;
    let channels = channels_for(&watches, update);
    let existing = tx.deploy_record(&update.key)?;
    let lock = match &update.environment {
        Some(env) => tx.deploy_lock(env)?,
        None => None,
    };
    Ok((existing, channels, lock))
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
    let policy = Policy {
        lock_default_secs: ctx.lock_default_secs,
    };
    let snapshot = DeploySnapshot {
        watches: &watches,
        locks: &locks,
    };
    Ok(execute(cmd, caller, &policy, snapshot, now))
}

/// The lock status of `environment` for CI; an expired lock reads as no
/// lock. A query: its outcome changes nothing.
pub fn lock_status(store: &Store, environment: &str, now: UnixTime) -> Result<LockStatus> {
    let lock = store.deploy_lock(environment)?;
    super::answer_only(decide::lock_status(lock.as_ref(), now))
}
