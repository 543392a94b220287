//! `baton doctor`: check each configured secret, token, base URL, the data
//! file and the listen address; one line per check with a fix for each
//! failure. Works against the configured base URLs, so tests use fakes.

use std::time::Duration;

use crate::config::Config;
use crate::github::GithubSink;
use crate::slack::SlackSink;

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

/// Run every check; returns the lines and whether all passed.
pub async fn run(config: &Config) -> (Vec<(String, Verdict)>, bool) {
    let timeout = Duration::from_secs(config.http_timeout_secs);
    let mut checks: Vec<(String, Verdict)> = Vec::new();

    checks.push((
        "Slack signing secret".into(),
        match &config.slack_signing_secret {
            Some(_) => Verdict::Pass("set".into()),
            None => Verdict::Skip("not set: /slack/* answer 503 until SLACK_SIGNING_SECRET is set (Slack app → Basic Information → Signing Secret)".into()),
        },
    ));
    checks.push(("Slack bot token".into(), slack_token(config, timeout).await));
    checks.push((
        "GitHub webhook secret".into(),
        match &config.github_webhook_secret {
            Some(_) => Verdict::Pass("set".into()),
            None => Verdict::Skip("not set: /github/webhook answers 503 until GITHUB_WEBHOOK_SECRET is set (see `baton github webhook --url …`)".into()),
        },
    ));
    checks.push(("GitHub token".into(), github_token(config, timeout).await));
    checks.push((
        "Hook token".into(),
        match &config.hook_token {
            Some(t) if t.expose().len() < 16 => Verdict::Fail {
                problem: "BATON_HOOK_TOKEN is shorter than 16 characters".into(),
                fix: "use a long random value, e.g. `openssl rand -hex 32`".into(),
            },
            Some(_) => Verdict::Pass("set".into()),
            None => Verdict::Skip(
                "not set: /hooks/* and /api/* answer 503 until BATON_HOOK_TOKEN is set".into(),
            ),
        },
    ));
    checks.push(("Data file".into(), data_file(config).await));
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
            problem: format!("{reason} ({})", config.slack_api_url),
            fix: "check SLACK_API_URL and that this machine reaches it".into(),
        },
        Err(reason) => Verdict::Fail {
            problem: format!("auth.test failed: {reason}"),
            fix: "copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page into SLACK_BOT_TOKEN, and reinstall the app if scopes changed".into(),
        },
    }
}

async fn github_token(config: &Config, timeout: Duration) -> Verdict {
    let Some(token) = &config.github_token else {
        return Verdict::Skip("not set: offline mode, GitHub calls are printed to stdout".into());
    };
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
            problem: format!("{reason} ({})", config.github_api_url),
            fix: "check GITHUB_API_URL and that this machine reaches it".into(),
        },
        Err(reason) => Verdict::Fail {
            problem: format!("GET /user failed: {reason}"),
            fix: "create a token with Pull requests: Read and write and put it in GITHUB_TOKEN (an App installation token works too, but cannot call /user: check it by a test delivery)".into(),
        },
    }
}

async fn data_file(config: &Config) -> Verdict {
    let path = config.data.clone();
    let shown = path.display().to_string();
    let opened =
        tokio::task::spawn_blocking(move || baton_state::Store::open(&path).map(drop)).await;
    match opened {
        Ok(Ok(())) => Verdict::Pass(format!("{shown} opens and is writable")),
        Ok(Err(baton_state::StoreError::AlreadyOpen { .. })) => Verdict::Pass(format!(
            "{shown} is in use by a running Baton (that is fine)"
        )),
        Ok(Err(e)) => Verdict::Fail {
            problem: e.to_string(),
            fix: "point BATON_DATA at a writable file, e.g. ./data/baton.redb".into(),
        },
        Err(e) => Verdict::Fail {
            problem: e.to_string(),
            fix: "run again".into(),
        },
    }
}

async fn listen_address(config: &Config) -> Verdict {
    match tokio::net::TcpListener::bind(config.listen).await {
        Ok(_) => Verdict::Pass(format!("{} is free", config.listen)),
        Err(e) => Verdict::Fail {
            problem: format!("cannot listen on {}: {e}", config.listen),
            fix: "stop whatever uses it (is Baton already running?) or set BATON_LISTEN to another address".into(),
        },
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
