//! The HTTP surface: axum routes, body limits, authentication, and the
//! translation of every outcome into a status code. Routes decide nothing:
//! they authenticate, parse, and hand the typed input to [`crate::apply`]
//! through the writer.

mod backup;
pub mod connections;
mod decompress;
pub mod github;
mod health;
mod hooks;
pub mod refusals;
mod sentry;
pub mod signature;
mod slack;

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::server::writer::WriteError;

use crate::server::app_state::SharedState;

/// Build the router.
pub fn router(state: SharedState) -> Router {
    let config = state.config.clone();
    Router::new()
        .route(
            "/github/webhook",
            post(github::webhook).layer(DefaultBodyLimit::max(config.github_body_limit)),
        )
        .route(
            "/slack/events",
            post(slack::events).layer(DefaultBodyLimit::max(config.slack_body_limit)),
        )
        .route(
            "/slack/commands",
            post(slack::commands).layer(DefaultBodyLimit::max(config.slack_body_limit)),
        )
        .route(
            "/slack/interactions",
            post(slack::interactions).layer(DefaultBodyLimit::max(config.slack_body_limit)),
        )
        .route(
            "/hooks/deploy",
            post(hooks::deploy).layer(DefaultBodyLimit::max(config.hook_body_limit)),
        )
        .route(
            "/hooks/errors",
            post(hooks::errors).layer(DefaultBodyLimit::max(config.hook_body_limit)),
        )
        .route("/api/locks/{environment}", get(hooks::lock_status))
        .route(
            "/api/{project_id}/envelope/",
            post(sentry::envelope).layer(DefaultBodyLimit::max(sentry::ENVELOPE_WIRE_LIMIT)),
        )
        .route(
            "/api/{project_id}/store/",
            post(sentry::store).layer(DefaultBodyLimit::max(sentry::STORE_LIMIT)),
        )
        .route("/api/backup", get(backup::backup))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "no such route").into_response()
}

/// Count and time requests by route for `/metrics`, answer 408 to a
/// request whose body did not arrive in time, and log every refusal (4xx)
/// once, rate-limited, with its route, status, reason and client address.
async fn count_requests(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    // The path without its query string, which could carry a token.
    let path = request.uri().path().to_string();
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let body_deadline = request
        .extensions()
        .get::<connections::BodyDeadline>()
        .cloned();
    let mut response = next.run(request).await;
    if body_deadline.is_some_and(|d| d.expired()) {
        response = ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {}s (BATON_BODY_READ_TIMEOUT)",
                state.config.body_read_timeout_secs
            ),
        )
        .into_response();
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    let status = response.status();
    if status.is_client_error() {
        let reason = response
            .extensions()
            .get::<Refusal>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| default_reason(status).to_string());
        state.refusals.refused(
            matched.as_deref().unwrap_or(&path),
            status.as_u16(),
            &reason,
            client,
        );
    }
    let route = matched.unwrap_or_else(|| "unmatched".to_string());
    state
        .metrics
        .request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// The reason Baton gave for a refusal, kept on the response for the log.
#[derive(Clone)]
struct Refusal(String);

/// The reason logged for a refusal that axum made (no [`ApiError`]).
fn default_reason(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "body over the route's limit",
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported content type",
        StatusCode::BAD_REQUEST => "unreadable request",
        _ => "refused",
    }
}

/// An error answer: a status and a reason, as `{"ok":false,"error":…}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Logged already (a write the store refused, counted by the writer):
    /// not logged again per request.
    logged: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            logged: false,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(reason: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, format!("unauthorized: {reason}"))
    }
    /// The endpoint's secret is not configured.
    pub fn not_configured(setting: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "this endpoint is disabled: set {setting} in the environment, .env or baton.toml"
            ),
        )
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        // A refusal of the store (a full disk) is logged by the writer, at
        // most once every few seconds with a count: a request per line would
        // fill the log too.
        let logged = e.is_unavailable();
        if !logged {
            tracing::error!(error = %e, "write failed; answering 503");
        }
        ApiError {
            logged,
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; nothing was saved, try again",
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Refusals (4xx) are logged once, rate-limited, by `count_requests`.
        if self.status.is_server_error() && !self.logged {
            tracing::warn!(status = self.status.as_u16(), reason = %self.message, "request failed");
        }
        let refusal = Refusal(self.message.clone());
        let mut response = (
            self.status,
            Json(json!({"ok": false, "error": self.message})),
        )
            .into_response();
        response.extensions_mut().insert(refusal);
        response
    }
}

/// A header that decides authentication or identity, which must appear at
/// most once: with two, a proxy and Baton could each read a different one.
/// Its value if present (and printable), or 400 naming it if repeated.
pub fn single_header<'h>(
    headers: &'h HeaderMap,
    name: &'static str,
) -> Result<Option<&'h str>, ApiError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::bad_request(format!(
            "header {name} is repeated; send it once"
        )));
    }
    Ok(first.and_then(|v| v.to_str().ok()))
}

/// A header's value as text, if present and printable.
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `{"ok":true, …}` with a status.
pub fn ok(status: StatusCode, extra: serde_json::Value) -> Response {
    let mut body = json!({"ok": true});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    (status, Json(body)).into_response()
}
