//! Slack's three request URLs: Events API, slash commands, interactions.
//! Each is verified with the signing secret (401 otherwise), parsed (400 with
//! the reason), and answered within Slack's three seconds.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_handlers::command;
use baton_handlers::slack::{self as slack_payloads, EventEnvelope, Interaction};
use baton_handlers::Mrkdwn;
use serde_json::json;

use super::signature::verify_slack;
use super::{header, ok, single_header, ApiError, SharedState};
use crate::apply::{self, Caller};

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
        crate::unix_now(),
    )
    .map_err(ApiError::unauthorized)
}

/// An ephemeral answer to a slash command.
fn ephemeral(text: Mrkdwn) -> Response {
    let text = text.fit(baton_handlers::blocks::MESSAGE_TEXT_LIMIT);
    Json(json!({"response_type": "ephemeral", "text": text})).into_response()
}

/// `POST /slack/events`.
pub async fn events(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    verify(&state, &headers, &body)?;
    let envelope = slack_payloads::parse_event(&body).map_err(|e| ApiError::bad_request(e.0))?;
    let (event_id, bot_user_id, event) = match envelope {
        EventEnvelope::UrlVerification { challenge } => {
            return Ok(Json(json!({"challenge": challenge})).into_response())
        }
        EventEnvelope::Other { kind } => {
            tracing::debug!(kind, "Slack envelope type not handled; ignored");
            return Ok(ok(StatusCode::OK, json!({"ignored": kind})));
        }
        EventEnvelope::Callback {
            event_id,
            bot_user_id,
            event,
        } => (event_id, bot_user_id, event),
    };
    if let Some(retry) = header(&headers, "x-slack-retry-num") {
        tracing::info!(
            event_id,
            retry,
            reason = header(&headers, "x-slack-retry-reason").unwrap_or("-"),
            "Slack retried an event"
        );
    }
    if let Some(learned) = bot_user_id.filter(|_| state.config.slack_bot_user_id.is_none()) {
        *state.bot_user_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(learned);
    }
    state.metrics.inc(
        "baton_events_total",
        format!(
            "source=\"slack\",kind=\"{}\"",
            crate::metrics::label(event.kind())
        ),
    );
    let context = state.apply_context();
    let now = crate::unix_now();
    let dedup_key = format!("slack:{event_id}");
    let first = state
        .writer
        .run(move |tx| {
            if !tx.first_delivery(&dedup_key, now)? {
                return Ok(false);
            }
            apply::slack_event(tx, &event, &context, now)?;
            Ok(true)
        })
        .await?;
    if !first {
        state
            .metrics
            .inc("baton_events_duplicate_total", "source=\"slack\"".into());
        return Ok(ok(StatusCode::OK, json!({"duplicate": true})));
    }
    Ok(ok(StatusCode::OK, json!({})))
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
    state.metrics.inc(
        "baton_events_total",
        "source=\"slack\",kind=\"slash_command\"".into(),
    );
    let parsed = match command::parse(&slash.text) {
        Ok(parsed) => parsed,
        Err(usage) => return Ok(ephemeral(usage.to_text())),
    };
    let context = state.apply_context();
    if parsed.admin_only() && !context.admins.is_empty() && !context.admins.contains(&slash.user_id)
    {
        return Ok(ephemeral(
            ":no_entry: Only Baton admins can change this (ask one of them, or see BATON_ADMINS)."
                .into(),
        ));
    }
    if let command::Command::Help { topic } = parsed {
        return Ok(ephemeral(command::help_text(topic)));
    }
    let caller = Caller {
        user: slash.user_id.clone(),
        channel: slash.channel_id.clone(),
    };
    let now = crate::unix_now();
    let reply = state
        .writer
        .run(move |tx| apply::command(tx, parsed.clone(), &caller, &context, now))
        .await?;
    Ok(ephemeral(reply))
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
    let actions = match interaction {
        Interaction::BlockActions(actions) => actions,
        Interaction::Other { kind } => {
            tracing::debug!(kind, "Slack interaction type not handled; ignored");
            return Ok(StatusCode::OK.into_response());
        }
    };
    state.metrics.inc(
        "baton_events_total",
        "source=\"slack\",kind=\"block_actions\"".into(),
    );
    let context = state.apply_context();
    let now = crate::unix_now();
    let replies = state
        .writer
        .run(move |tx| {
            let mut replies = Vec::new();
            for action in &actions {
                // A replay of the same signed body (inside Slack's five-minute
                // window) carries the same press: act on it once.
                if let Some(key) = action.dedup_key() {
                    if !tx.first_delivery(&key, now)? {
                        continue;
                    }
                }
                if let Some(reply) = apply::button(tx, action, &context, now)? {
                    replies.push(reply);
                }
            }
            Ok(replies)
        })
        .await?;
    if replies.is_empty() {
        return Ok(StatusCode::OK.into_response());
    }
    Ok(Json(json!({"response_type": "ephemeral", "replace_original": false, "text": Mrkdwn::join(replies, "\n")})).into_response())
}
