//! What both shapes read alike: the limits on what a report keeps, stack
//! frames, names, exception titles and Unix seconds.

use serde_json::Value;

use super::types::{Exception, Frame, ReportError};
use crate::text::truncate_chars;
use crate::UnixTime;

/// Longest message kept from a report (characters).
pub(in crate::errors) const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest exception value kept.
pub(super) const MAX_VALUE_CHARS: usize = 2_000;
/// Longest text stack trace kept.
pub(super) const MAX_STACK_TEXT_CHARS: usize = 8_000;
/// Most frames kept (innermost first).
pub(super) const MAX_FRAMES: usize = 50;
/// Most tags kept.
pub(super) const MAX_TAGS: usize = 50;
/// Longest tag key or value, service or environment name.
pub(super) const MAX_NAME_CHARS: usize = 200;

/// One stack frame at `path`: `function`, `filename` (else `module`),
/// `lineno` and `in_app`.
pub(super) fn parse_frame(value: &Value, path: &str) -> Result<Frame, ReportError> {
    let Value::Object(frame) = value else {
        return Err(ReportError::field(path, "expected a frame object"));
    };
    let text = |name: &str| -> Result<Option<String>, ReportError> {
        match frame.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(truncate_chars(s, MAX_NAME_CHARS))),
            Some(_) => Err(ReportError::field(
                &format!("{path}.{name}"),
                "expected a string",
            )),
        }
    };
    let line = match frame.get("lineno") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(_) => {
            return Err(ReportError::field(
                &format!("{path}.lineno"),
                "expected a number",
            ))
        }
    };
    Ok(Frame {
        function: text("function")?,
        file: text("filename")?.or(text("module")?),
        line,
        in_app: frame.get("in_app").and_then(Value::as_bool),
    })
}

/// `Type: value` (or `Type` alone), as a message.
pub(super) fn exception_title(exc: &Exception) -> String {
    if exc.value.is_empty() {
        exc.kind.clone()
    } else {
        truncate_chars(&format!("{}: {}", exc.kind, exc.value), MAX_MESSAGE_CHARS)
    }
}

/// A one-line name: trimmed, control characters dropped, length capped.
pub(super) fn clean_name(text: &str) -> String {
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate_chars(&cleaned, MAX_NAME_CHARS)
}

/// Unix seconds from a JSON number (a fraction is dropped); `None` when
/// it is out of range.
pub(super) fn unix_seconds(n: &serde_json::Number) -> Option<UnixTime> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    (f.is_finite() && f.abs() < 1e15).then_some(f.floor() as i64)
}
