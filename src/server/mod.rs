//! Starting and stopping Baton: open the store, start the writer, the outbox
//! dispatcher and the maintenance ticker, serve HTTP, and on shutdown stop
//! accepting, finish requests in flight (for at most the shutdown deadline)
//! and stop the dispatcher cleanly.

pub mod app_state;
pub mod catch_up;
pub mod http;
pub mod log_output;
pub mod lookups;
pub mod metrics;
pub mod outbox;
pub mod profiles;
pub mod reviewer_lookups;
pub mod slack_inbound;
pub mod socket_mode;
pub mod writer;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use baton_state::{Store, StoreOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clients::github::GithubSink;
use crate::clients::slack::SlackSink;
use crate::config::Config;
use crate::server::app_state::AppState;
use crate::server::http::connections::{self, Limits, OpenConnections};
use crate::server::http::refusals::RefusalLog;
use crate::server::metrics::Metrics;
use crate::server::outbox::{Clock, Dispatcher, RetryPolicy};
use crate::server::writer::Writer;

/// How often expired dedup ids are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(300);
/// Finished deploys are forgotten this long after their last event.
const DEPLOY_RETENTION_SECS: i64 = 30 * 86_400;
/// How often a store closed by a failed write is reopened.
const REOPEN_EVERY: Duration = Duration::from_secs(2);
/// Failed reopens between two log lines about them (one a minute).
const REOPEN_LOG_EVERY: u32 = 30;

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Ask the server to stop (as SIGTERM does).
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Wait until it has stopped.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task failed")?
    }
}

/// Open the state store the configuration names: PostgreSQL when
/// `BATON_DATABASE_URL` is set, else the data file.
pub fn open_store(config: &Config) -> Result<Store, baton_state::StoreError> {
    match &config.database_url {
        Some(url) => Store::open_postgres(url.expose()),
        None => Store::open_with(
            &config.data,
            StoreOptions {
                fault_file: config.fault_file.clone(),
                cache_bytes: Some(config.data_cache_bytes),
            },
        ),
    }
}

/// Open everything and start serving. Returns once the port is bound.
pub async fn start(config: Config) -> anyhow::Result<Server> {
    crate::clock::install(config.clock_file.clone());
    let config = Arc::new(config);
    let opening = config.clone();
    let store = tokio::task::spawn_blocking(move || open_store(&opening))
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(engine = store.kind(), at = %store.location(), "state store open");
    let store = Arc::new(store);
    let store_location = store.location();
    let (writer, writer_thread) = Writer::start(store.clone());
    let timeout = Duration::from_secs(config.http_timeout_secs);
    let slack = match &config.slack_bot_token {
        Some(token) => SlackSink::api(&config.slack_api_url, token.expose(), timeout)?,
        None => {
            tracing::info!(
                "SLACK_BOT_TOKEN is not set: offline mode, Slack messages are printed to stdout"
            );
            SlackSink::offline()
        }
    };
    let github = github_sink(&config, timeout)?;
    let metrics = Arc::new(Metrics::new(config.slack_app_token.is_some()));
    let dispatcher_running = Arc::new(AtomicBool::new(false));
    let (shutdown, shutdown_rx) = watch::channel(false);

    // One client, one installation-token cache, for the dispatcher, the
    // lookups and catch-up.
    let github_for_catch_up = github.clone();
    let slack_for_profiles = slack.clone();
    let github_for_lookups = github.clone();
    let lookup_wake = Arc::new(tokio::sync::Notify::new());
    let lookups = Arc::new(crate::server::reviewer_lookups::Lookups::new(
        store.clone(),
        writer.clone(),
        github.clone(),
        Duration::from_secs_f64(config.lookup_timeout_secs),
        Duration::from_secs(config.tick_every_secs),
        lookup_wake.clone(),
    ));
    let lookups_task = tokio::spawn(crate::server::reviewer_lookups::run(
        lookups,
        shutdown_rx.clone(),
    ));
    let dispatcher = Dispatcher::new(
        store.clone(),
        writer.clone(),
        slack,
        github,
        metrics.clone(),
        RetryPolicy {
            first_secs: config.outbox_backoff_secs,
            max_secs: config.outbox_max_backoff_secs,
            probe_secs: config.outbox_probe_every_secs,
            late_grace_secs: config.outbox_late_grace_secs,
            give_up_after_secs: config.outbox_give_up_after_secs,
            lease: Duration::from_secs(config.outbox_lease_secs),
        },
        Clock::new(config.clock_speed),
        dispatcher_running.clone(),
    );
    let dispatcher_task = tokio::spawn(dispatcher.run(shutdown_rx.clone()));
    let reopen_task = tokio::spawn(reopen_when_failed(store.clone(), shutdown_rx.clone()));
    let lost_lines_task = tokio::spawn(crate::server::log_output::report_lost_lines(
        shutdown_rx.clone(),
    ));

    let refusals = Arc::new(RefusalLog::new(std::time::Instant::now()));
    let open_connections = Arc::new(OpenConnections::default());
    let slack_socket = match &config.slack_app_token {
        Some(token) => Some((
            Arc::new(crate::server::app_state::SocketStatus::default()),
            crate::server::socket_mode::Slack::new(&config.slack_api_url, token.expose())?,
        )),
        None => None,
    };
    let state = Arc::new(AppState {
        config: config.clone(),
        store,
        writer: writer.clone(),
        metrics,
        dispatcher_running,
        bot_user_id: Mutex::new(config.slack_bot_user_id.clone()),
        refusals: refusals.clone(),
        connections: open_connections.clone(),
        error_routes: Default::default(),
        slack_socket: slack_socket.as_ref().map(|(status, _)| status.clone()),
        timers_ran_at: Default::default(),
        github: github_for_lookups,
        lookup_wake,
    });
    let socket_task = slack_socket.map(|(status, slack)| {
        let timing = crate::server::socket_mode::Timing {
            ping_every: Duration::from_secs(config.socket_ping_interval_secs),
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            call_timeout: timeout,
        };
        tracing::info!("SLACK_APP_TOKEN is set: Slack Socket Mode, connecting to Slack");
        tokio::spawn(crate::server::socket_mode::run(
            state.clone(),
            status,
            slack,
            timing,
            shutdown_rx.clone(),
        ))
    });
    let refusal_summary_task =
        tokio::spawn(refusals.clone().report_suppressed(shutdown_rx.clone()));
    let ticker_task = tokio::spawn(maintenance(state.clone(), shutdown_rx.clone()));
    let profiles_task = tokio::spawn(crate::server::profiles::run(
        state.clone(),
        slack_for_profiles,
        Duration::from_secs(config.tick_every_secs),
        shutdown_rx.clone(),
    ));
    let catch_up_sources = crate::server::catch_up::sources(&config);
    let catch_up_task = (!catch_up_sources.is_empty()).then(|| {
        tokio::spawn(crate::server::catch_up::run(
            state.clone(),
            github_for_catch_up,
            catch_up_sources,
            Duration::from_secs(config.github_catch_up_every_secs),
            shutdown_rx.clone(),
        ))
    });

    let listener = connections::listen(config.listen).with_context(|| {
        format!(
            "cannot listen on {} (BATON_LISTEN): is another process using it?",
            config.listen
        )
    })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data = %store_location, "Baton is listening");

    let limits = connection_limits(&config);
    let app = http::router(state);
    let stop = shutdown_rx.clone();
    let task = tokio::spawn(async move {
        connections::serve(listener, app, limits, open_connections, refusals, stop).await;
        let _ = refusal_summary_task.await;
        if let Some(socket_task) = socket_task {
            let _ = socket_task.await;
        }
        tracing::info!("HTTP server stopped; stopping the dispatcher");
        let _ = dispatcher_task.await;
        let _ = ticker_task.await;
        let _ = profiles_task.await;
        let _ = lookups_task.await;
        if let Some(task) = catch_up_task {
            let _ = task.await;
        }
        let _ = reopen_task.await;
        let _ = lost_lines_task.await;
        drop(writer);
        // The writer thread ends when the last handle is gone; wait for it so
        // the file is closed before the process exits.
        let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
        Ok(())
    });
    Ok(Server {
        addr,
        shutdown,
        task,
    })
}

/// The GitHub client: as the App, with the token, or offline.
pub fn github_sink(config: &Config, timeout: Duration) -> anyhow::Result<GithubSink> {
    if let Some(app) = &config.github_app {
        let key = app
            .key()
            .map_err(|e| anyhow::anyhow!("GITHUB_APP_PRIVATE_KEY: {e}"))?;
        tracing::info!(app_id = app.app_id, "acting as GitHub App {}", app.app_id);
        return GithubSink::app(&config.github_api_url, key, timeout);
    }
    match &config.github_token {
        Some(token) => GithubSink::api(&config.github_api_url, token.expose(), timeout),
        None => {
            tracing::info!(
                "GITHUB_TOKEN is not set: offline mode, GitHub calls are printed to stdout"
            );
            Ok(GithubSink::Offline)
        }
    }
}

/// The connection limits from the settings, with the cap kept under the
/// open-file limit (raised first to its hard limit).
fn connection_limits(config: &Config) -> Limits {
    let open_files = connections::raise_open_file_limit();
    let max_connections = connections::effective_cap(config.max_connections, open_files);
    if max_connections < config.max_connections {
        tracing::warn!(
            setting = config.max_connections,
            open_file_limit = open_files,
            max_connections,
            "BATON_MAX_CONNECTIONS lowered to fit the open-file limit (raise `ulimit -n` to allow more)"
        );
    }
    Limits {
        header_read: Duration::from_secs(config.header_read_timeout_secs),
        body_read: Duration::from_secs(config.body_read_timeout_secs),
        keepalive: Duration::from_secs(config.keepalive_timeout_secs),
        max_connections,
        shutdown_deadline: Duration::from_secs(config.shutdown_timeout_secs),
    }
}

/// Periodic work through the writer: prune old dedup ids, run timed decisions.
async fn maintenance(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let mut last_prune = tokio::time::Instant::now() - PRUNE_EVERY;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(state.config.tick_every_secs)) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
        let now = crate::clock::now();
        let context = state.apply_context();
        let deploys_context = context.clone();
        match state
            .writer
            .run(move |tx| crate::apply::errors::tick(tx, &context, now))
            .await
        {
            // The store refusing writes is logged by the writer, counted.
            Err(e) if !e.is_unavailable() => {
                tracing::error!(error = %e, "timed work failed; will try again")
            }
            _ => {}
        }
        let locks_ticked = match state
            .writer
            .run(move |tx| crate::apply::deploys::tick(tx, &deploys_context, now))
            .await
        {
            Ok(()) => true,
            Err(e) if !e.is_unavailable() => {
                tracing::error!(error = %e, "lock timers failed; will try again");
                false
            }
            Err(_) => false,
        };
        match state
            .writer
            .run(move |tx| crate::apply::reviews::tick(tx, now))
            .await
        {
            // Every timer due by `now` has fired only when both runs committed.
            Ok(()) if locks_ticked => state
                .timers_ran_at
                .store(now, std::sync::atomic::Ordering::SeqCst),
            Ok(()) => {}
            Err(e) if !e.is_unavailable() => {
                tracing::error!(error = %e, "review reminders and digests failed; will try again")
            }
            Err(_) => {}
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = tokio::time::Instant::now();
            let cutoff = now - state.config.dedup_retention_secs;
            let deploy_cutoff = now - DEPLOY_RETENTION_SECS;
            let pruned = state
                .writer
                .run(move |tx| {
                    Ok((
                        tx.prune_deliveries(cutoff)?,
                        tx.prune_finished_deploys(deploy_cutoff)?,
                    ))
                })
                .await;
            match pruned {
                Ok((0, 0)) => {}
                Ok((ids, deploys)) => {
                    tracing::info!(ids, deploys, "pruned old delivery ids and finished deploys")
                }
                Err(e) if e.is_unavailable() => {}
                Err(e) => tracing::error!(error = %e, "pruning failed"),
            }
        }
    }
}

/// After a write fails on the disk (full, read-only), the store refuses
/// everything until it is closed and opened again: try that every
/// [`REOPEN_EVERY`] until it works, so Baton recovers without a restart.
/// A failed try is logged the first time and then every
/// [`REOPEN_LOG_EVERY`] tries, with their count.
async fn reopen_when_failed(store: Arc<Store>, mut shutdown: watch::Receiver<bool>) {
    let mut failed_tries = 0u32;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(REOPEN_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
        let Some(reason) = store.failure() else {
            continue;
        };
        let reopening = store.clone();
        let error = match tokio::task::spawn_blocking(move || reopening.reopen()).await {
            Ok(Ok(())) => {
                tracing::info!(%reason, failed_tries, "the data file is writable again; resuming");
                failed_tries = 0;
                continue;
            }
            Ok(Err(e)) => e.to_string(),
            Err(e) => format!("reopening the data file failed: {e}"),
        };
        failed_tries += 1;
        if failed_tries % REOPEN_LOG_EVERY == 1 {
            tracing::warn!(
                %error,
                failed_tries,
                "the data file is still not writable; trying again every {}s",
                REOPEN_EVERY.as_secs()
            );
        }
    }
}

/// Resolve when SIGTERM or SIGINT arrives.
pub async fn termination_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
