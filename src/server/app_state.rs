//! What the server's parts share: [`AppState`] (the config, the store, the
//! writer, metrics, the connection and refusal logs, the compiled error
//! routes) for the HTTP routes, the Socket Mode client and the catch-up, and
//! [`SocketStatus`], whether a Socket Mode connection is open.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use baton_handlers::command::Admins;
use baton_state::Store;

use crate::apply;
use crate::clients::github::GithubSink;
use crate::config::Config;
use crate::server::http::connections::OpenConnections;
use crate::server::http::refusals::RefusalLog;
use crate::server::metrics::Metrics;
use crate::server::writer::Writer;

/// What every route can reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    pub writer: Writer,
    pub metrics: Arc<Metrics>,
    pub dispatcher_running: Arc<AtomicBool>,
    /// The bot's own Slack user id, from config or learned from events.
    pub bot_user_id: Mutex<Option<String>>,
    /// The rate-limited log of refused requests.
    pub refusals: Arc<RefusalLog>,
    /// Client connections open now.
    pub connections: Arc<OpenConnections>,
    /// The error subscriptions' filters, compiled once per change of the
    /// subscriptions and shared by every report.
    pub error_routes: Arc<apply::errors::CompiledRoutes>,
    /// With Socket Mode (`SLACK_APP_TOKEN`): whether a connection is open.
    pub slack_socket: Option<Arc<SocketStatus>>,
    /// The time (Baton's clock, Unix seconds) of the last run of the timed
    /// work that committed: every timer due by then has fired.
    pub timers_ran_at: AtomicI64,
    /// The GitHub client, for what a command must look up before it is
    /// decided ([`crate::server::lookups`]); shares the dispatcher's token cache.
    pub github: GithubSink,
    /// Wakes the lookup task ([`crate::server::reviewer_lookups`]) after a delivery that may
    /// have stored a pick waiting for GitHub's facts.
    pub lookup_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// The settings the pure decisions need.
    pub fn apply_context(&self) -> apply::Context {
        apply::Context {
            admins: Admins::new(self.config.admins.clone()),
            bot_user_id: self
                .bot_user_id
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            lock_default_secs: self.config.lock_default_secs,
            error_window_secs: self.config.error_window_secs,
            error_channel_cap: self.config.error_channel_cap,
            public_url: self.config.public_url.clone(),
            github_api_url: self.config.github_api_url.clone(),
            error_routes: self.error_routes.clone(),
        }
    }
}

pub type SharedState = Arc<AppState>;

/// Whether a Socket Mode connection is open and greeted (`hello`).
#[derive(Default)]
pub struct SocketStatus {
    connected: AtomicBool,
}

impl SocketStatus {
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }

    /// Set by the Socket Mode client as its connection opens and closes.
    pub fn set(&self, connected: bool) {
        self.connected.store(connected, Ordering::SeqCst);
    }
}
