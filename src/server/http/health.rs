//! `/healthz`, `/readyz` and `/metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::app_state::SharedState;
use crate::server::metrics::{Scrape, CONTENT_TYPE};

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The store is open and answers (not closed by a failed write: a full
/// disk answers 503 with the reason until writes work again), the writer
/// and the dispatcher are running and, with Socket Mode, a connection to
/// Slack is open.
pub async fn readyz(State(state): State<SharedState>) -> Response {
    if state.writer.stopped() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the writer has stopped (a bug; see the log): restart Baton\n",
        )
            .into_response();
    }
    let store = state.store.clone();
    let store_problem = tokio::task::spawn_blocking(move || match store.failure() {
        Some(reason) => Some(reason),
        None => store.outbox_counts().err().map(|e| e.to_string()),
    })
    .await
    .unwrap_or_else(|e| Some(e.to_string()));
    let dispatcher_ok = state.dispatcher_running.load(Ordering::SeqCst);
    let socket_ok = state.slack_socket.as_ref().is_none_or(|s| s.connected());
    match (store_problem, dispatcher_ok) {
        (None, true) if !socket_ok => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Slack Socket Mode: no connection open (SLACK_APP_TOKEN is set; Baton keeps trying)\n",
        )
            .into_response(),
        (None, true) => (StatusCode::OK, "ready\n").into_response(),
        (Some(reason), _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store unavailable: {reason}\n"),
        )
            .into_response(),
        (None, false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "outbox dispatcher not running\n",
        )
            .into_response(),
    }
}

/// Prometheus text, with the gauges read now.
pub async fn metrics(State(state): State<SharedState>) -> Response {
    let store = state.store.clone();
    let (pending, dead, backlog, store_failed, picks_waiting) =
        tokio::task::spawn_blocking(move || {
            let (pending, dead) = store.outbox_counts().unwrap_or((0, 0));
            let backlog = store.outbox_backlog().unwrap_or_default();
            let picks = store.read(|tx| tx.pending_pick_count()).unwrap_or(0);
            (pending, dead, backlog, store.failure().is_some(), picks)
        })
        .await
        .unwrap_or((0, 0, Vec::new(), true, 0));
    let now = crate::clock::now();
    let body = state.metrics.render(Scrape {
        outbox_depth: pending,
        dead_letters: dead,
        connections_open: state.connections.get(),
        socket_connected: state.slack_socket.as_ref().map(|s| s.connected()),
        backlog: backlog
            .iter()
            .map(|b| {
                let age = b.oldest_created_at.map_or(0, |t| (now - t).max(0));
                (b.service, b.depth, age)
            })
            .collect(),
        writer_healthy: !store_failed,
        writer_pending: state.writer.pending(),
        picks_waiting,
        timers_ran_at: state
            .timers_ran_at
            .load(std::sync::atomic::Ordering::SeqCst),
    });
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}
