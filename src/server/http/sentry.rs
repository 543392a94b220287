//! Sentry's ingestion endpoints, so the Sentry SDKs report to Baton with
//! only their DSN changed: `POST /api/{project_id}/envelope/` and the older
//! `POST /api/{project_id}/store/`.
//!
//! Per request: the DSN's public key (from `X-Sentry-Auth`, an
//! `Authorization: Sentry …` header, the `sentry_key` query parameter, or
//! the envelope header's `dsn`) must be a live key of this project: none →
//! 401, unknown or another project's → 403. The body is decompressed per
//! `Content-Encoding` within the limits below (413 beyond them), parsed
//! (400 naming what is wrong), and its events go through the same dedup
//! (`event_id`), grouping, routing, caps, mutes and resolves as
//! `/hooks/errors`, in one writer transaction. Answers are Sentry's:
//! 200 `{"id": …}`, errors as `{"detail": …}`, and 429 with `Retry-After`
//! and `X-Sentry-Rate-Limits` only when the writer is too far behind
//! (`BATON_INGEST_QUEUE_LIMIT`). Keys are never logged nor echoed.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header as names, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_handlers::errors::dsn::SentryKey;
use baton_handlers::errors::envelope::{self, EnvelopeError};
use serde_json::json;

use super::decompress::{self, DecodeError};
use super::{header, single_header};
use crate::apply;
use crate::server::app_state::SharedState;

/// Largest envelope request on the wire, and decompressed. Sentry allows
/// 40 MB / 200 MB, mostly for attachments; Baton keeps a request in memory
/// and drops attachments, so it takes less.
pub const ENVELOPE_WIRE_LIMIT: usize = 20 * 1024 * 1024;
pub const ENVELOPE_LIMIT: usize = 20 * 1024 * 1024;
/// Largest `/store/` request (one event), on the wire and decompressed: 1 MB.
pub const STORE_LIMIT: usize = envelope::MAX_EVENT_BYTES;
/// Bodies larger than this are decompressed off the async threads.
const INLINE_DECODE_BYTES: usize = 64 * 1024;
/// Seconds an SDK is asked to wait when Baton sheds load.
const RETRY_AFTER_SECS: u32 = 5;

/// An answer other than 200, in Sentry's shape `{"detail": …}`.
#[derive(Debug)]
pub struct SentryError {
    status: StatusCode,
    detail: String,
    /// Logged already (a write the store refused, counted by the writer).
    logged: bool,
}

impl SentryError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        SentryError {
            status,
            detail: detail.into(),
            logged: false,
        }
    }
}

impl IntoResponse for SentryError {
    fn into_response(self) -> Response {
        // Refusals (4xx) are logged once, rate-limited, by `count_requests`.
        if self.status.is_server_error() && !self.logged {
            tracing::warn!(status = self.status.as_u16(), reason = %self.detail, "Sentry request failed");
        }
        let refusal = super::Refusal(self.detail.clone());
        let mut response = (self.status, Json(json!({"detail": self.detail}))).into_response();
        response.extensions_mut().insert(refusal);
        allow_browsers(response.headers_mut());
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            let headers = response.headers_mut();
            headers.insert(names::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            // Every category, for the whole organisation (Sentry's syntax).
            headers.insert(
                "x-sentry-rate-limits",
                HeaderValue::from_str(&format!("{RETRY_AFTER_SECS}::organization"))
                    .expect("a valid header value"),
            );
        }
        response
    }
}

impl From<DecodeError> for SentryError {
    fn from(e: DecodeError) -> Self {
        let status = match e {
            DecodeError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            DecodeError::Corrupt(_) => StatusCode::BAD_REQUEST,
            DecodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        };
        SentryError::new(status, e.to_string())
    }
}

/// Browser SDKs post cross-origin; let them read the answer.
fn allow_browsers(headers: &mut HeaderMap) {
    headers.insert(
        names::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        names::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-sentry-rate-limits, retry-after"),
    );
}

/// Which endpoint a request came to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Envelope,
    Store,
}

/// `POST /api/{project_id}/envelope/`.
pub async fn envelope(
    State(state): State<SharedState>,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ingest(state, Endpoint::Envelope, &project, query, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/{project_id}/store/` (one event, no envelope).
pub async fn store(
    State(state): State<SharedState>,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ingest(state, Endpoint::Store, &project, query, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The public key given in the headers or the query string, if any. An
/// auth header given twice is refused (400), as on every route.
fn request_key(headers: &HeaderMap, query: Option<&str>) -> Result<Option<String>, SentryError> {
    let mut from_headers = None;
    for name in ["x-sentry-auth", "authorization"] {
        let value = single_header(headers, name)
            .map_err(|e| SentryError::new(StatusCode::BAD_REQUEST, e.message))?;
        if from_headers.is_none() {
            from_headers = value
                .and_then(envelope::auth_header_key)
                .map(str::to_string);
        }
    }
    Ok(from_headers.or_else(|| {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
        pairs
            .into_iter()
            .find(|(name, value)| name == "sentry_key" && !value.is_empty())
            .map(|(_, value)| value)
    }))
}

/// The live key `public_key` of project `project_id`: 403 otherwise.
fn authenticate(
    state: &SharedState,
    public_key: &str,
    project_id: u64,
) -> Result<SentryKey, SentryError> {
    let forbidden = || {
        SentryError::new(
            StatusCode::FORBIDDEN,
            "the DSN's key is not a live key of this project; make one with `/baton errors dsn <service>`",
        )
    };
    if public_key.len() > 100 {
        return Err(forbidden());
    }
    // Read inline: the keys table is tiny and stays in redb's page cache, and
    // a read transaction never waits for the writer; a hop to a blocking
    // thread would cost more than the read.
    let found = state
        .store
        .sentry_key(public_key)
        .map_err(|e| store_failed(&e, e.is_unavailable(), "Sentry key lookup failed"))?;
    match found {
        Some(key) if key.project_id == project_id => Ok(key),
        _ => Err(forbidden()),
    }
}

async fn ingest(
    state: SharedState,
    endpoint: Endpoint,
    project: &str,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SentryError> {
    let project_id: u64 = project.parse().map_err(|_| {
        SentryError::new(
            StatusCode::BAD_REQUEST,
            "the project id in the path must be a number (the end of the DSN)",
        )
    })?;
    // A key from the headers or query is checked before any decompression.
    let mut key = match request_key(&headers, query.as_deref())? {
        Some(public_key) => Some(authenticate(&state, &public_key, project_id)?),
        None => None,
    };
    if state.writer.pending() >= state.config.ingest_queue_limit {
        state.metrics.sentry_shed();
        return Err(SentryError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Baton is busy; send again after Retry-After",
        ));
    }
    let (wire_limit, limit) = match endpoint {
        Endpoint::Envelope => (ENVELOPE_WIRE_LIMIT, ENVELOPE_LIMIT),
        Endpoint::Store => (STORE_LIMIT, STORE_LIMIT),
    };
    if body.len() > wire_limit {
        return Err(SentryError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request is larger than {wire_limit} bytes"),
        ));
    }
    let encoding = header(&headers, "content-encoding").map(str::to_string);
    let decoded = if body.len() > INLINE_DECODE_BYTES {
        tokio::task::spawn_blocking(move || decompress::decode(&body, encoding.as_deref(), limit))
            .await
            .map_err(|_| {
                SentryError::new(StatusCode::BAD_REQUEST, "the body could not be read")
            })??
    } else {
        decompress::decode(&body, encoding.as_deref(), limit)?
    };

    let (payloads, envelope_event_id, dsn_key) = match endpoint {
        Endpoint::Store => (vec![&decoded[..]], None, None),
        Endpoint::Envelope => {
            let parsed = envelope::parse_envelope(&decoded).map_err(|e| match e {
                EnvelopeError::Malformed(m) => {
                    SentryError::new(StatusCode::BAD_REQUEST, format!("invalid envelope: {m}"))
                }
                EnvelopeError::TooLarge(m) => SentryError::new(StatusCode::PAYLOAD_TOO_LARGE, m),
            })?;
            let dsn_key = parsed
                .dsn
                .as_deref()
                .and_then(envelope::dsn_public_key)
                .map(str::to_string);
            (parsed.events, parsed.event_id, dsn_key)
        }
    };
    if key.is_none() {
        let Some(public_key) = dsn_key else {
            return Err(SentryError::new(
                StatusCode::UNAUTHORIZED,
                "missing authorization information: give the DSN's key in X-Sentry-Auth, sentry_key or the envelope's dsn",
            ));
        };
        key = Some(authenticate(&state, &public_key, project_id)?);
    }
    let key = key.expect("authenticated above");

    let mut events = Vec::with_capacity(payloads.len());
    for payload in payloads {
        let event = apply::errors::parse_sdk_event(payload, &key, envelope_event_id.as_deref())
            .map_err(|reason| {
                SentryError::new(StatusCode::BAD_REQUEST, format!("invalid event: {reason}"))
            })?;
        events.push(event);
    }
    let answer_id = events.first().map(|e| e.event_id.clone()).or_else(|| {
        envelope_event_id
            .as_deref()
            .and_then(envelope::normalize_event_id)
    });
    if !events.is_empty() {
        for _ in &events {
            state.metrics.event("sentry", "error");
        }
        let context = state.apply_context();
        let now = crate::clock::now();
        let project_id = key.project_id;
        let count = events.len();
        let new = state
            .writer
            .run(move |tx| apply::errors::on_sdk_events(tx, &events, project_id, &context, now))
            .await
            .map_err(|e| store_failed(&e, e.is_unavailable(), "write failed"))?;
        for _ in new..count {
            state.metrics.duplicate("sentry");
        }
    }
    let body = match answer_id {
        Some(id) => json!({ "id": id }),
        None => json!({}),
    };
    let mut response = (StatusCode::OK, Json(body)).into_response();
    allow_browsers(response.headers_mut());
    Ok(response)
}

/// The 503 for a store that could not be read or written. A store the
/// writer closed after a failed write (`unavailable`) was logged by the
/// writer, counted; anything else is logged here, as `what`.
fn store_failed(error: &dyn std::fmt::Display, unavailable: bool, what: &str) -> SentryError {
    if !unavailable {
        tracing::error!(error = %error, "{what}; answering 503");
    }
    SentryError {
        logged: unavailable,
        ..SentryError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is unavailable; nothing was saved, try again",
        )
    }
}
