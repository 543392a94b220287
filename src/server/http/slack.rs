//! Slack's three request URLs: Events API, slash commands, interactions.
//! Each is verified with the signing secret (401 otherwise), parsed (400 with
//! the reason), and handed to [`crate::server::slack_inbound`] (the same path Socket
//! Mode envelopes take); its answer goes back in the response, within Slack's
//! three seconds.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_handlers::slack as slack_payloads;
use serde_json::json;

use super::signature::verify_slack;
use super::{header, ok, single_header, ApiError};
use crate::server::app_state::SharedState;
use crate::server::slack_inbound::{self, EventReceipt, Retry};

fn verify(state: &SharedState, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    let secret = state
        .config
        .slack_signing_secret
        .as_ref()
        .ok_or_else(|| ApiError::not_configured("SLACK_SIGNING_SECRET"))?;
    let timestamp = single_header(headers, "X-Slack-Request-Timestamp")?;
    let signature = single_header(headers, "X-Slack-Signature")?;
    verify_slack(
        secret.expose(),
        timestamp,
        signature,
        body,
        crate::clock::wall_now(),
    )
    .map_err(ApiError::unauthorized)
}

/// `POST /slack/events`.
pub async fn events(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    verify(&state, &headers, &body)?;
    let envelope = slack_payloads::parse_event(&body).map_err(|e| ApiError::bad_request(e.0))?;
    let retry = header(&headers, "x-slack-retry-num").map(|attempt| Retry {
        attempt,
        reason: header(&headers, "x-slack-retry-reason").unwrap_or("-"),
    });
    Ok(match slack_inbound::event(&state, envelope, retry).await? {
        EventReceipt::Challenge(challenge) => Json(json!({"challenge": challenge})).into_response(),
        EventReceipt::Ignored(kind) => ok(StatusCode::OK, json!({"ignored": kind})),
        EventReceipt::Accepted => ok(StatusCode::OK, json!({})),
        EventReceipt::Duplicate => ok(StatusCode::OK, json!({"duplicate": true})),
    })
}

/// `POST /slack/commands`: `/baton …`, answered ephemerally.
pub async fn commands(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    verify(&state, &headers, &body)?;
    let slash =
        slack_payloads::parse_slash_command(&body).map_err(|e| ApiError::bad_request(e.0))?;
    Ok(Json(slack_inbound::command(&state, slash).await?).into_response())
}

/// `POST /slack/interactions`: button presses.
pub async fn interactions(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    verify(&state, &headers, &body)?;
    let interaction =
        slack_payloads::parse_interaction(&body).map_err(|e| ApiError::bad_request(e.0))?;
    Ok(
        match slack_inbound::interaction(&state, interaction).await? {
            Some(reply) => Json(reply).into_response(),
            None => StatusCode::OK.into_response(),
        },
    )
}
