//! Slack text and Block Kit for error reports: the first post of a window,
//! its update when the window closes, digest posts, and the held summary.

use serde_json::Value;

use super::state::{ChannelRate, DigestLine, Sample};
use crate::blocks::{actions, button, context, message, section};
use crate::text::{escape_mrkdwn, format_clock, format_duration, truncate_chars};
use crate::UnixTime;

/// `action_id` of the "Mute 1h" button (its value is the fingerprint).
pub const ACTION_MUTE: &str = "errors_mute";
/// `action_id` of the "Resolve" button (its value is the fingerprint).
pub const ACTION_RESOLVE: &str = "errors_resolve";

/// Characters of the plain-text fallback.
const FALLBACK_CHARS: usize = 3_000;
/// Characters of the stack code block.
const STACK_CHARS: usize = 2_500;
/// Characters of a title in a digest line or held summary.
const SHORT_TITLE_CHARS: usize = 150;
/// Most lines in one digest post.
const DIGEST_LINES: usize = 100;

/// `🔁 Regression: ` or nothing.
fn prefix(sample: &Sample) -> &'static str {
    if sample.regression {
        "🔁 Regression: "
    } else {
        ""
    }
}

/// The message for a report: plain text and blocks. `footer` is added to
/// the context line (the window's count when it closes).
pub fn report_message(sample: &Sample, fingerprint: &str, footer: Option<&str>) -> (String, Value) {
    let mut text = format!(
        "{}{} [{}/{}] {}",
        prefix(sample),
        sample.level.emoji(),
        sample.service,
        sample.environment,
        sample.title
    );
    // The fallback (notifications, screen readers) carries the count too.
    if let Some(footer) = footer {
        text = format!("{text} ({footer})");
    }
    let text = truncate_chars(&text, FALLBACK_CHARS);
    let mut blocks = vec![section(&format!(
        "{}{} *{}* in *{}* · {}\n{}",
        prefix(sample),
        sample.level.emoji(),
        sample.level.name(),
        escape_mrkdwn(&sample.service),
        escape_mrkdwn(&sample.environment),
        escape_mrkdwn(&sample.title),
    ))];
    if let Some(exc) = &sample.exception {
        let value = if exc.value.is_empty() {
            String::new()
        } else {
            format!(": {}", escape_mrkdwn(&exc.value))
        };
        blocks.push(section(&format!("*{}*{value}", escape_mrkdwn(&exc.kind))));
    }
    if !sample.stack.is_empty() {
        let mut stack = sample.stack.join("\n");
        if sample.stack_more > 0 {
            stack.push_str(&format!("\n… {} more frames", sample.stack_more));
        }
        let stack = truncate_chars(&stack, STACK_CHARS);
        blocks.push(section(&format!("```{}```", escape_mrkdwn(&stack))));
    }
    let mut ctx = format!("fingerprint `{fingerprint}`");
    if let Some(url) = &sample.url {
        ctx.push_str(&format!(" · <{url}|open>"));
    }
    if let Some(footer) = footer {
        ctx.push_str(&format!(" · {footer}"));
    }
    blocks.push(context(&ctx));
    blocks.push(actions(vec![
        button(ACTION_MUTE, "Mute 1h", fingerprint, None),
        button(ACTION_RESOLVE, "Resolve", fingerprint, Some("primary")),
    ]));
    (text, message(blocks))
}

/// "seen 37 times in 10m, last at 14:02 UTC".
pub fn seen_footer(count: u64, window: i64, last_seen: UnixTime) -> String {
    format!(
        "seen {count} times in {}, last at {} UTC",
        format_duration(window),
        format_clock(last_seen)
    )
}

/// One digest line: level, service, title, count, period, fingerprint.
pub fn digest_line(fingerprint: &str, line: &DigestLine) -> String {
    let s = &line.sample;
    let regression = if s.regression { "🔁 " } else { "" };
    format!(
        "{regression}{} *{}* · {} — {} — *{}×* in {}, last at {} UTC · `{fingerprint}`",
        s.level.emoji(),
        escape_mrkdwn(&s.service),
        escape_mrkdwn(&s.environment),
        escape_mrkdwn(&truncate_chars(&s.title, SHORT_TITLE_CHARS)),
        line.count,
        format_duration(line.window_end - line.window_start),
        format_clock(line.last_seen),
    )
}

/// A digest post: a header and one line per fingerprint, most frequent
/// first (the caller sorts), packed into sections under Slack's limits.
pub fn digest_message(lines: &[(String, DigestLine)]) -> (String, Value) {
    let reports: u64 = lines.iter().map(|(_, l)| l.count).sum();
    let header = format!(
        ":bar_chart: *Error digest*: {} {}, {} {}",
        lines.len(),
        plural(lines.len() as u64, "error", "errors"),
        reports,
        plural(reports, "report", "reports"),
    );
    let mut blocks = vec![section(&header)];
    let mut chunk = String::new();
    for (fp, line) in lines.iter().take(DIGEST_LINES) {
        let text = digest_line(fp, line);
        if !chunk.is_empty() && chunk.chars().count() + text.chars().count() + 1 > 2_900 {
            blocks.push(section(&chunk));
            chunk.clear();
        }
        if !chunk.is_empty() {
            chunk.push('\n');
        }
        chunk.push_str(&text);
    }
    if lines.len() > DIGEST_LINES {
        chunk.push_str(&format!("\n… and {} more", lines.len() - DIGEST_LINES));
    }
    if !chunk.is_empty() {
        blocks.push(section(&chunk));
    }
    let text = truncate_chars(
        &format!(
            "Error digest: {} {}, {} {}",
            lines.len(),
            plural(lines.len() as u64, "error", "errors"),
            reports,
            plural(reports, "report", "reports")
        ),
        FALLBACK_CHARS,
    );
    (text, message(blocks))
}

/// "held 57 more error reports in the last minute: top fingerprints …".
pub fn held_summary(rate: &ChannelRate, cap: u32) -> String {
    let mut top = rate.held_top.clone();
    top.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    let listed: Vec<String> = top
        .iter()
        .take(5)
        .map(|h| {
            format!(
                "`{}` {} ×{}",
                h.fingerprint,
                escape_mrkdwn(&truncate_chars(&h.title, 80)),
                h.count
            )
        })
        .collect();
    truncate_chars(
        &format!(
            ":hourglass: held {} more error {} in the last minute (this channel gets at most {cap} a minute): top fingerprints {}",
            rate.held,
            plural(rate.held, "report", "reports"),
            listed.join(", ")
        ),
        FALLBACK_CHARS,
    )
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}
