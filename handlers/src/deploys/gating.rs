//! The gate's decisions: a `deployment_protection_rule` request from GitHub
//! ([`on_protection_rule`]: approve at once, wait on the environment's
//! lock, or ask for approval), a press of Approve or Reject
//! ([`on_button`]: permission-checked, the first press decides), and the
//! commands that set a channel's gates ([`gate`], [`ungate`]).

use super::change::{Change, Outcome};
use super::gate::{callback_route, request_key, Decider, DeployGate, GateRequest, GateState};
use super::gate_message;
use super::gate_verdict::decide;
use super::lock::Lock;
use super::locking::{settled, LockState};
use crate::buttons::GateButton;
use crate::caller::Caller;
use crate::github::DeploymentProtectionRuleEvent;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::UnixTime;

/// What GitHub said about a `deploys gate`'s repository and environment,
/// looked up before deciding (the decision itself does no I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubCheck {
    /// The environment exists in the repository.
    Found,
    /// The repository is unknown to Baton's GitHub credentials.
    NoRepository { reason: String },
    /// The repository has no environment of that name.
    NoEnvironment,
    /// GitHub could not be asked (offline, unreachable, no answer in time).
    Unchecked { reason: String },
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
    let (held, mut out) = settled(lock, default_secs, now);
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
    let message = match &held {
        Some(l) => {
            if channels.is_empty() {
                channels.push(l.channel.clone());
            }
            request.state = GateState::WaitingOnLock;
            gate_message::waiting_on_lock(&request, l, now)
        }
        None if request.approval => gate_message::awaiting_approval(&request),
        None => {
            let decided = decide(&request, true, Decider::NotLocked, now);
            out.changes.extend(decided.changes);
            out.outbound.extend(decided.outbound);
            return out;
        }
    };
    let (text, blocks) = message;
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

/// May `user` decide a request in this state? Approve anyway (and reject)
/// while locked: the lock holder or a Baton admin. Approve (and reject) a
/// gate asking for approval: anyone in its channel, or only admins when
/// `BATON_ADMINS` names some.
fn may_decide(state: &GateState, lock: Option<&Lock>, user: &str, admins: &[String]) -> bool {
    let admin = admins.iter().any(|a| a == user);
    match state {
        GateState::WaitingOnLock => admin || lock.is_none_or(|l| l.by == user),
        GateState::AwaitingApproval => admins.is_empty() || admin,
        GateState::Decided { .. } => false,
    }
}

/// A press of Approve (or Approve anyway) or Reject on a gate's message.
///
/// - `request`: the request the button names (its value), if stored;
/// - `lock`: the environment's lock in force now, if any.
pub fn on_button(
    button: GateButton,
    request: Option<&GateRequest>,
    lock: Option<&Lock>,
    presser: &Caller,
    admins: &[String],
    now: UnixTime,
) -> Outcome {
    let Some(request) = request else {
        return Outcome::reply(":warning: Baton no longer knows that deploy; nothing changed.");
    };
    if let GateState::Decided { approved, by, .. } = &request.state {
        let (text, _) = gate_message::decided(request, *approved, by);
        return Outcome::reply(mrkdwn!("Already decided: {}. Nothing changed.", text));
    }
    if !request.channels.contains(&presser.channel) {
        return Outcome::reply(
            ":warning: That deploy is decided in the channel that guards it; nothing changed.",
        );
    }
    if !may_decide(&request.state, lock, &presser.user, admins) {
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
    let mut out = decide(
        request,
        approved,
        Decider::Person {
            user: presser.user.clone(),
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

/// `/baton deploys gate <owner/repo> <environment> [approval]`: this
/// channel guards deploys of `repo` to `environment`. `check` is what
/// GitHub said about them: an unknown repository or environment changes
/// nothing.
pub fn gate(
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
pub fn ungate(caller: &Caller, gates: &[DeployGate], repo: &str, environment: &str) -> Outcome {
    let key = super::gate::gate_key(&caller.channel, repo, environment);
    if !gates.iter().any(|g| g.key() == key) {
        return Outcome::reply(mrkdwn!(
            "This channel does not guard deploys of `{}` to `{}`. `/baton deploys list` shows what it guards.",
            repo,
            environment
        ));
    }
    Outcome {
        changes: vec![Change::DeleteGate { key }],
        outbound: Vec::new(),
        reply: Some(mrkdwn!(
            "This channel no longer guards deploys of `{}` to `{}`; GitHub's requests for it are approved unless the environment is locked.",
            repo,
            environment
        )),
    }
}

/// `• `owner/repo` → `production` (approval)`: the lines of a channel's
/// gates in `deploys list`.
pub fn channel_gates(gates: &[DeployGate], channel: &str) -> Vec<Mrkdwn> {
    gates
        .iter()
        .filter(|g| g.channel == channel)
        .map(|g| {
            mrkdwn!(
                "• deploys of `{}` to `{}`{}",
                g.repo,
                g.environment,
                if g.approval {
                    " (each needs an Approve)"
                } else {
                    ""
                }
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
