//! Deciding a gated deploy, once: the answer to GitHub (through the
//! outbox), its messages updated to say who or what decided, the request
//! stored as decided ([`decide`]). Also what the requests waiting on a lock
//! become when it goes ([`lock_gone`]: approved, or asked for approval when
//! a gate wants it) or passes to the next in its queue ([`lock_passed`]:
//! their messages name the new holder).

use super::change::{Change, Outcome};
use super::gate::{Decider, GateRequest, GateState};
use super::gate_message;
use super::lock::Lock;
use crate::outbound::{Outbound, ReviewState};
use crate::UnixTime;

/// Decide `request`: answer GitHub at its callback URL, update its message
/// in every channel, and store it decided.
pub fn decide(request: &GateRequest, approved: bool, by: Decider, now: UnixTime) -> Outcome {
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
        comment: gate_message::comment(request, approved, &by),
        installation: request.installation,
    });
    let (text, blocks) = gate_message::decided(request, approved, &by);
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

/// How the lock requests waited on went.
#[derive(Debug, Clone, Copy)]
pub enum LockGone<'a> {
    /// Released with `/baton unlock` by this user.
    Unlocked { by: &'a str },
    /// Its time ran out (it was held by this user).
    Expired { holder: &'a str },
}

/// The lock of their environment is gone and nobody waits for it: each
/// request waiting on it is approved, or asked for approval when a gate
/// wants a person's approval.
pub fn lock_gone(waiting: &[GateRequest], how: LockGone<'_>, now: UnixTime) -> Outcome {
    let mut out = Outcome::none();
    for request in waiting.iter().filter(|r| r.waits_on_lock()) {
        if request.approval {
            let mut asked = request.clone();
            asked.state = GateState::AwaitingApproval;
            let (text, blocks) = gate_message::awaiting_approval(&asked);
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
            let by = match how {
                LockGone::Unlocked { by } => Decider::Unlocked { by: by.to_string() },
                LockGone::Expired { holder } => Decider::LockExpired {
                    holder: holder.to_string(),
                },
            };
            let decided = decide(request, true, by, now);
            out.changes.extend(decided.changes);
            out.outbound.extend(decided.outbound);
        }
    }
    out
}

/// The lock passed to the next in its queue: the requests waiting on it
/// keep waiting, and their messages name the new holder.
pub fn lock_passed(waiting: &[GateRequest], lock: &Lock, now: UnixTime) -> Vec<Outbound> {
    let mut out = Vec::new();
    for request in waiting.iter().filter(|r| r.waits_on_lock()) {
        let (text, blocks) = gate_message::waiting_on_lock(request, lock, now);
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
