//! Reading an error report from a request body into one [`ErrorReport`]:
//! the report's types, Baton's own JSON shape, and [`parse_report`], which
//! tells it from Sentry's webhook shapes. Those, and the events Sentry's
//! SDKs send, are read in [`sentry`] (its comment lists every field read);
//! `pruned` parses a large body keeping only the parts that are read.
//!
//! # Baton's JSON
//!
//! | field | type | |
//! | --- | --- | --- |
//! | `service` | string | required |
//! | `message` | string | required, unless `exception` is given (then `"Type: value"`) |
//! | `environment` | string | optional, default `production` |
//! | `level` | `debug` `info` `warning` `error` `fatal` | optional, default `error` |
//! | `exception` | `{"type": string, "value": string}` | optional; `type` required inside |
//! | `stacktrace` | array of frames `{"function", "filename" or "module", "lineno"}` (innermost first, all optional), or one text string | optional |
//! | `fingerprint` | string or array of strings | optional; replaces the derived grouping |
//! | `url` | string | optional link shown on the message |
//! | `tags` | object of strings | optional |
//! | `occurred_at` | RFC 3339 string or Unix seconds | optional |
//!
//! Unknown fields are ignored. A wrong field is a [`ReportError`] that names
//! it, e.g. ``field `level`: unknown level `critical`, expected one of debug,
//! info, warning, error, fatal`` or ``missing field `message` ``.
//!
//! A body without a `service` field is read as one of Sentry's webhooks
//! when it has one of their shapes, and otherwise refused as Baton's JSON
//! (``missing field `service` ``).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::text::{parse_rfc3339, truncate_chars};
use crate::UnixTime;

mod pruned;
pub mod sentry;

pub use sentry::parse_sdk_event;

/// Longest message kept from a report (characters).
const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest exception value kept.
const MAX_VALUE_CHARS: usize = 2_000;
/// Longest text stack trace kept.
const MAX_STACK_TEXT_CHARS: usize = 8_000;
/// Most frames kept (innermost first).
const MAX_FRAMES: usize = 50;
/// Most tags kept.
const MAX_TAGS: usize = 50;
/// Longest tag key or value, service or environment name.
const MAX_NAME_CHARS: usize = 200;

/// How bad an error is, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
    Fatal,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Debug,
        Level::Info,
        Level::Warning,
        Level::Error,
        Level::Fatal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Exactly one of the five names (case-insensitive).
    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(text))
    }

    /// The message that rejects an unknown level name.
    pub fn unknown(text: &str) -> String {
        format!("unknown level `{text}`, expected one of debug, info, warning, error, fatal")
    }

    /// The Slack emoji shown before the level.
    pub fn emoji(self) -> &'static str {
        match self {
            Level::Debug => ":mag:",
            Level::Info => ":information_source:",
            Level::Warning => ":warning:",
            Level::Error => ":red_circle:",
            Level::Fatal => ":boom:",
        }
    }
}

/// An exception's type and value (`ValueError`, `invalid literal …`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// One stack frame; all parts optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Frame {
    pub function: Option<String>,
    /// File name, or module when there is no file.
    pub file: Option<String>,
    pub line: Option<u32>,
    /// Sentry's `in_app` (the application's own code, not a library).
    pub in_app: Option<bool>,
}

impl Frame {
    /// `function (file:line)` for people.
    pub fn display(&self) -> String {
        let function = self.function.as_deref().unwrap_or("?");
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{function} ({file}:{line})"),
            (Some(file), None) => format!("{function} ({file})"),
            _ => function.to_string(),
        }
    }
}

/// A stack trace: structured frames (innermost first) or a block of text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Stack {
    #[default]
    None,
    Frames(Vec<Frame>),
    Text(String),
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Baton,
    Sentry,
}

/// One error report, whatever its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    pub source: Source,
    pub service: String,
    pub environment: String,
    pub level: Level,
    pub message: String,
    pub exception: Option<Exception>,
    pub stack: Stack,
    /// The fingerprint the sender gave, if any (see [`super::fingerprint()`]).
    pub fingerprint: Option<Vec<String>>,
    pub url: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub occurred_at: Option<UnixTime>,
}

impl ErrorReport {
    /// A minimal report (used by tests and by callers building one by hand).
    pub fn new(service: &str, environment: &str, level: Level, message: &str) -> Self {
        ErrorReport {
            source: Source::Baton,
            service: service.to_string(),
            environment: environment.to_string(),
            level,
            message: message.to_string(),
            exception: None,
            stack: Stack::None,
            fingerprint: None,
            url: None,
            tags: BTreeMap::new(),
            occurred_at: None,
        }
    }

    /// The frames, innermost first (empty for a text stack).
    pub fn frames(&self) -> &[Frame] {
        match &self.stack {
            Stack::Frames(frames) => frames,
            _ => &[],
        }
    }
}

/// Why a report body was refused (answered 400); names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError(pub String);

impl ReportError {
    fn field(path: &str, message: impl std::fmt::Display) -> Self {
        ReportError(format!("field `{path}`: {message}"))
    }

    fn missing(path: &str) -> Self {
        ReportError(format!("missing field `{path}`"))
    }
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReportError {}

/// Parse a report body: Baton's JSON or one of Sentry's webhook shapes.
pub fn parse_report(body: &[u8]) -> Result<ErrorReport, ReportError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ReportError(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(root) = value else {
        return Err(ReportError("the body must be a JSON object".into()));
    };
    if root.contains_key("service") {
        return parse_baton(&root);
    }
    if let Some(sentry) = sentry::parse_webhook(&root) {
        return sentry;
    }
    parse_baton(&root)
}

// ---------- Baton's JSON ----------

fn parse_baton(root: &Map<String, Value>) -> Result<ErrorReport, ReportError> {
    let service = required_name(root, "service")?;
    let environment =
        optional_str(root, "environment")?.map_or("production".to_string(), clean_name);
    let level = match optional_str(root, "level")? {
        None => Level::Error,
        Some(text) => Level::parse(text).ok_or_else(|| {
            ReportError::field("level", Level::unknown(&truncate_chars(text, 40)))
        })?,
    };
    let exception = match root.get("exception") {
        None | Some(Value::Null) => None,
        Some(Value::Object(exc)) => {
            let kind = optional_str(exc, "type")
                .map_err(|_| ReportError::field("exception.type", "expected a string"))?
                .ok_or_else(|| ReportError::missing("exception.type"))?;
            let value = optional_str(exc, "value")
                .map_err(|_| ReportError::field("exception.value", "expected a string"))?
                .unwrap_or("");
            Some(Exception {
                kind: clean_name(kind),
                value: truncate_chars(value, MAX_VALUE_CHARS),
            })
        }
        Some(_) => return Err(ReportError::field("exception", "expected an object")),
    };
    let message = match optional_str(root, "message")? {
        Some(m) if !m.trim().is_empty() => truncate_chars(m, MAX_MESSAGE_CHARS),
        _ => match &exception {
            Some(exc) => exception_title(exc),
            None => return Err(ReportError::missing("message")),
        },
    };
    let stack = match root.get("stacktrace") {
        None | Some(Value::Null) => Stack::None,
        Some(Value::String(text)) => Stack::Text(truncate_chars(text, MAX_STACK_TEXT_CHARS)),
        Some(Value::Array(frames)) => Stack::Frames(
            frames
                .iter()
                .take(MAX_FRAMES)
                .enumerate()
                .map(|(i, f)| parse_frame(f, &format!("stacktrace[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => {
            return Err(ReportError::field(
                "stacktrace",
                "expected an array of frames or a string",
            ))
        }
    };
    let fingerprint = match root.get("fingerprint") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ReportError::field(&format!("fingerprint[{i}]"), "expected a string")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => {
            return Err(ReportError::field(
                "fingerprint",
                "expected a string or an array of strings",
            ))
        }
    };
    let fingerprint = fingerprint.filter(|parts| !parts.is_empty());
    let url = optional_str(root, "url")?.map(str::to_string);
    let tags = match root.get("tags") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => {
            let mut tags = BTreeMap::new();
            for (k, v) in map.iter().take(MAX_TAGS) {
                let v = v
                    .as_str()
                    .ok_or_else(|| ReportError::field(&format!("tags.{k}"), "expected a string"))?;
                tags.insert(clean_name(k), clean_name(v));
            }
            tags
        }
        Some(_) => return Err(ReportError::field("tags", "expected an object of strings")),
    };
    let occurred_at = match root.get("occurred_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_rfc3339(s).ok_or_else(|| {
            ReportError::field("occurred_at", "expected an RFC 3339 time or Unix seconds")
        })?),
        Some(Value::Number(n)) => Some(unix_seconds(n).ok_or_else(|| {
            ReportError::field("occurred_at", "expected an RFC 3339 time or Unix seconds")
        })?),
        Some(_) => {
            return Err(ReportError::field(
                "occurred_at",
                "expected an RFC 3339 time or Unix seconds",
            ))
        }
    };
    Ok(ErrorReport {
        source: Source::Baton,
        service,
        environment,
        level,
        message,
        exception,
        stack,
        fingerprint,
        url,
        tags,
        occurred_at,
    })
}

fn parse_frame(value: &Value, path: &str) -> Result<Frame, ReportError> {
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

// ---------- helpers ----------

fn exception_title(exc: &Exception) -> String {
    if exc.value.is_empty() {
        exc.kind.clone()
    } else {
        truncate_chars(&format!("{}: {}", exc.kind, exc.value), MAX_MESSAGE_CHARS)
    }
}

fn optional_str<'a>(
    map: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ReportError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ReportError::field(name, "expected a string")),
    }
}

fn required_name(map: &Map<String, Value>, name: &str) -> Result<String, ReportError> {
    match optional_str(map, name)? {
        Some(s) if !s.trim().is_empty() => Ok(clean_name(s)),
        Some(_) => Err(ReportError::field(name, "must not be empty")),
        None => Err(ReportError::missing(name)),
    }
}

/// A one-line name: trimmed, control characters dropped, length capped.
fn clean_name(text: &str) -> String {
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate_chars(&cleaned, MAX_NAME_CHARS)
}

fn unix_seconds(n: &serde_json::Number) -> Option<UnixTime> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    (f.is_finite() && f.abs() < 1e15).then_some(f.floor() as i64)
}

#[cfg(test)]
mod tests;
