//! Applying deploy inputs: GitHub `deployment`, `deployment_status`,
//! `workflow_run` and `deployment_protection_rule` events, the CI hook
//! (`POST /hooks/deploy`), the deploy commands (`/baton deploys …`, `lock`,
//! `unlock`, `locks`), the gate's Approve and Reject buttons and the lock
//! status CI reads (`GET /api/locks/{environment}`).
//!
//! Each function loads the watches, locks and deploy record a decision
//! needs, calls the pure decision in `baton_handlers::deploys`, and stores
//! its [`Outcome`](baton_handlers::Outcome) (record, watch and lock
//! changes, outbox items) with `Tx::store_outcome` in the caller's one
//! write transaction. [`tick`] fires the timers of locks whose time ran out
//! (they pass to the first in their queue), reading only the head of the
//! due index.

use baton_handlers::buttons::GateButton;
use baton_handlers::deploys::{
    self as decide, after_update, channels_for, execute, failure_channels_for, mark_keys,
    on_update_with, request_key, Command, DeployRecord, DeploySnapshot, DeployUpdate, HookAnswer,
    Lock, LockState, LockStatus, Outcome, Policy,
};
use baton_handlers::github::{DeploymentProtectionRuleEvent, GithubEvent};
use baton_handlers::slack::BlockAction;
use baton_handlers::{Mrkdwn, UnixTime};
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
    let loaded = load_update(tx, &update)?;
    let outcome = decide::on_hook(
        hook,
        &update,
        loaded.existing.as_ref(),
        &loaded.channels,
        &loaded.failures_only,
        loaded.lock.as_ref(),
        now,
    );
    let updated = outcome.record().cloned();
    let answer = tx.store_outcome(outcome, now)?;
    answer_failures_only(tx, &loaded, updated.as_ref(), now)?;
    Ok(answer)
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

/// Load → [`on_update_with`] → store, for one normalized deploy event.
fn apply_update(tx: &mut Tx<'_>, update: &DeployUpdate, now: UnixTime) -> Result<()> {
    let loaded = load_update(tx, update)?;
    let outcome = on_update_with(
        loaded.existing.as_ref(),
        update,
        &loaded.channels,
        &loaded.failures_only,
        loaded.lock.as_ref(),
        now,
    );
    let updated = outcome.record().cloned();
    tx.store_outcome(outcome, now)?;
    answer_failures_only(tx, &loaded, updated.as_ref(), now)
}

/// What an update's decision reads: the deploy's record, the channels
/// watching it (and those of them that hear only failures), and its
/// environment's lock.
struct LoadedUpdate {
    existing: Option<DeployRecord>,
    channels: Vec<String>,
    failures_only: Vec<String>,
    lock: Option<Lock>,
}

fn load_update(tx: &Tx<'_>, update: &DeployUpdate) -> Result<LoadedUpdate> {
    let watches = tx.deploy_watches()?;
    let lock = match &update.environment {
        Some(env) => tx.deploy_lock(env)?,
        None => None,
    };
    Ok(LoadedUpdate {
        existing: tx.deploy_record(&update.key)?,
        channels: channels_for(&watches, update),
        failures_only: failure_channels_for(&watches, update),
        lock,
    })
}

/// Failures-only channels, once the update is stored: a failure leaves its
/// mark, the next success answers it with its fix ([`after_update`], which
/// reads the marks of the updated record).
fn answer_failures_only(
    tx: &mut Tx<'_>,
    loaded: &LoadedUpdate,
    updated: Option<&DeployRecord>,
    now: UnixTime,
) -> Result<()> {
    let Some(after) = updated.filter(|_| !loaded.failures_only.is_empty()) else {
        return Ok(());
    };
    let marks = tx.deploy_failure_marks(&mark_keys(after, &loaded.failures_only))?;
    let outcome = after_update(
        loaded.existing.as_ref(),
        after,
        &loaded.failures_only,
        &marks,
        now,
    );
    tx.store_outcome(outcome, now)?;
    Ok(())
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
    let gates = tx.deploy_gates()?;
    let waiting = match cmd {
        Command::Lock { environment, .. }
        | Command::Unlock { environment }
        | Command::LeaveQueue { environment } => tx.gate_requests_waiting_on(environment)?,
        _ => Vec::new(),
    };
    let snapshot = DeploySnapshot {
        watches: &watches,
        locks: &locks,
        queues: &queues,
        gates: &gates,
        waiting: &waiting,
    };
    Ok(execute(cmd, caller, &policy(ctx), snapshot, now))
}

/// A `deployment_protection_rule` request (already deduplicated by
/// delivery id; a request redelivered under a new id finds itself stored).
pub fn on_protection_rule(
    tx: &mut Tx<'_>,
    rule: &DeploymentProtectionRuleEvent,
    ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    let key = request_key(
        &rule.environment,
        &rule.repo,
        rule.deployment_id,
        &rule.callback_url,
    );
    let existing = tx.deploy_gate_request(&key)?;
    let gates = tx.deploy_gates()?;
    let lock = tx.deploy_lock(&rule.environment)?;
    let queue = tx.deploy_lock_queue(&rule.environment)?;
    let waiting = tx.gate_requests_waiting_on(&rule.environment)?;
    let watches = tx.deploy_watches()?;
    let state = LockState {
        environment: &rule.environment,
        lock: lock.as_ref(),
        queue: queue.as_ref(),
        waiting: &waiting,
        watches: &watches,
    };
    let outcome = decide::on_protection_rule(
        rule,
        existing.as_ref(),
        &gates,
        &state,
        &ctx.github_api_url,
        policy(ctx).lock_default_secs,
        now,
    );
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// A press of Approve (anyway) or Reject on a gated deploy's message; its
/// value is the request's key. Who may press is decided in
/// `baton_handlers::deploys::on_button`, from the admins and the lock.
pub fn on_button(
    tx: &mut Tx<'_>,
    button: GateButton,
    action: &BlockAction,
    ctx: &Context,
    now: UnixTime,
) -> Result<Option<Mrkdwn>> {
    let request = tx.deploy_gate_request(&action.value)?;
    let lock = match &request {
        Some(r) => {
            let lock = tx.deploy_lock(&r.environment)?;
            let queue = tx.deploy_lock_queue(&r.environment)?;
            decide::lock_in_force(
                lock.as_ref(),
                queue.as_ref(),
                policy(ctx).lock_default_secs,
                now,
            )
        }
        None => None,
    };
    let outcome = decide::on_button(
        button,
        request.as_ref(),
        lock.as_ref(),
        &action.caller(),
        &ctx.admins,
        now,
    );
    tx.store_outcome(outcome, now)
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
/// (`src/server/mod.rs`); the decision moves or removes the lock's timer in
/// this same transaction, so a timer fires once.
pub fn tick(tx: &mut Tx<'_>, ctx: &Context, now: UnixTime) -> Result<()> {
    let due = tx.due_deploy_locks(now, TICK_LOCKS)?;
    if due.is_empty() {
        return Ok(());
    }
    let watches = tx.deploy_watches()?;
    for lock in due {
        let queue = tx.deploy_lock_queue(&lock.environment)?;
        let waiting = tx.gate_requests_waiting_on(&lock.environment)?;
        let state = LockState {
            environment: &lock.environment,
            lock: Some(&lock),
            queue: queue.as_ref(),
            waiting: &waiting,
            watches: &watches,
        };
        let outcome = decide::expire(&state, policy(ctx).lock_default_secs, now);
        tx.store_outcome(outcome, now)?;
    }
    Ok(())
}

/// The lock status of `environment` for CI; an expired lock reads as no
/// lock, or as the lock of the first in its queue. A query: its outcome
/// changes nothing.
pub fn lock_status(
    store: &Store,
    environment: &str,
    ctx: &Context,
    now: UnixTime,
) -> Result<LockStatus> {
    let lock = store.deploy_lock(environment)?;
    let queue = match &lock {
        Some(_) => store.deploy_lock_queue(environment)?,
        None => None,
    };
    super::answer_only(decide::lock_status(
        lock.as_ref(),
        queue.as_ref(),
        policy(ctx).lock_default_secs,
        now,
    ))
}
