//! Baton's settings: one table of every setting, layered as
//! defaults < `baton.toml` < environment (and `.env`) < command-line flags.
//!
//! This is the only place that reads configuration. Secrets are wrapped in
//! [`Secret`], which never prints its value.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use baton_handlers::text::parse_duration;

use checks::{is_zero_duration, problems};
use files::{read_dotenv, read_toml};
use settings::SETTINGS;

pub mod checks;
mod files;
pub mod settings;
#[cfg(test)]
mod tests;

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
    pub fn key(&self) -> Result<crate::clients::github_app::AppKey, String> {
        crate::clients::github_app::AppKey::from_pem(self.app_id, self.private_key.expose())
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
            fault_file: Some(get("BATON_FAULT_FILE"))
                .filter(|f| !f.is_empty())
                .map(PathBuf::from),
            clock_file: Some(get("BATON_CLOCK_FILE"))
                .filter(|f| !f.is_empty())
                .map(PathBuf::from),
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
