//! `baton doctor`: check each configured secret, token, base URL, the data
//! file and the listen address; one line per check with a fix for each
//! failure. Works against the configured base URLs, so tests use fakes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use baton_state::FileState;

use crate::clients::github::{Actor, GithubSink, Method};
use crate::clients::slack::SlackSink;
use crate::config::Config;

/// How a check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    /// Not configured, which is allowed (offline mode or endpoint disabled).
    Skip(String),
    Fail {
        problem: String,
        fix: String,
    },
}

/// `baton doctor`: runs every check, prints them with their fixes and what
/// the settings leave unusable; exit 1 if a check failed or nothing would be
/// accepted.
pub fn command(config: &Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("baton: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (checks, ok) = runtime.block_on(run(config));
    print(&checks);
    let off = crate::config::checks::unusable_features(config);
    if !off.is_empty() {
        println!("Not usable with these settings:");
        for feature in &off {
            println!("  - {feature}");
        }
    }
    if !ok {
        println!("Some checks failed: see the fixes above.");
        ExitCode::FAILURE
    } else if crate::config::checks::nothing_accepted(config) {
        println!("Baton would start, but every endpoint would answer 503: set at least one of SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, GITHUB_WEBHOOK_SECRET, BATON_HOOK_TOKEN.");
        ExitCode::FAILURE
    } else if off.is_empty() {
        println!("All checks passed.");
        ExitCode::SUCCESS
    } else {
        println!("All checks passed for what is configured.");
        ExitCode::SUCCESS
    }
}

/// Run every check; returns the lines and whether all passed.
pub async fn run(config: &Config) -> (Vec<(String, Verdict)>, bool) {
    let timeout = Duration::from_secs(config.http_timeout_secs);
    let mut checks: Vec<(String, Verdict)> = Vec::new();

    let short = crate::config::checks::short_secrets(config);
    let inbound_secret = |name: &str, set: bool, unset: &str| {
        if short.contains(&name) {
            Verdict::Fail {
                problem: format!(
                    "{name} is shorter than {} characters",
                    crate::config::checks::MIN_SECRET_CHARS
                ),
                fix: if name == "SLACK_SIGNING_SECRET" {
                    "copy the whole Signing Secret (32 characters) from the Slack app's Basic Information page".into()
                } else {
                    format!("use a long random value, e.g. `openssl rand -hex 32`, in {name} and wherever the other side keeps it")
                },
            }
        } else if set {
            Verdict::Pass("set".into())
        } else {
            Verdict::Skip(unset.into())
        }
    };
    checks.push((
        "Slack signing secret".into(),
        inbound_secret(
            "SLACK_SIGNING_SECRET",
            config.slack_signing_secret.is_some(),
            "not set: /slack/* answer 503 until SLACK_SIGNING_SECRET is set (Slack app → Basic Information → Signing Secret)",
        ),
    ));
    checks.push(("Slack bot token".into(), slack_token(config, timeout).await));
    checks.push((
        "Slack app token (Socket Mode)".into(),
        slack_app_token(config, timeout).await,
    ));
    checks.push((
        "GitHub webhook secret".into(),
        inbound_secret(
            "GITHUB_WEBHOOK_SECRET",
            config.github_webhook_secret.is_some(),
            "not set: /github/webhook answers 503 until GITHUB_WEBHOOK_SECRET is set (see `baton github webhook --url …`)",
        ),
    ));
    if config.github_app.is_some() {
        checks.push(("GitHub App".into(), github_app(config, timeout).await));
    } else {
        checks.push(("GitHub token".into(), github_token(config, timeout).await));
    }
    checks.push((
        "Hook token".into(),
        inbound_secret(
            "BATON_HOOK_TOKEN",
            config.hook_token.is_some(),
            "not set: /hooks/* and /api/* answer 503 until BATON_HOOK_TOKEN is set",
        ),
    ));
    match &config.database_url {
        Some(url) => checks.push(("Database".into(), database(url.expose()).await)),
        None => checks.push(("Data file".into(), data_file(config).await)),
    }
    checks.push(("Listen address".into(), listen_address(config).await));
    let ok = checks
        .iter()
        .all(|(_, v)| !matches!(v, Verdict::Fail { .. }));
    (checks, ok)
}

async fn slack_token(config: &Config, timeout: Duration) -> Verdict {
    let Some(token) = &config.slack_bot_token else {
        return Verdict::Skip("not set: offline mode, Slack messages are printed to stdout".into());
    };
    if let Err(problem) = reach(&config.slack_api_url, timeout).await {
        return Verdict::Fail {
            problem: format!("Slack's API is unreachable: {problem}"),
            fix: "check SLACK_API_URL, this machine's network, DNS and proxy settings".into(),
        };
    }
    let sink = match SlackSink::api(&config.slack_api_url, token.expose(), timeout) {
        Ok(s) => s,
        Err(e) => {
            return Verdict::Fail {
                problem: format!("cannot build a Slack client: {e}"),
                fix: "check SLACK_API_URL".into(),
            }
        }
    };
    match sink.auth_test().await {
        Ok((user, team)) => Verdict::Pass(format!("auth.test OK at {}: bot {user} in {team}", config.slack_api_url)),
        Err(reason) if reason.contains("unreachable") || reason.contains("in time") => Verdict::Fail {
            problem: exchange_failed("Slack", &config.slack_api_url, &reason),
            fix: "check SLACK_API_URL and that this machine reaches it".into(),
        },
        Err(reason) => Verdict::Fail {
            problem: format!("auth.test failed: {reason}"),
            fix: "copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page into SLACK_BOT_TOKEN, and reinstall the app if scopes changed".into(),
        },
    }
}

async fn slack_app_token(config: &Config, timeout: Duration) -> Verdict {
    let Some(token) = &config.slack_app_token else {
        return Verdict::Skip(
            "not set: Slack calls Baton's request URLs (set SLACK_APP_TOKEN for Socket Mode)"
                .into(),
        );
    };
    let slack = match crate::server::socket_mode::Slack::new(&config.slack_api_url, token.expose())
    {
        Ok(s) => s,
        Err(e) => {
            return Verdict::Fail {
                problem: format!("cannot build a Slack client: {e}"),
                fix: "check SLACK_API_URL".into(),
            }
        }
    };
    match crate::server::socket_mode::check_app_token(&slack, timeout).await {
        Ok(host) => Verdict::Pass(format!(
            "apps.connections.open OK at {}: Socket Mode connects to {host}",
            config.slack_api_url
        )),
        Err(reason) => Verdict::Fail {
            problem: reason,
            fix: "generate an app-level token with the scope connections:write (Slack app → Basic Information → App-Level Tokens), put it in SLACK_APP_TOKEN, and turn Socket Mode on (`baton slack manifest --socket-mode`)".into(),
        },
    }
}

async fn github_token(config: &Config, timeout: Duration) -> Verdict {
    let Some(token) = &config.github_token else {
        return Verdict::Skip("not set: offline mode, GitHub calls are printed to stdout".into());
    };
    if let Err(problem) = reach(&config.github_api_url, timeout).await {
        return Verdict::Fail {
            problem: format!("GitHub's API is unreachable: {problem}"),
            fix: "check GITHUB_API_URL, this machine's network, DNS and proxy settings".into(),
        };
    }
    let sink = match GithubSink::api(&config.github_api_url, token.expose(), timeout) {
        Ok(s) => s,
        Err(e) => {
            return Verdict::Fail {
                problem: format!("cannot build a GitHub client: {e}"),
                fix: "check GITHUB_API_URL".into(),
            }
        }
    };
    match sink.current_user().await {
        Ok(login) => Verdict::Pass(format!("GET /user OK at {}: {login}", config.github_api_url)),
        Err(reason) if reason.contains("unreachable") || reason.contains("in time") => Verdict::Fail {
            problem: exchange_failed("GitHub", &config.github_api_url, &reason),
            fix: "check GITHUB_API_URL and that this machine reaches it".into(),
        },
        Err(reason) => Verdict::Fail {
            problem: format!("GET /user failed: {reason}"),
            fix: "create a token with Pull requests: Read and write and put it in GITHUB_TOKEN (an App installation token works too, but cannot call /user: check it by a test delivery)".into(),
        },
    }
}

/// The PostgreSQL database: connect as a replica would (which brings an
/// empty or older schema up to date, as starting Baton does) and read.
async fn database(url: &str) -> Verdict {
    let url = url.to_string();
    let looked = tokio::task::spawn_blocking(move || {
        let store = baton_state::Store::open_postgres(&url)?;
        let (pending, dead) = store.outbox_counts()?;
        Ok::<_, baton_state::StoreError>((store.location(), pending, dead))
    })
    .await;
    match looked {
        Ok(Ok((location, pending, dead))) => Verdict::Pass(format!(
            "{location} answers, schema up to date ({pending} messages queued, {dead} dead letters)"
        )),
        Ok(Err(e)) => Verdict::Fail {
            problem: e.to_string(),
            fix: "check BATON_DATABASE_URL (host, port, database, user, password, sslmode) and that this host may connect (pg_hba.conf)".into(),
        },
        Err(e) => Verdict::Fail {
            problem: e.to_string(),
            fix: "run again".into(),
        },
    }
}

/// The GitHub App: its JWT works (`GET /app`), and each installation can
/// get a token (its repository count is shown).
async fn github_app(config: &Config, timeout: Duration) -> Verdict {
    let Some(app) = &config.github_app else {
        return Verdict::Skip("not set".into());
    };
    if let Err(problem) = reach(&config.github_api_url, timeout).await {
        return Verdict::Fail {
            problem: format!("GitHub's API is unreachable: {problem}"),
            fix: "check GITHUB_API_URL, this machine's network, DNS and proxy settings".into(),
        };
    }
    let sink = match app
        .key()
        .map_err(|e| e.to_string())
        .and_then(|key| GithubSink::app(&config.github_api_url, key, timeout).map_err(|e| e.to_string()))
    {
        Ok(sink) => sink,
        Err(e) => {
            return Verdict::Fail {
                problem: format!("cannot use the App's key: {e}"),
                fix: "download a new private key from the App's settings → Private keys and point GITHUB_APP_PRIVATE_KEY_FILE at it".into(),
            }
        }
    };
    let answer = match sink.request(Method::Get, "/app", None, Actor::App).await {
        Ok(answer) => answer,
        Err(reason) => {
            return Verdict::Fail {
                problem: exchange_failed("GitHub", &config.github_api_url, &reason),
                fix: "check GITHUB_API_URL and that this machine reaches it".into(),
            }
        }
    };
    if answer.status != 200 {
        let message = answer.message();
        return Verdict::Fail {
            problem: format!(
                "GET /app with the App's JWT answered HTTP {}: {message}",
                answer.status
            ),
            fix: app_fix(app.app_id, &message),
        };
    }
    let about: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let name = about["slug"].as_str().unwrap_or("?").to_string();
    let installations = match sink
        .request(
            Method::Get,
            "/app/installations?per_page=100",
            None,
            Actor::App,
        )
        .await
    {
        Ok(answer) if answer.status == 200 => {
            serde_json::from_slice::<Vec<serde_json::Value>>(&answer.body).unwrap_or_default()
        }
        Ok(answer) => {
            return Verdict::Fail {
                problem: format!(
                    "GET /app/installations answered HTTP {}: {}",
                    answer.status,
                    answer.message()
                ),
                fix: app_fix(app.app_id, &answer.message()),
            }
        }
        Err(reason) => {
            return Verdict::Fail {
                problem: exchange_failed("GitHub", &config.github_api_url, &reason),
                fix: "check GITHUB_API_URL and that this machine reaches it".into(),
            }
        }
    };
    if installations.is_empty() {
        return Verdict::Fail {
            problem: format!(
                "the App {name} (id {}) works but is installed nowhere",
                app.app_id
            ),
            fix:
                "install it: the App's settings → Install App → choose the account and repositories"
                    .into(),
        };
    }
    let mut described = Vec::new();
    for installation in &installations {
        let id = installation["id"].as_u64().unwrap_or(0);
        let account = installation["account"]["login"].as_str().unwrap_or("?");
        let repositories = sink
            .request(
                Method::Get,
                "/installation/repositories?per_page=1",
                None,
                Actor::Installation(id),
            )
            .await;
        match repositories {
            Ok(answer) if answer.status == 200 => {
                let count = serde_json::from_slice::<serde_json::Value>(&answer.body)
                    .ok()
                    .and_then(|v| v["total_count"].as_u64())
                    .unwrap_or(0);
                described.push(format!("{account} (installation {id}, {count} repositories)"));
            }
            Ok(answer) => {
                return Verdict::Fail {
                    problem: format!("installation {id} ({account}): its repositories could not be listed: HTTP {}: {}", answer.status, answer.message()),
                    fix: "check the installation in the account's settings → GitHub Apps (suspended? repositories removed?)".into(),
                }
            }
            Err(reason) => {
                return Verdict::Fail {
                    problem: format!("installation {id} ({account}): {reason}"),
                    fix: "check the installation in the account's settings → GitHub Apps (suspended?), and that the App's permissions were accepted".into(),
                }
            }
        }
    }
    Verdict::Pass(format!(
        "GET /app OK at {}: App {name} (id {}), installed on {}",
        config.github_api_url,
        app.app_id,
        described.join(", ")
    ))
}

/// Which fix applies to a refused App JWT, from GitHub's message.
fn app_fix(app_id: u64, message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("'exp'")
        || lower.contains("'iat'")
        || lower.contains("expiration")
        || lower.contains("issued at")
    {
        "this machine's clock is off: GitHub checks the JWT's times to the second; sync it (e.g. `timedatectl set-ntp true`)".into()
    } else if lower.contains("integration not found")
        || lower.contains("'iss'")
        || lower.contains("issuer")
    {
        format!("GITHUB_APP_ID ({app_id}) is not this key's App: copy the App ID from the App's settings → About")
    } else if lower.contains("could not be decoded") || lower.contains("signature") {
        "the private key does not belong to this App (or was revoked): generate a new one in the App's settings → Private keys and set GITHUB_APP_PRIVATE_KEY_FILE".into()
    } else {
        "check GITHUB_APP_ID and the private key (App settings → About / Private keys), and this machine's clock".into()
    }
}

/// The data file, looked at read-only: doctor never creates or changes it.
async fn data_file(config: &Config) -> Verdict {
    let path = config.data.clone();
    let shown = path.display().to_string();
    let looked = tokio::task::spawn_blocking(move || {
        let state = baton_state::inspect(&path);
        (state, nearest_folder_writable(&path))
    })
    .await;
    let fix =
        "point BATON_DATA at a file in a folder Baton's user can write, e.g. ./data/baton.redb";
    match looked {
        Ok((Ok(FileState::Missing), Ok(folder))) => Verdict::Pass(format!(
            "{shown} does not exist yet; Baton creates it on first start ({folder} is writable)"
        )),
        Ok((Ok(FileState::Missing), Err(problem))) => Verdict::Fail {
            problem: format!("{shown} does not exist and cannot be created: {problem}"),
            fix: fix.into(),
        },
        Ok((Ok(FileState::Readable { schema, .. }), _))
            if !baton_state::schema_supported(schema) =>
        {
            Verdict::Fail {
                problem: format!(
                    "{shown} was written by a newer Baton (schema {schema}, this build knows {})",
                    baton_state::SCHEMA_VERSION
                ),
                fix: "run the newer Baton, or restore a backup made by this version".into(),
            }
        }
        Ok((Ok(FileState::Readable { schema, tables }), _)) => Verdict::Pass(format!(
            "{shown} opens (schema {schema}, {} records)",
            tables.iter().map(|(_, n)| n).sum::<u64>()
        )),
        Ok((Ok(FileState::InUse), _)) => Verdict::Pass(format!(
            "{shown} is in use by a running Baton (that is fine)"
        )),
        Ok((Ok(FileState::NeedsRepair), _)) => Verdict::Pass(format!(
            "{shown} was not closed cleanly; Baton repairs it when it next starts"
        )),
        Ok((Err(e), _)) => Verdict::Fail {
            problem: e.to_string(),
            fix: fix.into(),
        },
        Err(e) => Verdict::Fail {
            problem: e.to_string(),
            fix: "run again".into(),
        },
    }
}

/// The nearest existing folder on the way to `path`, if Baton could create
/// the file's folder and the file there (checked with a probe file that is
/// removed at once).
fn nearest_folder_writable(path: &Path) -> Result<String, String> {
    let mut folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    while !folder.exists() {
        match folder.parent() {
            Some(up) if !up.as_os_str().is_empty() => folder = up.to_path_buf(),
            _ => {
                folder = PathBuf::from(".");
                break;
            }
        }
    }
    let probe = folder.join(format!(".baton-doctor-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(folder.display().to_string())
        }
        Err(e) => Err(format!("{} is not writable ({e})", folder.display())),
    }
}

/// The listen address is free, or a Baton already answers there.
async fn listen_address(config: &Config) -> Verdict {
    let listen = config.listen;
    let error = match tokio::net::TcpListener::bind(listen).await {
        Ok(_) => return Verdict::Pass(format!("{listen} is free")),
        Err(e) => e,
    };
    if error.kind() == std::io::ErrorKind::AddrInUse {
        let target = crate::cli::healthcheck::local_target(listen);
        let answer =
            tokio::task::spawn_blocking(move || crate::cli::healthcheck::readyz(target)).await;
        return match answer {
            Ok(Ok(())) => Verdict::Pass(format!(
                "Baton is already running on {listen} and ready (that is fine)"
            )),
            Ok(Err(reason)) if reason.contains("answered HTTP") => Verdict::Pass(format!(
                "Baton is already running on {listen} but not ready: {reason}"
            )),
            _ => Verdict::Fail {
                problem: format!("{listen} is taken by another program (not Baton)"),
                fix: "stop that program or set BATON_LISTEN to another address".into(),
            },
        };
    }
    Verdict::Fail {
        problem: format!("cannot listen on {listen}: {error}"),
        fix: "set BATON_LISTEN to an address of this machine, e.g. 127.0.0.1:3000 (ports below 1024 need extra rights)".into(),
    }
}

/// Can this machine open a TCP connection to `url`'s host? Says why not in
/// a plain sentence (the host name does not resolve, nothing listens,
/// no answer in time).
async fn reach(url: &str, timeout: Duration) -> Result<(), String> {
    let (host, port) = host_and_port(url).ok_or_else(|| format!("`{url}` has no host"))?;
    let resolved =
        tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port))).await;
    let addrs: Vec<_> = match resolved {
        Err(_) => return Err(format!("looking up the host name {host} took longer than {}s (is DNS reachable?)", timeout.as_secs())),
        Ok(Err(_)) => return Err(format!("the host name {host} does not resolve (no DNS answer: is this machine offline, or the name mistyped?)")),
        Ok(Ok(addrs)) => addrs.collect(),
    };
    let Some(first) = addrs.first().copied() else {
        return Err(format!("the host name {host} resolves to no address"));
    };
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(first)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(format!(
            "nothing accepts connections at {host}:{port} (connection refused)"
        )),
        Ok(Err(e)) => Err(format!("cannot connect to {host}:{port} ({e})")),
        Err(_) => Err(format!(
            "{host}:{port} did not answer within {}s (a firewall, or no route to it?)",
            timeout.as_secs()
        )),
    }
}

/// `https://api.github.com/x` → (`api.github.com`, 443).
fn host_and_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let default = if scheme.eq_ignore_ascii_case("http") {
        80
    } else {
        443
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => match p.parse() {
            Ok(port) => (h, port),
            Err(_) => (authority, default),
        },
        _ => (authority, default),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_string(), port))
}

/// A connection was made but the exchange failed: say so without the
/// HTTP client's internals.
fn exchange_failed(service: &str, url: &str, reason: &str) -> String {
    if reason.contains("in time") {
        format!("{service} accepted the connection at {url} but did not answer in time")
    } else {
        format!("connected to {url}, but the request failed before {service} answered (not an HTTPS server there, or a proxy in the way?)")
    }
}

/// Print the report; returns whether every check passed.
pub fn print(checks: &[(String, Verdict)]) {
    for (name, verdict) in checks {
        match verdict {
            Verdict::Pass(detail) => println!("✔ {name}: {detail}"),
            Verdict::Skip(detail) => println!("– {name}: {detail}"),
            Verdict::Fail { problem, fix } => println!("✘ {name}: {problem}\n    fix: {fix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_of_api_urls() {
        assert_eq!(
            host_and_port("https://api.github.com"),
            Some(("api.github.com".into(), 443))
        );
        assert_eq!(
            host_and_port("https://slack.com/api"),
            Some(("slack.com".into(), 443))
        );
        assert_eq!(
            host_and_port("http://127.0.0.1:8080/api"),
            Some(("127.0.0.1".into(), 8080))
        );
        assert_eq!(host_and_port("http://[::1]:9/x"), Some(("::1".into(), 9)));
        assert_eq!(host_and_port("http://"), None);
    }
}
