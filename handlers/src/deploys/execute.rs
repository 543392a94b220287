//! What each deploys command decides ([`execute`]): watches, locks and
//! the announcements of a lock taken or released. Pure: the caller loads
//! every watch and lock ([`DeploySnapshot`]) and stores the outcome.

use super::change::{Change, Outcome};
use super::lock::{active_lock, lock_key, Lock, DEFAULT_LOCK_SECS};
use super::watch::{DeployTarget, DeployWatch};
use crate::caller::Caller;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::{format_datetime, format_duration};
use crate::UnixTime;

use super::commands::Command;

/// The settings deploy commands follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long a lock lasts without `for <duration>` (configurable).
    pub lock_default_secs: i64,
}

impl Default for Policy {
    /// The default lock length ([`DEFAULT_LOCK_SECS`], 4 hours).
    fn default() -> Self {
        Policy {
            lock_default_secs: DEFAULT_LOCK_SECS,
        }
    }
}

/// The state a command reads: every watch (of every channel) and every
/// stored lock (expired ones included; they count as absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeploySnapshot<'a> {
    pub watches: &'a [DeployWatch],
    pub locks: &'a [Lock],
}

/// Decide a command. The caller has already refused an admin-only command
/// to a non-admin.
pub fn execute(
    cmd: &Command,
    caller: &Caller,
    policy: &Policy,
    snapshot: DeploySnapshot<'_>,
    now: UnixTime,
) -> Outcome {
    match cmd {
        Command::Watch {
            target,
            environment,
            workflow,
        } => {
            let watch = DeployWatch {
                channel: caller.channel.clone(),
                target: target.clone(),
                environment: environment.clone(),
                workflow: workflow.clone(),
            };
            if snapshot.watches.iter().any(|w| w.key() == watch.key()) {
                return Outcome::reply(format!(
                    "This channel already watches {}.",
                    watch.describe()
                ));
            }
            let mut reply = format!("Watching {} in this channel.", watch.describe());
            if workflow.is_none() && matches!(target, DeployTarget::Repo(_)) {
                reply.push_str(
                    " GitHub deployments are posted here; to count a workflow's runs as deploys, add `workflow=<name>`.",
                );
            }
            Outcome {
                reply: Some(reply.into()),
                changes: vec![Change::PutWatch(watch)],
                outbound: Vec::new(),
            }
        }
        Command::Unwatch {
            target,
            environment,
            workflow,
        } => {
            let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            };
            let gone: Vec<&DeployWatch> = snapshot
                .watches
                .iter()
                .filter(|w| {
                    w.channel == caller.channel
                        && w.target.as_str().eq_ignore_ascii_case(target.as_str())
                        && same(&w.environment, environment)
                        && (workflow.is_none() || same(&w.workflow, workflow))
                })
                .collect();
            if gone.is_empty() {
                return Outcome::reply(format!(
                    "This channel does not watch `{}`{}. `/baton deploys list` shows what it watches.",
                    target.as_str(),
                    environment
                        .as_deref()
                        .map(|e| format!(" in `{e}`"))
                        .unwrap_or_default()
                ));
            }
            let lines: Vec<String> = gone.iter().map(|w| format!("• {}", w.describe())).collect();
            Outcome {
                reply: Some(
                    format!("This channel no longer watches:\n{}", lines.join("\n")).into(),
                ),
                changes: gone
                    .iter()
                    .map(|w| Change::RemoveWatch { key: w.key() })
                    .collect(),
                outbound: Vec::new(),
            }
        }
        Command::List => {
            let mine: Vec<String> = snapshot
                .watches
                .iter()
                .filter(|w| w.channel == caller.channel)
                .map(|w| format!("• {}", w.describe()))
                .collect();
            if mine.is_empty() {
                Outcome::reply(
                    "This channel watches no deploys. Add one with `/baton deploys watch owner/repo production`.",
                )
            } else {
                Outcome::reply(format!("This channel watches:\n{}", mine.join("\n")))
            }
        }
        Command::Lock {
            environment,
            duration,
            reason,
        } => lock(
            caller,
            policy,
            snapshot,
            environment,
            *duration,
            reason.as_deref(),
            now,
        ),
        Command::Unlock { environment } => unlock(caller, snapshot, environment, now),
        Command::Locks => {
            let mut held: Vec<&Lock> = snapshot.locks.iter().filter(|l| l.is_active(now)).collect();
            if held.is_empty() {
                return Outcome::reply("No environment is locked.");
            }
            held.sort_by_key(|l| lock_key(&l.environment));
            let lines = held.iter().map(|l| mrkdwn!("• {}", describe_lock(l, now)));
            Outcome::reply(mrkdwn!("Locked now:\n{}", Mrkdwn::join(lines, "\n")))
        }
    }
}

fn find_lock<'a>(snapshot: DeploySnapshot<'a>, environment: &str) -> Option<&'a Lock> {
    let key = lock_key(environment);
    snapshot
        .locks
        .iter()
        .find(|l| lock_key(&l.environment) == key)
}

/// `` `production` by <@U1> since … until … (3h left): reason ``
fn describe_lock(l: &Lock, now: UnixTime) -> Mrkdwn {
    let mut out = mrkdwn!(
        "`{}` locked by {} since {} until {} ({} left)",
        l.environment,
        Mrkdwn::user(&l.by),
        format_datetime(l.since),
        format_datetime(l.expires_at),
        format_duration(l.expires_at - now)
    );
    if let Some(r) = &l.reason {
        out.push(mrkdwn!(": {}", r));
    }
    out
}

/// The current channel, then every channel watching `environment`, each once.
fn announce_to(caller: &Caller, watches: &[DeployWatch], environment: &str) -> Vec<String> {
    let mut out = vec![caller.channel.clone()];
    for w in watches.iter().filter(|w| w.covers_environment(environment)) {
        if !out.contains(&w.channel) {
            out.push(w.channel.clone());
        }
    }
    out
}

fn lock(
    caller: &Caller,
    policy: &Policy,
    snapshot: DeploySnapshot<'_>,
    environment: &str,
    duration: Option<i64>,
    reason: Option<&str>,
    now: UnixTime,
) -> Outcome {
    if let Some(held) = active_lock(find_lock(snapshot, environment), now) {
        let who = if held.by == caller.user {
            mrkdwn!("You already hold the lock: ")
        } else {
            mrkdwn!("Already locked by {}: ", Mrkdwn::user(&held.by))
        };
        return Outcome::reply(mrkdwn!(
            "{}{}. Nothing changed; `/baton unlock {}` releases it.",
            who,
            describe_lock(held, now),
            environment
        ));
    }
    let secs = duration.unwrap_or(if policy.lock_default_secs > 0 {
        policy.lock_default_secs
    } else {
        DEFAULT_LOCK_SECS
    });
    let new = Lock {
        environment: environment.to_string(),
        by: caller.user.clone(),
        reason: reason.map(str::to_string),
        since: now,
        expires_at: now + secs,
        channel: caller.channel.clone(),
    };
    let mut text = mrkdwn!(
        "🔒 {} locked `{}` for {} (until {})",
        Mrkdwn::user(&new.by),
        environment,
        format_duration(secs),
        format_datetime(new.expires_at)
    );
    if let Some(r) = reason {
        text.push(mrkdwn!(": {}", r));
    }
    let outbound = announce_to(caller, snapshot.watches, environment)
        .into_iter()
        .map(|c| Outbound::post(c, text.clone()))
        .collect();
    Outcome {
        reply: Some(mrkdwn!(
            "Locked `{}` until {}. `/baton unlock {}` releases it early.",
            environment,
            format_datetime(new.expires_at),
            environment
        )),
        changes: vec![Change::PutLock(new)],
        outbound,
    }
}

fn unlock(
    caller: &Caller,
    snapshot: DeploySnapshot<'_>,
    environment: &str,
    now: UnixTime,
) -> Outcome {
    let stored = find_lock(snapshot, environment);
    let Some(held) = active_lock(stored, now) else {
        let mut out = Outcome::reply(mrkdwn!("`{}` is not locked.", environment));
        if stored.is_some() {
            // An expired lock: tidy it away.
            out.changes.push(Change::RemoveLock {
                key: lock_key(environment),
            });
        }
        return out;
    };
    let mut text = mrkdwn!(
        "🔓 {} unlocked `{}`",
        Mrkdwn::user(&caller.user),
        held.environment
    );
    if held.by != caller.user {
        text.push(mrkdwn!(" (locked by {}", Mrkdwn::user(&held.by)));
        if let Some(r) = &held.reason {
            text.push(mrkdwn!(": {}", r));
        }
        text.push(")");
    }
    let outbound = announce_to(caller, snapshot.watches, environment)
        .into_iter()
        .map(|c| Outbound::post(c, text.clone()))
        .collect();
    Outcome {
        reply: Some(mrkdwn!("Unlocked `{}`.", held.environment)),
        changes: vec![Change::RemoveLock {
            key: lock_key(environment),
        }],
        outbound,
    }
}
