//! `GET /api/backup`: a consistent copy of the data file, made by the
//! running process (which holds the file's lock) from one read snapshot.
//! `baton backup PATH` calls it when Baton is running. Bearer token like
//! the rest of `/api/*`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{hooks::authorize, ApiError};
use crate::server::app_state::SharedState;

/// Tells concurrent backups' scratch files apart.
static NEXT_SCRATCH: AtomicU64 = AtomicU64::new(0);

pub async fn backup(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let store = state.store.clone();
    // Beside the data file: same disk, same permissions, never world-readable /tmp.
    let scratch = state.config.data.with_file_name(format!(
        ".baton-backup-{}-{}.redb",
        std::process::id(),
        NEXT_SCRATCH.fetch_add(1, Ordering::Relaxed)
    ));
    let made = tokio::task::spawn_blocking(move || {
        // Only the embedded file is copied here; a database has backups of its own.
        let Some(file) = store.data_file() else {
            return Err(format!(
                "a backup with `baton backup` works on the embedded data file; this store is {} ({})",
                store.kind(),
                store.location()
            ));
        };
        let result = file
            .backup_to(&scratch)
            .map_err(|e| e.to_string())
            .and_then(|summary| {
                std::fs::read(&scratch)
                    .map(|bytes| (summary, bytes))
                    .map_err(|e| format!("cannot read the copy back: {e}"))
            });
        let _ = std::fs::remove_file(&scratch);
        result
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "backup failed"))?;
    let (summary, bytes) = made.map_err(|reason| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("backup failed: {reason}"),
        )
    })?;
    tracing::info!(
        bytes = bytes.len(),
        records = summary.records(),
        "backup copied"
    );
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}
