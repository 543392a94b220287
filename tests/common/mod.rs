//! Black-box test harness: runs the real `baton` binary on loopback with a
//! throwaway data file, signs requests like Slack and GitHub do, and reads
//! the shared corpora.

#![allow(dead_code)]

pub mod slack_rules;
pub mod slack_world;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SLACK_SECRET: &str = "test-slack-signing-secret";
pub const GITHUB_SECRET: &str = "test-github-webhook-secret";
pub const HOOK_TOKEN: &str = "test-hook-token";
pub const BOT_USER: &str = "UBATONBOT";

/// The shared corpora folder beside the repository.
pub fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora")
}

pub fn corpus(relative: &str) -> Vec<u8> {
    let path = corpora().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Hex HMAC-SHA256 of `parts` (concatenated) under `key`, as Slack, GitHub
/// and Sentry sign.
pub fn hmac_hex(key: &str, parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-Hub-Signature-256` of `body` under the test secret.
pub fn github_signature(body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(GITHUB_SECRET, &[body]))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// What Slack sends for text a person typed: `&`, `<`, `>` as entities,
/// but mentions (`<@U1|ana>`), channels (`<#C1>`) and links (`<https://…>`)
/// as Slack's own markup.
pub fn slack_encode_typed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(close) = rest.find('>') {
                let inner = &rest[1..close];
                let markup = inner.starts_with('@')
                    || inner.starts_with('#')
                    || inner.starts_with("http://")
                    || inner.starts_with("https://");
                if markup && !inner.contains('<') {
                    out.push_str(&rest[..=close]);
                    rest = &rest[close + 1..];
                    continue;
                }
            }
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

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
            _tempdir: Some(tempdir),
        };
        baton.spawn().await;
        baton
    }

    /// Start (again) on a new port with the same data file and settings.
    pub async fn spawn(&mut self) {
        self.port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
        cmd.arg("serve")
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BATON_LISTEN", format!("127.0.0.1:{}", self.port))
            .stdin(Stdio::null())
            .stdout(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("stdout.log"))
                    .unwrap(),
            ))
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("stderr.log"))
                    .unwrap(),
            ));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("start baton"));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = self.http.get(self.url("/readyz")).send().await {
                if r.status().is_success() {
                    return;
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
        let signature = format!("sha256={}", hmac_hex(GITHUB_SECRET, &[body]));
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
        self.http
            .post(self.url(path))
            .bearer_auth(HOOK_TOKEN)
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
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

    /// Wait until the outbox is empty (everything sent or dead-lettered).
    pub async fn drained(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.metric("baton_outbox_depth").await != Some(0.0) {
            assert!(
                Instant::now() < deadline,
                "outbox did not drain: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Baton {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Poll `check` until it is true or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The review rotation the reviewer tests set up: the corpus repository
/// watched in one channel, three reviewers in rotation order. (The corpus
/// pull request already requests `octocat` and assigns `Codertocat`, who are
/// therefore never in the pool.)
pub mod review_pool {
    use super::Baton;

    pub const CHANNEL: &str = "C0REVIEWS";
    pub const ADMIN: &str = "U0ADMIN01";
    /// The corpus payloads' repository.
    pub const REPO: &str = "Codertocat/Hello-World";
    /// GitHub login and Slack user, in rotation order.
    pub const POOL: [(&str, &str); 3] = [
        ("hubot", "U0HUBOT01"),
        ("monalisa", "U0MONA001"),
        ("defunkt", "U0DEFUNK1"),
    ];

    /// Watch [`REPO`] in [`CHANNEL`] and add the [`POOL`].
    pub async fn set_up(baton: &Baton) {
        let reply = baton
            .command(CHANNEL, ADMIN, "reviewers watch codertocat/hello-world")
            .await;
        assert!(reply.starts_with("Done."), "{reply}");
        for (login, user) in POOL {
            let reply = baton
                .command(CHANNEL, ADMIN, &format!("reviewers add {login} <@{user}>"))
                .await;
            assert!(reply.starts_with("Done."), "{reply}");
        }
    }
}

/// A fake GitHub REST API (wiremock) answering review requests as GitHub
/// does: 201 to a request, 200 to a withdrawal.
pub mod fake_github {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// `/repos/{owner}/{repo}/pulls/{n}/requested_reviewers`.
    pub const REVIEWERS_ROUTE: &str = r"^/repos/[^/]+/[^/]+/pulls/\d+/requested_reviewers$";

    pub async fn ok() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex(REVIEWERS_ROUTE))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({})))
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path_regex(REVIEWERS_ROUTE))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
            .mount(&server)
            .await;
        server
    }
}

/// A fake Slack Web API (wiremock) that records every call.
pub mod fake_slack {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    pub async fn ok() -> MockServer {
        let server = MockServer::start().await;
        mount_ok(&server).await;
        server
    }

    pub async fn mount_ok(server: &MockServer) {
        Mock::given(method("POST"))
            .and(path("/api/chat.postMessage"))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/chat.update"))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
            .mount(server)
            .await;
        mount_empty_history(server).await;
    }

    /// `conversations.history` / `.replies`, read when a post's outcome is
    /// unknown; this fake keeps no history.
    pub async fn mount_empty_history(server: &MockServer) {
        for history in ["/api/conversations.history", "/api/conversations.replies"] {
            Mock::given(method("GET"))
                .and(path(history))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"ok": true, "messages": [], "has_more": false}),
                ))
                .mount(server)
                .await;
        }
    }

    /// What Slack answers to a successful `chat.postMessage` / `chat.update`.
    pub fn ok_body() -> serde_json::Value {
        serde_json::json!({"ok": true, "channel": "C1", "ts": "1700000000.000100",
            "message": {"type": "message", "ts": "1700000000.000100", "text": "posted"}})
    }

    /// The JSON bodies of calls to `method_name` (e.g. `chat.postMessage`).
    /// Every message Baton sent so far is first held to Slack's limits and
    /// escaping rules ([`super::slack_rules`]): a breach fails the test.
    pub async fn calls(server: &MockServer, method_name: &str) -> Vec<serde_json::Value> {
        let requests = server.received_requests().await.unwrap_or_default();
        for r in &requests {
            if matches!(r.url.path(), "/api/chat.postMessage" | "/api/chat.update") {
                if let Err(problem) = super::slack_rules::check_message(&parse_body(&r.body)) {
                    panic!("Baton sent a message that breaks Slack's rules: {problem}");
                }
            }
        }
        requests
            .into_iter()
            .filter(|r| r.url.path() == format!("/api/{method_name}"))
            .map(|r| parse_body(&r.body))
            .collect()
    }

    /// slack-morphism posts JSON; accept form bodies too.
    fn parse_body(body: &[u8]) -> serde_json::Value {
        serde_json::from_slice(body).unwrap_or_else(|_| {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).unwrap_or_default();
            serde_json::Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect(),
            )
        })
    }
}
