//! What the deploys feature decides on everything but a command.
//!
//! - [`on_update`]: folds a new deploy event into the stored
//!   [`DeployRecord`]. Status never moves backwards, the first terminal
//!   status wins, a redelivered event changes nothing, and each watching
//!   channel gets one message, posted once and then updated in place;
//!   [`on_update_with`] keeps failures-only channels (`only=failures`) for
//!   failures, and [`after_update`] answers their failure with the next
//!   success ("fixed by"). Also [`on_hook`], the same for a CI hook with the
//!   [`HookAnswer`] its script hears back, and [`lock_status`], what CI reads
//!   before deploying.
//! - The lock's hand-over: every lock decision starts from one
//!   environment's [`LockState`] and first settles it: a lock that expired
//!   before anyone acted hands over to the first in its queue (or goes)
//!   exactly as its timer ([`expire`]) would have done, so a command typed
//!   between the expiry and the next tick cannot jump the queue. Deploys
//!   gated on the environment are approved when the lock goes, and told the
//!   new holder when it passes on.
//! - The deploy gate: a `deployment_protection_rule` request from GitHub
//!   ([`on_protection_rule`]: approve at once, wait on the environment's
//!   lock, or ask for approval) and a press of Approve or Reject
//!   ([`on_button`]: who may press is decided here, from the
//!   [`Admins`] and the lock holder; the first press decides).

use super::change::{Change, Outcome};
use super::failure_mark::{mark_key, FailureMark};
use super::gate::{callback_route, request_key, Decider, DeployGate, GateRequest, GateState};
use super::hook::DeployHook;
use super::lock::{active_lock, is_production, lock_key, Lock, LockStatus};
use super::queue::{LockQueue, QueuedLock};
use super::record::{DeployRecord, LockedDeploy};
use super::render;
use super::update::{DeployStatus, DeployUpdate};
use super::watch::DeployWatch;
use crate::buttons::GateButton;
use crate::caller::Caller;
use crate::command::Admins;
use crate::github::DeploymentProtectionRuleEvent;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::{MessageKey, Outbound, ReviewState};
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
    on_update_with(existing, update, channels, &[], lock, now)
}

/// [`on_update`] where the channels among `channels` that are also in
/// `failures_only` ([`super::failure_channels_for`]) get a message only
/// once the deploy fails or errors.
pub fn on_update_with(
    existing: Option<&DeployRecord>,
    update: &DeployUpdate,
    channels: &[String],
    failures_only: &[String],
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
        .filter(|c| update.status.is_failure() || !failures_only.contains(c))
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

/// A CI hook: [`on_update_with`] of its `update` ([`DeployUpdate::from_hook`]
/// of `hook`, which also names the record and lock to load), answered with
/// a [`HookAnswer`]. `existing`, `channels`, `failures_only` and `lock` are
/// as for [`on_update_with`].
pub fn on_hook(
    hook: &DeployHook,
    update: &DeployUpdate,
    existing: Option<&DeployRecord>,
    channels: &[String],
    failures_only: &[String],
    lock: Option<&Lock>,
    now: UnixTime,
) -> HookOutcome {
    let outcome = on_update_with(existing, update, channels, failures_only, lock, now);
    let changed = outcome.record().is_some();
    let record = outcome.record().or(existing);
    let channels = record.map(|r| r.channels.clone()).unwrap_or_default();
    let note = if channels.is_empty() && record.is_some() {
        Some("the channels watching it hear only failures".to_string())
    } else if channels.is_empty() {
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

/// The status at `now` of the environment whose stored lock (expired or
/// not) is `lock` and whose queue is `queue`: an expired lock reads as no
/// lock, or as the lock of the first in its queue ([`lock_in_force`]).
pub fn lock_status(
    lock: Option<&Lock>,
    queue: Option<&LockQueue>,
    default_secs: i64,
    now: UnixTime,
) -> LockOutcome {
    let in_force = lock_in_force(lock, queue, default_secs, now);
    crate::Outcome::<Change>::none().answered(LockStatus::of(in_force.as_ref(), now))
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

/// The keys of the failure marks [`after_update`] reads for `record`.
pub fn mark_keys(record: &DeployRecord, failures_only: &[String]) -> Vec<String> {
    let env = record.environment.as_deref().unwrap_or_default();
    failures_only
        .iter()
        .map(|c| mark_key(c, record.subject(), env))
        .collect()
}

/// After `before` became `after` (one deploy's record, as
/// [`on_update_with`] stored it): a newly failed deploy leaves a mark in
/// each failures-only channel it was posted to; a newly succeeded one
/// answers the mark of its service and environment, if any, with "fixed by"
/// in that failure's thread. `marks` are those under [`mark_keys`].
pub fn after_update(
    before: Option<&DeployRecord>,
    after: &DeployRecord,
    failures_only: &[String],
    marks: &[FailureMark],
    now: UnixTime,
) -> Outcome {
    let mut out = Outcome::none();
    let newly = |status: fn(DeployStatus) -> bool| {
        status(after.status) && before.is_none_or(|b| !b.status.is_terminal())
    };
    let Some(environment) = after.environment.as_deref() else {
        return out;
    };
    if newly(DeployStatus::is_failure) {
        for channel in failures_only.iter().filter(|c| after.channels.contains(c)) {
            out.changes.push(Change::PutFailureMark(FailureMark {
                channel: channel.clone(),
                subject: after.subject().to_string(),
                environment: environment.to_string(),
                record_key: after.key.clone(),
                failed_at: now,
            }));
        }
    } else if newly(|s| s == DeployStatus::Success) {
        for channel in failures_only {
            let key = mark_key(channel, after.subject(), environment);
            let Some(mark) = marks.iter().find(|m| m.key() == key) else {
                continue;
            };
            out.outbound.push(Outbound::SlackPost {
                channel: channel.clone(),
                text: render::fixed_by(after, environment, now),
                blocks: None,
                key: Some(format!("{}:fixed", message_key(&mark.record_key, channel))),
                thread_of: Some(message_key(&mark.record_key, channel)),
            });
            out.changes.push(Change::RemoveFailureMark { key });
        }
    }
    out
}

/// What a lock decision reads about one environment.
#[derive(Debug, Clone, Copy)]
pub struct LockState<'a> {
    /// The environment as the person typed it (or as the lock stores it).
    pub environment: &'a str,
    /// Its stored lock, expired or not.
    pub lock: Option<&'a Lock>,
    /// Its queue, if anyone waits.
    pub queue: Option<&'a LockQueue>,
    /// The gated deploys waiting on its lock.
    pub waiting: &'a [GateRequest],
    /// Every watch (for announcements).
    pub watches: &'a [DeployWatch],
}

/// The environment after any expired holder handed over: who holds it now,
/// who still waits, and what the hand-over did.
pub(crate) struct Settled {
    pub(crate) lock: Option<Lock>,
    pub(crate) queue: Vec<QueuedLock>,
    pub(crate) out: Outcome,
}

/// How a holder let go.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Release<'a> {
    /// `/baton unlock` by this person (announced where they typed it).
    Unlocked { caller: &'a Caller },
    /// The lock's time ran out.
    Expired,
}

/// A direct message to a person, in their direct conversation with Baton
/// (opened with `conversations.open`, so the once-only guard can read its
/// history as it does a channel's).
fn direct_message(user: &str, text: Mrkdwn) -> Outbound {
    Outbound::direct(user, text)
}

/// `first`, then every channel watching `environment` (all deploys of it,
/// not only failures), each once.
pub(crate) fn announce_to(first: &str, watches: &[DeployWatch], environment: &str) -> Vec<String> {
    let mut out = vec![first.to_string()];
    for w in watches.iter().filter(|w| w.covers_environment(environment)) {
        if !out.contains(&w.channel) {
            out.push(w.channel.clone());
        }
    }
    out
}

/// The change that stores `waiting` as `environment`'s queue.
pub(crate) fn store_queue(environment: &str, waiting: &[QueuedLock]) -> Change {
    if waiting.is_empty() {
        Change::RemoveQueue {
            key: lock_key(environment),
        }
    } else {
        Change::PutQueue(LockQueue {
            environment: environment.to_string(),
            waiting: waiting.to_vec(),
        })
    }
}

/// Bring `state` to `now`: an expired lock hands over to the queue (or
/// goes); an active lock or none stays as it is.
pub(crate) fn settle(state: &LockState<'_>, default_secs: i64, now: UnixTime) -> Settled {
    match state.lock {
        Some(l) if !l.is_active(now) => release(state, l, Release::Expired, default_secs, now),
        held => Settled {
            lock: held.cloned(),
            queue: state.queue.map(|q| q.waiting.clone()).unwrap_or_default(),
            out: Outcome::none(),
        },
    }
}

/// `released` lets go: the first in the queue gets the lock (with the
/// reason and duration they asked for) and a direct message, and the
/// channels hear it; with nobody waiting the lock goes, and the deploys
/// gated on it are approved (or asked for approval).
pub(crate) fn release(
    state: &LockState<'_>,
    released: &Lock,
    how: Release<'_>,
    default_secs: i64,
    now: UnixTime,
) -> Settled {
    let env = released.environment.as_str();
    let mut queue = state.queue.map(|q| q.waiting.clone()).unwrap_or_default();
    let mut out = Outcome::none();
    let (mut text, channels) = match how {
        Release::Unlocked { caller } => (
            render::unlocked(&caller.user, released),
            announce_to(&caller.channel, state.watches, env),
        ),
        Release::Expired => (
            render::lock_expired(released),
            announce_to(&released.channel, state.watches, env),
        ),
    };
    if queue.is_empty() {
        out.changes.push(Change::RemoveLock { key: lock_key(env) });
        // A lock that simply runs out is not news; an unlock is.
        let by = match how {
            Release::Unlocked { caller } => {
                for channel in channels {
                    out.outbound.push(Outbound::post(channel, text.clone()));
                }
                Decider::Unlocked {
                    by: caller.user.clone(),
                }
            }
            Release::Expired => Decider::LockExpired {
                holder: released.by.clone(),
            },
        };
        let released_gates = lock_gone(state.waiting, &by, now);
        out.changes.extend(released_gates.changes);
        out.outbound.extend(released_gates.outbound);
        return Settled {
            lock: None,
            queue,
            out,
        };
    }
    let next = queue.remove(0);
    let new = next.lock_on(env, default_secs, now);
    out.changes.push(Change::PutLock(new.clone()));
    out.changes.push(store_queue(env, &queue));
    out.outbound
        .push(direct_message(&new.by, render::lock_now_yours(&new, now)));
    text.push(render::lock_passes_to(&new, now));
    for channel in channels {
        out.outbound.push(Outbound::post(channel, text.clone()));
    }
    out.outbound.extend(lock_passed(state.waiting, &new, now));
    Settled {
        lock: Some(new),
        queue,
        out,
    }
}

/// The lock in force for `environment` at `now`, once an expired holder
/// handed over to the queue (what `GET /api/locks/{environment}` shows).
pub fn lock_in_force(
    lock: Option<&Lock>,
    queue: Option<&LockQueue>,
    default_secs: i64,
    now: UnixTime,
) -> Option<Lock> {
    let stored = lock?;
    let state = LockState {
        environment: &stored.environment,
        lock: Some(stored),
        queue,
        waiting: &[],
        watches: &[],
    };
    settle(&state, default_secs, now).lock
}

/// The timer of a lock whose time ran out: it passes to the first in the
/// queue (a direct message to them, an announcement where the lock was
/// taken and where the environment is watched) or goes. A lock that is
/// still in force (renewed since the timer was set) is left alone.
pub fn expire(state: &LockState<'_>, default_secs: i64, now: UnixTime) -> Outcome {
    match state.lock {
        Some(l) if !l.is_active(now) => settle(state, default_secs, now).out,
        _ => Outcome::none(),
    }
}

/// A `deployment_protection_rule` request.
///
/// - `existing`: the request stored under its key (a delivery seen before,
///   under any delivery id: it is answered once, so nothing happens again);
/// - `gates`: every channel's gates; those guarding the request's
///   repository and environment get its message;
/// - `lock`: the environment's lock, queue and waiting requests;
/// - `api_url`: the configured GitHub API; a callback URL elsewhere is
///   refused (nothing stored, nothing sent).
///
/// Not locked and no approval asked: approved at once. Locked: it waits,
/// announced in the gates' channels (or where the lock was taken) with
/// "Approve anyway" and "Reject". Approval asked: posted with "Approve" and
/// "Reject".
pub fn on_protection_rule(
    event: &DeploymentProtectionRuleEvent,
    existing: Option<&GateRequest>,
    gates: &[DeployGate],
    lock: &LockState<'_>,
    api_url: &str,
    default_secs: i64,
    now: UnixTime,
) -> Outcome {
    if existing.is_some() || callback_route(&event.callback_url, api_url).is_none() {
        return Outcome::none();
    }
    let Settled {
        lock: held,
        mut out,
        ..
    } = settle(lock, default_secs, now);
    let guarding: Vec<&DeployGate> = gates
        .iter()
        .filter(|g| g.guards(&event.repo, &event.environment))
        .collect();
    let mut channels: Vec<String> = Vec::new();
    for g in &guarding {
        if !channels.contains(&g.channel) {
            channels.push(g.channel.clone());
        }
    }
    let mut request = GateRequest {
        key: request_key(
            &event.environment,
            &event.repo,
            event.deployment_id,
            &event.callback_url,
        ),
        repo: event.repo.clone(),
        environment: event.environment.clone(),
        git_ref: event.git_ref.clone(),
        sha: event.sha.clone(),
        started_by: event.started_by.clone(),
        event: event.event.clone(),
        deployment_id: event.deployment_id,
        callback_url: event.callback_url.clone(),
        installation: event.installation,
        requested_at: now,
        approval: guarding.iter().any(|g| g.approval),
        channels: Vec::new(),
        state: GateState::AwaitingApproval,
    };
    let (text, blocks) = match &held {
        Some(l) => {
            if channels.is_empty() {
                channels.push(l.channel.clone());
            }
            request.state = GateState::WaitingOnLock;
            render::gate_waiting_on_lock(&request, l, now)
        }
        None if request.approval => render::gate_awaiting_approval(&request),
        None => {
            let decided = decide_gate(&request, true, Decider::NotLocked, now);
            out.changes.extend(decided.changes);
            out.outbound.extend(decided.outbound);
            return out;
        }
    };
    for channel in &channels {
        out.outbound.push(Outbound::SlackPost {
            channel: channel.clone(),
            text: text.clone(),
            blocks: Some(blocks.clone()),
            key: Some(request.message_key(channel)),
            thread_of: None,
        });
    }
    request.channels = channels;
    out.changes.push(Change::PutGateRequest(Box::new(request)));
    out
}

/// May `caller` decide a request in this state? Approve anyway (and
/// reject) while locked: the lock holder or a Baton admin. Approve (and
/// reject) a gate asking for approval: anyone in its channel, or only
/// admins when `BATON_ADMINS` names some.
fn may_decide(state: &GateState, lock: Option<&Lock>, caller: &Caller, admins: &Admins) -> bool {
    match state {
        GateState::WaitingOnLock => {
            admins.includes(caller) || lock.is_none_or(|l| l.by == caller.user)
        }
        GateState::AwaitingApproval => admins.may_administer(caller),
        GateState::Decided { .. } => false,
    }
}

/// A press of Approve (or Approve anyway) or Reject on a gate's message.
///
/// - `request`: the request the button names (its value), if stored;
/// - `lock`: the environment's lock in force now, if any;
/// - `admins`: `BATON_ADMINS`, who may decide any deploy.
pub fn on_button(
    button: GateButton,
    request: Option<&GateRequest>,
    lock: Option<&Lock>,
    caller: &Caller,
    admins: &Admins,
    now: UnixTime,
) -> Outcome {
    let Some(request) = request else {
        return Outcome::reply(":warning: Baton no longer knows that deploy; nothing changed.");
    };
    if let GateState::Decided { approved, by, .. } = &request.state {
        let (text, _) = render::gate_decided(request, *approved, by);
        return Outcome::reply(mrkdwn!("Already decided: {}. Nothing changed.", text));
    }
    if !request.channels.contains(&caller.channel) {
        return Outcome::reply(
            ":warning: That deploy is decided in the channel that guards it; nothing changed.",
        );
    }
    if !may_decide(&request.state, lock, caller, admins) {
        let who = match (&request.state, lock) {
            (GateState::WaitingOnLock, Some(l)) => mrkdwn!(
                "Only the lock holder ({}) or a Baton admin may decide a deploy that waits on the lock.",
                Mrkdwn::user(&l.by)
            ),
            _ => mrkdwn!("Only Baton admins may decide this deploy (see BATON_ADMINS)."),
        };
        return Outcome::reply(mrkdwn!(":no_entry: {} Nothing changed.", who));
    }
    let approved = button == GateButton::Approve;
    let over_lock = match request.state {
        GateState::WaitingOnLock => lock.map(|l| l.by.clone()),
        _ => None,
    };
    let mut out = decide_gate(
        request,
        approved,
        Decider::Person {
            user: caller.user.clone(),
            over_lock,
        },
        now,
    );
    out.reply = Some(mrkdwn!(
        "You {} the deploy of {} to {}.",
        if approved { "approved" } else { "rejected" },
        Mrkdwn::code(&request.repo),
        Mrkdwn::code(&request.environment)
    ));
    out
}

/// Decide `request`, once: answer GitHub at its callback URL, update its
/// message in every channel, and store it decided.
fn decide_gate(request: &GateRequest, approved: bool, by: Decider, now: UnixTime) -> Outcome {
    let mut out = Outcome::none();
    out.outbound.push(Outbound::GithubDeploymentReview {
        callback_url: request.callback_url.clone(),
        repo: request.repo.clone(),
        environment: request.environment.clone(),
        state: if approved {
            ReviewState::Approved
        } else {
            ReviewState::Rejected
        },
        comment: render::gate_comment(request, approved, &by),
        installation: request.installation,
    });
    let (text, blocks) = render::gate_decided(request, approved, &by);
    for channel in &request.channels {
        out.outbound.push(Outbound::SlackUpdate {
            key: request.message_key(channel),
            channel: channel.clone(),
            text: text.clone(),
            blocks: Some(blocks.clone()),
        });
    }
    let mut decided = request.clone();
    decided.state = GateState::Decided {
        approved,
        by,
        at: now,
    };
    out.changes.push(Change::PutGateRequest(Box::new(decided)));
    out
}

/// The lock of their environment is gone (`by` says how) and nobody waits
/// for it: each request waiting on it is approved, or asked for approval
/// when a gate wants a person's approval.
fn lock_gone(waiting: &[GateRequest], by: &Decider, now: UnixTime) -> Outcome {
    let mut out = Outcome::none();
    for request in waiting.iter().filter(|r| r.waits_on_lock()) {
        if request.approval {
            let mut asked = request.clone();
            asked.state = GateState::AwaitingApproval;
            let (text, blocks) = render::gate_awaiting_approval(&asked);
            for channel in &asked.channels {
                out.outbound.push(Outbound::SlackUpdate {
                    key: asked.message_key(channel),
                    channel: channel.clone(),
                    text: text.clone(),
                    blocks: Some(blocks.clone()),
                });
            }
            out.changes.push(Change::PutGateRequest(Box::new(asked)));
        } else {
            let decided = decide_gate(request, true, by.clone(), now);
            out.changes.extend(decided.changes);
            out.outbound.extend(decided.outbound);
        }
    }
    out
}

/// The lock passed to the next in its queue: the requests waiting on it
/// keep waiting, and their messages name the new holder.
fn lock_passed(waiting: &[GateRequest], lock: &Lock, now: UnixTime) -> Vec<Outbound> {
    let mut out = Vec::new();
    for request in waiting.iter().filter(|r| r.waits_on_lock()) {
        let (text, blocks) = render::gate_waiting_on_lock(request, lock, now);
        for channel in &request.channels {
            out.push(Outbound::SlackUpdate {
                key: request.message_key(channel),
                channel: channel.clone(),
                text: text.clone(),
                blocks: Some(blocks.clone()),
            });
        }
    }
    out
}
