//! The CI deploy hook (`POST /hooks/deploy`): validation of its JSON body
//! into a [`DeployHook`]. Every error names the field at fault, so a CI
//! author can fix the script from the 400 answer alone. Unknown fields are
//! ignored (scripts may send more than Baton reads).

use serde_json::{Map, Value};

/// Longest `service` and `environment`, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest `version`, `ref`, `sha`, `deploy_id` and `actor`, in characters.
pub const MAX_ID_CHARS: usize = 200;
/// Longest `url`, in characters.
pub const MAX_URL_CHARS: usize = 2000;
/// Largest `log_tail`, in bytes (64 KiB).
pub const MAX_LOG_TAIL_BYTES: usize = 64 * 1024;

/// The status a CI script reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    Started,
    Succeeded,
    Failed,
    Cancelled,
}

impl HookStatus {
    pub const NAMES: [(&'static str, HookStatus); 4] = [
        ("started", HookStatus::Started),
        ("succeeded", HookStatus::Succeeded),
        ("failed", HookStatus::Failed),
        ("cancelled", HookStatus::Cancelled),
    ];

    fn parse(text: &str) -> Option<HookStatus> {
        Self::NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, s)| *s)
    }
}

/// A validated deploy hook body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployHook {
    pub service: String,
    pub environment: String,
    pub version: Option<String>,
    pub git_ref: Option<String>,
    pub sha: Option<String>,
    pub status: HookStatus,
    pub url: Option<String>,
    pub actor: Option<String>,
    pub deploy_id: Option<String>,
    pub log_tail: Option<String>,
}

/// Why a hook body was refused (answered 400 with this text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookError {
    /// The field at fault (`body` when the body itself is not an object).
    pub field: String,
    pub message: String,
}

impl HookError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        HookError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl std::error::Error for HookError {}

impl std::fmt::Display for HookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field == "body" {
            write!(f, "body: {}", self.message)
        } else {
            write!(f, "field `{}`: {}", self.field, self.message)
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Limit on a field's size: characters, or bytes for the log tail.
#[derive(Clone, Copy)]
enum Limit {
    Chars(usize),
    Bytes(usize),
}

/// An optional string field: absent or `null` is `None`; an empty (or
/// all-blank) string, a non-string or an oversized value is an error.
fn optional(
    obj: &Map<String, Value>,
    field: &str,
    limit: Limit,
) -> Result<Option<String>, HookError> {
    let text = match obj.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(HookError::new(
                field,
                format!("expected a string, got {}", type_name(other)),
            ))
        }
    };
    if text.trim().is_empty() {
        return Err(HookError::new(field, "must not be empty"));
    }
    match limit {
        Limit::Chars(max) => {
            let n = text.chars().count();
            if n > max {
                return Err(HookError::new(
                    field,
                    format!("too long: {n} characters, at most {max}"),
                ));
            }
        }
        Limit::Bytes(max) => {
            if text.len() > max {
                return Err(HookError::new(
                    field,
                    format!("too long: {} bytes, at most {max} (64 KiB)", text.len()),
                ));
            }
        }
    }
    // Names and ids are one line; a log tail keeps its lines.
    let text = match limit {
        Limit::Chars(_) => {
            let t = text.trim();
            if t.chars().any(char::is_control) {
                return Err(HookError::new(field, "must not contain control characters"));
            }
            t.to_string()
        }
        Limit::Bytes(_) => text.clone(),
    };
    Ok(Some(text))
}

fn required(obj: &Map<String, Value>, field: &str, limit: Limit) -> Result<String, HookError> {
    optional(obj, field, limit)?.ok_or_else(|| HookError::new(field, "missing (required)"))
}

/// Service and environment names are single words, as `/baton deploys
/// watch` and `/baton lock` take them: letters, digits, `-`, `_`, `.`, `/`.
fn one_word(text: String, field: &str) -> Result<String, HookError> {
    if text
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        Ok(text)
    } else {
        Err(HookError::new(
            field,
            format!(
                "`{}` must be one word of letters, digits, `-`, `_`, `.` or `/`",
                text.chars().take(40).collect::<String>()
            ),
        ))
    }
}

/// Validate a `POST /hooks/deploy` body.
///
/// Required: `service`, `environment`, `status` and at least one of
/// `version`, `ref`, `sha`. Optional: `url` (http or https), `actor`,
/// `deploy_id`, `log_tail`.
pub fn parse_hook(body: &[u8]) -> Result<DeployHook, HookError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| HookError::new("body", format!("not valid JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(HookError::new(
            "body",
            format!("expected a JSON object, got {}", type_name(&value)),
        ));
    };
    let name = Limit::Chars(MAX_NAME_CHARS);
    let id = Limit::Chars(MAX_ID_CHARS);
    let service = one_word(required(&obj, "service", name)?, "service")?;
    let environment = one_word(required(&obj, "environment", name)?, "environment")?;
    let version = optional(&obj, "version", id)?;
    let git_ref = optional(&obj, "ref", id)?;
    let sha = optional(&obj, "sha", id)?;
    if version.is_none() && git_ref.is_none() && sha.is_none() {
        return Err(HookError::new(
            "version",
            "missing: give at least one of `version`, `ref` or `sha`",
        ));
    }
    let status_text = required(&obj, "status", id)?;
    let status = HookStatus::parse(&status_text.to_ascii_lowercase()).ok_or_else(|| {
        let expected: Vec<&str> = HookStatus::NAMES.iter().map(|(n, _)| *n).collect();
        HookError::new(
            "status",
            format!(
                "unknown status `{}`, expected one of {}",
                status_text.chars().take(40).collect::<String>(),
                expected.join(", ")
            ),
        )
    })?;
    let url = optional(&obj, "url", Limit::Chars(MAX_URL_CHARS))?;
    if let Some(u) = &url {
        let lower = u.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || u.contains(' ') {
            return Err(HookError::new("url", "must be an http:// or https:// URL"));
        }
    }
    Ok(DeployHook {
        service,
        environment,
        version,
        git_ref,
        sha,
        status,
        url,
        actor: optional(&obj, "actor", id)?,
        deploy_id: optional(&obj, "deploy_id", id)?,
        log_tail: optional(&obj, "log_tail", Limit::Bytes(MAX_LOG_TAIL_BYTES))?,
        // (fields are validated in a fixed order so the first fault is named)
    })
}
