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

#[cfg(test)]
mod tests {
    use super::super::report::{Exception, Level};
    use super::*;

    fn report(message: &str) -> ErrorReport {
        ErrorReport::new("api", "prod", Level::Error, message)
    }

    fn fp(message: &str) -> String {
        fingerprint(&report(message))
    }

    #[test]
    fn fnv_is_the_reference_function() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
        assert_eq!(fnv1a_hex(b"a"), "af63dc4c8601ec8c");
        assert_eq!(fnv1a_hex(b"foobar"), "85944171f73967e8");
        assert!(is_fingerprint(&fp("x")));
    }

    #[test]
    fn variable_parts_are_normalised() {
        let cases = [
            ("user 12345 not found", "user <n> not found"),
            (
                "order 3f2a9c1e-0b4d-4e8a-9f1c-2d3e4f5a6b7c failed",
                "order <uuid> failed",
            ),
            (
                "mail to ana.b+x@example.co.uk bounced",
                "mail to <email> bounced",
            ),
            ("KeyError: 'user_id'", "KeyError: <str>"),
            (r#"column "email" missing"#, "column <str> missing"),
            ("object at 0x7f3a2b10 freed", "object at <hex> freed"),
            ("commit a3f9c2e1d0 broke", "commit <hex> broke"),
            ("connect 10.0.0.12:5432 refused", "connect <ip> refused"),
            (
                "GET https://x.test/a?id=42&token=abc#top failed",
                "GET https://x.test/a?id=<v>&token=<v>#top failed",
            ),
            ("can't connect, won't retry", "can't connect, won't retry"),
            ("deadbeef cafe", "deadbeef cafe"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_message(input), want, "{input}");
        }
    }

    #[test]
    fn same_error_with_different_variable_parts_groups() {
        let groups = [
            ("user 1 not found", "user 98765 not found"),
            (
                "order 3f2a9c1e-0b4d-4e8a-9f1c-2d3e4f5a6b7c failed",
                "order 00000000-1111-2222-3333-444444444444 failed",
            ),
            (
                "bounce from a@b.io",
                "bounce from someone.else@corp.example.com",
            ),
            ("KeyError: 'user_id'", "KeyError: 'account'"),
            (
                "timeout after 30.5s on \"db-1\"",
                "timeout after 2.0s on \"db-7\"",
            ),
            ("ptr 0xdeadbeef", "ptr 0x1"),
        ];
        for (a, b) in groups {
            assert_eq!(fp(a), fp(b), "{a} / {b}");
        }
        assert_ne!(fp("user not found"), fp("order not found"));
    }

    #[test]
    fn service_and_exception_type_separate_groups() {
        let mut a = report("boom 1");
        let mut b = report("boom 2");
        a.exception = Some(Exception {
            kind: "KeyError".into(),
            value: "x".into(),
        });
        b.exception = Some(Exception {
            kind: "ValueError".into(),
            value: "x".into(),
        });
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let mut c = report("boom 1");
        c.service = "web".into();
        assert_ne!(fingerprint(&report("boom 1")), fingerprint(&c));
    }

    fn frame(function: &str, file: &str, line: u32) -> Frame {
        Frame {
            function: Some(function.into()),
            file: Some(file.into()),
            line: Some(line),
            in_app: None,
        }
    }

    #[test]
    fn frames_group_without_line_numbers_or_message() {
        let mut a = report("failed for user 1");
        a.exception = Some(Exception {
            kind: "KeyError".into(),
            value: "'a'".into(),
        });
        a.stack = Stack::Frames(vec![
            frame("load", "db.py", 10),
            frame("handle", "views.py", 20),
            frame("dispatch", "router.py", 30),
            frame("main", "main.py", 1),
        ]);
        let mut b = a.clone();
        b.message = "totally different wording".into();
        b.stack = Stack::Frames(vec![
            frame("load", "db.py", 11),
            frame("handle", "views.py", 25),
            frame("dispatch", "router.py", 31),
            frame("other", "elsewhere.py", 9),
        ]);
        assert_eq!(
            fingerprint(&a),
            fingerprint(&b),
            "only the top 3 frames count"
        );
        let mut c = a.clone();
        c.stack = Stack::Frames(vec![frame("save", "db.py", 10)]);
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn text_stacks_group_by_their_first_lines() {
        let mut a = report("x");
        a.stack = Stack::Text("at load (db.js:10:5)\nat run (main.js:3:1)".into());
        let mut b = report("y");
        b.stack = Stack::Text("at load (db.js:12:9)\nat run (main.js:4:1)".into());
        assert_eq!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn explicit_fingerprint_wins() {
        let mut a = report("one thing");
        let mut b = report("another thing");
        a.fingerprint = Some(vec!["checkout-timeout".into()]);
        b.fingerprint = Some(vec!["checkout-timeout".into()]);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&report("one thing")));
        // `{{ default }}` alone is Sentry's way of saying "derive it".
        let mut d = report("user 5 gone");
        d.fingerprint = Some(vec!["{{ default }}".into()]);
        assert_eq!(fingerprint(&d), fp("user 7 gone"));
        // Combined with more parts it splits the default group.
        let mut e = d.clone();
        e.fingerprint = Some(vec!["{{ default }}".into(), "tenant-a".into()]);
        assert_ne!(fingerprint(&e), fingerprint(&d));
    }

    #[test]
    fn fingerprints_are_stable() {
        // Pinned: a change here regroups every stored error.
        assert_eq!(fp("user 1 not found"), fp("user 2 not found"));
        assert_eq!(
            grouping_key(&report("user 1 not found")),
            "message\u{1f}api\u{1f}\u{1f}user <n> not found"
        );
        assert_eq!(
            fp("user 1 not found"),
            fnv1a_hex("message\u{1f}api\u{1f}\u{1f}user <n> not found".as_bytes())
        );
    }
}
