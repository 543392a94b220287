//! Applying deploy inputs: GitHub `deployment`, `deployment_status` and
//! `workflow_run` events, the CI hook (`POST /hooks/deploy`), the deploy
//! commands (`/baton deploys …`, `lock`, `unlock`, `locks`) and the lock
//! status CI reads (`GET /api/locks/{environment}`).
//!
//! Each function loads the watches, locks and deploy record a decision
//! needs, calls the pure decision in `baton_handlers::deploys`, and stores
//! what it returns (record, watch and lock changes, outbox items) in the
//! caller's one write transaction.

use baton_handlers::deploys::{
    self as decide, channels_for, execute, lock_status_json, on_update, Command, DeploySnapshot,
    DeployUpdate, Policy, StateChange,
};
use baton_handlers::github::GithubEvent;
use baton_handlers::Mrkdwn;
use baton_handlers::UnixTime;
use baton_state::{Result, Store, Tx};
use serde_json::{json, Value};

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
    let applied = apply_update(tx, &update, now)?;
    let mut answer = json!({
        "ok": true,
        "deploy": update.key,
        "status": applied.status.unwrap_or(update.status),
        "channels": applied.channels,
    });
    if applied.channels.is_empty() {
        answer["note"] = json!(format!(
            "no channel watches `{}` in `{}`; add one with `/baton deploys watch {} {}`",
            hook.service, hook.environment, hook.service, hook.environment
        ));
    } else if !applied.changed {
        answer["note"] =
            json!("nothing changed: this deploy already has that status or a later one");
    }
    // A script that deploys through a lock hears about it.
    let (locked, lock) = lock_status_json(tx.deploy_lock(&hook.environment)?.as_ref(), now);
    if locked {
        answer["lock"] = lock;
    }
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
        Some(update) => apply_update(tx, &update, now).map(|_| ()),
        None => {
            tracing::debug!("deploy event not handled (action or state); ignored");
            Ok(())
        }
    }
}

/// What [`apply_update`] did.
struct Applied {
    /// Every channel holding a message about the deploy.
    channels: Vec<String>,
    /// The deploy's status after the update (`None`: not stored).
    status: Option<decide::DeployStatus>,
    /// Did the update change the record?
    changed: bool,
}

/// Load → [`on_update`] → store, for one normalized deploy event.
fn apply_update(tx: &mut Tx<'_>, update: &DeployUpdate, now: UnixTime) -> Result<Applied> {
    let watches = tx.deploy_watches()?;
    let channels = channels_for(&watches, update);
    let existing = tx.deploy_record(&update.key)?;
    let lock = match &update.environment {
        Some(env) => tx.deploy_lock(env)?,
        None => None,
    };
    let outcome = on_update(existing.as_ref(), update, &channels, lock.as_ref(), now);
    let changed = outcome.record.is_some();
    let record = outcome.record.or(existing);
    if changed {
        if let Some(r) = &record {
            tx.put_deploy_record(r)?;
        }
    }
    if !outcome.outbound.is_empty() {
        tx.enqueue(outcome.outbound, now)?;
    }
    Ok(Applied {
        channels: record
            .as_ref()
            .map(|r| r.channels.clone())
            .unwrap_or_default(),
        status: record.map(|r| r.status),
        changed,
    })
}

/// A deploys command; returns the ephemeral reply. Admin-only commands
/// were already refused to non-admins by the caller.
pub fn on_command(
    tx: &mut Tx<'_>,
    cmd: Command,
    caller: &Caller,
    ctx: &Context,
    now: UnixTime,
) -> Result<Mrkdwn> {
    let watches = tx.deploy_watches()?;
    let locks = tx.deploy_locks()?;
    let policy = Policy {
        lock_default_secs: ctx.lock_default_secs,
    };
    let snapshot = DeploySnapshot {
        watches: &watches,
        locks: &locks,
    };
    let outcome = execute(&cmd, caller, &policy, snapshot, now);
    for change in &outcome.changes {
        match change {
            StateChange::PutWatch(w) => tx.put_deploy_watch(w)?,
            StateChange::DeleteWatch { key } => {
                tx.remove_deploy_watch(key)?;
            }
            StateChange::PutLock(l) => tx.put_deploy_lock(l)?,
            StateChange::DeleteLock { key } => {
                tx.remove_deploy_lock(key)?;
            }
        }
    }
    if !outcome.outbound.is_empty() {
        tx.enqueue(outcome.outbound, now)?;
    }
    Ok(outcome.reply)
}

/// The lock state of `environment` for CI: `(locked, JSON)`; an expired
/// lock reads as no lock.
pub fn lock_status(store: &Store, environment: &str, now: UnixTime) -> Result<(bool, Value)> {
    let lock = store.deploy_lock(environment)?;
    Ok(lock_status_json(lock.as_ref(), now))
}

/// The deploys `channel` watches, described (`` `owner/repo` in `production` ``),
/// for the @baton help.
pub fn channel_watches(tx: &Tx<'_>, channel: &str) -> Result<Vec<String>> {
    Ok(tx
        .channel_deploy_watches(channel)?
        .iter()
        .map(|w| w.describe())
        .collect())
}
