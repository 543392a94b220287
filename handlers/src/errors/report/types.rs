//! The report's types: [`ErrorReport`] and its parts, whatever shape it
//! came in, and [`ReportError`], why a body was refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::UnixTime;

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
    /// The fingerprint the sender gave, if any (see [`crate::errors::fingerprint()`]).
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

    /// The release it happened in: the tag `release` (Baton's JSON also
    /// takes a top-level `release`, Sentry's events their `release`).
    pub fn release(&self) -> Option<&str> {
        self.tags.get("release").map(String::as_str)
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
    pub(super) fn field(path: &str, message: impl std::fmt::Display) -> Self {
        ReportError(format!("field `{path}`: {message}"))
    }

    pub(super) fn missing(path: &str) -> Self {
        ReportError(format!("missing field `{path}`"))
    }
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReportError {}
