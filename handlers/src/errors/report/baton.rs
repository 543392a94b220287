//! Baton's own JSON shape of an error report, read into an
//! [`ErrorReport`]:
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
//! | `tags` | object of strings | optional; `tags.release` is the release it happened in |
//! | `release` | string | optional; the release, when `tags` has none |
//! | `occurred_at` | RFC 3339 string or Unix seconds | optional |
//!
//! Unknown fields are ignored. A wrong field is a [`ReportError`] that names
//! it, e.g. ``field `level`: unknown level `critical`, expected one of debug,
//! info, warning, error, fatal`` or ``missing field `message` ``.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    clean_name, exception_title, parse_frame, unix_seconds, MAX_FRAMES, MAX_MESSAGE_CHARS,
    MAX_STACK_TEXT_CHARS, MAX_TAGS, MAX_VALUE_CHARS,
};
use super::types::{ErrorReport, Exception, Level, ReportError, Source, Stack};
use crate::text::{parse_rfc3339, truncate_chars};

/// A body in Baton's JSON (see the module comment).
pub(super) fn parse_baton(root: &Map<String, Value>) -> Result<ErrorReport, ReportError> {
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
    let mut tags = tags;
    if let Some(release) = optional_str(root, "release")?.filter(|r| !r.trim().is_empty()) {
        if tags.len() < MAX_TAGS || tags.contains_key("release") {
            tags.entry("release".into())
                .or_insert_with(|| clean_name(release));
        }
    }
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
