//! Every setting Baton reads, with its default and one-line meaning: the
//! table `.env.example` is generated from and checked against, and the
//! effective values as `baton config check` prints them.

use super::Sources;

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
    Setting { name: "BATON_DATA_CACHE", default: "4194304", secret: false, meaning: "Memory in bytes the data file's page cache may use (redb); the delivery-id index comes on top, about 5.5 bytes per id kept" },
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
pub(super) fn toml_key(name: &str) -> String {
    name.strip_prefix("BATON_")
        .unwrap_or(name)
        .to_ascii_lowercase()
}
