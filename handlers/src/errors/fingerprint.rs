//! Grouping: which reports are "the same error". A report's fingerprint is a
//! 16-hex-digit FNV-1a (64-bit) hash of a grouping key, stable across runs
//! and platforms.
//!
//! The key is, in order of preference:
//! 1. the fingerprint the sender gave (`{{ default }}` in it stands for the
//!    key Baton would derive, as in Sentry);
//! 2. service + exception type + the top three frames (function and file,
//!    no line numbers; the application's own frames when Sentry marks them
//!    `in_app`), or the first three lines of a text stack with its numbers
//!    and ids normalised;
//! 3. service + exception type (if any) + the message with its variable
//!    parts (numbers, hex ids, UUIDs, quoted strings, e-mail addresses, IP
//!    addresses, URL query values) replaced by placeholders.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::report::{ErrorReport, Frame, Stack};

/// How many frames (or text stack lines) take part in grouping.
const GROUPING_FRAMES: usize = 3;

/// The parts of a message that change between occurrences of one error.
/// One pass; at a given position the first alternative that matches wins.
static VARIABLE_PARTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<query>[?&][A-Za-z0-9_.\-\[\]]+=)[^&\s#]*",
        r#"|(?P<uuid>\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)"#,
        r"|(?P<email>\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)",
        r"|(?P<ip>\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b)",
        r#"|(?P<dq>"[^"\n]{0,400}")"#,
        r"|(?P<bq>`[^`\n]{0,400}`)",
        r"|(?P<sq>(?:^|[\s(\[{=:,])'[^'\n]{0,400}')",
        r"|(?P<hex0x>\b0[xX][0-9A-Fa-f]+\b)",
        r"|(?P<hex>\b[0-9A-Fa-f]{8,}\b)",
        r"|(?P<num>\d+)",
    ))
    .expect("grouping regex compiles")
});

/// The message with its variable parts replaced by placeholders, so that
/// two occurrences of one error read the same.
pub fn normalize_message(message: &str) -> Cow<'_, str> {
    VARIABLE_PARTS.replace_all(message, |caps: &Captures| -> String {
        if let Some(q) = caps.name("query") {
            format!("{}<v>", q.as_str())
        } else if caps.name("uuid").is_some() {
            "<uuid>".into()
        } else if caps.name("email").is_some() {
            "<email>".into()
        } else if caps.name("ip").is_some() {
            "<ip>".into()
        } else if caps.name("dq").is_some() || caps.name("bq").is_some() {
            "<str>".into()
        } else if let Some(sq) = caps.name("sq") {
            // Keep the character before the quote (it is not part of it).
            let text = sq.as_str();
            match text.strip_prefix('\'') {
                Some(_) => "<str>".into(),
                None => {
                    let first = text.chars().next().unwrap_or(' ');
                    format!("{first}<str>")
                }
            }
        } else if caps.name("hex0x").is_some() {
            "<hex>".into()
        } else if let Some(hex) = caps.name("hex") {
            // A long run of letters a–f alone ("deadbeef") is a word only if
            // it has no digit; ids almost always have one.
            if hex.as_str().bytes().any(|b| b.is_ascii_digit()) {
                "<hex>".into()
            } else {
                hex.as_str().to_string()
            }
        } else {
            "<n>".into()
        }
    })
}

/// FNV-1a, 64 bits, as 16 lower-case hex digits.
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Is `text` a fingerprint as Baton prints them (16 hex digits)?
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The report's fingerprint (16 hex digits).
pub fn fingerprint(report: &ErrorReport) -> String {
    fnv1a_hex(grouping_key(report).as_bytes())
}

/// The text that is hashed into the fingerprint (see the module comment).
pub fn grouping_key(report: &ErrorReport) -> String {
    const SEP: char = '\u{1f}';
    match &report.fingerprint {
        Some(parts) if !parts.iter().all(|p| is_default_marker(p)) => {
            let mut key = String::from("given");
            for part in parts {
                key.push(SEP);
                if is_default_marker(part) {
                    key.push_str(&derived_key(report));
                } else {
                    key.push_str(part);
                }
            }
            key
        }
        _ => derived_key(report),
    }
}

fn is_default_marker(part: &str) -> bool {
    let inner = part.trim();
    inner
        .strip_prefix("{{")
        .and_then(|p| p.strip_suffix("}}"))
        .is_some_and(|p| p.trim() == "default")
}

fn derived_key(report: &ErrorReport) -> String {
    const SEP: char = '\u{1f}';
    let kind = report.exception.as_ref().map_or("", |e| e.kind.as_str());
    let mut key = String::new();
    let frames = grouping_frames(&report.stack);
    if frames.is_empty() {
        key.push_str("message");
        for part in [
            report.service.as_str(),
            kind,
            normalize_message(&report.message).trim(),
        ] {
            key.push(SEP);
            key.push_str(part);
        }
    } else {
        key.push_str("frames");
        for part in [report.service.as_str(), kind] {
            key.push(SEP);
            key.push_str(part);
        }
        for frame in frames {
            key.push(SEP);
            key.push_str(&frame);
        }
    }
    key
}

/// The frames that group: up to three, `function@file` without lines.
fn grouping_frames(stack: &Stack) -> Vec<String> {
    match stack {
        Stack::None => Vec::new(),
        Stack::Frames(frames) => {
            let any_in_app = frames.iter().any(|f| f.in_app == Some(true));
            frames
                .iter()
                .filter(|f| !any_in_app || f.in_app == Some(true))
                .filter(|f| f.function.is_some() || f.file.is_some())
                .take(GROUPING_FRAMES)
                .map(frame_key)
                .collect()
        }
        Stack::Text(text) => text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .take(GROUPING_FRAMES)
            .map(|line| normalize_message(line).into_owned())
            .collect(),
    }
}

fn frame_key(frame: &Frame) -> String {
    format!(
        "{}@{}",
        frame.function.as_deref().unwrap_or(""),
        frame.file.as_deref().unwrap_or("")
    )
}
