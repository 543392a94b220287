//! [`on_update`]: folds a new deploy event into the stored
//! [`DeployRecord`]. Status never moves backwards, the first terminal status
//! wins, a redelivered event changes nothing, and each watching channel gets
//! one message, posted once and then updated in place. Also [`on_hook`],
//! the same for a CI hook with the [`HookAnswer`] its script hears back,
//! and [`lock_status`], what CI reads before deploying.

use super::change::{Change, Outcome};
use super::hook::DeployHook;
use super::lock::{active_lock, is_production, lock_key, Lock, LockStatus};
use super::record::{DeployRecord, LockedDeploy};
use super::render;
use super::update::{DeployStatus, DeployUpdate};
use crate::outbound::{MessageKey, Outbound};
use crate::UnixTime;
use serde::Serialize;

/// The key of a deploy's message in one channel: `deploy:{key}:{channel}`.
pub fn message_key(record_key: &str, channel: &str) -> MessageKey {
    format!("deploy:{record_key}:{channel}")
}

/// Fold `update` into `existing`.
///
/// - `channels`: the channels watching it now ([`super::channels_for`]);
///   channels that already hold a message keep getting updates even if their
///   watch was removed since.
/// - `lock`: the lock stored for the update's environment (expired or not).
///
/// A deploy nobody watches is not stored, nor is one first heard of as
/// `inactive`. An update that would move the
/// status backwards, or arrives after a terminal status, or changes nothing
/// (a redelivery), returns no change and no messages.
pub fn on_update(
    existing: Option<&DeployRecord>,
    update: &DeployUpdate,
    channels: &[String],
    lock: Option<&Lock>,
    now: UnixTime,
) -> Outcome {
    let at = update.at.unwrap_or(now);
    let mut record = match existing {
        Some(old) => {
            if old.status.is_terminal() || update.status.rank() < old.status.rank() {
                return Outcome::none();
            }
            let mut r = old.clone();
            merge(&mut r, update);
            r
        }
        None => {
            // `inactive` for a deploy Baton never saw is GitHub retiring an
            // old deployment: not news.
            if channels.is_empty() || update.status == DeployStatus::Inactive {
                return Outcome::none();
            }
            DeployRecord {
                key: update.key.clone(),
                source: update.source.clone(),
                status: update.status,
                environment: update.environment.clone(),
                repo_url: update.repo_url.clone(),
                git_ref: update.git_ref.clone(),
                sha: update.sha.clone(),
                version: update.version.clone(),
                url: update.url.clone(),
                log_url: update.log_url.clone(),
                actor: update.actor.clone(),
                description: update.description.clone(),
                first_seen: now,
                started_at: None,
                finished_at: None,
                updated_at: now,
                channels: Vec::new(),
                locked: None,
            }
        }
    };
    record.status = update.status;
    if record.started_at.is_none() {
        record.started_at = update
            .started_at
            .or_else(|| (!update.status.is_terminal()).then_some(at));
    }
    if update.status.is_terminal() {
        record.finished_at = Some(at);
    }
    if update.status == DeployStatus::Success {
        record.locked = locked_by(&record, lock, now);
    }

    let new_channels: Vec<String> = channels
        .iter()
        .filter(|c| !record.channels.contains(c))
        .cloned()
        .collect();
    let unchanged = existing.is_some_and(|old| {
        let mut same = record.clone();
        same.updated_at = old.updated_at;
        same == *old
    });
    if unchanged && new_channels.is_empty() {
        return Outcome::none();
    }
    if !unchanged {
        record.updated_at = now;
    }

    let (text, blocks) = render::deploy_message(&record);
    let mut outbound = Vec::new();
    if !unchanged {
        for channel in &record.channels {
            outbound.push(Outbound::SlackUpdate {
                key: message_key(&record.key, channel),
                channel: channel.clone(),
                text: text.clone(),
                blocks: Some(blocks.clone()),
            });
        }
    }
    for channel in &new_channels {
        outbound.push(Outbound::SlackPost {
            channel: channel.clone(),
            text: text.clone(),
            blocks: Some(blocks.clone()),
            key: Some(message_key(&record.key, channel)),
            thread_of: None,
        });
    }
    record.channels.extend(new_channels);

    let newly_failed =
        update.status.is_failure() && existing.is_none_or(|old| !old.status.is_terminal());
    if newly_failed {
        if let Some((text, blocks)) = render::failure_reply(&record, update.log_tail.as_deref()) {
            for channel in &record.channels {
                let parent = message_key(&record.key, channel);
                outbound.push(Outbound::SlackPost {
                    channel: channel.clone(),
                    text: text.clone(),
                    blocks: Some(blocks.clone()),
                    key: Some(format!("{parent}:log")),
                    thread_of: Some(parent),
                });
            }
        }
    }
    Outcome {
        changes: vec![Change::PutRecord(Box::new(record))],
        outbound,
        reply: None,
    }
}

/// What the CI script that posted a hook hears back (the body of
/// `POST /hooks/deploy`'s 202): which deploy it updated, its status, the
/// channels holding a message about it, a note when no channel watches it
/// or nothing changed, and the environment's lock if it is held. Members in
/// name order, as scripts have always read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookAnswer {
    pub channels: Vec<String>,
    pub deploy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub ok: bool,
    pub status: DeployStatus,
}

/// What a CI hook decides: its changes and messages, and its answer.
pub type HookOutcome = crate::Outcome<Change, HookAnswer>;

/// A CI hook: [`on_update`] of its `update` ([`DeployUpdate::from_hook`]
/// of `hook`, which also names the record and lock to load), answered with
/// a [`HookAnswer`]. `existing`, `channels` and `lock` are as for
/// [`on_update`].
pub fn on_hook(
    hook: &DeployHook,
    update: &DeployUpdate,
    existing: Option<&DeployRecord>,
    channels: &[String],
    lock: Option<&Lock>,
    now: UnixTime,
) -> HookOutcome {
    let outcome = on_update(existing, update, channels, lock, now);
    let changed = outcome.record().is_some();
    let record = outcome.record().or(existing);
    let channels = record.map(|r| r.channels.clone()).unwrap_or_default();
    let note = if channels.is_empty() {
        Some(format!(
            "no channel watches `{}` in `{}`; add one with `/baton deploys watch {} {}`",
            hook.service, hook.environment, hook.service, hook.environment
        ))
    } else if !changed {
        Some("nothing changed: this deploy already has that status or a later one".to_string())
    } else {
        None
    };
    // A script that deploys through a lock hears about it.
    let lock = Some(LockStatus::of(lock, now)).filter(LockStatus::is_locked);
    let answer = HookAnswer {
        ok: true,
        deploy: update.key.clone(),
        status: record.map_or(update.status, |r| r.status),
        channels,
        note,
        lock,
    };
    outcome.answered(answer)
}

/// What CI reads of an environment's lock (`GET /api/locks/{environment}`):
/// a query, it changes nothing.
pub type LockOutcome = crate::Outcome<Change, LockStatus>;

/// The status of `lock` (the environment's stored lock, expired or not) at
/// `now`.
pub fn lock_status(lock: Option<&Lock>, now: UnixTime) -> LockOutcome {
    crate::Outcome::<Change>::none().answered(LockStatus::of(lock, now))
}

/// Newer information wins where the update has it; the environment, once
/// known, stays.
fn merge(r: &mut DeployRecord, u: &DeployUpdate) {
    fn take(field: &mut Option<String>, new: &Option<String>) {
        if new.is_some() {
            field.clone_from(new);
        }
    }
    if r.environment.is_none() {
        r.environment.clone_from(&u.environment);
    }
    take(&mut r.repo_url, &u.repo_url);
    take(&mut r.git_ref, &u.git_ref);
    take(&mut r.sha, &u.sha);
    take(&mut r.version, &u.version);
    take(&mut r.url, &u.url);
    take(&mut r.log_url, &u.log_url);
    take(&mut r.actor, &u.actor);
    take(&mut r.description, &u.description);
}

/// The lock a successful production deploy went through, if any.
fn locked_by(record: &DeployRecord, lock: Option<&Lock>, now: UnixTime) -> Option<LockedDeploy> {
    let env = record.environment.as_deref()?;
    if !is_production(env) {
        return None;
    }
    let lock = active_lock(lock, now)?;
    (lock_key(&lock.environment) == lock_key(env)).then(|| LockedDeploy {
        by: lock.by.clone(),
        reason: lock.reason.clone(),
    })
}
