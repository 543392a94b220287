//! Reading people's time zones from Slack: a background task that asks
//! `users.info` about everyone Baton may remind (people mapped to a GitHub
//! login, and people with settings of their own) whose profile it never
//! read or read a day ago or more, and writes what Slack said through the
//! writer. The decisions only ever see the stored zone
//! (`lifecycle::Profile`); until it is read, a due reminder waits a few
//! minutes for it. A person Slack will not tell about (unknown user, the
//! `users:read` scope missing) is read as having no zone: UTC. While the
//! store refuses writes (a full disk), a round stops quietly: the writer
//! and the store say why, once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clients::slack::{ProfileLookup, SlackSink};
use crate::server::app_state::AppState;

/// Profiles read per round at most (`users.info` allows about 100 a
/// minute).
const PER_ROUND: usize = 20;

/// Read stale profiles now and then every `every`, until shutdown.
pub async fn run(
    state: Arc<AppState>,
    slack: SlackSink,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = round(&state, &slack).await {
            tracing::warn!(error = %e, "reading Slack profiles failed; will try again");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
}

/// One round: the profiles due, each read and written.
async fn round(state: &AppState, slack: &SlackSink) -> anyhow::Result<()> {
    let now = crate::clock::now();
    let store = state.store.clone();
    let wanted = tokio::task::spawn_blocking(move || {
        store.read(|tx| crate::apply::reviews::profiles_to_read(tx, now, PER_ROUND))
    })
    .await?;
    let wanted = match wanted {
        Ok(wanted) => wanted,
        // The store refuses for now (a full disk): it says so itself.
        Err(e) if e.is_unavailable() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for user in wanted {
        let tz = match slack.user_zone(&user).await {
            ProfileLookup::Read(tz) => tz,
            ProfileLookup::Unreadable(reason) => {
                tracing::warn!(
                    user,
                    %reason,
                    "Slack will not give this person's time zone; their reminders count in UTC (the users:read scope is needed)"
                );
                None
            }
            ProfileLookup::Later(reason) => {
                tracing::debug!(user, %reason, "users.info failed; will ask again");
                break;
            }
        };
        let read_at = crate::clock::now();
        let written = state
            .writer
            .run(move |tx| crate::apply::reviews::on_profile(tx, &user, tz.clone(), read_at))
            .await;
        match written {
            Ok(()) => {}
            // The writer logs a refusing store, counted: try next round.
            Err(e) if e.is_unavailable() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
