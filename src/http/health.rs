//! `/healthz`, `/readyz` and `/metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::SharedState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The store is open and answers, and the dispatcher is running.
pub async fn readyz(State(state): State<SharedState>) -> Response {
    let store = state.store.clone();
    let store_ok = tokio::task::spawn_blocking(move || store.outbox_counts().is_ok())
        .await
        .unwrap_or(false);
    let dispatcher_ok = state.dispatcher_running.load(Ordering::SeqCst);
    if store_ok && dispatcher_ok {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        let reason = match (store_ok, dispatcher_ok) {
            (false, _) => "store unavailable\n",
            _ => "outbox dispatcher not running\n",
        };
        (StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
    }
}

/// Prometheus text.
pub async fn metrics(State(state): State<SharedState>) -> Response {
    let store = state.store.clone();
    let (pending, dead) =
        tokio::task::spawn_blocking(move || store.outbox_counts().unwrap_or((0, 0)))
            .await
            .unwrap_or((0, 0));
    let body = state.metrics.render(&[
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
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
