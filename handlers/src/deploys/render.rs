//! How a deploy reads in Slack: the status message (Block Kit plus a
//! plain-text fallback) and the thread reply with a failed deploy's log
//! tail, cut to Slack's limits; the "fixed by" a failures-only channel
//! hears; a lock's description and the news of its release or hand-over;
//! and a gated deploy: waiting on a lock (with "Approve anyway" and
//! "Reject"), waiting for approval ("Approve", "Reject"), decided (who
//! decided, no buttons), and the comment GitHub shows with the answer.

use std::sync::LazyLock;

use regex::Regex;

use super::gate::{Decider, DeployGate, GateRequest};
use super::lock::Lock;
use super::record::DeployRecord;
use super::update::DeploySource;
use crate::blocks::{self, Blocks};
use crate::buttons::{Button, GateButton};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::text::{format_datetime, format_duration, parse_user_mention, truncate_chars};
use crate::UnixTime;

/// Characters of a name, version or ref as shown.
const SHORT_CHARS: usize = 150;
/// Characters of a description or reason as shown.
const LONG_CHARS: usize = 1_000;
/// Characters of the plain-text fallback.
const FALLBACK_CHARS: usize = 3_000;
/// Characters of a lock's reason as shown on a gated deploy.
const REASON_CHARS: usize = 500;
/// Characters of the comment sent to GitHub with a gate's answer.
const COMMENT_CHARS: usize = 1_000;

/// The most log characters shown (after escaping), leaving room in the
/// 3,000-character section for the code fence.
pub const LOG_TAIL_CHARS: usize = 2900;
/// The most log lines shown.
pub const LOG_TAIL_LINES: usize = 50;

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A person: a Slack mention stays a mention, anything else is plain text.
fn person(actor: &str) -> Mrkdwn {
    match parse_user_mention(actor) {
        Some(id) if actor.starts_with("<@") => Mrkdwn::user(&id),
        _ => Mrkdwn::text(actor),
    }
}

/// A full hex sha is shown by its first 7 characters; anything else whole.
fn short_sha(sha: &str) -> String {
    if sha.len() >= 12 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
        sha[..7].to_string()
    } else {
        sha.to_string()
    }
}

/// The version shown (a hook's version, else a short sha, else the ref) and
/// where it links (the commit, else the given URL).
fn version(r: &DeployRecord) -> Option<Mrkdwn> {
    let short_sha = r.sha.as_deref().map(short_sha);
    let shown = r
        .version
        .clone()
        .or(short_sha)
        .or_else(|| r.git_ref.clone())?;
    let commit_url = match (&r.repo_url, &r.sha) {
        (Some(repo_url), Some(sha)) => Some(format!("{repo_url}/commit/{sha}")),
        _ => None,
    };
    let label = Mrkdwn::code(&truncate_chars(&shown, SHORT_CHARS));
    let mut out = match commit_url.or_else(|| r.url.clone()) {
        Some(url) => Mrkdwn::link(&url, label),
        None => label,
    };
    if let Some(git_ref) = &r.git_ref {
        if *git_ref != shown {
            out.push(mrkdwn!(
                " ({})",
                Mrkdwn::code(&truncate_chars(git_ref, SHORT_CHARS))
            ));
        }
    }
    Some(out)
}

fn lock_warning(r: &DeployRecord) -> Option<Mrkdwn> {
    let l = r.locked.as_ref()?;
    let mut out = mrkdwn!("⚠️ deployed while locked by {}", Mrkdwn::user(&l.by));
    if let Some(reason) = &l.reason {
        out.push(mrkdwn!(": {}", Mrkdwn::text_cut(reason, LONG_CHARS)));
    }
    Some(out)
}

/// The deploy's message: `(fallback text, blocks)`.
pub fn deploy_message(r: &DeployRecord) -> (Mrkdwn, Blocks) {
    let subject = Mrkdwn::text_cut(r.subject(), SHORT_CHARS);
    let env = r
        .environment
        .as_deref()
        .map(|e| Mrkdwn::text_cut(e, SHORT_CHARS));
    let headline = mrkdwn!("{} Deploy {}", r.status.emoji(), r.status.label());

    // Plain-text fallback: one line.
    let mut text = mrkdwn!("{}: {}", headline, subject);
    let shown = r
        .version
        .clone()
        .or_else(|| r.sha.as_deref().map(short_sha))
        .or_else(|| r.git_ref.clone());
    if let Some(v) = shown {
        text.push(mrkdwn!(" {}", Mrkdwn::text_cut(&v, SHORT_CHARS)));
    }
    if let Some(env) = &env {
        text.push(mrkdwn!(" to {}", env));
    }
    if let Some(actor) = &r.actor {
        text.push(mrkdwn!(
            " by {}",
            person(&truncate_chars(actor, SHORT_CHARS))
        ));
    }
    if let Some(d) = r.duration() {
        text.push(mrkdwn!(" (took {})", format_duration(d)));
    }
    if let Some(w) = lock_warning(r) {
        text.push(mrkdwn!(" — {}", w));
    }

    // Blocks.
    let subject_md = match &r.repo_url {
        Some(url) => Mrkdwn::link(url, subject.clone()),
        None => subject.clone(),
    };
    let mut head = mrkdwn!(
        "{} *Deploy {}*: *{}*",
        r.status.emoji(),
        r.status.label(),
        subject_md
    );
    if let Some(env) = &env {
        head.push(mrkdwn!(" → `{}`", env));
    }
    let mut lines = vec![head];
    if let Some(v) = version(r) {
        lines.push(mrkdwn!("*Version:* {}", v));
    }
    if let Some(actor) = &r.actor {
        lines.push(mrkdwn!(
            "*By:* {}",
            person(&truncate_chars(actor, SHORT_CHARS))
        ));
    }
    let mut times = Vec::new();
    if let Some(s) = r.started_at {
        times.push(mrkdwn!("*Started:* {}", format_datetime(s)));
    }
    if let Some(f) = r.finished_at {
        times.push(mrkdwn!("*Finished:* {}", format_datetime(f)));
    }
    if let Some(d) = r.duration() {
        times.push(mrkdwn!("*Took:* {}", format_duration(d)));
    }
    if !times.is_empty() {
        lines.push(Mrkdwn::join(times, " · "));
    }
    if let Some(desc) = &r.description {
        // A quote: every line starts with `>` (sent escaped, as Slack does).
        let desc = truncate_chars(desc, LONG_CHARS);
        lines.push(Mrkdwn::join(
            desc.split('\n').map(|l| mrkdwn!("> {}", l)),
            "\n",
        ));
    }
    let mut out = vec![blocks::section(Mrkdwn::join(lines, "\n"))];
    if let Some(w) = lock_warning(r) {
        out.push(blocks::section(w));
    }
    out.push(blocks::context(vec![source_line(r)]));
    (text.fit(FALLBACK_CHARS), blocks::message(out))
}

/// Where the deploy came from, with the logs link: the grey line.
fn source_line(r: &DeployRecord) -> Mrkdwn {
    let mut out = match &r.source {
        DeploySource::GithubDeployment { id, .. } => mrkdwn!("GitHub deployment {}", id),
        DeploySource::WorkflowRun {
            workflow,
            run_id,
            run_attempt,
            ..
        } => {
            let attempt = if *run_attempt > 1 {
                format!(" (attempt {run_attempt})")
            } else {
                String::new()
            };
            mrkdwn!(
                "Workflow {} run {}{}",
                Mrkdwn::code(&truncate_chars(workflow, SHORT_CHARS)),
                run_id,
                attempt
            )
        }
        DeploySource::Hook { .. } => mrkdwn!("CI deploy hook"),
    };
    if let Some(url) = &r.log_url {
        out.push(mrkdwn!(" · {}", Mrkdwn::link(url, "logs")));
    }
    out
}

static ANSI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]").expect("valid regex"));

/// The last lines of a log, for [`Mrkdwn::code_block`]: at most
/// [`LOG_TAIL_LINES`] lines and [`LOG_TAIL_CHARS`] characters once escaped
/// and fenced, starting at a line boundary where possible. Colour codes and
/// `\r` are dropped; the text is returned as written (the code block
/// escapes it). Returns `(text, characters cut from the front)`.
pub fn log_excerpt(log: &str) -> (String, usize) {
    let cleaned = ANSI.replace_all(log, "").replace('\r', "");
    let cleaned = cleaned.trim_end();
    let chars: Vec<char> = cleaned.chars().collect();
    // Walk back from the end, escaping as we go, until a limit is reached.
    let mut start = chars.len();
    let mut escaped_len = 0;
    let mut newlines = 0;
    while start > 0 {
        let c = chars[start - 1];
        if c == '\n' {
            if newlines + 1 >= LOG_TAIL_LINES {
                break;
            }
            newlines += 1;
        }
        let cost = match c {
            '&' => 5,
            '<' | '>' => 4,
            '`' => 2,
            _ => 1,
        };
        if escaped_len + cost > LOG_TAIL_CHARS {
            // Cut mid-line: start at the next whole line if one is kept.
            if let Some(nl) = chars[start..].iter().position(|&c| c == '\n') {
                start += nl + 1;
            }
            break;
        }
        escaped_len += cost;
        start -= 1;
    }
    (chars[start..].iter().collect(), start)
}

/// The thread reply under a failed deploy: its log tail, or a link to its
/// logs. `None` when there is neither.
pub fn failure_reply(r: &DeployRecord, log_tail: Option<&str>) -> Option<(Mrkdwn, Blocks)> {
    let what = mrkdwn!(
        "{} Deploy of {}{} {}",
        r.status.emoji(),
        Mrkdwn::text_cut(r.subject(), SHORT_CHARS),
        r.environment
            .as_deref()
            .map(|e| mrkdwn!(" to {}", Mrkdwn::text_cut(e, SHORT_CHARS)))
            .unwrap_or_default(),
        r.status.label(),
    );
    let tail = log_tail.map(log_excerpt).filter(|(t, _)| !t.is_empty());
    match (tail, &r.log_url) {
        (Some((tail, cut)), log_url) => {
            let mut head = mrkdwn!("{}. The end of its log:", what);
            if let Some(url) = log_url {
                head.push(mrkdwn!(" ({})", Mrkdwn::link(url, "full logs")));
            }
            let mut out = vec![blocks::section(head)];
            if cut > 0 {
                out.push(blocks::context(vec![mrkdwn!(
                    "… {} earlier characters cut",
                    thousands(cut)
                )]));
            }
            out.push(blocks::section(Mrkdwn::code_block(&format!("\n{tail}\n"))));
            let text = mrkdwn!("{}: log tail attached", what);
            Some((text, blocks::message(out)))
        }
        (None, Some(url)) => {
            let line = mrkdwn!(
                "{}. No log tail was sent; {}",
                what,
                Mrkdwn::link(url, "see the logs")
            );
            let text = mrkdwn!("{}. Logs: {}", what, Mrkdwn::text_cut(url, LONG_CHARS));
            Some((text, blocks::message(vec![blocks::section(line)])))
        }
        (None, None) => None,
    }
}

/// The version a deploy shows: its version, else its short sha, else its ref.
fn version_of(r: &DeployRecord) -> Option<String> {
    r.version
        .clone()
        .or_else(|| r.sha.as_deref().map(|s| s.chars().take(7).collect()))
        .or_else(|| r.git_ref.clone())
}

/// `✅ Fixed by `v2`: the next deploy of checkout-api to production
/// succeeded (…)`: the reply in a failures-only channel's failure thread.
pub fn fixed_by(after: &DeployRecord, environment: &str, now: UnixTime) -> Mrkdwn {
    let mut text = mrkdwn!("✅ Fixed");
    if let Some(v) = version_of(after) {
        text.push(mrkdwn!(
            " by {}",
            Mrkdwn::code(&truncate_chars(&v, SHORT_CHARS))
        ));
    }
    text.push(mrkdwn!(
        ": the next deploy of {} to {} succeeded ({}).",
        Mrkdwn::text_cut(after.subject(), SHORT_CHARS),
        Mrkdwn::text_cut(environment, SHORT_CHARS),
        format_datetime(after.finished_at.unwrap_or(now))
    ));
    text
}

/// `` `production` locked by <@U1> since … until … (3h left): reason ``
pub fn describe_lock(l: &Lock, now: UnixTime) -> Mrkdwn {
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

/// `🔓 <@U2> unlocked `production`` (and whose lock it was, when not
/// theirs).
pub fn unlocked(user: &str, released: &Lock) -> Mrkdwn {
    let mut text = mrkdwn!(
        "🔓 {} unlocked `{}`",
        Mrkdwn::user(user),
        released.environment
    );
    if released.by != user {
        text.push(mrkdwn!(" (locked by {}", Mrkdwn::user(&released.by)));
        if let Some(r) = &released.reason {
            text.push(mrkdwn!(": {}", r));
        }
        text.push(")");
    }
    text
}

/// `⌛ <@U1>'s lock on `production` expired`
pub fn lock_expired(released: &Lock) -> Mrkdwn {
    mrkdwn!(
        "⌛ {}'s lock on `{}` expired",
        Mrkdwn::user(&released.by),
        released.environment
    )
}

/// `; 🔒 it passes to <@U2>, next in the queue, for 2h (until …): reason`
pub fn lock_passes_to(new: &Lock, now: UnixTime) -> Mrkdwn {
    let mut text = mrkdwn!(
        "; 🔒 it passes to {}, next in the queue, for {} (until {})",
        Mrkdwn::user(&new.by),
        format_duration(new.expires_at - now),
        format_datetime(new.expires_at)
    );
    if let Some(r) = &new.reason {
        text.push(mrkdwn!(": {}", r));
    }
    text
}

/// The direct message to the first in a queue when the lock passes to them.
pub fn lock_now_yours(new: &Lock, now: UnixTime) -> Mrkdwn {
    let mut dm = mrkdwn!(
        "🔒 You now hold the lock on `{}` for {} (until {})",
        new.environment,
        format_duration(new.expires_at - now),
        format_datetime(new.expires_at)
    );
    if let Some(r) = &new.reason {
        dm.push(mrkdwn!(": {}", r));
    }
    dm.push(mrkdwn!(
        ". You were first in its queue. `/baton unlock {}` releases it.",
        new.environment
    ));
    dm
}

/// `• deploys of `owner/repo` to `production` (each needs an Approve)`:
/// the lines of a channel's gates in `deploys list`.
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

/// `*owner/repo* `main` (`47efb71`) → `production`, started by *octocat*`
fn gate_deploy_line(r: &GateRequest) -> Mrkdwn {
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
fn gate_deploy_words(r: &GateRequest) -> Mrkdwn {
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

/// `🔒 Locked by <@U1> since … until … (2h left): reason`
fn gate_lock_line(lock: &Lock, now: UnixTime) -> Mrkdwn {
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

fn gate_buttons(r: &GateRequest, approve: &'static str) -> blocks::Block {
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

/// A gated deploy waiting on the environment's lock.
pub fn gate_waiting_on_lock(r: &GateRequest, lock: &Lock, now: UnixTime) -> (Mrkdwn, Blocks) {
    let text = mrkdwn!(
        "⏸️ Deploy of {} waits on the lock held by {}",
        gate_deploy_words(r),
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
            gate_deploy_line(r),
            gate_lock_line(lock, now)
        )),
        gate_buttons(r, "Approve anyway"),
        blocks::context(vec![mrkdwn!(
            "It is {} when the lock is released or expires. Approve anyway: the lock holder or a Baton admin.",
            then
        )]),
    ]);
    (text, blocks)
}

/// A gated deploy waiting for a person's approval.
pub fn gate_awaiting_approval(r: &GateRequest) -> (Mrkdwn, Blocks) {
    let text = mrkdwn!("🚦 Deploy of {} needs approval", gate_deploy_words(r));
    let blocks = blocks::message(vec![
        blocks::section(mrkdwn!(
            "🚦 *Deploy needs approval*: {}",
            gate_deploy_line(r)
        )),
        gate_buttons(r, "Approve"),
        blocks::context(vec![mrkdwn!("The first press decides.")]),
    ]);
    (text, blocks)
}

/// Who decided a gated deploy, for people.
fn gate_decided_by(approved: bool, by: &Decider) -> Mrkdwn {
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

/// A decided gated deploy: who decided, no buttons.
pub fn gate_decided(r: &GateRequest, approved: bool, by: &Decider) -> (Mrkdwn, Blocks) {
    let emoji = if approved { "✅" } else { "❌" };
    let who = gate_decided_by(approved, by);
    let text = mrkdwn!("{} Deploy of {} {}", emoji, gate_deploy_words(r), who);
    let blocks = blocks::message(vec![blocks::section(mrkdwn!(
        "{} *Deploy {}*\n{}",
        emoji,
        who,
        gate_deploy_line(r)
    ))]);
    (text, blocks)
}

/// The comment GitHub shows with a gate's answer (plain text).
pub fn gate_comment(r: &GateRequest, approved: bool, by: &Decider) -> String {
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
