//! Deciding deploy locks with their queue: `/baton lock` (take the lock, or
//! join the queue of someone else's), `unlock` (release it: it passes to
//! the first in the queue), `unlock <env> --queue` (leave the queue),
//! `locks` (holders and queues), and the timer that fires when a lock
//! expires ([`expire`]).
//!
//! Every decision starts from one environment's [`LockState`] and first
//! [`settle`]s it: a lock that expired before anyone acted hands over to
//! the queue (or goes) exactly as the timer would have done, so a command
//! typed between the expiry and the next tick cannot jump the queue.
//! Deploys gated on the environment ([`GateRequest`]s waiting on its lock)
//! are approved when the lock goes, and told the new holder when it passes
//! on (`super::gate_verdict`).

use super::change::{Change, Outcome};
use super::gate::GateRequest;
use super::gate_verdict::{lock_gone, lock_passed, LockGone};
use super::lock::{active_lock, lock_key, Lock, DEFAULT_LOCK_SECS};
use super::queue::{find_queue, LockQueue, QueuedLock, MAX_QUEUE};
use super::watch::DeployWatch;
use crate::caller::Caller;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::{format_datetime, format_duration};
use crate::UnixTime;

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
struct Settled {
    lock: Option<Lock>,
    queue: Vec<QueuedLock>,
    out: Outcome,
}

/// How a holder let go.
#[derive(Debug, Clone, Copy)]
enum Release<'a> {
    /// `/baton unlock` by this person (announced where they typed it).
    Unlocked { by: &'a Caller },
    /// The lock's time ran out.
    Expired,
}

/// A direct message to a person: a post whose channel is their user id
/// (Slack posts it in the app's conversation with them, `chat:write`).
/// The one place a DM is made, so it can move to `conversations.open`.
fn direct_message(user: &str, text: Mrkdwn) -> Outbound {
    Outbound::post(user, text)
}

/// `` `production` by <@U1> since … until … (3h left): reason ``
pub(crate) fn describe_lock(l: &Lock, now: UnixTime) -> Mrkdwn {
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

fn queue_of(state: &LockState<'_>) -> Vec<QueuedLock> {
    state.queue.map(|q| q.waiting.clone()).unwrap_or_default()
}

/// The change that stores `waiting` as `environment`'s queue.
fn store_queue(environment: &str, waiting: &[QueuedLock]) -> Change {
    if waiting.is_empty() {
        Change::DeleteQueue {
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
fn settle(state: &LockState<'_>, default_secs: i64, now: UnixTime) -> Settled {
    match state.lock {
        Some(l) if !l.is_active(now) => release(state, l, Release::Expired, default_secs, now),
        held => Settled {
            lock: held.cloned(),
            queue: queue_of(state),
            out: Outcome::none(),
        },
    }
}

/// `released` lets go: the first in the queue gets the lock (with the
/// reason and duration they asked for) and a direct message, and the
/// channels hear it; with nobody waiting the lock goes.
fn release(
    state: &LockState<'_>,
    released: &Lock,
    how: Release<'_>,
    default_secs: i64,
    now: UnixTime,
) -> Settled {
    let env = released.environment.as_str();
    let mut queue = queue_of(state);
    let mut out = Outcome::none();
    let mut text = match how {
        Release::Unlocked { by } => {
            let mut text = mrkdwn!("🔓 {} unlocked `{}`", Mrkdwn::user(&by.user), env);
            if released.by != by.user {
                text.push(mrkdwn!(" (locked by {}", Mrkdwn::user(&released.by)));
                if let Some(r) = &released.reason {
                    text.push(mrkdwn!(": {}", r));
                }
                text.push(")");
            }
            text
        }
        Release::Expired => mrkdwn!(
            "⌛ {}'s lock on `{}` expired",
            Mrkdwn::user(&released.by),
            env
        ),
    };
    let channels = match how {
        Release::Unlocked { by } => announce_to(&by.channel, state.watches, env),
        Release::Expired => announce_to(&released.channel, state.watches, env),
    };
    if queue.is_empty() {
        out.changes.push(Change::DeleteLock { key: lock_key(env) });
        // A lock that simply runs out is not news; an unlock is.
        if let Release::Unlocked { .. } = how {
            for channel in channels {
                out.outbound.push(Outbound::post(channel, text.clone()));
            }
        }
        let gone = match how {
            Release::Unlocked { by } => LockGone::Unlocked { by: &by.user },
            Release::Expired => LockGone::Expired {
                holder: &released.by,
            },
        };
        let released_gates = lock_gone(state.waiting, gone, now);
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
    let mut dm = mrkdwn!(
        "🔒 You now hold the lock on `{}` for {} (until {})",
        env,
        format_duration(new.expires_at - now),
        format_datetime(new.expires_at)
    );
    if let Some(r) = &new.reason {
        dm.push(mrkdwn!(": {}", r));
    }
    dm.push(mrkdwn!(
        ". You were first in its queue. `/baton unlock {}` releases it.",
        env
    ));
    out.outbound.push(direct_message(&new.by, dm));
    text.push(mrkdwn!(
        "; 🔒 it passes to {}, next in the queue, for {} (until {})",
        Mrkdwn::user(&new.by),
        format_duration(new.expires_at - now),
        format_datetime(new.expires_at)
    ));
    if let Some(r) = &new.reason {
        text.push(mrkdwn!(": {}", r));
    }
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

/// `/baton lock <environment> [for <duration>] [reason]`: take the lock,
/// or join the queue when someone else holds it.
pub fn lock(
    caller: &Caller,
    state: &LockState<'_>,
    duration: Option<i64>,
    reason: Option<&str>,
    default_secs: i64,
    now: UnixTime,
) -> Outcome {
    let environment = state.environment;
    let Settled {
        lock,
        mut queue,
        mut out,
    } = settle(state, default_secs, now);
    if let Some(held) = &lock {
        if held.by == caller.user {
            out.reply = Some(mrkdwn!(
                "You already hold the lock: {}. Nothing changed; `/baton unlock {}` releases it.",
                describe_lock(held, now),
                environment
            ));
            return out;
        }
        let who = mrkdwn!(
            "Already locked by {}: {}.",
            Mrkdwn::user(&held.by),
            describe_lock(held, now)
        );
        if let Some(place) = queue.iter().position(|q| q.user == caller.user) {
            out.reply = Some(mrkdwn!(
                "{} You are already #{} in its queue; `/baton unlock {} --queue` leaves it.",
                who,
                place + 1,
                environment
            ));
            return out;
        }
        if queue.len() >= MAX_QUEUE {
            out.reply = Some(mrkdwn!(
                "{} Its queue is full ({} people); nothing changed.",
                who,
                MAX_QUEUE
            ));
            return out;
        }
        queue.push(QueuedLock {
            user: caller.user.clone(),
            channel: caller.channel.clone(),
            reason: reason.map(str::to_string),
            duration,
            asked_at: now,
        });
        out.changes.push(store_queue(&held.environment, &queue));
        let ahead = queue.len() - 1;
        out.reply = Some(mrkdwn!(
            "{} You are #{} in its queue{}: the lock passes to you when it is released or expires, and I will tell you in a direct message. `/baton unlock {} --queue` leaves the queue.",
            who,
            queue.len(),
            if ahead == 0 {
                Mrkdwn::new()
            } else {
                mrkdwn!(" ({} ahead of you)", ahead)
            },
            environment
        ));
        return out;
    }
    let secs = duration.unwrap_or(if default_secs > 0 {
        default_secs
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
    for channel in announce_to(&caller.channel, state.watches, environment) {
        out.outbound.push(Outbound::post(channel, text.clone()));
    }
    out.reply = Some(mrkdwn!(
        "Locked `{}` until {}. `/baton unlock {}` releases it early.",
        environment,
        format_datetime(new.expires_at),
        environment
    ));
    // The new lock replaces an expired one that settling removed.
    out.changes
        .retain(|c| !matches!(c, Change::DeleteLock { .. }));
    out.changes.push(Change::PutLock(new));
    out
}

/// `/baton unlock <environment>`: release the lock (anyone may; the
/// announcement names both); it passes to the first in the queue.
pub fn unlock(caller: &Caller, state: &LockState<'_>, default_secs: i64, now: UnixTime) -> Outcome {
    let environment = state.environment;
    let Some(held) = active_lock(state.lock, now) else {
        let Settled { lock, mut out, .. } = settle(state, default_secs, now);
        out.reply = Some(match (state.lock, lock) {
            (Some(expired), Some(next)) => mrkdwn!(
                "{}'s lock on `{}` had expired; it passed to {}, next in its queue.",
                Mrkdwn::user(&expired.by),
                environment,
                Mrkdwn::user(&next.by)
            ),
            _ => mrkdwn!("`{}` is not locked.", environment),
        });
        return out;
    };
    let Settled { lock, mut out, .. } = release(
        state,
        held,
        Release::Unlocked { by: caller },
        default_secs,
        now,
    );
    let mut reply = mrkdwn!("Unlocked `{}`.", held.environment);
    if let Some(next) = lock {
        reply.push(mrkdwn!(
            " It passes to {}, next in its queue.",
            Mrkdwn::user(&next.by)
        ));
    }
    out.reply = Some(reply);
    out
}

/// `/baton unlock <environment> --queue`: leave its queue.
pub fn leave_queue(
    caller: &Caller,
    state: &LockState<'_>,
    default_secs: i64,
    now: UnixTime,
) -> Outcome {
    let environment = state.environment;
    let Settled {
        lock,
        mut queue,
        mut out,
    } = settle(state, default_secs, now);
    if let Some(place) = queue.iter().position(|q| q.user == caller.user) {
        queue.remove(place);
        out.changes.push(store_queue(environment, &queue));
        out.reply = Some(mrkdwn!("You left the queue for `{}`.", environment));
    } else if lock.as_ref().is_some_and(|l| l.by == caller.user) {
        out.reply = Some(mrkdwn!(
            "The lock on `{}` passed to you before you left its queue: you hold it now. `/baton unlock {}` releases it.",
            environment,
            environment
        ));
    } else {
        out.reply = Some(mrkdwn!("You are not in the queue for `{}`.", environment));
    }
    out
}

/// `/baton locks`: every environment locked at `now`, with its holder and
/// queue (an expired lock shows whom it passes to). Changes nothing.
pub fn locks(stored: &[Lock], queues: &[LockQueue], default_secs: i64, now: UnixTime) -> Outcome {
    let mut held: Vec<(Lock, Vec<QueuedLock>)> = stored
        .iter()
        .filter_map(|l| {
            let state = LockState {
                environment: &l.environment,
                lock: Some(l),
                queue: find_queue(queues, &l.environment),
                waiting: &[],
                watches: &[],
            };
            let settled = settle(&state, default_secs, now);
            settled.lock.map(|lock| (lock, settled.queue))
        })
        .collect();
    if held.is_empty() {
        return Outcome::reply("No environment is locked.");
    }
    held.sort_by_key(|(l, _)| lock_key(&l.environment));
    let lines = held.iter().map(|(l, queue)| {
        let mut line = mrkdwn!("• {}", describe_lock(l, now));
        if !queue.is_empty() {
            let waiting = queue.iter().enumerate().map(|(i, q)| {
                let mut entry = mrkdwn!("{}. {}", i + 1, Mrkdwn::user(&q.user));
                if let Some(d) = q.duration {
                    entry.push(mrkdwn!(" for {}", format_duration(d)));
                }
                if let Some(r) = &q.reason {
                    entry.push(mrkdwn!(": {}", r));
                }
                entry
            });
            line.push(mrkdwn!("\n    queue: {}", Mrkdwn::join(waiting, "; ")));
        }
        line
    });
    Outcome::reply(mrkdwn!("Locked now:\n{}", Mrkdwn::join(lines, "\n")))
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

/// The lock in force for `state`'s environment at `now` (an expired one
/// handed over to its queue) and what settling it decided: the outcome a
/// decision about the environment starts from.
pub fn settled(state: &LockState<'_>, default_secs: i64, now: UnixTime) -> (Option<Lock>, Outcome) {
    let Settled { lock, out, .. } = settle(state, default_secs, now);
    (lock, out)
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

#[cfg(test)]
mod tests;
