//! Endpoints for CI scripts and applications, with a bearer token:
//! `POST /hooks/deploy`, `POST /hooks/errors`, `GET /api/locks/{environment}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::signature::verify_bearer;
use super::{header, ApiError, SharedState};
use crate::apply;

pub(super) fn authorize(state: &SharedState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = state
        .config
        .hook_token
        .as_ref()
        .ok_or_else(|| ApiError::not_configured("BATON_HOOK_TOKEN"))?;
    verify_bearer(token.expose(), header(headers, "authorization")).map_err(ApiError::unauthorized)
}

/// `POST /hooks/deploy`.
pub async fn deploy(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let hook = apply::deploys::parse_hook(&body).map_err(ApiError::bad_request)?;
    state.metrics.inc(
        "baton_events_total",
        "source=\"hook\",kind=\"deploy\"".into(),
    );
    let context = state.apply_context();
    let now = crate::unix_now();
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
    authorize(&state, &headers)?;
    let report = apply::errors::parse_report(&body).map_err(ApiError::bad_request)?;
    state.metrics.inc(
        "baton_events_total",
        "source=\"hook\",kind=\"error\"".into(),
    );
    let context = state.apply_context();
    let now = crate::unix_now();
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
    let now = crate::unix_now();
    let (locked, body) =
        tokio::task::spawn_blocking(move || apply::deploys::lock_status(&store, &environment, now))
            .await
            .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "lock lookup failed"))?
            .map_err(|e| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("the store is unavailable: {e}"),
                )
            })?;
    let status = if locked {
        StatusCode::LOCKED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(body)).into_response())
}
