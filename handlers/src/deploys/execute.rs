//! What each deploys command decides ([`execute`]): watches (failures-only
//! ones too), gates, locks with their queue, and the announcements of a
//! lock taken, released or passed on. Pure: the caller loads every watch,
//! lock, queue and gate ([`DeploySnapshot`]) and stores the outcome. Every
//! lock command first settles its environment (`super::decide`): an
//! expired lock hands over to its queue before anyone acts.

use super::change::{Change, Outcome};
use super::decide::{announce_to, release, settle, store_queue, LockState, Release, Settled};
use super::gate::{gate_key, DeployGate, GateRequest, GithubCheck};
use super::lock::{active_lock, lock_key, Lock, DEFAULT_LOCK_SECS};
use super::queue::{find_queue, LockQueue, QueuedLock, MAX_QUEUE};
use super::render::{channel_gates, describe_lock};
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

/// The state a command reads: every watch (of every channel), every
/// stored lock (expired ones included; they count as absent, or as passed
/// to the first in their queue) and every lock queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeploySnapshot<'a> {
    pub watches: &'a [DeployWatch],
    pub locks: &'a [Lock],
    pub queues: &'a [LockQueue],
    /// The gates of every channel (for `deploys gate`, `ungate`, `list`).
    pub gates: &'a [DeployGate],
    /// The gated deploys waiting on the lock of the command's environment
    /// (for `lock`, `unlock`).
    pub waiting: &'a [GateRequest],
}

impl<'a> DeploySnapshot<'a> {
    /// What the lock decisions read about `environment`.
    fn lock_state(&self, environment: &'a str) -> LockState<'a> {
        LockState {
            environment,
            lock: find_lock(*self, environment),
            queue: find_queue(self.queues, environment),
            waiting: self.waiting,
            watches: self.watches,
        }
    }
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
            failures_only,
        } => {
            let watch = DeployWatch {
                channel: caller.channel.clone(),
                target: target.clone(),
                environment: environment.clone(),
                workflow: workflow.clone(),
                failures_only: *failures_only,
            };
            if let Some(same) = snapshot.watches.iter().find(|w| w.key() == watch.key()) {
                if same.failures_only == watch.failures_only {
                    return Outcome::reply(format!(
                        "This channel already watches {}.",
                        watch.describe()
                    ));
                }
                let how = if watch.failures_only {
                    "only the deploys that fail or error (and their fix)"
                } else {
                    "every deploy"
                };
                return Outcome {
                    reply: Some(format!("Now posting {how} of {}.", watch.describe()).into()),
                    changes: vec![Change::PutWatch(watch)],
                    outbound: Vec::new(),
                };
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
        Command::Gate {
            repo,
            environment,
            approval,
            check,
        } => gate(
            caller,
            snapshot.gates,
            repo,
            environment,
            *approval,
            check,
            now,
        ),
        Command::Ungate { repo, environment } => ungate(caller, snapshot.gates, repo, environment),
        Command::List => {
            let mine: Vec<String> = snapshot
                .watches
                .iter()
                .filter(|w| w.channel == caller.channel)
                .map(|w| format!("• {}", w.describe()))
                .collect();
            let guarded = channel_gates(snapshot.gates, &caller.channel);
            let mut text = if mine.is_empty() {
                Mrkdwn::from(
                    "This channel watches no deploys. Add one with `/baton deploys watch owner/repo production`.",
                )
            } else {
                Mrkdwn::from(format!("This channel watches:\n{}", mine.join("\n")))
            };
            if !guarded.is_empty() {
                text.push(mrkdwn!("\nIt guards:\n{}", Mrkdwn::join(guarded, "\n")));
            }
            Outcome::reply(text)
        }
        Command::Lock {
            environment,
            duration,
            reason,
        } => lock(
            caller,
            &snapshot.lock_state(environment),
            *duration,
            reason.as_deref(),
            default_secs(policy),
            now,
        ),
        Command::Unlock { environment } => unlock(
            caller,
            &snapshot.lock_state(environment),
            default_secs(policy),
            now,
        ),
        Command::LeaveQueue { environment } => leave_queue(
            caller,
            &snapshot.lock_state(environment),
            default_secs(policy),
            now,
        ),
        Command::Locks => locks(snapshot.locks, snapshot.queues, default_secs(policy), now),
    }
}

/// How long a lock lasts without `for <duration>`.
fn default_secs(policy: &Policy) -> i64 {
    if policy.lock_default_secs > 0 {
        policy.lock_default_secs
    } else {
        DEFAULT_LOCK_SECS
    }
}

fn find_lock<'a>(snapshot: DeploySnapshot<'a>, environment: &str) -> Option<&'a Lock> {
    let key = lock_key(environment);
    snapshot
        .locks
        .iter()
        .find(|l| lock_key(&l.environment) == key)
}

/// `/baton lock <environment> [for <duration>] [reason]`: take the lock,
/// or join the queue when someone else holds it.
pub(crate) fn lock(
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
        .retain(|c| !matches!(c, Change::RemoveLock { .. }));
    out.changes.push(Change::PutLock(new));
    out
}

/// `/baton unlock <environment>`: release the lock (anyone may; the
/// announcement names both); it passes to the first in the queue.
pub(crate) fn unlock(
    caller: &Caller,
    state: &LockState<'_>,
    default_secs: i64,
    now: UnixTime,
) -> Outcome {
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
    let Settled { lock, mut out, .. } =
        release(state, held, Release::Unlocked { caller }, default_secs, now);
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
pub(crate) fn leave_queue(
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
pub(crate) fn locks(
    stored: &[Lock],
    queues: &[LockQueue],
    default_secs: i64,
    now: UnixTime,
) -> Outcome {
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

/// `/baton deploys gate <owner/repo> <environment> [approval]`: this
/// channel guards deploys of `repo` to `environment`. `check` is what
/// GitHub said about them: an unknown repository or environment changes
/// nothing.
pub(crate) fn gate(
    caller: &Caller,
    gates: &[DeployGate],
    repo: &str,
    environment: &str,
    approval: bool,
    check: &GithubCheck,
    now: UnixTime,
) -> Outcome {
    let note = match check {
        GithubCheck::Found => None,
        GithubCheck::NoRepository { reason } => {
            return Outcome::reply(mrkdwn!(
                ":warning: GitHub does not show Baton a repository `{}` ({}). Nothing changed.",
                repo,
                reason
            ))
        }
        GithubCheck::NoEnvironment => {
            return Outcome::reply(mrkdwn!(
                ":warning: `{}` has no environment `{}` on GitHub (Settings → Environments). Nothing changed.",
                repo,
                environment
            ))
        }
        GithubCheck::Unchecked { reason } => Some(mrkdwn!(
            " (I could not check it on GitHub: {}.)",
            reason
        )),
    };
    let new = DeployGate {
        channel: caller.channel.clone(),
        repo: repo.to_ascii_lowercase(),
        environment: environment.to_string(),
        approval,
        created_by: caller.user.clone(),
        created_at: now,
    };
    if let Some(same) = gates.iter().find(|g| g.key() == new.key()) {
        if same.approval == approval {
            return Outcome::reply(mrkdwn!(
                "This channel already guards deploys of `{}` to `{}`.",
                repo,
                environment
            ));
        }
    }
    let how = if approval {
        "every deploy waits for an Approve here, and for the lock while it is held"
    } else {
        "deploys wait while the environment is locked and are approved at once otherwise"
    };
    let mut reply = mrkdwn!(
        "This channel now guards deploys of `{}` to `{}`: {}. On GitHub, enable Baton's App as a deployment protection rule of that environment (Settings → Environments → {}).",
        repo,
        environment,
        how,
        environment
    );
    if let Some(note) = note {
        reply.push(note);
    }
    Outcome {
        changes: vec![Change::PutGate(new)],
        outbound: Vec::new(),
        reply: Some(reply),
    }
}

/// `/baton deploys ungate <owner/repo> <environment>`.
pub(crate) fn ungate(
    caller: &Caller,
    gates: &[DeployGate],
    repo: &str,
    environment: &str,
) -> Outcome {
    let key = gate_key(&caller.channel, repo, environment);
    if !gates.iter().any(|g| g.key() == key) {
        return Outcome::reply(mrkdwn!(
            "This channel does not guard deploys of `{}` to `{}`. `/baton deploys list` shows what it guards.",
            repo,
            environment
        ));
    }
    Outcome {
        changes: vec![Change::RemoveGate { key }],
        outbound: Vec::new(),
        reply: Some(mrkdwn!(
            "This channel no longer guards deploys of `{}` to `{}`; GitHub's requests for it are approved unless the environment is locked.",
            repo,
            environment
        )),
    }
}
