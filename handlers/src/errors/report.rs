//! Reading an error report from a request body: Baton's own JSON shape and
//! Sentry's webhook shapes, into one [`ErrorReport`].
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
//!   objects are accepted too);
//! - time: `timestamp` (Unix seconds, fractional) else `datetime` (RFC 3339);
//! - service: the tag `service`; else the project slug (`project_slug`, a
//!   string `project`, legacy top-level `project_slug`/`project`, or the
//!   `/projects/{org}/{slug}/` part of the event's API `url`); else
//!   `project-{id}` for a numeric `project`; else `sentry`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::text::{parse_rfc3339, truncate_chars};
use crate::UnixTime;

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
    if let Some(Value::Object(data)) = root.get("data") {
        for name in ["event", "error"] {
            if let Some(event) = data.get(name) {
                let path = format!("data.{name}");
                let Value::Object(event) = event else {
                    return Err(ReportError::field(&path, "expected an object"));
                };
                return parse_sentry(event, &path, None);
            }
        }
        if root.contains_key("action") {
            return Err(ReportError(
                "a Sentry payload without `data.event` or `data.error`: only issue alerts and error webhooks are read".into(),
            ));
        }
    }
    if let Some(event) = root.get("event") {
        if root.contains_key("project") || root.contains_key("project_name") {
            let Value::Object(event) = event else {
                return Err(ReportError::field("event", "expected an object"));
            };
            return parse_sentry(event, "event", Some(&root));
        }
    }
    parse_baton(&root)
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
fn sdk_event_from_value(
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

// ---------- reading only what is used ----------

/// Which parts of a JSON value to keep: all of it, or (of an object) only
/// the named members, each with its own shape. The elements of an array
/// take the array's shape; a value that is neither object nor array is kept
/// as it is.
#[derive(Clone, Copy)]
enum Keep {
    All,
    Fields(&'static [(&'static str, Keep)]),
}

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

/// Parse `body` as JSON keeping only the parts `keep` names. The whole body
/// goes through the same parser as `serde_json::from_slice::<Value>` (the
/// dropped parts are read as values and discarded, not skipped), so exactly
/// the same bodies are accepted, with the same errors; the kept parts are
/// the same values.
fn parse_pruned(body: &[u8], keep: Keep) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut parser = serde_json::Deserializer::from_slice(body);
    let value = Pruned(keep).deserialize(&mut parser)?;
    parser.end()?;
    Ok(value)
}

/// A JSON value read with a [`Keep`] shape.
struct Pruned(Keep);

impl<'de> serde::de::DeserializeSeed<'de> for Pruned {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.0 {
            Keep::All => Value::deserialize(d),
            Keep::Fields(fields) => d.deserialize_any(PrunedVisitor(fields)),
        }
    }
}

struct PrunedVisitor(&'static [(&'static str, Keep)]);

impl<'de> serde::de::Visitor<'de> for PrunedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    // Scalars as `Value`'s own visitor makes them.
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Pruned(Keep::Fields(self.0)))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.0.iter().find(|(name, _)| *name == key) {
                // A repeated member replaces the earlier one, as in `Value`.
                Some(&(_, keep)) => {
                    kept.insert(key, map.next_value_seed(Pruned(keep))?);
                }
                None => {
                    map.next_value::<Discarded>()?;
                }
            }
        }
        Ok(Value::Object(kept))
    }
}

/// Any JSON value, read in full (every string, escape and number checked as
/// `Value` checks it) and discarded without being built.
struct Discarded;

impl<'de> Deserialize<'de> for Discarded {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DiscardVisitor)
    }
}

struct DiscardVisitor;

impl<'de> serde::de::Visitor<'de> for DiscardVisitor {
    type Value = Discarded;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_str<E>(self, _: &str) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_unit<E>(self) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_none<E>(self) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Discarded, A::Error> {
        while seq.next_element::<Discarded>()?.is_some() {}
        Ok(Discarded)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Discarded, A::Error> {
        while map.next_entry::<Discarded, Discarded>()?.is_some() {}
        Ok(Discarded)
    }
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

// ---------- Sentry ----------

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
    let tags = sentry_tags(event.get("tags"));

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
