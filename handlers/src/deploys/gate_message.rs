//! How a gated deploy reads in Slack: waiting on a lock (with "Approve
//! anyway" and "Reject"), waiting for approval ("Approve", "Reject"), and
//! decided (who decided, no buttons). Also the comment GitHub shows with
//! the answer.

use super::gate::{Decider, GateRequest};
use super::lock::Lock;
use crate::blocks::{self, Blocks};
use crate::buttons::{Button, GateButton};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::text::{format_datetime, format_duration, truncate_chars};
use crate::UnixTime;

/// Characters of a name, ref or login as shown.
const SHORT_CHARS: usize = 150;
/// Characters of a lock's reason as shown.
const REASON_CHARS: usize = 500;
/// Characters of the comment sent to GitHub.
const COMMENT_CHARS: usize = 1_000;

/// `*owner/repo* `main` (`47efb71`) → `production`, started by *octocat*`
fn deploy_line(r: &GateRequest) -> Mrkdwn {
    let mut out = mrkdwn!("*{}*", Mrkdwn::text_cut(&r.repo, SHORT_CHARS));
    if let Some(git_ref) = &r.git_ref {
        out.push(mrkdwn!(
            " {}",
            Mrkdwn::code(&truncate_chars(git_ref, SHORT_CHARS))
        ));
    }
    if let Some(sha) = &r.sha {
        let short: String = sha.chars().take(7).collect();
        out.push(mrkdwn!(" ({})", Mrkdwn::code(&short)));
    }
    out.push(mrkdwn!(
        " → {}",
        Mrkdwn::code(&truncate_chars(&r.environment, SHORT_CHARS))
    ));
    if let Some(who) = &r.started_by {
        out.push(mrkdwn!(
            ", started by *{}*",
            Mrkdwn::text_cut(who, SHORT_CHARS)
        ));
    }
    out
}

/// The same in plain words for the notification text.
fn deploy_words(r: &GateRequest) -> Mrkdwn {
    let mut out = mrkdwn!("{}", Mrkdwn::text_cut(&r.repo, SHORT_CHARS));
    if let Some(git_ref) = &r.git_ref {
        out.push(mrkdwn!(" {}", Mrkdwn::text_cut(git_ref, SHORT_CHARS)));
    }
    out.push(mrkdwn!(
        " to {}",
        Mrkdwn::text_cut(&r.environment, SHORT_CHARS)
    ));
    out
}

/// `locked by <@U1> since … until … (2h left): reason`
fn lock_line(lock: &Lock, now: UnixTime) -> Mrkdwn {
    let mut out = mrkdwn!(
        "🔒 Locked by {} since {} until {} ({} left)",
        Mrkdwn::user(&lock.by),
        format_datetime(lock.since),
        format_datetime(lock.expires_at),
        format_duration(lock.expires_at - now)
    );
    if let Some(reason) = &lock.reason {
        out.push(mrkdwn!(": {}", Mrkdwn::text_cut(reason, REASON_CHARS)));
    }
    out
}

fn buttons(r: &GateRequest, approve: &'static str) -> blocks::Block {
    blocks::actions(vec![
        blocks::button(
            Button::Deploys(GateButton::Approve).action_id(),
            approve,
            &r.key,
            Some("primary"),
        ),
        blocks::button(
            Button::Deploys(GateButton::Reject).action_id(),
            "Reject",
            &r.key,
            Some("danger"),
        ),
    ])
}

/// A deploy waiting on the environment's lock.
pub fn waiting_on_lock(r: &GateRequest, lock: &Lock, now: UnixTime) -> (Mrkdwn, Blocks) {
    let text = mrkdwn!(
        "⏸️ Deploy of {} waits on the lock held by {}",
        deploy_words(r),
        Mrkdwn::user(&lock.by)
    );
    let then = if r.approval {
        "asked for approval"
    } else {
        "approved"
    };
    let blocks = blocks::message(vec![
        blocks::section(mrkdwn!(
            "⏸️ *Deploy waits on the lock*: {}\n{}",
            deploy_line(r),
            lock_line(lock, now)
        )),
        buttons(r, "Approve anyway"),
        blocks::context(vec![mrkdwn!(
            "It is {} when the lock is released or expires. Approve anyway: the lock holder or a Baton admin.",
            then
        )]),
    ]);
    (text, blocks)
}

/// A deploy waiting for a person's approval.
pub fn awaiting_approval(r: &GateRequest) -> (Mrkdwn, Blocks) {
    let text = mrkdwn!("🚦 Deploy of {} needs approval", deploy_words(r));
    let blocks = blocks::message(vec![
        blocks::section(mrkdwn!("🚦 *Deploy needs approval*: {}", deploy_line(r))),
        buttons(r, "Approve"),
        blocks::context(vec![mrkdwn!("The first press decides.")]),
    ]);
    (text, blocks)
}

/// Who decided, for people.
fn decided_by(approved: bool, by: &Decider) -> Mrkdwn {
    let verb = if approved { "approved" } else { "rejected" };
    match by {
        Decider::NotLocked => mrkdwn!("{}: the environment was not locked", verb),
        Decider::Person {
            user,
            over_lock: Some(holder),
        } => mrkdwn!(
            "{} by {} while locked by {}",
            verb,
            Mrkdwn::user(user),
            Mrkdwn::user(holder)
        ),
        Decider::Person {
            user,
            over_lock: None,
        } => mrkdwn!("{} by {}", verb, Mrkdwn::user(user)),
        Decider::Unlocked { by } => {
            mrkdwn!("{}: {} released the lock", verb, Mrkdwn::user(by))
        }
        Decider::LockExpired { holder } => {
            mrkdwn!("{}: {}'s lock expired", verb, Mrkdwn::user(holder))
        }
    }
}

/// A decided deploy: who decided, no buttons.
pub fn decided(r: &GateRequest, approved: bool, by: &Decider) -> (Mrkdwn, Blocks) {
    let emoji = if approved { "✅" } else { "❌" };
    let who = decided_by(approved, by);
    let text = mrkdwn!("{} Deploy of {} {}", emoji, deploy_words(r), who);
    let blocks = blocks::message(vec![blocks::section(mrkdwn!(
        "{} *Deploy {}*\n{}",
        emoji,
        who,
        deploy_line(r)
    ))]);
    (text, blocks)
}

/// The comment GitHub shows with the answer (plain text).
pub fn comment(r: &GateRequest, approved: bool, by: &Decider) -> String {
    let env = truncate_chars(&r.environment, SHORT_CHARS);
    let text = match (approved, by) {
        (_, Decider::NotLocked) => format!("Approved by Baton: {env} is not locked."),
        (
            true,
            Decider::Person {
                user,
                over_lock: Some(holder),
            },
        ) => format!("Approved in Slack by {user} while {env} was locked by {holder} (Baton)."),
        (true, Decider::Person { user, .. }) => format!("Approved in Slack by {user} (Baton)."),
        (false, Decider::Person { user, .. }) => format!("Rejected in Slack by {user} (Baton)."),
        (_, Decider::Unlocked { by }) => {
            format!("Approved by Baton: {by} released the lock on {env}.")
        }
        (_, Decider::LockExpired { holder }) => {
            format!("Approved by Baton: {holder}'s lock on {env} expired.")
        }
    };
    truncate_chars(&text, COMMENT_CHARS)
}
