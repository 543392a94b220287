//! Sentry's shapes of an error report: its webhooks and the events its
//! SDKs send, read into an [`ErrorReport`] (Baton's own JSON is read in
//! [`super::baton`]).
//!
//! # Sentry's webhooks
//!
//! Recognised by their shape (no `service` field):
//! - issue alert (`Sentry-Hook-Resource: event_alert`):
//!   `{"action": "triggered", "data": {"event": {…}, "triggered_rule": …}}`
//! - error (`Sentry-Hook-Resource: error`): `{"action": "created", "data": {"error": {…}}}`
//! - legacy webhook plugin: `{"project", "project_name", "culprit", "message", "url", "level", "event": {…}}`
//!
//! From the Sentry event these fields are read:
//! - message: `title`, else `message`, else `logentry.formatted`, else
//!   `logentry.message`, else (legacy) the top-level `message`, else the
//!   exception's `type: value`;
//! - `level` (leniently: `critical` → fatal, `warn` → warning, `log` → info,
//!   anything else unknown → error); legacy top-level `level` as fallback;
//! - `environment` (default `production`);
//! - exception: the last of `exception.values` (Sentry lists the outermost
//!   first) `type`, `value` and `stacktrace.frames`; else the event's own
//!   `stacktrace.frames`. Frames are innermost-last in Sentry, so Baton
//!   reverses them; each frame's `function`, `filename` (else `module`),
//!   `lineno` and `in_app` are read;
//! - `fingerprint` (array of strings; `{{ default }}` stands for Baton's
//!   derived grouping);
//! - link: `web_url`, else the legacy top-level `url`, else the event's `url`;
//! - `tags` as `[[key, value], …]` (objects `{"key", "value"}` and plain
//!   objects are accepted too); the event's `release` is kept as the tag
//!   `release` when the tags have none;
//! - time: `timestamp` (Unix seconds, fractional) else `datetime` (RFC 3339);
//! - service: the tag `service`; else the project slug (`project_slug`, a
//!   string `project`, legacy top-level `project_slug`/`project`, or the
//!   `/projects/{org}/{slug}/` part of the event's API `url`); else
//!   `project-{id}` for a numeric `project`; else `sentry`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    clean_name, exception_title, parse_frame, unix_seconds, MAX_FRAMES, MAX_MESSAGE_CHARS,
    MAX_TAGS, MAX_VALUE_CHARS,
};
use super::pruned::{parse_pruned, Keep};
use super::types::{ErrorReport, Exception, Frame, Level, ReportError, Source, Stack};
use crate::text::{parse_rfc3339, truncate_chars};

impl Level {
    /// Sentry's spelling, leniently (unknown names are errors).
    fn from_sentry(text: &str) -> Level {
        match text.to_ascii_lowercase().as_str() {
            "debug" => Level::Debug,
            "info" | "log" => Level::Info,
            "warning" | "warn" => Level::Warning,
            "fatal" | "critical" => Level::Fatal,
            _ => Level::Error,
        }
    }
}

// ---------- webhooks ----------

/// One of Sentry's webhooks (see the module comment), recognised by its
/// shape; `None` when `root` has none of their shapes.
pub(super) fn parse_webhook(root: &Map<String, Value>) -> Option<Result<ErrorReport, ReportError>> {
    if let Some(Value::Object(data)) = root.get("data") {
        for name in ["event", "error"] {
            if let Some(event) = data.get(name) {
                let path = format!("data.{name}");
                let Value::Object(event) = event else {
                    return Some(Err(ReportError::field(&path, "expected an object")));
                };
                return Some(parse_sentry(event, &path, None));
            }
        }
        if root.contains_key("action") {
            return Some(Err(ReportError(
                "a Sentry payload without `data.event` or `data.error`: only issue alerts and error webhooks are read".into(),
            )));
        }
    }
    if let Some(event) = root.get("event") {
        if root.contains_key("project") || root.contains_key("project_name") {
            let Value::Object(event) = event else {
                return Some(Err(ReportError::field("event", "expected an object")));
            };
            return Some(parse_sentry(event, "event", Some(root)));
        }
    }
    None
}

fn parse_sentry(
    event: &Map<String, Value>,
    path: &str,
    legacy: Option<&Map<String, Value>>,
) -> Result<ErrorReport, ReportError> {
    let s = |map: &Map<String, Value>, name: &str| -> Option<String> {
        map.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    let mut tags = sentry_tags(event.get("tags"));
    if let Some(release) = s(event, "release") {
        if tags.len() < MAX_TAGS {
            tags.entry("release".into())
                .or_insert_with(|| clean_name(&release));
        }
    }

    // The exception: the last of `exception.values` is the one raised.
    let last_exception = event
        .get("exception")
        .and_then(|e| e.get("values"))
        .and_then(Value::as_array)
        .and_then(|values| values.last())
        .and_then(Value::as_object);
    let exception = last_exception.and_then(|exc| {
        let kind = s(exc, "type")?;
        Some(Exception {
            kind: clean_name(&kind),
            value: truncate_chars(&s(exc, "value").unwrap_or_default(), MAX_VALUE_CHARS),
        })
    });
    let frames_value = last_exception
        .and_then(|exc| exc.get("stacktrace"))
        .or_else(|| event.get("stacktrace"))
        .and_then(|st| st.get("frames"))
        .and_then(Value::as_array);
    let stack = match frames_value {
        Some(frames) if !frames.is_empty() => {
            // Sentry lists frames innermost-last; Baton keeps innermost first.
            let frames: Vec<Frame> = frames
                .iter()
                .rev()
                .take(MAX_FRAMES)
                .filter_map(|f| parse_frame(f, &format!("{path}.frames")).ok())
                .collect();
            Stack::Frames(frames)
        }
        _ => Stack::None,
    };

    let message = s(event, "title")
        .or_else(|| s(event, "message"))
        .or_else(|| {
            let logentry = event.get("logentry")?.as_object()?;
            s(logentry, "formatted").or_else(|| s(logentry, "message"))
        })
        .or_else(|| legacy.and_then(|root| s(root, "message")))
        .or_else(|| exception.as_ref().map(exception_title))
        .ok_or_else(|| ReportError::missing(&format!("{path}.title")))?;

    let level = s(event, "level")
        .or_else(|| legacy.and_then(|root| s(root, "level")))
        .map_or(Level::Error, |l| Level::from_sentry(&l));
    let environment = s(event, "environment").map_or("production".to_string(), |e| clean_name(&e));
    let fingerprint = event
        .get("fingerprint")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|parts| !parts.is_empty());
    let url = s(event, "web_url")
        .or_else(|| legacy.and_then(|root| s(root, "url")))
        .or_else(|| s(event, "url"));
    let occurred_at = match event.get("timestamp") {
        Some(Value::Number(n)) => unix_seconds(n),
        Some(Value::String(t)) => parse_rfc3339(t),
        _ => None,
    }
    .or_else(|| s(event, "datetime").and_then(|t| parse_rfc3339(&t)));

    let service = tags
        .get("service")
        .cloned()
        .or_else(|| s(event, "project_slug"))
        .or_else(|| s(event, "project"))
        .or_else(|| legacy.and_then(|root| s(root, "project_slug").or_else(|| s(root, "project"))))
        .or_else(|| s(event, "url").and_then(|u| project_from_api_url(&u)))
        .or_else(|| {
            event
                .get("project")
                .and_then(Value::as_u64)
                .map(|id| format!("project-{id}"))
        })
        .unwrap_or_else(|| "sentry".to_string());

    Ok(ErrorReport {
        source: Source::Sentry,
        service: clean_name(&service),
        environment,
        level,
        message: truncate_chars(&message, MAX_MESSAGE_CHARS),
        exception,
        stack,
        fingerprint,
        url,
        tags,
        occurred_at,
    })
}

/// Sentry's tags: `[[k, v], …]`, `[{"key", "value"}, …]` or `{k: v}`.
fn sentry_tags(value: Option<&Value>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    match value {
        Some(Value::Array(items)) => {
            for item in items.iter().take(MAX_TAGS) {
                let pair = match item {
                    Value::Array(pair) => pair.first().zip(pair.get(1)),
                    Value::Object(obj) => obj.get("key").zip(obj.get("value")),
                    _ => None,
                };
                if let Some((Some(k), Some(v))) = pair.map(|(k, v)| (k.as_str(), v.as_str())) {
                    tags.insert(clean_name(k), clean_name(v));
                }
            }
        }
        Some(Value::Object(map)) => {
            for (k, v) in map.iter().take(MAX_TAGS) {
                if let Some(v) = v.as_str() {
                    tags.insert(clean_name(k), clean_name(v));
                }
            }
        }
        _ => {}
    }
    tags
}

/// `https://sentry.io/api/0/projects/{org}/{slug}/events/…` → `slug`.
fn project_from_api_url(url: &str) -> Option<String> {
    let rest = &url[url.find("/projects/")? + "/projects/".len()..];
    let mut parts = rest.split('/');
    let _org = parts.next()?;
    parts
        .next()
        .filter(|slug| !slug.is_empty())
        .map(str::to_string)
}

// ---------- Sentry SDK events ----------

/// An event as a Sentry SDK sends it (an envelope's `event` item, or the
/// body of the older `/api/{id}/store/`), for `service` (the service the
/// DSN's key belongs to). Read like a Sentry webhook's event (see the module
/// comment), plus the SDKs' own forms: `message` as an object
/// (`{"formatted"|"message": …}`), `exception` as a bare array of values,
/// and `release`, kept as the tag `release`. Returns the event's
/// `event_id` as sent, if any.
pub fn parse_sdk_event(
    body: &[u8],
    service: &str,
) -> Result<(ErrorReport, Option<String>), ReportError> {
    let value = parse_pruned(body, SDK_EVENT)
        .map_err(|e| ReportError(format!("the event is not valid JSON: {e}")))?;
    sdk_event_from_value(value, service)
}

/// [`parse_sdk_event`] of an event already parsed into a JSON value.
pub(in crate::errors) fn sdk_event_from_value(
    value: Value,
    service: &str,
) -> Result<(ErrorReport, Option<String>), ReportError> {
    let Value::Object(mut event) = value else {
        return Err(ReportError("the event must be a JSON object".into()));
    };
    if let Some(Value::Object(message)) = event.get("message") {
        let message = message.clone();
        event.remove("message");
        event.entry("logentry").or_insert(Value::Object(message));
    }
    if let Some(Value::Array(values)) = event.get("exception") {
        let values = Value::Array(values.clone());
        event.insert("exception".into(), serde_json::json!({ "values": values }));
    }
    let event_id = event
        .get("event_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut report = match parse_sentry(&event, "event", None) {
        Ok(report) => report,
        // An event with no text at all, as Sentry labels it.
        Err(_) => {
            event.insert("message".into(), Value::from("<unlabeled event>"));
            parse_sentry(&event, "event", None)?
        }
    };
    report.service = clean_name(service);
    if let Some(release) = event.get("release").and_then(Value::as_str) {
        if !release.trim().is_empty() && report.tags.len() < MAX_TAGS {
            report
                .tags
                .entry("release".into())
                .or_insert_with(|| clean_name(release));
        }
    }
    Ok((report, event_id))
}

// ---------- the parts of an SDK event that are read ----------

/// What [`parse_frame`] reads.
const FRAME: Keep = Keep::Fields(&[
    ("filename", Keep::All),
    ("function", Keep::All),
    ("in_app", Keep::All),
    ("lineno", Keep::All),
    ("module", Keep::All),
]);
const STACKTRACE: Keep = Keep::Fields(&[("frames", FRAME)]);
const EXCEPTION_VALUE: Keep = Keep::Fields(&[
    ("stacktrace", STACKTRACE),
    ("type", Keep::All),
    ("value", Keep::All),
]);
/// `{"values": […]}`, or the SDKs' bare array of values (whose elements
/// take this shape too, hence the members of a value).
const EXCEPTION: Keep = Keep::Fields(&[
    ("stacktrace", STACKTRACE),
    ("type", Keep::All),
    ("value", Keep::All),
    ("values", EXCEPTION_VALUE),
]);
/// Every member of an SDK event that [`parse_sdk_event`] and
/// [`parse_sentry`] read. An SDK event is mostly other things (breadcrumbs,
/// contexts, the request, the SDK's package list, each frame's source lines
/// and variables): those are only checked as JSON, not built into values.
const SDK_EVENT: Keep = Keep::Fields(&[
    ("datetime", Keep::All),
    ("environment", Keep::All),
    ("event_id", Keep::All),
    ("exception", EXCEPTION),
    ("fingerprint", Keep::All),
    ("level", Keep::All),
    ("logentry", Keep::All),
    ("message", Keep::All),
    ("project", Keep::All),
    ("project_slug", Keep::All),
    ("release", Keep::All),
    ("stacktrace", STACKTRACE),
    ("tags", Keep::All),
    ("timestamp", Keep::All),
    ("title", Keep::All),
    ("url", Keep::All),
    ("web_url", Keep::All),
]);
