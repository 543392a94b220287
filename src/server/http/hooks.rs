//! Endpoints for CI scripts and applications, with a bearer token:
//! `POST /hooks/deploy`, `POST /hooks/errors`, `GET /api/locks/{environment}`.
//! `POST /hooks/errors` also takes Sentry's integration-platform webhooks,
//! which cannot carry a bearer token and are signed instead.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use serde_json::json;

use super::signature::{verify_bearer, verify_sentry};
use super::{ok, single_header, ApiError};
use crate::apply;
use crate::server::app_state::SharedState;

pub(super) fn authorize(state: &SharedState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = state
        .config
        .hook_token
        .as_ref()
        .ok_or_else(|| ApiError::not_configured("BATON_HOOK_TOKEN"))?;
    let authorization = single_header(headers, "Authorization")?;
    verify_bearer(token.expose(), authorization).map_err(ApiError::unauthorized)
}

/// Sentry's resources that carry an error event Baton reports.
const SENTRY_ERROR_RESOURCES: &[&str] = &["error", "event_alert"];

/// What a request to `/hooks/errors` is, once authenticated.
enum ErrorsCaller {
    /// Baton's own JSON (or a Sentry legacy plugin) with the bearer token.
    Bearer,
    /// A signed Sentry integration-platform webhook about `resource`.
    Sentry { resource: String },
}

/// Authenticate `/hooks/errors`: a request carrying `Sentry-Hook-Signature`
/// is verified with `SENTRY_CLIENT_SECRET`; any other needs the bearer token.
fn authorize_errors(
    state: &SharedState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ErrorsCaller, ApiError> {
    let signature = single_header(headers, "Sentry-Hook-Signature")?;
    let resource = single_header(headers, "Sentry-Hook-Resource")?;
    single_header(headers, "Sentry-Hook-Timestamp")?;
    if signature.is_none() {
        authorize(state, headers)?;
        return Ok(ErrorsCaller::Bearer);
    }
    let secret = state
        .config
        .sentry_client_secret
        .as_ref()
        .ok_or_else(|| ApiError::not_configured("SENTRY_CLIENT_SECRET"))?;
    verify_sentry(secret.expose(), signature, body).map_err(ApiError::unauthorized)?;
    let resource =
        resource.ok_or_else(|| ApiError::bad_request("missing header Sentry-Hook-Resource"))?;
    Ok(ErrorsCaller::Sentry {
        resource: resource.to_string(),
    })
}

/// `POST /hooks/deploy`.
pub async fn deploy(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let hook = apply::deploys::parse_hook(&body).map_err(ApiError::bad_request)?;
    state.metrics.event("hook", "deploy");
    let context = state.apply_context();
    let now = crate::clock::now();
    let answer = state
        .writer
        .run(move |tx| apply::deploys::on_hook(tx, &hook, &context, now))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// `POST /hooks/errors`.
pub async fn errors(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let ErrorsCaller::Sentry { resource } = authorize_errors(&state, &headers, &body)? {
        if !SENTRY_ERROR_RESOURCES.contains(&resource.as_str()) {
            // `installation`, `issue`, `comment`, `metric_alert`, …: signed
            // and fine, but not an error report.
            tracing::debug!(resource, "Sentry webhook resource not handled; ignored");
            return Ok(ok(StatusCode::ACCEPTED, json!({"ignored": resource})));
        }
    }
    let report = apply::errors::parse_report(&body).map_err(ApiError::bad_request)?;
    state.metrics.event("hook", "error");
    let context = state.apply_context();
    let now = crate::clock::now();
    let answer = state
        .writer
        .run(move |tx| apply::errors::on_report(tx, &report, &context, now))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// `GET /api/locks/{environment}`: 200 unlocked, 423 locked.
pub async fn lock_status(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(environment): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let store = state.store.clone();
    let context = state.apply_context();
    let now = crate::clock::now();
    let status = tokio::task::spawn_blocking(move || {
        apply::deploys::lock_status(&store, &environment, &context, now)
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "lock lookup failed"))?
    .map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the store is unavailable: {e}"),
        )
    })?;
    let code = if status.is_locked() {
        StatusCode::LOCKED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(status)).into_response())
}
