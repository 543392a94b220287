//! The real `baton` binary, run by the tests: a server process on a free
//! loopback port with a throwaway data folder ([`Baton`]), the requests a
//! test sends it, signed as Slack and GitHub sign them or carrying the hook
//! token, and its command line ([`baton_cli`]).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::basics::{now, BOT_USER, GITHUB_SECRET, HOOK_TOKEN, SLACK_SECRET};
use super::senders::{github_signature, hmac_hex, slack_encode_typed};
use super::slack_rules;

/// The tests' HTTP client. It drops pooled connections after 2 s idle,
/// before Baton's 5 s keep-alive timeout closes them, so a request never
/// races the server's close on a reused connection (hyper's
/// `IncompleteMessage`); real clients are told the same in the README.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// Run `baton ARGS` in `dir` with only `env` (and `PATH`) set; returns the
/// exit code, stdout and stderr.
pub fn baton_cli<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
    args: &[&str],
    env: &[(K, V)],
    dir: &std::path::Path,
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A running Baton process.
pub struct Baton {
    pub dir: PathBuf,
    pub port: u16,
    pub env: Vec<(String, String)>,
    child: Option<Child>,
    pub http: reqwest::Client,
    _tempdir: Option<tempfile::TempDir>,
}

impl Baton {
    /// Start with the test secrets and `extra` settings (fresh data folder).
    pub async fn start(extra: &[(&str, &str)]) -> Baton {
        let tempdir = tempfile::tempdir().unwrap();
        let dir = tempdir.path().to_path_buf();
        let mut baton = Baton::start_in(dir, extra).await;
        baton._tempdir = Some(tempdir);
        baton
    }

    /// [`Baton::start`] with the data file and the logs in `dir`, which the
    /// caller owns (a small filesystem of its own, say).
    pub async fn start_in(dir: PathBuf, extra: &[(&str, &str)]) -> Baton {
        let mut env: Vec<(String, String)> = vec![
            ("SLACK_SIGNING_SECRET".into(), SLACK_SECRET.into()),
            ("GITHUB_WEBHOOK_SECRET".into(), GITHUB_SECRET.into()),
            ("BATON_HOOK_TOKEN".into(), HOOK_TOKEN.into()),
            ("SLACK_BOT_USER_ID".into(), BOT_USER.into()),
            (
                "BATON_DATA".into(),
                dir.join("baton.redb").display().to_string(),
            ),
            ("BATON_OUTBOX_BACKOFF".into(), "1s".into()),
            ("RUST_LOG".into(), "info".into()),
        ];
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push((k.to_string(), v.to_string()));
        }
        let mut baton = Baton {
            dir,
            port: 0,
            env,
            child: None,
            http: client(),
            _tempdir: None,
        };
        baton.spawn().await;
        baton
    }

    /// Start (again) on a new port with the same data file and settings.
    ///
    /// Baton binds port 0 and the port is read from its "Baton is
    /// listening" log line: a port picked here and bound later by the child
    /// could be taken meanwhile by another test's Baton, and this test would
    /// then talk to that one.
    pub async fn spawn(&mut self) {
        let stderr_path = self.dir.join("stderr.log");
        let log_start = std::fs::metadata(&stderr_path).map_or(0, |m| m.len());
        self.port = 0;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
        cmd.arg("serve")
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BATON_LISTEN", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(self.log("stdout.log"))
            .stderr(self.log("stderr.log"));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("start baton"));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.port == 0 {
                self.port = listening_port(&stderr_path, log_start).unwrap_or(0);
            }
            if self.port != 0 {
                if let Ok(r) = self.http.get(self.url("/readyz")).send().await {
                    if r.status().is_success() {
                        return;
                    }
                }
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("baton exited early with {status}: {}", self.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "baton did not become ready: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The log file `name` in the data folder, appended to.
    fn log(&self, name: &str) -> Stdio {
        Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join(name))
                .unwrap(),
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// `kill -9`: no chance to flush or clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, then wait for a clean exit; returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                child.kill().ok();
                panic!("baton did not stop after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// POST a GitHub delivery signed with the test secret.
    pub async fn github(&self, event: &str, delivery: &str, body: &[u8]) -> reqwest::Response {
        let signature = github_signature(body);
        self.http
            .post(self.url("/github/webhook"))
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", delivery)
            .header("X-Hub-Signature-256", signature)
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// POST to a Slack route, signed with the test secret at `now`.
    pub async fn slack(&self, path: &str, body: &[u8], content_type: &str) -> reqwest::Response {
        self.slack_with_headers(path, body, content_type, &[]).await
    }

    pub async fn slack_with_headers(
        &self,
        path: &str,
        body: &[u8],
        content_type: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let ts = now().to_string();
        let signature = format!(
            "v0={}",
            hmac_hex(SLACK_SECRET, &[b"v0:", ts.as_bytes(), b":", body])
        );
        let mut request = self
            .http
            .post(self.url(path))
            .header("X-Slack-Request-Timestamp", ts)
            .header("X-Slack-Signature", signature)
            .header("Content-Type", content_type)
            .body(body.to_vec());
        for (k, v) in extra {
            request = request.header(*k, *v);
        }
        request.send().await.unwrap()
    }

    /// Run `/baton <text>` in `channel` as `user`; returns the ephemeral text.
    /// The text is sent as Slack sends what a person typed: `&`, `<` and `>`
    /// as entities, except in mentions, channels and links (`<@U1>`), which
    /// Slack sends as markup. The answer must pass [`slack_rules`].
    pub async fn command(&self, channel: &str, user: &str, text: &str) -> String {
        let typed = slack_encode_typed(text);
        let body = serde_urlencoded::to_string([
            ("command", "/baton"),
            ("text", typed.as_str()),
            ("user_id", user),
            ("user_name", "tester"),
            ("channel_id", channel),
            ("team_id", "T1"),
            ("response_url", "http://127.0.0.1:9/unused"),
        ])
        .unwrap();
        let response = self
            .slack(
                "/slack/commands",
                body.as_bytes(),
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(response.status(), 200, "command `{text}`");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["response_type"], "ephemeral");
        if let Err(problem) = slack_rules::check_message(&json) {
            panic!("the answer to `{text}` breaks Slack's rules: {problem}");
        }
        json["text"].as_str().unwrap().to_string()
    }

    /// POST an Events API callback with `event_id`.
    pub async fn slack_event(&self, event_id: &str, event: serde_json::Value) -> reqwest::Response {
        let body = serde_json::json!({"type": "event_callback", "event_id": event_id, "event": event, "team_id": "T1"});
        self.slack(
            "/slack/events",
            body.to_string().as_bytes(),
            "application/json",
        )
        .await
    }

    /// POST to a hook endpoint with the bearer token.
    pub async fn hook(&self, path: &str, body: &[u8]) -> reqwest::Response {
        self.hook_request(path, body.to_vec()).send().await.unwrap()
    }

    /// POST an error report to `/hooks/errors` as [`Baton::hook`] does, as a
    /// `'static` future (it holds its own client and URL, not `self`) that a
    /// spawned task can run; it yields the answer's status.
    pub fn post_error(
        &self,
        body: Vec<u8>,
    ) -> impl std::future::Future<Output = reqwest::StatusCode> + Send + 'static {
        let request = self.hook_request("/hooks/errors", body);
        async move { request.send().await.unwrap().status() }
    }

    fn hook_request(&self, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .bearer_auth(HOOK_TOKEN)
            .header("Content-Type", "application/json")
            .body(body)
    }

    /// The whole `/metrics` text.
    pub async fn metrics_text(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A metric's value from `/metrics` (the line starting with `name`).
    pub async fn metric(&self, line_start: &str) -> Option<f64> {
        let text = self.metrics_text().await;
        text.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    /// Wait until no reviewer pick waits for GitHub and the outbox is
    /// empty (everything sent or dead-lettered).
    pub async fn drained(&self) {
        self.drained_within(30).await
    }

    /// Wait until no reviewer pick waits for GitHub and the outbox is
    /// empty, for up to `secs` (a long backlog on a loaded machine: each
    /// message is a call and a commit).
    pub async fn drained_within(&self, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.metric("baton_reviewer_picks_waiting").await != Some(0.0)
            || self.metric("baton_outbox_depth").await != Some(0.0)
        {
            assert!(
                Instant::now() < deadline,
                "outbox did not drain: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The port in the first "Baton is listening" line written to the log at
/// `path` after byte `from` (pretty `addr=127.0.0.1:N` or JSON
/// `"addr":"127.0.0.1:N"`).
fn listening_port(path: &std::path::Path, from: u64) -> Option<u16> {
    let log = std::fs::read(path).ok()?;
    let fresh = String::from_utf8_lossy(log.get(from as usize..)?).into_owned();
    let line = fresh.lines().find(|l| l.contains("Baton is listening"))?;
    let after = &line[line.find("127.0.0.1:")? + "127.0.0.1:".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl Drop for Baton {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
