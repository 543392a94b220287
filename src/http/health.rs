//! `/healthz`, `/readyz` and `/metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::app_state::SharedState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The store is open and answers, the dispatcher is running and, with
/// Socket Mode, a connection to Slack is open.
pub async fn readyz(State(state): State<SharedState>) -> Response {
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

/// Prometheus text.
pub async fn metrics(State(state): State<SharedState>) -> Response {
    let store = state.store.clone();
    let (pending, dead, backlog) = tokio::task::spawn_blocking(move || {
        let (pending, dead) = store.outbox_counts().unwrap_or((0, 0));
        (pending, dead, store.outbox_backlog().unwrap_or_default())
    })
    .await
    .unwrap_or_default();
    let now = crate::unix_now();
    let mut body = state.metrics.render(&[
        (
            "baton_outbox_depth",
            "Outbox items waiting to be sent",
            pending,
        ),
        (
            "baton_dead_letters",
            "Outbox items that failed for good",
            dead,
        ),
        (
            "baton_http_connections_open",
            "Client connections open now",
            state.connections.get(),
        ),
    ]);
    if let Some(socket) = &state.slack_socket {
        crate::metrics::render_gauge(
            &mut body,
            "baton_slack_socket_connected",
            "1 while a Slack Socket Mode connection is open and greeted",
            [(String::new(), if socket.connected() { 1.0 } else { 0.0 })],
        );
    }
    crate::metrics::render_gauge(
        &mut body,
        "baton_timers_ran_at_seconds",
        "Baton's time (Unix seconds) of the last run of the timed work: every reminder and digest due by then has fired",
        [(
            String::new(),
            state.timers_ran_at.load(std::sync::atomic::Ordering::SeqCst) as f64,
        )],
    );
    crate::metrics::render_gauge(
        &mut body,
        "baton_outbox_service_depth",
        "Outbox items waiting, by service",
        backlog
            .iter()
            .map(|b| (format!("service=\"{}\"", b.service), b.depth as f64)),
    );
    crate::metrics::render_gauge(
        &mut body,
        "baton_outbox_oldest_pending_seconds",
        "Age of the oldest item waiting, by service (0 when none waits)",
        backlog.iter().map(|b| {
            let age = b.oldest_created_at.map_or(0, |t| (now - t).max(0));
            (format!("service=\"{}\"", b.service), age as f64)
        }),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
