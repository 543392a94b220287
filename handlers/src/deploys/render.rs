//! How a deploy reads in Slack: the status message (Block Kit plus a
//! plain-text fallback) and the thread reply with a failed deploy's log
//! tail, cut to Slack's limits.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::record::DeployRecord;
use super::update::DeploySource;
use crate::blocks;
use crate::text::{escape_mrkdwn, format_datetime, format_duration, parse_user_mention};

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

/// A link in mrkdwn, with the URL and label made safe.
fn link(url: &str, label: &str) -> String {
    let url = escape_mrkdwn(url).replace('|', "%7C");
    format!("<{url}|{label}>")
}

/// A person: a Slack mention stays a mention, anything else is plain text.
fn person(actor: &str) -> String {
    match parse_user_mention(actor) {
        Some(id) if actor.starts_with("<@") => format!("<@{id}>"),
        _ => escape_mrkdwn(actor),
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
fn version(r: &DeployRecord) -> Option<String> {
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
    let label = format!("`{}`", escape_mrkdwn(&shown));
    let mut out = match commit_url.or_else(|| r.url.clone()) {
        Some(url) => link(&url, &label),
        None => label,
    };
    if let Some(git_ref) = &r.git_ref {
        if *git_ref != shown {
            out.push_str(&format!(" (`{}`)", escape_mrkdwn(git_ref)));
        }
    }
    Some(out)
}

fn lock_warning(r: &DeployRecord) -> Option<String> {
    let l = r.locked.as_ref()?;
    let mut out = format!("⚠️ deployed while locked by <@{}>", l.by);
    if let Some(reason) = &l.reason {
        out.push_str(&format!(": {}", escape_mrkdwn(reason)));
    }
    Some(out)
}

/// The deploy's message: `(fallback text, blocks)`.
pub fn deploy_message(r: &DeployRecord) -> (String, Value) {
    let subject = escape_mrkdwn(r.subject());
    let env = r.environment.as_deref().map(escape_mrkdwn);
    let headline = format!("{} Deploy {}", r.status.emoji(), r.status.label());

    // Plain-text fallback: one line.
    let mut text = format!("{headline}: {subject}");
    let shown = r
        .version
        .clone()
        .or_else(|| r.sha.as_deref().map(short_sha))
        .or_else(|| r.git_ref.clone());
    if let Some(v) = shown {
        text.push_str(&format!(" {}", escape_mrkdwn(&v)));
    }
    if let Some(env) = &env {
        text.push_str(&format!(" to {env}"));
    }
    if let Some(actor) = &r.actor {
        text.push_str(&format!(" by {}", person(actor)));
    }
    if let Some(d) = r.duration() {
        text.push_str(&format!(" (took {})", format_duration(d)));
    }
    if let Some(w) = lock_warning(r) {
        text.push_str(&format!(" — {w}"));
    }

    // Blocks.
    let subject_md = match &r.repo_url {
        Some(url) => link(url, &subject),
        None => subject.clone(),
    };
    let mut head = format!(
        "{} *Deploy {}*: *{subject_md}*",
        r.status.emoji(),
        r.status.label()
    );
    if let Some(env) = &env {
        head.push_str(&format!(" → `{env}`"));
    }
    let mut lines = vec![head];
    if let Some(v) = version(r) {
        lines.push(format!("*Version:* {v}"));
    }
    if let Some(actor) = &r.actor {
        lines.push(format!("*By:* {}", person(actor)));
    }
    let mut times = Vec::new();
    if let Some(s) = r.started_at {
        times.push(format!("*Started:* {}", format_datetime(s)));
    }
    if let Some(f) = r.finished_at {
        times.push(format!("*Finished:* {}", format_datetime(f)));
    }
    if let Some(d) = r.duration() {
        times.push(format!("*Took:* {}", format_duration(d)));
    }
    if !times.is_empty() {
        lines.push(times.join(" · "));
    }
    if let Some(desc) = &r.description {
        lines.push(format!("> {}", escape_mrkdwn(desc).replace('\n', "\n> ")));
    }
    let mut out = vec![blocks::section(&lines.join("\n"))];
    if let Some(w) = lock_warning(r) {
        out.push(blocks::section(&w));
    }
    out.push(blocks::context(&source_line(r)));
    (text, blocks::message(out))
}

/// Where the deploy came from, with the logs link: the grey line.
fn source_line(r: &DeployRecord) -> String {
    let mut out = match &r.source {
        DeploySource::GithubDeployment { id, .. } => format!("GitHub deployment {id}"),
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
            format!(
                "Workflow `{}` run {run_id}{attempt}",
                escape_mrkdwn(workflow)
            )
        }
        DeploySource::Hook { .. } => "CI deploy hook".to_string(),
    };
    if let Some(url) = &r.log_url {
        out.push_str(&format!(" · {}", link(url, "logs")));
    }
    out
}

static ANSI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]").expect("valid regex"));

/// The last lines of a log, ready for a code block: at most
/// [`LOG_TAIL_LINES`] lines and [`LOG_TAIL_CHARS`] characters once escaped,
/// starting at a line boundary where possible. Colour codes and `\r` are
/// dropped, `&<>` escaped, and runs of backticks broken so the fence holds.
/// Returns `(text, characters cut from the front)`.
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
            '`' if start >= 2 && chars[start - 2] == '`' => 2,
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
    let mut out = String::with_capacity(escaped_len);
    for i in start..chars.len() {
        match chars[i] {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' if i > start && chars[i - 1] == '`' => out.push_str("\u{200B}`"),
            c => out.push(c),
        }
    }
    (out, start)
}

/// The thread reply under a failed deploy: its log tail, or a link to its
/// logs. `None` when there is neither.
pub fn failure_reply(r: &DeployRecord, log_tail: Option<&str>) -> Option<(String, Value)> {
    let what = format!(
        "{} Deploy of {}{} {}",
        r.status.emoji(),
        escape_mrkdwn(r.subject()),
        r.environment
            .as_deref()
            .map(|e| format!(" to {}", escape_mrkdwn(e)))
            .unwrap_or_default(),
        r.status.label(),
    );
    let tail = log_tail.map(log_excerpt).filter(|(t, _)| !t.is_empty());
    match (tail, &r.log_url) {
        (Some((tail, cut)), log_url) => {
            let mut head = format!("{what}. The end of its log:");
            if let Some(url) = log_url {
                head.push_str(&format!(" ({})", link(url, "full logs")));
            }
            let mut out = vec![blocks::section(&head)];
            if cut > 0 {
                out.push(blocks::context(&format!(
                    "… {} earlier characters cut",
                    thousands(cut)
                )));
            }
            out.push(blocks::section(&format!("```\n{tail}\n```")));
            let text = format!("{what}: log tail attached");
            Some((text, blocks::message(out)))
        }
        (None, Some(url)) => {
            let line = format!(
                "{what}. No log tail was sent; {}",
                link(url, "see the logs")
            );
            let text = format!("{what}. Logs: {}", escape_mrkdwn(url));
            Some((text, blocks::message(vec![blocks::section(&line)])))
        }
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::SECTION_TEXT_LIMIT;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_short_log_is_kept_whole() {
        let (tail, cut) = log_excerpt("Step 1\r\nStep 2\n\x1b[31mError: boom\x1b[0m\n\n");
        assert_eq!(tail, "Step 1\nStep 2\nError: boom");
        assert_eq!(cut, 0);
    }

    #[test]
    fn a_long_single_line_keeps_the_last_characters() {
        let log = format!("{}END", "a".repeat(10_000));
        let (tail, cut) = log_excerpt(&log);
        assert_eq!(tail.chars().count(), LOG_TAIL_CHARS);
        assert!(tail.ends_with("END"));
        assert_eq!(cut, 10_003 - LOG_TAIL_CHARS);
    }

    #[test]
    fn many_lines_keep_the_last_fifty() {
        let log: String = (1..=120).map(|i| format!("line {i}\n")).collect();
        let (tail, cut) = log_excerpt(&log);
        assert_eq!(tail.lines().count(), LOG_TAIL_LINES);
        assert!(tail.starts_with("line 71\n") && tail.ends_with("line 120"));
        let dropped: usize = (1..=70).map(|i| format!("line {i}\n").len()).sum();
        assert_eq!(cut, dropped);
    }

    #[test]
    fn long_lines_start_at_a_line_boundary_and_escape_within_budget() {
        let log: String = (0..100)
            .map(|i| format!("{i}: <{}>\n", "x".repeat(90)))
            .collect();
        let (tail, cut) = log_excerpt(&log);
        assert!(tail.chars().count() <= LOG_TAIL_CHARS);
        assert!(tail.lines().next().unwrap().ends_with("&gt;"));
        assert!(
            tail.lines().all(|l| l.contains(": &lt;")),
            "whole lines only"
        );
        assert!(cut > 0);
        let section = format!("```\n{tail}\n```");
        assert!(section.chars().count() <= SECTION_TEXT_LIMIT);
    }

    proptest::proptest! {
        /// Any log fits Slack's section and line limits, and the cut count
        /// never exceeds the (cleaned) log.
        #[test]
        fn any_log_fits(log in "(?s)[a-z<>&`\n\r é]{0,6000}") {
            let (tail, cut) = log_excerpt(&log);
            let section = format!("```\n{tail}\n```");
            proptest::prop_assert!(section.chars().count() <= SECTION_TEXT_LIMIT);
            proptest::prop_assert!(tail.lines().count() <= LOG_TAIL_LINES);
            proptest::prop_assert!(!tail.contains("``"));
            let cleaned = log.replace('\r', "");
            proptest::prop_assert!(cut <= cleaned.trim_end().chars().count());
        }
    }

    #[test]
    fn backtick_runs_cannot_close_the_fence() {
        let (tail, _) = log_excerpt("echo ```done```");
        assert!(!tail.contains("```"), "{tail}");
        assert!(!tail.contains("``"), "{tail}");
    }
}
