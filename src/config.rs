//! Baton's settings: one table of every setting, layered as
//! defaults < `baton.toml` < environment (and `.env`) < command-line flags.
//!
//! This is the only place that reads configuration. Secrets are wrapped in
//! [`Secret`], which never prints its value.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use baton_handlers::text::parse_duration;

/// One setting: its environment name, default, and one-line meaning.
pub struct Setting {
    pub name: &'static str,
    pub default: &'static str,
    pub secret: bool,
    pub meaning: &'static str,
}

/// Every setting Baton reads. `.env.example` is checked against this table.
pub const SETTINGS: &[Setting] = &[
    Setting { name: "BATON_LISTEN", default: "127.0.0.1:3000", secret: false, meaning: "Address and port the HTTP server listens on" },
    Setting { name: "BATON_DATA", default: "./data/baton.redb", secret: false, meaning: "The redb data file (its folder is created on first start); unused when BATON_DATABASE_URL is set" },
    Setting { name: "BATON_DATA_CACHE", default: "8388608", secret: false, meaning: "Memory in bytes the data file's page cache may use (redb); the delivery-id index comes on top, about 6 bytes per id kept" },
    Setting { name: "BATON_DATABASE_URL", default: "", secret: true, meaning: "PostgreSQL URL (postgres://user:password@host:5432/baton?sslmode=require); set = state in PostgreSQL, shared by several Baton replicas" },
    Setting { name: "SLACK_SIGNING_SECRET", default: "", secret: true, meaning: "Slack app signing secret; unset = Slack endpoints answer 503" },
    Setting { name: "SLACK_BOT_TOKEN", default: "", secret: true, meaning: "Slack bot token (xoxb-…); unset = offline: Slack messages are printed to stdout" },
    Setting { name: "SLACK_API_URL", default: "https://slack.com/api", secret: false, meaning: "Base URL of Slack's Web API (point tests at a local fake)" },
    Setting { name: "SLACK_APP_TOKEN", default: "", secret: true, meaning: "Slack app-level token (xapp-…, scope connections:write); set = Socket Mode: Slack's events, commands and buttons arrive over a connection Baton opens, no public URL needed" },
    Setting { name: "BATON_SOCKET_PING_INTERVAL", default: "10s", secret: false, meaning: "Socket Mode: how often Baton pings Slack; a connection that sends nothing for three intervals is replaced" },
    Setting { name: "SLACK_BOT_USER_ID", default: "", secret: false, meaning: "The bot's own Slack user id (U…); unset = learned from events" },
    Setting { name: "GITHUB_WEBHOOK_SECRET", default: "", secret: true, meaning: "GitHub webhook secret; unset = /github/webhook answers 503" },
    Setting { name: "GITHUB_TOKEN", default: "", secret: true, meaning: "GitHub token (a PAT), for teams without a GitHub App; unset (and no App) = offline: GitHub calls are printed" },
    Setting { name: "GITHUB_APP_ID", default: "", secret: false, meaning: "GitHub App id (App settings → About); with a private key, Baton acts as the App, per installation, instead of with GITHUB_TOKEN" },
    Setting { name: "GITHUB_APP_PRIVATE_KEY", default: "", secret: true, meaning: "The GitHub App's private key, PEM text (-----BEGIN RSA PRIVATE KEY-----…; `\\n` escapes allowed)" },
    Setting { name: "GITHUB_APP_PRIVATE_KEY_FILE", default: "", secret: false, meaning: "Path of the GitHub App's private key file (.pem), instead of GITHUB_APP_PRIVATE_KEY" },
    Setting { name: "BATON_GITHUB_HOOKS", default: "", secret: false, meaning: "Repository/organisation webhooks whose missed deliveries are caught up (with GITHUB_TOKEN), e.g. owner/repo:123,my-org:456" },
    Setting { name: "BATON_GITHUB_CATCH_UP_EVERY", default: "5m", secret: false, meaning: "How often GitHub's recent webhook deliveries are read to apply any Baton missed (also at start; App or BATON_GITHUB_HOOKS)" },
    Setting { name: "GITHUB_API_URL", default: "https://api.github.com", secret: false, meaning: "Base URL of GitHub's REST API (GitHub Enterprise or a local fake)" },
    Setting { name: "BATON_HOOK_TOKEN", default: "", secret: true, meaning: "Bearer token for /hooks/* and /api/*; unset = those endpoints answer 503" },
    Setting { name: "BATON_URL", default: "http://127.0.0.1:3000", secret: false, meaning: "Where `baton notify` finds a running Baton" },
    Setting { name: "BATON_ADMINS", default: "", secret: false, meaning: "Slack user ids allowed to change configuration, comma separated; empty = everyone" },
    Setting { name: "BATON_LOG_FORMAT", default: "pretty", secret: false, meaning: "Log format: pretty or json" },
    Setting { name: "RUST_LOG", default: "info", secret: false, meaning: "Log filter (tracing EnvFilter syntax), e.g. info,baton=debug" },
    Setting { name: "BATON_DEDUP_RETENTION", default: "7d", secret: false, meaning: "How long delivery and event ids are kept to drop redeliveries" },
    Setting { name: "BATON_GITHUB_BODY_LIMIT", default: "26214400", secret: false, meaning: "Largest GitHub webhook body in bytes (GitHub caps at 25 MiB)" },
    Setting { name: "BATON_SLACK_BODY_LIMIT", default: "1048576", secret: false, meaning: "Largest Slack request body in bytes" },
    Setting { name: "BATON_HOOK_BODY_LIMIT", default: "1048576", secret: false, meaning: "Largest /hooks/* body in bytes" },
    Setting { name: "BATON_OUTBOX_GIVE_UP_AFTER", default: "24h", secret: false, meaning: "How long a message is retried through failures and outages before it becomes a dead letter (`baton outbox retry` requeues)" },
    Setting { name: "BATON_OUTBOX_BACKOFF", default: "1s", secret: false, meaning: "First retry delay; doubles each attempt (with jitter), capped at BATON_OUTBOX_MAX_BACKOFF" },
    Setting { name: "BATON_OUTBOX_MAX_BACKOFF", default: "1m", secret: false, meaning: "Longest wait between two tries of one message that fails while its service answers others (a service that is down is probed every BATON_OUTBOX_PROBE_EVERY instead)" },
    Setting { name: "BATON_OUTBOX_PROBE_EVERY", default: "5s", secret: false, meaning: "While Slack or GitHub fails, the longest pause between two tries of it (one message each, with jitter), so the backlog drains within about this long of the service's return" },
    Setting { name: "BATON_OUTBOX_LATE_GRACE", default: "15s", secret: false, meaning: "After a Slack call got no answer in time (or a gateway's 502/504), how long its answer is still awaited before Baton looks for the post in the channel's history and posts again: Slack may commit a post late" },
    Setting { name: "BATON_OUTBOX_LEASE", default: "30s", secret: false, meaning: "How long one replica's claim on queued messages lasts; if it dies, another replica sends them after this long" },
    Setting { name: "BATON_HTTP_TIMEOUT", default: "10s", secret: false, meaning: "Timeout of one call to Slack or GitHub" },
    Setting { name: "BATON_LOOKUP_TIMEOUT", default: "10s", secret: false, meaning: "How long a reviewer pick may wait for GitHub (CODEOWNERS, changed files, team members) before it is made without them" },
    Setting { name: "BATON_LOCK_DEFAULT", default: "4h", secret: false, meaning: "How long a deploy lock lasts when no `for <duration>` is given" },
    Setting { name: "BATON_ERROR_WINDOW", default: "10m", secret: false, meaning: "Window in which repeats of one error are counted, not posted" },
    Setting { name: "BATON_CLOCK_SPEED", default: "1", secret: false, meaning: "Test hook: how fast the outbox's retry clock runs (1000 = a 24-hour outage in 86 s); keep 1" },
    Setting { name: "BATON_CLOCK_FILE", default: "", secret: false, meaning: "Test hook: while this file holds a number, that number (Unix seconds) is Baton's time for decisions and timers; keep empty" },
    Setting { name: "BATON_TICK_EVERY", default: "5s", secret: false, meaning: "How often timed work (reminders, digests, expiries, error windows) is looked at" },
    Setting { name: "BATON_FAULT_FILE", default: "", secret: false, meaning: "Test hook: while this file exists, writes to the data file fail as on a full disk; keep empty" },
    Setting { name: "BATON_ERROR_CHANNEL_CAP", default: "20", secret: false, meaning: "Error messages one channel gets per minute before the rest are held and summarised" },
    Setting { name: "BATON_PUBLIC_URL", default: "", secret: false, meaning: "Address applications reach Baton at (https://baton.example.com); the host of the Sentry DSNs `/baton errors dsn` makes" },
    Setting { name: "BATON_INGEST_QUEUE_LIMIT", default: "10000", secret: false, meaning: "Writes waiting for the store beyond which Sentry SDK requests get 429 and Retry-After (0 = always)" },
    Setting { name: "SENTRY_CLIENT_SECRET", default: "", secret: true, meaning: "Client secret of the Sentry integration posting to /hooks/errors (checks Sentry-Hook-Signature); unset = Sentry's signed webhooks answer 503" },
    Setting { name: "BATON_HEADER_READ_TIMEOUT", default: "10s", secret: false, meaning: "A request's headers must arrive in full this soon after the connection opens (or the previous answer), else it is closed" },
    Setting { name: "BATON_BODY_READ_TIMEOUT", default: "30s", secret: false, meaning: "A request's body must arrive in full this soon after its headers, else 408 and the connection is closed" },
    Setting { name: "BATON_KEEPALIVE_TIMEOUT", default: "5s", secret: false, meaning: "A connection with no request in progress and no bytes moving is closed after this" },
    Setting { name: "BATON_MAX_CONNECTIONS", default: "4096", secret: false, meaning: "Most client connections held at once; more get 503 and are closed (lowered to the open-file limit minus 256 if that is smaller)" },
    Setting { name: "BATON_SHUTDOWN_TIMEOUT", default: "10s", secret: false, meaning: "On SIGTERM, how long requests in flight may finish before their connections are dropped and Baton exits" },
];

/// A secret value. Its `Debug` never shows the value, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value, for signing or an `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The effective, validated settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data: PathBuf,
    /// `BATON_DATABASE_URL`: PostgreSQL instead of the data file.
    pub database_url: Option<Secret>,
    pub slack_signing_secret: Option<Secret>,
    pub slack_bot_token: Option<Secret>,
    pub slack_api_url: String,
    pub slack_bot_user_id: Option<String>,
    /// `SLACK_APP_TOKEN`, checked to be an `xapp-` token: Socket Mode on.
    pub slack_app_token: Option<Secret>,
    pub socket_ping_interval_secs: u64,
    pub github_webhook_secret: Option<Secret>,
    pub github_token: Option<Secret>,
    /// `GITHUB_APP_ID` and its private key, checked.
    pub github_app: Option<GithubApp>,
    /// `BATON_GITHUB_HOOKS`: webhooks whose deliveries are caught up.
    pub github_hooks: Vec<HookSource>,
    pub github_catch_up_every_secs: u64,
    pub github_api_url: String,
    pub hook_token: Option<Secret>,
    pub baton_url: String,
    pub admins: Vec<String>,
    pub log_format: LogFormat,
    pub rust_log: String,
    pub dedup_retention_secs: i64,
    pub github_body_limit: usize,
    pub slack_body_limit: usize,
    pub hook_body_limit: usize,
    pub outbox_give_up_after_secs: f64,
    pub outbox_backoff_secs: f64,
    pub outbox_max_backoff_secs: f64,
    pub outbox_probe_every_secs: f64,
    pub outbox_late_grace_secs: f64,
    pub outbox_lease_secs: u64,
    pub clock_speed: f64,
    pub fault_file: Option<PathBuf>,
    /// `BATON_CLOCK_FILE`: the test hook of [`crate::clock`].
    pub clock_file: Option<PathBuf>,
    /// `BATON_TICK_EVERY`: how often timed work runs.
    pub tick_every_secs: u64,
    /// `BATON_DATA_CACHE`: bytes of redb's page cache.
    pub data_cache_bytes: usize,
    pub http_timeout_secs: u64,
    /// `BATON_LOOKUP_TIMEOUT`: how long a pick waits for GitHub's facts.
    pub lookup_timeout_secs: f64,
    pub lock_default_secs: i64,
    pub error_window_secs: i64,
    pub error_channel_cap: u32,
    /// `BATON_PUBLIC_URL`, checked, without a trailing `/`.
    pub public_url: Option<String>,
    pub ingest_queue_limit: usize,
    pub sentry_client_secret: Option<Secret>,
    pub header_read_timeout_secs: u64,
    pub body_read_timeout_secs: u64,
    pub keepalive_timeout_secs: u64,
    pub max_connections: usize,
    pub shutdown_timeout_secs: u64,
}

/// A GitHub App: its id and private key (PEM, checked to be a usable key).
#[derive(Debug, Clone)]
pub struct GithubApp {
    pub app_id: u64,
    pub private_key: Secret,
}

impl GithubApp {
    /// The key, ready to sign JWTs.
    pub fn key(&self) -> Result<crate::github_app::AppKey, String> {
        crate::github_app::AppKey::from_pem(self.app_id, self.private_key.expose())
    }
}

/// A repository or organisation webhook named in `BATON_GITHUB_HOOKS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookSource {
    Repository { repo: String, hook_id: u64 },
    Organisation { org: String, hook_id: u64 },
}

impl HookSource {
    /// The REST route of its deliveries: `/repos/{o}/{r}/hooks/{id}/deliveries`
    /// or `/orgs/{org}/hooks/{id}/deliveries`.
    pub fn deliveries_route(&self) -> String {
        match self {
            HookSource::Repository { repo, hook_id } => {
                format!("/repos/{repo}/hooks/{hook_id}/deliveries")
            }
            HookSource::Organisation { org, hook_id } => {
                format!("/orgs/{org}/hooks/{hook_id}/deliveries")
            }
        }
    }
}

/// `owner/repo:123,my-org:456`.
fn parse_hooks(value: &str) -> Result<Vec<HookSource>, ConfigError> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let bad = || {
                ConfigError(format!(
                    "BATON_GITHUB_HOOKS: `{item}` is not `owner/repo:HOOK_ID` or `org:HOOK_ID` (the id is in the webhook's settings URL)"
                ))
            };
            let (place, id) = item.rsplit_once(':').ok_or_else(bad)?;
            let hook_id = id.trim().parse::<u64>().map_err(|_| bad())?;
            match place.trim().split_once('/') {
                Some((owner, repo)) if name_ok(owner) && name_ok(repo) => {
                    Ok(HookSource::Repository {
                        repo: format!("{owner}/{repo}"),
                        hook_id,
                    })
                }
                None if name_ok(place.trim()) => Ok(HookSource::Organisation {
                    org: place.trim().to_string(),
                    hook_id,
                }),
                _ => Err(bad()),
            }
        })
        .collect()
}

/// A setting with a bad value; the message names the setting.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Where each effective value came from, for `baton config check`.
pub type Sources = BTreeMap<&'static str, (String, &'static str)>;

/// The raw layers before validation.
#[derive(Default)]
pub struct Layers {
    /// Values from flags, by setting name (highest precedence).
    pub flags: BTreeMap<String, String>,
    /// Path of `baton.toml` (default `./baton.toml`, optional).
    pub toml_path: Option<PathBuf>,
    /// Read `.env` in the working directory (off in tests).
    pub read_dotenv: bool,
}

impl Config {
    /// Load from every layer: defaults < baton.toml < environment/.env < flags.
    /// A bad value fails with every bad setting named, one per line.
    pub fn load(layers: &Layers) -> Result<(Config, Sources), ConfigError> {
        let values = Config::load_values(layers)?;
        let problems = problems(&values);
        if !problems.is_empty() {
            return Err(ConfigError(problems.join("\n")));
        }
        let config = Config::from_values(&values)?;
        Ok((config, values))
    }

    /// Read every layer into raw values (with where each came from), without
    /// validating them; fails only when a layer itself cannot be read.
    pub fn load_values(layers: &Layers) -> Result<Sources, ConfigError> {
        let mut values: Sources = SETTINGS
            .iter()
            .map(|s| (s.name, (s.default.to_string(), "default")))
            .collect();

        let toml_path = layers
            .toml_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("baton.toml"));
        let toml_required = layers.toml_path.is_some();
        for (name, value) in read_toml(&toml_path, toml_required)? {
            values.insert(name, (value, "baton.toml"));
        }

        let dotenv = if layers.read_dotenv {
            read_dotenv(Path::new(".env"))?
        } else {
            BTreeMap::new()
        };
        for setting in SETTINGS {
            if let Ok(value) = std::env::var(setting.name) {
                values.insert(setting.name, (value, "environment"));
            } else if let Some(value) = dotenv.get(setting.name) {
                values.insert(setting.name, (value.clone(), ".env"));
            }
        }
        for (name, value) in &layers.flags {
            let setting = SETTINGS
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| ConfigError(format!("unknown setting {name}")))?;
            values.insert(setting.name, (value.clone(), "flag"));
        }
        Ok(values)
    }

    /// Validate raw values into a `Config`, naming the first bad setting.
    pub fn from_values(values: &Sources) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            values
                .get(name)
                .map(|(v, _)| v.trim().to_string())
                .unwrap_or_default()
        };
        let secret = |name: &str| Some(get(name)).filter(|v| !v.is_empty()).map(Secret::new);
        let path = |name: &str| Some(get(name)).filter(|v| !v.is_empty()).map(PathBuf::from);
        let number = |name: &str| -> Result<u64, ConfigError> {
            get(name)
                .parse::<u64>()
                .map_err(|_| ConfigError(format!("{name}: `{}` is not a whole number", get(name))))
        };
        let duration = |name: &str| -> Result<i64, ConfigError> {
            parse_duration(&get(name)).ok_or_else(|| {
                if is_zero_duration(&get(name)) {
                    ConfigError(format!(
                        "{name}: `{}` is zero, which is not allowed: give a positive duration like 30s, 10m, 4h or 7d",
                        get(name)
                    ))
                } else {
                    ConfigError(format!(
                        "{name}: `{}` is not a duration like 30s, 10m, 4h or 7d",
                        get(name)
                    ))
                }
            })
        };
        let url = |name: &str| -> Result<String, ConfigError> {
            let value = get(name);
            if !(value.starts_with("http://") || value.starts_with("https://")) || value.len() < 10
            {
                return Err(ConfigError(format!(
                    "{name}: `{value}` is not an http(s) URL"
                )));
            }
            Ok(value.trim_end_matches('/').to_string())
        };
        let listen = listen_address(&get("BATON_LISTEN"))?;
        let data = get("BATON_DATA");
        if data.is_empty() {
            return Err(ConfigError(
                "BATON_DATA: must name a file, e.g. ./data/baton.redb".into(),
            ));
        }
        let log_format = match get("BATON_LOG_FORMAT").to_ascii_lowercase().as_str() {
            "pretty" | "" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError(format!(
                    "BATON_LOG_FORMAT: `{other}` is neither pretty nor json"
                )))
            }
        };
        let admins = get("BATON_ADMINS")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                baton_handlers::text::parse_user_mention(s).ok_or_else(|| {
                    ConfigError(format!(
                        "BATON_ADMINS: `{s}` is not a Slack user id like U0123ABCD"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bot_user = get("SLACK_BOT_USER_ID");
        let slack_bot_user_id = if bot_user.is_empty() {
            None
        } else {
            Some(
                baton_handlers::text::parse_user_mention(&bot_user).ok_or_else(|| {
                    ConfigError(format!(
                        "SLACK_BOT_USER_ID: `{bot_user}` is not a Slack user id like U0123ABCD"
                    ))
                })?,
            )
        };
        let backoff = duration("BATON_OUTBOX_BACKOFF")?;
        let max_backoff = duration("BATON_OUTBOX_MAX_BACKOFF")?;
        if backoff < 1 || max_backoff < backoff {
            return Err(ConfigError(
                "BATON_OUTBOX_BACKOFF: must be at least 1s and at most BATON_OUTBOX_MAX_BACKOFF"
                    .into(),
            ));
        }
        let clock_speed = get("BATON_CLOCK_SPEED")
            .parse::<f64>()
            .ok()
            .filter(|s| (1.0..=100_000.0).contains(s))
            .ok_or_else(|| {
                ConfigError(format!(
                    "BATON_CLOCK_SPEED: `{}` is not a number from 1 to 100000",
                    get("BATON_CLOCK_SPEED")
                ))
            })?;
        let cap = number("BATON_ERROR_CHANNEL_CAP")?;
        if cap == 0 {
            return Err(ConfigError(
                "BATON_ERROR_CHANNEL_CAP: must be at least 1".into(),
            ));
        }
        let max_connections = number("BATON_MAX_CONNECTIONS")?;
        if max_connections == 0 {
            return Err(ConfigError(
                "BATON_MAX_CONNECTIONS: must be at least 1".into(),
            ));
        }
        let max_connections = max_connections as usize;
        let limit = |name: &str| -> Result<usize, ConfigError> {
            let n = number(name)?;
            if n < 1024 {
                return Err(ConfigError(format!(
                    "{name}: {n} bytes is too small (at least 1024)"
                )));
            }
            Ok(n as usize)
        };
        let github_app = github_app(&get)?;
        let github_token = secret("GITHUB_TOKEN");
        if github_app.is_some() && github_token.is_some() {
            return Err(ConfigError(
                "GITHUB_TOKEN and GITHUB_APP_ID are both set: Baton acts either with one token or as a GitHub App; unset one of them".into(),
            ));
        }
        let github_hooks = parse_hooks(&get("BATON_GITHUB_HOOKS"))?;
        if !github_hooks.is_empty() && github_token.is_none() {
            return Err(ConfigError(
                "BATON_GITHUB_HOOKS: reading a webhook's deliveries needs GITHUB_TOKEN (with admin:repo_hook / admin:org_hook, or Webhooks: Read); set it or empty BATON_GITHUB_HOOKS".into(),
            ));
        }
        let public_url = Some(get("BATON_PUBLIC_URL"))
            .filter(|u| !u.is_empty())
            .map(|u| {
                baton_handlers::errors::dsn::check_public_url(&u)
                    .map(|()| u.trim_end_matches('/').to_string())
                    .map_err(|e| ConfigError(format!("BATON_PUBLIC_URL: {e}")))
            })
            .transpose()?;
        let slack_app_token = secret("SLACK_APP_TOKEN");
        if let Some(token) = &slack_app_token {
            // The value is a secret: the message never shows it.
            if !token.expose().starts_with("xapp-") {
                let hint = if token.expose().starts_with("xox") {
                    " (this looks like a bot or user token: that one goes in SLACK_BOT_TOKEN)"
                } else {
                    ""
                };
                return Err(ConfigError(format!(
                    "SLACK_APP_TOKEN: not an app-level token{hint}; it starts with xapp-. Make one under api.slack.com/apps → your app → Basic Information → App-Level Tokens, with the scope connections:write"
                )));
            }
        }
        Ok(Config {
            listen,
            data: PathBuf::from(data),
            database_url: secret("BATON_DATABASE_URL"),
            slack_signing_secret: secret("SLACK_SIGNING_SECRET"),
            slack_bot_token: secret("SLACK_BOT_TOKEN"),
            slack_api_url: url("SLACK_API_URL")?,
            slack_bot_user_id,
            slack_app_token,
            socket_ping_interval_secs: duration("BATON_SOCKET_PING_INTERVAL")? as u64,
            github_webhook_secret: secret("GITHUB_WEBHOOK_SECRET"),
            github_token,
            github_app,
            github_hooks,
            github_catch_up_every_secs: duration("BATON_GITHUB_CATCH_UP_EVERY")? as u64,
            github_api_url: url("GITHUB_API_URL")?,
            hook_token: secret("BATON_HOOK_TOKEN"),
            baton_url: url("BATON_URL")?,
            admins,
            log_format,
            rust_log: get("RUST_LOG"),
            dedup_retention_secs: duration("BATON_DEDUP_RETENTION")?,
            github_body_limit: limit("BATON_GITHUB_BODY_LIMIT")?,
            slack_body_limit: limit("BATON_SLACK_BODY_LIMIT")?,
            hook_body_limit: limit("BATON_HOOK_BODY_LIMIT")?,
            outbox_give_up_after_secs: duration("BATON_OUTBOX_GIVE_UP_AFTER")? as f64,
            outbox_backoff_secs: backoff as f64,
            outbox_max_backoff_secs: max_backoff as f64,
            outbox_probe_every_secs: duration("BATON_OUTBOX_PROBE_EVERY")? as f64,
            outbox_late_grace_secs: duration("BATON_OUTBOX_LATE_GRACE")? as f64,
            outbox_lease_secs: duration("BATON_OUTBOX_LEASE")?.max(1) as u64,
            clock_speed,
            fault_file: path("BATON_FAULT_FILE"),
            clock_file: path("BATON_CLOCK_FILE"),
            tick_every_secs: duration("BATON_TICK_EVERY")?.max(1) as u64,
            data_cache_bytes: limit("BATON_DATA_CACHE")?,
            http_timeout_secs: duration("BATON_HTTP_TIMEOUT")? as u64,
            lookup_timeout_secs: duration("BATON_LOOKUP_TIMEOUT")?.max(1) as f64,
            lock_default_secs: duration("BATON_LOCK_DEFAULT")?,
            error_window_secs: duration("BATON_ERROR_WINDOW")?,
            error_channel_cap: cap as u32,
            public_url,
            ingest_queue_limit: number("BATON_INGEST_QUEUE_LIMIT")? as usize,
            sentry_client_secret: secret("SENTRY_CLIENT_SECRET"),
            header_read_timeout_secs: duration("BATON_HEADER_READ_TIMEOUT")? as u64,
            body_read_timeout_secs: duration("BATON_BODY_READ_TIMEOUT")? as u64,
            keepalive_timeout_secs: duration("BATON_KEEPALIVE_TIMEOUT")? as u64,
            max_connections,
            shutdown_timeout_secs: duration("BATON_SHUTDOWN_TIMEOUT")? as u64,
        })
    }
}

/// `GITHUB_APP_ID` with `GITHUB_APP_PRIVATE_KEY` or `_FILE`: all or none.
fn github_app(get: &dyn Fn(&str) -> String) -> Result<Option<GithubApp>, ConfigError> {
    let id = get("GITHUB_APP_ID");
    let pem = get("GITHUB_APP_PRIVATE_KEY");
    let file = get("GITHUB_APP_PRIVATE_KEY_FILE");
    if id.is_empty() && pem.is_empty() && file.is_empty() {
        return Ok(None);
    }
    if id.is_empty() {
        return Err(ConfigError(
            "GITHUB_APP_ID: unset, but a GitHub App private key is given; set the App id (App settings → About → App ID)".into(),
        ));
    }
    let app_id = id.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ConfigError(format!(
            "GITHUB_APP_ID: `{id}` is not a GitHub App id (a number, App settings → About → App ID)"
        ))
    })?;
    let private_key = match (pem.is_empty(), file.is_empty()) {
        (true, true) => {
            return Err(ConfigError(
                "GITHUB_APP_PRIVATE_KEY: unset; with GITHUB_APP_ID, give the App's private key (PEM text) or GITHUB_APP_PRIVATE_KEY_FILE".into(),
            ))
        }
        (false, false) => {
            return Err(ConfigError(
                "GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are both set; keep one".into(),
            ))
        }
        (false, true) => pem,
        (true, false) => std::fs::read_to_string(&file).map_err(|e| {
            ConfigError(format!(
                "GITHUB_APP_PRIVATE_KEY_FILE: cannot read `{file}`: {e}"
            ))
        })?,
    };
    let app = GithubApp {
        app_id,
        private_key: Secret::new(private_key),
    };
    let which = if file.is_empty() {
        "GITHUB_APP_PRIVATE_KEY".to_string()
    } else {
        format!("GITHUB_APP_PRIVATE_KEY_FILE (`{file}`)")
    };
    app.key().map_err(|e| {
        ConfigError(format!(
            "{which}: {e}; download a new key from the App's settings → Private keys"
        ))
    })?;
    Ok(Some(app))
}

/// Every bad setting among `values`, one message each, naming the setting.
/// Each setting is validated on its own (the others at their defaults), so
/// one bad value does not hide the next.
pub fn problems(values: &Sources) -> Vec<String> {
    let defaults: Sources = SETTINGS
        .iter()
        .map(|s| (s.name, (s.default.to_string(), "default")))
        .collect();
    SETTINGS
        .iter()
        .filter_map(|setting| {
            let mut alone = defaults.clone();
            for name in
                std::iter::once(setting.name).chain(companions(setting.name).iter().copied())
            {
                if let Some(value) = values.get(name) {
                    alone.insert(name, value.clone());
                }
            }
            Config::from_values(&alone).err().map(|e| e.0)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .chain(
            // Settings that are fine alone but not together (GITHUB_TOKEN
            // with an App, a key without its App id…).
            Config::from_values(values).err().map(|e| e.0),
        )
        .fold(Vec::new(), |mut all, problem| {
            if !all.contains(&problem) {
                all.push(problem);
            }
            all
        })
}

/// What does not work with these settings, one sentence each (empty when
/// every feature is usable). Shown by `baton config check` and `baton doctor`.
pub fn unusable_features(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    match (&config.slack_signing_secret, &config.slack_app_token) {
        (None, None) => out.push("SLACK_SIGNING_SECRET is unset: Slack events, /baton commands and buttons are refused (503)".to_string()),
        (None, Some(_)) => out.push("SLACK_SIGNING_SECRET is unset: Slack's request URLs answer 503 (fine with Socket Mode: SLACK_APP_TOKEN carries Slack's events, commands and buttons)".to_string()),
        (Some(_), _) => {}
    }
    if config.github_webhook_secret.is_none() {
        out.push("GITHUB_WEBHOOK_SECRET is unset: GitHub webhooks are refused (503), so no reviewer rotation and no deploy messages from GitHub".to_string());
    }
    if config.hook_token.is_none() {
        out.push("BATON_HOOK_TOKEN is unset: /hooks/deploy, /hooks/errors and /api/* are refused (503), so no deploy notices from CI, no error reports, no lock checks".to_string());
    }
    if config.slack_bot_token.is_none() {
        out.push("SLACK_BOT_TOKEN is unset: offline mode, Slack messages are printed to stdout instead of posted".to_string());
    }
    if config.github_token.is_none() && config.github_app.is_none() {
        out.push("GITHUB_TOKEN (or GITHUB_APP_ID) is unset: offline mode, reviewer requests are printed instead of made on GitHub".to_string());
    }
    out
}

/// The shortest inbound secret Baton accepts without a warning. Slack's
/// signing secrets have 32 characters; the webhook secret and hook token are
/// chosen by the operator (`openssl rand -hex 32` gives 64).
pub const MIN_SECRET_CHARS: usize = 16;

/// Inbound secrets shorter than [`MIN_SECRET_CHARS`], by setting name. One
/// rule for all three, used by both `config check` and `doctor`.
pub fn short_secrets(config: &Config) -> Vec<&'static str> {
    [
        ("SLACK_SIGNING_SECRET", &config.slack_signing_secret),
        ("GITHUB_WEBHOOK_SECRET", &config.github_webhook_secret),
        ("BATON_HOOK_TOKEN", &config.hook_token),
    ]
    .into_iter()
    .filter(|(_, secret)| {
        secret
            .as_ref()
            .is_some_and(|s| s.expose().chars().count() < MIN_SECRET_CHARS)
    })
    .map(|(name, _)| name)
    .collect()
}

/// Whether no inbound endpoint can accept anything (no secret at all).
pub fn nothing_accepted(config: &Config) -> bool {
    config.slack_signing_secret.is_none()
        && config.slack_app_token.is_none()
        && config.github_webhook_secret.is_none()
        && config.hook_token.is_none()
}

/// Settings only meaningful together, validated together by [`problems`].
fn companions(name: &str) -> &'static [&'static str] {
    const APP: &[&str] = &[
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_PRIVATE_KEY_FILE",
    ];
    match name {
        "GITHUB_APP_ID" | "GITHUB_APP_PRIVATE_KEY" | "GITHUB_APP_PRIVATE_KEY_FILE" => APP,
        "BATON_GITHUB_HOOKS" => &["GITHUB_TOKEN"],
        _ => &[],
    }
}

/// `0`, `0s`, `0m0s`…: a duration that parses but is zero.
fn is_zero_duration(text: &str) -> bool {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !"smhdwSMHDW".contains(*c))
        .collect();
    !digits.is_empty() && digits.chars().all(|c| c == '0')
}

/// `BATON_LISTEN`: an IP address and port, or a host name and port
/// (`localhost:3000`), resolved now; the first address it resolves to is used.
fn listen_address(value: &str) -> Result<SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs;
    if let Ok(addr) = value.parse() {
        return Ok(addr);
    }
    let shape = || {
        ConfigError(format!(
            "BATON_LISTEN: `{value}` is not an address like 127.0.0.1:3000, 0.0.0.0:3000 or localhost:3000"
        ))
    };
    let (host, port) = value.rsplit_once(':').ok_or_else(shape)?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(shape());
    }
    let mut addrs = value.to_socket_addrs().map_err(|e| {
        ConfigError(format!(
            "BATON_LISTEN: the host name `{host}` does not resolve ({e}); use an IP address like 127.0.0.1:{port}"
        ))
    })?;
    addrs.next().ok_or_else(|| {
        ConfigError(format!(
            "BATON_LISTEN: the host name `{host}` resolves to no address; use an IP address like 127.0.0.1:{port}"
        ))
    })
}

/// The effective settings as `NAME=value  (source)` lines, secrets redacted.
pub fn describe(sources: &Sources) -> String {
    let mut out = String::new();
    for setting in SETTINGS {
        let (value, source) = &sources[setting.name];
        let shown = if setting.secret {
            if value.is_empty() {
                "(unset)".to_string()
            } else {
                "[redacted]".to_string()
            }
        } else if value.is_empty() {
            "(empty)".to_string()
        } else {
            value.clone()
        };
        out.push_str(&format!("{:<26} {:<28} ({source})\n", setting.name, shown));
    }
    out
}

/// The text of `.env.example`, generated from [`SETTINGS`].
pub fn env_example() -> String {
    let mut out = String::from(
        "# Every Baton setting with its default and meaning.\n# Precedence: defaults < baton.toml < environment and .env < command-line flags.\n# In baton.toml use the lower-case name without the BATON_ prefix (listen = \"0.0.0.0:3000\").\n\n",
    );
    for s in SETTINGS {
        out.push_str(&format!("# {}\n{}={}\n\n", s.meaning, s.name, s.default));
    }
    out
}

/// The `baton.toml` key of a setting: lower case, without `BATON_`.
fn toml_key(name: &str) -> String {
    name.strip_prefix("BATON_")
        .unwrap_or(name)
        .to_ascii_lowercase()
}

fn read_toml(path: &Path, required: bool) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Vec::new()),
        Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (key, value) in table {
        let setting = SETTINGS
            .iter()
            .find(|s| toml_key(s.name) == key)
            .ok_or_else(|| ConfigError(format!("{}: unknown setting `{key}`", path.display())))?;
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        out.push((setting.name, value));
    }
    Ok(out)
}

fn read_dotenv(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    match dotenvy::from_path_iter(path) {
        Ok(iter) => iter
            .map(|item| item.map_err(|e| ConfigError(format!("{}: {e}", path.display()))))
            .collect(),
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(BTreeMap::new())
        }
        Err(e) => Err(ConfigError(format!("{}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> Sources {
        let mut v: Sources = SETTINGS
            .iter()
            .map(|s| (s.name, (s.default.to_string(), "default")))
            .collect();
        for (k, val) in pairs {
            v.insert(k, (val.to_string(), "test"));
        }
        v
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::from_values(&values(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.dedup_retention_secs, 7 * 86_400);
        assert!(c.slack_bot_token.is_none());
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (name, bad) in [
            ("BATON_LISTEN", "nowhere"),
            ("SLACK_API_URL", "ftp://x"),
            ("BATON_ADMINS", "bob"),
            ("BATON_LOG_FORMAT", "xml"),
            ("BATON_DEDUP_RETENTION", "forever"),
            ("BATON_HOOK_BODY_LIMIT", "12"),
            ("BATON_MAX_CONNECTIONS", "0"),
            ("BATON_BODY_READ_TIMEOUT", "soon"),
        ] {
            let err = Config::from_values(&values(&[(name, bad)])).unwrap_err();
            assert!(err.0.starts_with(name), "{err}");
        }
    }

    #[test]
    fn every_bad_setting_is_reported_not_just_the_first() {
        let v = values(&[
            ("BATON_LISTEN", "nowhere"),
            ("BATON_ERROR_WINDOW", "soon"),
            ("BATON_LOG_FORMAT", "xml"),
        ]);
        let found = problems(&v);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|p| p.starts_with("BATON_LISTEN")));
        assert!(found.iter().any(|p| p.starts_with("BATON_ERROR_WINDOW")));
        assert!(found.iter().any(|p| p.starts_with("BATON_LOG_FORMAT")));
        assert!(problems(&values(&[])).is_empty());
    }

    #[test]
    fn the_app_token_must_be_an_app_level_token() {
        let c = Config::from_values(&values(&[("SLACK_APP_TOKEN", "xapp-1-A1-2-abc")])).unwrap();
        assert!(c.slack_app_token.is_some());
        assert!(!nothing_accepted(&c));
        assert!(Config::from_values(&values(&[]))
            .unwrap()
            .slack_app_token
            .is_none());
        let err = Config::from_values(&values(&[("SLACK_APP_TOKEN", "xoxb-secret-bot-token")]))
            .unwrap_err();
        assert!(
            err.0.starts_with("SLACK_APP_TOKEN: not an app-level token"),
            "{err}"
        );
        assert!(
            err.0.contains("SLACK_BOT_TOKEN") && err.0.contains("connections:write"),
            "{err}"
        );
        assert!(
            !err.0.contains("secret-bot-token"),
            "the message shows the secret: {err}"
        );
        let err = Config::from_values(&values(&[("SLACK_APP_TOKEN", "nonsense")])).unwrap_err();
        assert!(err.0.contains("starts with xapp-"), "{err}");
        assert!(!err.0.contains("nonsense"), "{err}");
    }

    #[test]
    fn listen_accepts_a_host_name() {
        let c = Config::from_values(&values(&[("BATON_LISTEN", "localhost:3000")])).unwrap();
        assert!(c.listen.ip().is_loopback(), "{}", c.listen);
        assert_eq!(c.listen.port(), 3000);
        let err = Config::from_values(&values(&[("BATON_LISTEN", "localhost")])).unwrap_err();
        assert!(err.0.contains("localhost:3000"), "{err}");
        let err = Config::from_values(&values(&[("BATON_LISTEN", "no-such-host.invalid:3000")]))
            .unwrap_err();
        assert!(err.0.contains("does not resolve"), "{err}");
    }

    #[test]
    fn a_zero_duration_is_called_zero() {
        for zero in ["0s", "0", "00m"] {
            let err = Config::from_values(&values(&[("BATON_HTTP_TIMEOUT", zero)])).unwrap_err();
            assert!(err.0.contains("zero, which is not allowed"), "{err}");
        }
        let err = Config::from_values(&values(&[("BATON_HTTP_TIMEOUT", "soon")])).unwrap_err();
        assert!(err.0.contains("not a duration like 30s"), "{err}");
    }

    #[test]
    fn unusable_features_name_each_missing_secret() {
        let bare = Config::from_values(&values(&[])).unwrap();
        let off = unusable_features(&bare);
        assert_eq!(off.len(), 5, "{off:?}");
        assert!(nothing_accepted(&bare));
        let full = Config::from_values(&values(&[
            ("SLACK_SIGNING_SECRET", "s"),
            ("SLACK_BOT_TOKEN", "xoxb-1"),
            ("GITHUB_WEBHOOK_SECRET", "g"),
            ("GITHUB_TOKEN", "t"),
            ("BATON_HOOK_TOKEN", "h"),
        ]))
        .unwrap();
        assert!(unusable_features(&full).is_empty());
        assert!(!nothing_accepted(&full));
        assert_eq!(
            short_secrets(&full),
            [
                "SLACK_SIGNING_SECRET",
                "GITHUB_WEBHOOK_SECRET",
                "BATON_HOOK_TOKEN"
            ]
        );
        let long = Config::from_values(&values(&[
            ("SLACK_SIGNING_SECRET", "0123456789abcdef"),
            ("BATON_HOOK_TOKEN", "0123456789abcdef0123"),
        ]))
        .unwrap();
        assert!(short_secrets(&long).is_empty());
    }

    #[test]
    fn secrets_are_redacted_everywhere() {
        let v = values(&[
            ("SLACK_BOT_TOKEN", "xoxb-very-secret"),
            ("SENTRY_CLIENT_SECRET", "sentry-very-secret"),
        ]);
        let c = Config::from_values(&v).unwrap();
        assert!(!format!("{c:?}").contains("sentry-very-secret"));
        assert!(!describe(&v).contains("sentry-very-secret"));
        assert!(!format!("{c:?}").contains("very-secret"));
        assert!(!describe(&v).contains("very-secret"));
        assert!(describe(&v).contains("[redacted]"));
    }

    const TEST_APP_KEY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/github-app/test-app-private-key.pem"
    );

    #[test]
    fn a_github_app_is_an_id_and_a_key_and_excludes_a_token() {
        let pem = std::fs::read_to_string(TEST_APP_KEY).unwrap();
        let app = [
            ("GITHUB_APP_ID", "12345"),
            ("GITHUB_APP_PRIVATE_KEY_FILE", TEST_APP_KEY),
        ];
        let c = Config::from_values(&values(&app)).unwrap();
        assert_eq!(c.github_app.as_ref().unwrap().app_id, 12345);
        assert!(
            problems(&values(&app)).is_empty(),
            "{:?}",
            problems(&values(&app))
        );
        let inline = [
            ("GITHUB_APP_ID", "12345"),
            ("GITHUB_APP_PRIVATE_KEY", pem.as_str()),
        ];
        assert!(Config::from_values(&values(&inline))
            .unwrap()
            .github_app
            .is_some());
        assert!(!format!("{c:?}").contains("PRIVATE KEY-----\nMII"));

        let both = [app[0], app[1], ("GITHUB_TOKEN", "ghp_x")];
        let found = problems(&values(&both));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("GITHUB_TOKEN") && found[0].contains("GITHUB_APP_ID"),
            "{found:?}"
        );
        let err = Config::from_values(&values(&[("GITHUB_APP_ID", "12345")])).unwrap_err();
        assert!(err.0.starts_with("GITHUB_APP_PRIVATE_KEY"), "{err}");
        let err =
            Config::from_values(&values(&[("GITHUB_APP_PRIVATE_KEY", pem.as_str())])).unwrap_err();
        assert!(err.0.starts_with("GITHUB_APP_ID"), "{err}");
        let err = Config::from_values(&values(&[
            ("GITHUB_APP_ID", "12345"),
            (
                "GITHUB_APP_PRIVATE_KEY",
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            ),
        ]))
        .unwrap_err();
        assert!(err.0.starts_with("GITHUB_APP_PRIVATE_KEY:"), "{err}");
        assert!(!err.0.contains("AAAA"), "the key is never echoed: {err}");
        let err = Config::from_values(&values(&[
            ("GITHUB_APP_ID", "12345"),
            ("GITHUB_APP_PRIVATE_KEY_FILE", "/nonexistent/key.pem"),
        ]))
        .unwrap_err();
        assert!(
            err.0.contains("cannot read `/nonexistent/key.pem`"),
            "{err}"
        );
    }

    #[test]
    fn catch_up_hooks_are_repositories_or_organisations_and_need_a_token() {
        let c = Config::from_values(&values(&[
            ("BATON_GITHUB_HOOKS", "octo/api:123, my-org:456"),
            ("GITHUB_TOKEN", "ghp_x"),
        ]))
        .unwrap();
        assert_eq!(
            c.github_hooks
                .iter()
                .map(HookSource::deliveries_route)
                .collect::<Vec<_>>(),
            [
                "/repos/octo/api/hooks/123/deliveries",
                "/orgs/my-org/hooks/456/deliveries"
            ]
        );
        for bad in ["octo/api", "octo/api:x", "a/b/c:1", ":1"] {
            let err = Config::from_values(&values(&[
                ("BATON_GITHUB_HOOKS", bad),
                ("GITHUB_TOKEN", "ghp_x"),
            ]))
            .unwrap_err();
            assert!(err.0.starts_with("BATON_GITHUB_HOOKS"), "{bad}: {err}");
        }
        let err =
            Config::from_values(&values(&[("BATON_GITHUB_HOOKS", "octo/api:1")])).unwrap_err();
        assert!(err.0.contains("needs GITHUB_TOKEN"), "{err}");
    }

    #[test]
    fn env_example_in_repo_lists_every_setting() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
        assert_eq!(
            text,
            env_example(),
            ".env.example is stale: run `baton config example > .env.example`"
        );
    }
}
