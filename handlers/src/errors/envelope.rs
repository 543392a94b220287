//! Sentry's envelope format, as the SDKs send it to
//! `POST /api/{project_id}/envelope/` (already decompressed by the caller):
//!
//! ```text
//! {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://key@host/42"}\n
//! {"type":"event","length":41}\n
//! {"message":"hello","level":"error"}\n
//! {"type":"attachment","length":10,"filename":"a.txt"}\n
//! helloworld\n
//! ```
//!
//! One JSON header line, then items: a JSON item header line and a payload.
//! The payload is `length` bytes when the header gives `length` (a newline
//! after it is optional), else everything up to the next newline or the end.
//! Only `event` items are returned; every other type (sessions, client
//! reports, transactions, attachments, …) is skipped. Pure: no I/O.

use serde::Deserialize;
use serde_json::Value;

use crate::text::{hex_lower, truncate_chars};

/// Largest event item, as Sentry's (1 MB).
pub const MAX_EVENT_BYTES: usize = 1_000_000;
/// Most items read from one envelope (the rest make it malformed).
pub const MAX_ITEMS: usize = 1_000;

/// A parsed envelope: its header and the payloads of its `event` items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The header's `event_id`, if any.
    pub event_id: Option<String>,
    /// The header's `dsn`, if any (it carries the public key).
    pub dsn: Option<String>,
    /// The payload of every `event` item, in order.
    pub events: Vec<&'a [u8]>,
    /// How many items of other types were skipped.
    pub skipped: usize,
}

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not an envelope (answered 400); says where it went wrong.
    Malformed(String),
    /// An event item is over [`MAX_EVENT_BYTES`] (answered 413).
    TooLarge(String),
}

impl std::fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvelopeError::Malformed(m) | EnvelopeError::TooLarge(m) => f.write_str(m),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    event_id: Option<Value>,
    dsn: Option<Value>,
}

#[derive(Deserialize)]
struct ItemHeader {
    #[serde(rename = "type")]
    kind: Option<String>,
    length: Option<Value>,
}

/// The line starting at `at` (without its newline) and where the next starts.
fn line(body: &[u8], at: usize) -> (&[u8], usize) {
    let rest = &body[at..];
    match rest.iter().position(|&b| b == b'\n') {
        Some(end) => (&rest[..end], at + end + 1),
        None => (rest, body.len()),
    }
}

/// A JSON header line (a trailing `\r` is allowed).
fn header_json<'de, T: Deserialize<'de>>(line: &'de [u8], what: &str) -> Result<T, EnvelopeError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    serde_json::from_slice(line)
        .map_err(|e| EnvelopeError::Malformed(format!("{what} is not a JSON object: {e}")))
}

/// Parse an envelope. The error says which line or item is wrong.
pub fn parse_envelope(body: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let (first, mut at) = line(body, 0);
    if first.iter().all(u8::is_ascii_whitespace) {
        return Err(EnvelopeError::Malformed(
            "the envelope is empty: its first line must be a JSON header".into(),
        ));
    }
    let header: Header = header_json(first, "the envelope header")?;
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    let mut envelope = Envelope {
        event_id: text(header.event_id),
        dsn: text(header.dsn),
        events: Vec::new(),
        skipped: 0,
    };
    let mut index = 0;
    while at < body.len() {
        let (item_line, next) = line(body, at);
        if item_line.iter().all(u8::is_ascii_whitespace) {
            // Blank lines between items and at the end are tolerated.
            at = next;
            continue;
        }
        index += 1;
        if index > MAX_ITEMS {
            return Err(EnvelopeError::Malformed(format!(
                "the envelope has more than {MAX_ITEMS} items"
            )));
        }
        let what = format!("item {index}'s header");
        let item: ItemHeader = header_json(item_line, &what)?;
        let kind = item
            .kind
            .filter(|k| !k.is_empty())
            .ok_or_else(|| EnvelopeError::Malformed(format!("{what} has no `type`")))?;
        let (payload, after) = match item.length {
            None | Some(Value::Null) => line(body, next),
            Some(Value::Number(n)) => {
                let length = n
                    .as_u64()
                    .and_then(|l| usize::try_from(l).ok())
                    .ok_or_else(|| {
                        EnvelopeError::Malformed(format!("{what} has a bad `length` {n}"))
                    })?;
                let end = next.checked_add(length).filter(|&e| e <= body.len());
                let Some(end) = end else {
                    return Err(EnvelopeError::Malformed(format!(
                        "item {index} is truncated: its header says {length} bytes, {} remain",
                        body.len() - next.min(body.len())
                    )));
                };
                // The newline after a payload of known length is optional.
                let after = if body.get(end) == Some(&b'\n') {
                    end + 1
                } else {
                    end
                };
                (&body[next.min(end)..end], after)
            }
            Some(_) => {
                return Err(EnvelopeError::Malformed(format!(
                    "{what} has a `length` that is not a number"
                )))
            }
        };
        at = after;
        if kind == "event" {
            if payload.len() > MAX_EVENT_BYTES {
                return Err(EnvelopeError::TooLarge(format!(
                    "item {index} is an event of {} bytes; events are limited to {MAX_EVENT_BYTES} bytes",
                    payload.len()
                )));
            }
            envelope.events.push(payload);
        } else {
            envelope.skipped += 1;
        }
    }
    Ok(envelope)
}

/// An event id as Sentry writes it (32 hex digits, or a UUID with dashes),
/// normalised to 32 lower-case hex digits; anything else is `None`.
pub fn normalize_event_id(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|&c| c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && text.len() <= 36)
        .then_some(hex)
}

/// The id of an SDK event: the event's own `event_id`, else the envelope
/// header's, else a new one made of `entropy` (16 random bytes the caller
/// drew). An id that is not one (32 hex digits or a UUID) is refused with
/// the reason (answered 400).
pub fn sdk_event_id(
    own: Option<&str>,
    envelope: Option<&str>,
    entropy: [u8; 16],
) -> Result<String, String> {
    match own.or(envelope) {
        Some(id) => normalize_event_id(id).ok_or_else(|| {
            format!(
                "`{}` is not an event id (32 hex digits or a UUID)",
                truncate_chars(id, 40)
            )
        }),
        None => Ok(hex_lower(&entropy)),
    }
}

/// The public key of a DSN (`https://<key>[:<secret>]@host/42` → `key`).
pub fn dsn_public_key(dsn: &str) -> Option<&str> {
    let rest = &dsn[dsn.find("://")? + 3..];
    let userinfo = &rest[..rest.find('@')?];
    let key = userinfo.split(':').next().unwrap_or(userinfo);
    (!key.is_empty() && !key.contains('/')).then_some(key)
}

/// The public key from an `X-Sentry-Auth` (or `Authorization: Sentry …`)
/// header: `Sentry sentry_version=7, sentry_client=x/1.0, sentry_key=<key>`.
pub fn auth_header_key(header: &str) -> Option<&str> {
    let header = header.trim();
    let fields = header
        .strip_prefix("Sentry ")
        .or_else(|| header.strip_prefix("sentry "))
        .unwrap_or(header);
    fields.split(',').find_map(|field| {
        let (name, value) = field.trim().split_once('=')?;
        (name.trim() == "sentry_key")
            .then(|| value.trim())
            .filter(|v| !v.is_empty())
    })
}
