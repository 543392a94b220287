//! `baton demo`: start the real server on a free loopback port with fresh
//! secrets and a throwaway data file (offline: every outbound message is
//! printed), drive a realistic scenario through signed HTTP requests, and
//! finish with a one-screen summary. One module per feature's scenario.

mod deploys;
mod errors;
mod reviewers;

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde_json::Value;

use crate::config::settings::SETTINGS;
use crate::config::{Config, Sources};
use crate::server;
use crate::server::http::signature::{github_signature, slack_signature};

/// A running demo server and a client that signs like Slack and GitHub.
pub struct Demo {
    base: String,
    http: reqwest::Client,
    slack_secret: String,
    github_secret: String,
    hook_token: String,
    deliveries: std::sync::atomic::AtomicU64,
    /// Baton's clock (`BATON_CLOCK_FILE`): absent, the real time; the
    /// reviewers scenario writes a day later into it to show a reminder.
    clock_file: std::path::PathBuf,
    /// `GITHUB_API_URL`: where GitHub's callbacks in the demo's payloads point.
    pub github_api_url: String,
}

impl Demo {
    /// Print a narration line (what the demo does next).
    pub fn say(&self, text: &str) {
        println!("\n▶ {text}");
    }

    /// Run `/baton <text>` in `channel` as `user`; returns the ephemeral reply.
    pub async fn command(&self, channel: &str, user: &str, text: &str) -> anyhow::Result<String> {
        println!("  {user} in {channel}: /baton {text}");
        let reply = self.command_quietly(channel, user, text).await?;
        for line in reply.lines() {
            let shown = baton_handlers::mrkdwn::plain_view(line);
            println!("  ↳ (only visible to {user}) {shown}");
        }
        Ok(reply)
    }

    /// [`Demo::command`] without printing it.
    pub async fn command_quietly(
        &self,
        channel: &str,
        user: &str,
        text: &str,
    ) -> anyhow::Result<String> {
        let body = serde_urlencoded::to_string([
            ("command", "/baton"),
            ("text", text),
            ("user_id", user),
            ("channel_id", channel),
            ("team_id", "TDEMO"),
        ])?;
        let response = self
            .slack(
                "/slack/commands",
                body.into_bytes(),
                "application/x-www-form-urlencoded",
            )
            .await?;
        let json: Value = response.json().await?;
        Ok(json["text"].as_str().unwrap_or_default().to_string())
    }

    /// POST a signed GitHub delivery; returns the status code.
    pub async fn github(&self, event: &str, body: &Value) -> anyhow::Result<u16> {
        let body = serde_json::to_vec(body)?;
        let n = self
            .deliveries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = self
            .http
            .post(format!("{}/github/webhook", self.base))
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", format!("demo-{n}"))
            .header(
                "X-Hub-Signature-256",
                github_signature(&self.github_secret, &body),
            )
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    /// POST a signed Events API callback.
    pub async fn slack_event(&self, event: Value) -> anyhow::Result<u16> {
        let n = self
            .deliveries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = serde_json::json!({"type": "event_callback", "event_id": format!("EvDemo{n}"), "event": event});
        let response = self
            .slack(
                "/slack/events",
                serde_json::to_vec(&body)?,
                "application/json",
            )
            .await?;
        Ok(response.status().as_u16())
    }

    /// POST a signed interaction (button press) payload.
    pub async fn interaction(&self, payload: &Value) -> anyhow::Result<u16> {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())])?;
        let response = self
            .slack(
                "/slack/interactions",
                body.into_bytes(),
                "application/x-www-form-urlencoded",
            )
            .await?;
        Ok(response.status().as_u16())
    }

    /// POST to a `/hooks/…` endpoint with the bearer token.
    pub async fn hook(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.hook_token)
            .json(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// GET an `/api/…` endpoint with the bearer token.
    pub async fn api_get(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.hook_token)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// Move Baton's clock to `at` (`None`: back to the real time); with a
    /// time, wait until its timers ran at that time and what they queued
    /// is printed.
    pub async fn set_clock(&self, at: Option<i64>) -> anyhow::Result<()> {
        let Some(at) = at else {
            let _ = std::fs::remove_file(&self.clock_file);
            return Ok(());
        };
        let fresh = self.clock_file.with_extension("new");
        std::fs::write(&fresh, at.to_string())?;
        std::fs::rename(&fresh, &self.clock_file)?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self
                .http
                .get(format!("{}/metrics", self.base))
                .send()
                .await?
                .text()
                .await?;
            let ran = text
                .lines()
                .find_map(|l| l.strip_prefix("baton_timers_ran_at_seconds "))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or_default();
            if ran >= at as f64 {
                return self.drain().await;
            }
            if Instant::now() > deadline {
                bail!("the timers did not run within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until every queued message has been printed.
    pub async fn drain(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self
                .http
                .get(format!("{}/metrics", self.base))
                .send()
                .await?
                .text()
                .await?;
            if text.lines().any(|l| l == "baton_outbox_depth 0") {
                // Let the printer finish its last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the outbox did not drain within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn slack(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> anyhow::Result<reqwest::Response> {
        // Slack signs with the real time, whatever Baton's clock says.
        let ts = crate::clock::wall_now().to_string();
        Ok(self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-Slack-Request-Timestamp", &ts)
            .header(
                "X-Slack-Signature",
                slack_signature(&self.slack_secret, &ts, &body),
            )
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await?)
    }
}

fn random_secret() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// Run the whole demo.
pub async fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = tempfile_dir()?;
    let (slack_secret, github_secret, hook_token) =
        (random_secret(), random_secret(), random_secret());
    let mut values: Sources = SETTINGS
        .iter()
        .map(|s| (s.name, (s.default.to_string(), "default")))
        .collect();
    let set = |values: &mut Sources, name: &'static str, value: String| {
        values.insert(name, (value, "demo"));
    };
    set(&mut values, "BATON_LISTEN", "127.0.0.1:0".into());
    set(
        &mut values,
        "BATON_DATA",
        dir.join("demo.redb").display().to_string(),
    );
    set(&mut values, "SLACK_SIGNING_SECRET", slack_secret.clone());
    set(&mut values, "GITHUB_WEBHOOK_SECRET", github_secret.clone());
    set(&mut values, "BATON_HOOK_TOKEN", hook_token.clone());
    set(&mut values, "SLACK_BOT_USER_ID", "UBATON".into());
    set(&mut values, "BATON_ERROR_WINDOW", "2s".into());
    let clock_file = dir.join("clock");
    set(
        &mut values,
        "BATON_CLOCK_FILE",
        clock_file.display().to_string(),
    );
    // Offline unless the environment points the demo at a Slack and a
    // GitHub (the demo test sends it to local fakes this way).
    for name in [
        "SLACK_BOT_TOKEN",
        "SLACK_API_URL",
        "GITHUB_TOKEN",
        "GITHUB_API_URL",
    ] {
        if let Ok(value) = std::env::var(name) {
            values.insert(name, (value, "environment"));
        }
    }
    let config = Config::from_values(&values)?;
    let github_api_url = config.github_api_url.trim_end_matches('/').to_string();

    println!("Baton demo: a real server on loopback, offline (Slack and GitHub calls are printed, not sent).");
    let server = server::start(config)
        .await
        .context("starting the demo server")?;
    let ready_ms = started.elapsed().as_millis();
    println!(
        "Server ready at http://{} in {ready_ms} ms; data in a throwaway file.",
        server.addr
    );
    let demo = Demo {
        base: format!("http://{}", server.addr),
        // Idle pooled connections are dropped before the server's keep-alive
        // timeout closes them, so no request races that close.
        http: reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(2))
            .build()?,
        slack_secret,
        github_secret,
        hook_token,
        deliveries: Default::default(),
        clock_file,
        github_api_url,
    };

    demo.say("Baton is invited to #eng-reviews and introduces itself");
    demo.slack_event(serde_json::json!({"type": "member_joined_channel", "user": "UBATON", "channel": "CREVIEWS"})).await?;
    demo.drain().await?;

    let mut summary = vec![format!("server ready in {ready_ms} ms")];
    summary.extend(reviewers::run(&demo).await.context("reviewers scenario")?);
    summary.extend(deploys::run(&demo).await.context("deploys scenario")?);
    summary.extend(errors::run(&demo).await.context("errors scenario")?);
    demo.drain().await?;

    server.shutdown();
    server.wait().await?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("\n══ Demo summary ══");
    for line in &summary {
        println!("  ✔ {line}");
    }
    println!("  finished in {:.1} s", started.elapsed().as_secs_f64());
    println!("Next: copy .env.example to .env, fill in the Slack and GitHub secrets, and run `baton serve`.");
    Ok(())
}

/// A fresh folder under the system temp dir.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "baton-demo-{}-{}",
        std::process::id(),
        random_secret()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
