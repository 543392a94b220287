//! Slack text and Block Kit for error reports: the first post of a window,
//! its update when the window closes, digest posts, and the held summary.

use super::records::{ChannelRate, DigestLine, Sample};
use crate::blocks::{actions, button, context, message, section, Blocks};
use crate::buttons::{Button, ErrorButton};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::text::{format_clock, format_duration, truncate_chars};
use crate::UnixTime;

/// `action_id` of the "Mute 1h" button (its value is the fingerprint).
pub const ACTION_MUTE: &str = Button::Errors(ErrorButton::Mute).action_id();
/// `action_id` of the "Resolve" button (its value is the fingerprint).
pub const ACTION_RESOLVE: &str = Button::Errors(ErrorButton::Resolve).action_id();

/// Characters of the plain-text fallback.
const FALLBACK_CHARS: usize = 3_000;
/// Characters of the stack code block.
const STACK_CHARS: usize = 2_500;
/// Characters of a title or exception value in a report's section.
const TITLE_CHARS: usize = 1_200;
/// Characters of a title in a digest line or held summary.
const SHORT_TITLE_CHARS: usize = 150;
/// Most lines in one digest post.
const DIGEST_LINES: usize = 100;

/// `🔁 Regression: `, `🔁 Regression in `v2`: ` or nothing.
fn prefix(sample: &Sample) -> Mrkdwn {
    match (sample.regression, &sample.release) {
        (false, _) => Mrkdwn::new(),
        (true, Some(release)) => mrkdwn!(
            "🔁 Regression in {}: ",
            Mrkdwn::code(&truncate_chars(release, SHORT_TITLE_CHARS))
        ),
        (true, None) => mrkdwn!("🔁 Regression: "),
    }
}

/// The message for a report: plain text and blocks. `footer` is added to
/// the context line (the window's count when it closes).
pub fn report_message(
    sample: &Sample,
    fingerprint: &str,
    footer: Option<&Mrkdwn>,
) -> (Mrkdwn, Blocks) {
    // The fallback (notifications, screen readers) carries the count too.
    // Outside text is cut before it is escaped, so the cut counts what
    // people see and never splits an entity.
    let title = truncate_chars(&sample.title, FALLBACK_CHARS - 400);
    let service = Mrkdwn::text_cut(&sample.service, SHORT_TITLE_CHARS);
    let environment = Mrkdwn::text_cut(&sample.environment, SHORT_TITLE_CHARS);
    let mut text = mrkdwn!(
        "{}{} [{}/{}] {}",
        prefix(sample),
        sample.level.emoji(),
        service,
        environment,
        title
    );
    if let Some(footer) = footer {
        text = mrkdwn!("{} ({})", text, footer);
    }
    let mut blocks = vec![section(mrkdwn!(
        "{}{} *{}* in *{}* · {}\n{}",
        prefix(sample),
        sample.level.emoji(),
        sample.level.name(),
        service,
        environment,
        Mrkdwn::text_cut(&sample.title, TITLE_CHARS),
    ))];
    if let Some(exc) = &sample.exception {
        let kind = Mrkdwn::text_cut(&exc.kind, SHORT_TITLE_CHARS);
        let value = Mrkdwn::text_cut(&exc.value, TITLE_CHARS);
        blocks.push(section(if exc.value.is_empty() {
            mrkdwn!("*{}*", kind)
        } else {
            mrkdwn!("*{}*: {}", kind, value)
        }));
    }
    if !sample.stack.is_empty() {
        let mut stack = sample.stack.join("\n");
        if sample.stack_more > 0 {
            stack.push_str(&format!("\n… {} more frames", sample.stack_more));
        }
        let stack = truncate_chars(&stack, STACK_CHARS);
        blocks.push(section(Mrkdwn::code_block(&stack)));
    }
    let mut ctx = mrkdwn!("fingerprint {}", Mrkdwn::code(fingerprint));
    if let Some(url) = &sample.url {
        ctx.push(mrkdwn!(" · {}", Mrkdwn::link(url, "open")));
    }
    if let Some(footer) = footer {
        ctx.push(mrkdwn!(" · {}", footer));
    }
    blocks.push(context(vec![ctx]));
    blocks.push(actions(vec![
        button(ACTION_MUTE, "Mute 1h", fingerprint, None),
        button(ACTION_RESOLVE, "Resolve", fingerprint, Some("primary")),
    ]));
    (text.fit(FALLBACK_CHARS), message(blocks))
}

/// "seen 37 times in 10m, last at 14:02 UTC".
pub fn seen_footer(count: u64, window: i64, last_seen: UnixTime) -> Mrkdwn {
    mrkdwn!(
        "seen {} times in {}, last at {} UTC",
        count,
        format_duration(window),
        format_clock(last_seen)
    )
}

/// One digest line: level, service, title, count, period, fingerprint.
pub fn digest_line(fingerprint: &str, line: &DigestLine) -> Mrkdwn {
    let s = &line.sample;
    let regression = if s.regression { "🔁 " } else { "" };
    mrkdwn!(
        "{}{} *{}* · {} — {} — *{}×* in {}, last at {} UTC · {}",
        regression,
        s.level.emoji(),
        Mrkdwn::text_cut(&s.service, SHORT_TITLE_CHARS),
        Mrkdwn::text_cut(&s.environment, SHORT_TITLE_CHARS),
        Mrkdwn::text_cut(&s.title, SHORT_TITLE_CHARS),
        line.count,
        format_duration(line.window_end - line.window_start),
        format_clock(line.last_seen),
        Mrkdwn::code(fingerprint),
    )
}

/// A digest post: a header and one line per fingerprint, most frequent
/// first (the caller sorts), packed into sections under Slack's limits.
pub fn digest_message(lines: &[(String, DigestLine)]) -> (Mrkdwn, Blocks) {
    let reports: u64 = lines.iter().map(|(_, l)| l.count).sum();
    let header = mrkdwn!(
        ":bar_chart: *Error digest*: {} {}, {} {}",
        lines.len(),
        plural(lines.len() as u64, "error", "errors"),
        reports,
        plural(reports, "report", "reports"),
    );
    let mut blocks = vec![section(header)];
    let mut chunk = Mrkdwn::new();
    for (fp, line) in lines.iter().take(DIGEST_LINES) {
        let text = digest_line(fp, line);
        if !chunk.is_empty() && chunk.char_count() + text.char_count() + 1 > 2_900 {
            blocks.push(section(std::mem::take(&mut chunk)));
        }
        if !chunk.is_empty() {
            chunk.push("\n");
        }
        chunk.push(text);
    }
    if lines.len() > DIGEST_LINES {
        chunk.push(mrkdwn!("\n… and {} more", lines.len() - DIGEST_LINES));
    }
    if !chunk.is_empty() {
        blocks.push(section(chunk));
    }
    let text = mrkdwn!(
        "Error digest: {} {}, {} {}",
        lines.len(),
        plural(lines.len() as u64, "error", "errors"),
        reports,
        plural(reports, "report", "reports")
    );
    (text, message(blocks))
}

/// "held 57 more error reports in the last minute: top fingerprints …".
pub fn held_summary(rate: &ChannelRate, cap: u32) -> Mrkdwn {
    let mut top = rate.held_top.clone();
    top.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    let listed = top.iter().take(5).map(|h| {
        mrkdwn!(
            "{} {} ×{}",
            Mrkdwn::code(&h.fingerprint),
            Mrkdwn::text_cut(&h.title, 80),
            h.count
        )
    });
    mrkdwn!(
        ":hourglass: held {} more error {} in the last minute (this channel gets at most {} a minute): top fingerprints {}",
        rate.held,
        plural(rate.held, "report", "reports"),
        cap,
        Mrkdwn::join(listed, ", ")
    )
    .fit(FALLBACK_CHARS)
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}
