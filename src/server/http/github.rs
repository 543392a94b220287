//! `POST /github/webhook`: signature, event name, delivery id, parse, then
//! one write transaction (dedup + decision + outbox) before answering.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use baton_handlers::github::{self, GithubEvent};
use serde_json::json;

use super::signature::verify_github;
use super::{ok, single_header, ApiError};
use crate::apply;
use crate::server::app_state::{AppState, SharedState};

pub async fn webhook(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let secret = state
        .config
        .github_webhook_secret
        .as_ref()
        .ok_or_else(|| ApiError::not_configured("GITHUB_WEBHOOK_SECRET"))?;
    let signature = single_header(&headers, "X-Hub-Signature-256")?;
    let kind = single_header(&headers, "X-GitHub-Event")?;
    let delivery = single_header(&headers, "X-GitHub-Delivery")?;
    verify_github(secret.expose(), signature, &body).map_err(ApiError::unauthorized)?;
    let kind = kind.ok_or_else(|| ApiError::bad_request("missing header X-GitHub-Event"))?;
    let delivery = delivery
        .filter(|d| !d.is_empty() && d.len() <= 200)
        .ok_or_else(|| ApiError::bad_request("missing or malformed header X-GitHub-Delivery"))?
        .to_string();
    match accept(&state, kind, &delivery, &body).await? {
        Accepted::Ping => Ok(ok(StatusCode::OK, json!({"pong": true}))),
        Accepted::Ignored { kind } => Ok(ok(StatusCode::ACCEPTED, json!({"ignored": kind}))),
        Accepted::Duplicate => Ok(ok(StatusCode::OK, json!({"duplicate": true}))),
        Accepted::Applied => Ok(ok(StatusCode::OK, json!({}))),
    }
}

/// What became of an authenticated delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    Ping,
    /// An event kind Baton does not act on.
    Ignored {
        kind: String,
    },
    /// Its delivery id was committed before: nothing done.
    Duplicate,
    /// Committed now, with its decision and outbox items.
    Applied,
}

/// What the write transaction did with a delivery.
enum Written {
    /// Its delivery id was stored before.
    Duplicate,
    /// Applied; `pick_waits` when it stored a pick that waits for a lookup.
    Applied { pick_waits: bool },
}

/// Apply one authenticated delivery: parse it, then in one write
/// transaction record its delivery id (dedup) and apply its decision. The
/// webhook route and catch-up ([`crate::server::catch_up`]) both come here.
pub async fn accept(
    state: &AppState,
    kind: &str,
    delivery: &str,
    body: &[u8],
) -> Result<Accepted, ApiError> {
    let event = github::parse(kind, body).map_err(|e| ApiError::bad_request(e.0))?;
    match &event {
        // A callback elsewhere than the configured GitHub API would be sent
        // a token: refused before anything is stored.
        GithubEvent::DeploymentProtectionRule(rule) => {
            baton_handlers::deploys::check_callback_url(
                &rule.callback_url,
                &state.config.github_api_url,
            )
            .map_err(ApiError::bad_request)?;
        }
        GithubEvent::Ping => return Ok(Accepted::Ping),
        GithubEvent::Ignored { kind } => {
            tracing::debug!(kind, delivery, "GitHub event kind not handled; ignored");
            return Ok(Accepted::Ignored { kind: kind.clone() });
        }
        _ => {}
    }
    state.metrics.event("github", event.kind());
    let context = state.apply_context();
    let now = crate::clock::now();
    let dedup_key = format!("github:{delivery}");
    let written = state
        .writer
        .run(move |tx| {
            if !tx.first_delivery(&dedup_key, now)? {
                return Ok(Written::Duplicate);
            }
            let picks_before = tx.pending_picks_put();
            apply::github_event(tx, &event, &context, now)?;
            Ok(Written::Applied {
                pick_waits: tx.pending_picks_put() > picks_before,
            })
        })
        .await?;
    match written {
        Written::Duplicate => {
            state.metrics.duplicate("github");
            return Ok(Accepted::Duplicate);
        }
        // Only a delivery that left a pick waiting for GitHub's facts wakes
        // the lookup task: each pass reads the store on a blocking thread,
        // which every delivery paid for while all of them woke it.
        Written::Applied { pick_waits: true } => state.lookup_wake.notify_one(),
        Written::Applied { pick_waits: false } => {}
    }
    Ok(Accepted::Applied)
}
