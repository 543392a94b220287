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

    /// A corpus `pull_request` payload, rewritten to pull request `number`
    /// by `author` in [`REPO`].
    pub fn pull_request(action: &str, number: u64, author: &str) -> Vec<u8> {
        let mut payload: serde_json::Value = serde_json::from_slice(&super::corpus(&format!(
            "github/pull_request/{action}.payload.json"
        )))
        .unwrap();
        payload["number"] = serde_json::json!(number);
        payload["pull_request"]["number"] = serde_json::json!(number);
        payload["pull_request"]["user"]["login"] = serde_json::json!(author);
        payload["repository"]["full_name"] = serde_json::json!(REPO);
        serde_json::to_vec(&payload).unwrap()
    }

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

/// A fake GitHub that only talks to a GitHub App, as GitHub does: App
/// routes need a JWT signed RS256 by the App's key (checked against the
/// test public key) with GitHub's claims rules (`iss` the App id, `iat` in
/// the past, `exp` in the future and at most 10 minutes ahead); installation
/// tokens are minted with a chosen lifetime and refused once expired.
/// Test-only key pair: `tests/fixtures/github-app/`.
pub mod fake_github_app {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    use serde_json::{json, Value};
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    pub const APP_ID: u64 = 4711;
    pub const PRIVATE_KEY_FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/github-app/test-app-private-key.pem"
    );
    const PUBLIC_KEY: &str = include_str!("../fixtures/github-app/test-app-public-key.pem");

    /// What the fake saw.
    #[derive(Default)]
    pub struct Seen {
        /// Installation of each minted token, in order.
        pub mints: Vec<u64>,
        /// Token → (installation, expires at, Unix seconds).
        tokens: HashMap<String, (u64, i64)>,
        /// Reviewer requests: (method, path, installation of the token).
        pub reviewer_calls: Vec<(String, String, u64)>,
        /// Why each refused request was refused.
        pub refused: Vec<String>,
    }

    pub struct FakeApp {
        pub server: MockServer,
        pub seen: Arc<Mutex<Seen>>,
    }

    /// The settings that make Baton act as the test App against `server`.
    pub fn settings(server: &MockServer) -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_APP_ID", APP_ID.to_string()),
            ("GITHUB_APP_PRIVATE_KEY_FILE", PRIVATE_KEY_FILE.to_string()),
            ("GITHUB_API_URL", server.uri()),
        ]
    }

    fn now() -> i64 {
        super::now()
    }

    fn bearer(request: &Request) -> Option<String> {
        request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string)
    }

    /// Check a JWT as GitHub does; `Err` says why it is refused.
    pub fn check_jwt(jwt: &str) -> Result<(), String> {
        let parts: Vec<&str> = jwt.split('.').collect();
        let [header, claims, signature] = parts[..] else {
            return Err("not a JWT".into());
        };
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| "bad base64url".to_string())
        };
        let header: Value = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
        if header["alg"] != "RS256" {
            return Err(format!("alg {} is not RS256", header["alg"]));
        }
        let body: String = PUBLIC_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let public = STANDARD.decode(body).unwrap();
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public,
        )
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &decode(signature)?,
        )
        // GitHub's answer when the signature does not verify.
        .map_err(|_| "A JSON web token could not be decoded".to_string())?;
        let claims: Value = serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())?;
        let iss = match &claims["iss"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if iss != APP_ID.to_string() {
            // GitHub's answer when `iss` names no App.
            return Err("Integration not found".into());
        }
        let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
            return Err("iat or exp missing".into());
        };
        let now = now();
        if iat > now + 1 {
            return Err(
                "'Issued at' claim ('iat') must be an Integer representing a time in the past"
                    .into(),
            );
        }
        if exp <= now {
            return Err("the JWT has expired".into());
        }
        if exp > now + 600 || exp - iat > 600 {
            return Err("'Expiration time' claim ('exp') is too far in the future".into());
        }
        Ok(())
    }

    fn refuse(seen: &Mutex<Seen>, why: String) -> ResponseTemplate {
        seen.lock().unwrap().refused.push(why.clone());
        ResponseTemplate::new(401).set_body_json(json!({"message": why}))
    }

    struct AppRoute {
        seen: Arc<Mutex<Seen>>,
        lifetime_secs: i64,
        installations: Vec<(u64, &'static str)>,
    }

    impl Respond for AppRoute {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let Some(jwt) = bearer(request) else {
                return refuse(&self.seen, "no bearer JWT".into());
            };
            if let Err(why) = check_jwt(&jwt) {
                return refuse(&self.seen, why);
            }
            let path = request.url.path().to_string();
            if let Some(rest) = path.strip_prefix("/app/installations/") {
                let id: u64 = rest.split('/').next().unwrap().parse().unwrap();
                let mut seen = self.seen.lock().unwrap();
                seen.mints.push(id);
                let token = format!("ghs_installation{id}_token{}", seen.mints.len());
                let expires = now() + self.lifetime_secs;
                seen.tokens.insert(token.clone(), (id, expires));
                let expires_at = time::OffsetDateTime::from_unix_timestamp(expires)
                    .unwrap()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
                return ResponseTemplate::new(201).set_body_json(
                    json!({"token": token, "expires_at": expires_at, "permissions": {"pull_requests": "write"}}),
                );
            }
            if path == "/app" {
                return ResponseTemplate::new(200).set_body_json(
                    json!({"id": APP_ID, "slug": "baton-test", "name": "Baton (test)"}),
                );
            }
            if path == "/app/installations" {
                let list: Vec<Value> = self
                    .installations
                    .iter()
                    .map(|(id, account)| json!({"id": id, "account": {"login": account}}))
                    .collect();
                return ResponseTemplate::new(200).set_body_json(list);
            }
            ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
        }
    }

    struct InstallationRoute {
        seen: Arc<Mutex<Seen>>,
    }

    impl Respond for InstallationRoute {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let Some(token) = bearer(request) else {
                return refuse(&self.seen, "no token".into());
            };
            let known = self.seen.lock().unwrap().tokens.get(&token).copied();
            let Some((installation, expires)) = known else {
                return refuse(
                    &self.seen,
                    format!("unknown token on {}", request.url.path()),
                );
            };
            if now() >= expires {
                return refuse(
                    &self.seen,
                    format!("expired token on {}", request.url.path()),
                );
            }
            let path = request.url.path().to_string();
            if path == "/installation/repositories" {
                return ResponseTemplate::new(200)
                    .set_body_json(json!({"total_count": installation * 10, "repositories": []}));
            }
            self.seen.lock().unwrap().reviewer_calls.push((
                request.method.to_string(),
                path,
                installation,
            ));
            ResponseTemplate::new(if request.method.as_str() == "POST" {
                201
            } else {
                200
            })
            .set_body_json(json!({}))
        }
    }

    /// Start the fake: installation tokens live `lifetime_secs`;
    /// `installations` are listed by `GET /app/installations`.
    pub async fn start(lifetime_secs: i64, installations: &[(u64, &'static str)]) -> FakeApp {
        let server = MockServer::start().await;
        let seen = Arc::new(Mutex::new(Seen::default()));
        Mock::given(path_regex(r"^/app(/installations(/\d+/access_tokens)?)?$"))
            .respond_with(AppRoute {
                seen: seen.clone(),
                lifetime_secs,
                installations: installations.to_vec(),
            })
            .mount(&server)
            .await;
        Mock::given(path_regex(super::fake_github::REVIEWERS_ROUTE))
            .respond_with(InstallationRoute { seen: seen.clone() })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/installation/repositories$"))
            .respond_with(InstallationRoute { seen: seen.clone() })
            .mount(&server)
            .await;
        FakeApp { server, seen }
    }

    impl FakeApp {
        /// Whether the fake takes `token` now (for checking the fake itself).
        pub async fn accepts_token(&self, token: &str) -> bool {
            let response = reqwest::Client::new()
                .post(format!(
                    "{}/repos/a/b/pulls/1/requested_reviewers",
                    self.server.uri()
                ))
                .bearer_auth(token)
                .json(&json!({"reviewers": []}))
                .send()
                .await
                .unwrap();
            response.status().is_success()
        }

        /// The token minted `n`-th (1-based) for `installation`.
        pub fn token(&self, installation: u64, n: usize) -> String {
            format!("ghs_installation{installation}_token{n}")
        }
    }
}

/// GitHub's record of a webhook's deliveries (`…/hooks/{id}/deliveries` or
/// `/app/hook/deliveries`), mounted on a fake GitHub: the list newest first,
/// paged with `Link: rel="next"` and a `cursor` (at most [`PAGE`] per page
/// here, to exercise paging), and each delivery with its request headers and
/// payload, as GitHub's REST API returns them. Counts each fetch.
pub mod fake_deliveries {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use serde_json::{json, Value};
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    /// Deliveries per page, whatever `per_page` asks.
    pub const PAGE: usize = 7;

    pub struct Delivery {
        pub id: u64,
        pub guid: String,
        pub event: String,
        pub delivered_at: String,
        /// What the receiver answered; 0 when it could not be reached.
        pub status_code: u16,
        pub payload: Value,
    }

    #[derive(Default)]
    pub struct Record {
        pub deliveries: Vec<Delivery>,
        /// Fetches of each delivery id.
        pub fetches: HashMap<u64, usize>,
        /// Requests for a page of the list.
        pub list_requests: usize,
    }

    #[derive(Clone)]
    pub struct Deliveries {
        pub record: Arc<Mutex<Record>>,
        base: String,
        route: String,
    }

    impl Deliveries {
        /// Record a delivery (ids must grow with time, as GitHub's do);
        /// returns its guid (`X-GitHub-Delivery`).
        pub fn add(
            &self,
            id: u64,
            event: &str,
            status_code: u16,
            delivered_at: i64,
            payload: &[u8],
        ) -> String {
            let guid = format!("0b3c7e2e-0000-11f0-8000-{id:012}");
            let delivered_at = time::OffsetDateTime::from_unix_timestamp(delivered_at)
                .unwrap()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            self.record.lock().unwrap().deliveries.push(Delivery {
                id,
                guid: guid.clone(),
                event: event.into(),
                delivered_at,
                status_code,
                payload: serde_json::from_slice(payload).unwrap(),
            });
            guid
        }

        pub fn fetches(&self, id: u64) -> usize {
            self.record
                .lock()
                .unwrap()
                .fetches
                .get(&id)
                .copied()
                .unwrap_or(0)
        }

        pub fn list_requests(&self) -> usize {
            self.record.lock().unwrap().list_requests
        }
    }

    fn summary(d: &Delivery) -> Value {
        let status = if d.status_code == 0 {
            "failed to connect"
        } else {
            "OK"
        };
        json!({
            "id": d.id, "guid": d.guid, "delivered_at": d.delivered_at, "redelivery": false,
            "duration": 0.27, "status": status, "status_code": d.status_code,
            "event": d.event, "action": d.payload["action"],
            "installation_id": null, "repository_id": d.payload["repository"]["id"],
        })
    }

    impl Respond for Deliveries {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let mut record = self.record.lock().unwrap();
            let path = request.url.path();
            if let Some(id) = path.strip_prefix(&format!("{}/", self.route)) {
                let id: u64 = id.parse().unwrap();
                *record.fetches.entry(id).or_default() += 1;
                let Some(d) = record.deliveries.iter().find(|d| d.id == id) else {
                    return ResponseTemplate::new(404)
                        .set_body_json(json!({"message": "Not Found"}));
                };
                let mut full = summary(d);
                full["url"] = json!("");
                full["request"] = json!({
                    "headers": {
                        "Accept": "*/*",
                        "X-GitHub-Delivery": d.guid,
                        "X-GitHub-Event": d.event,
                        "X-GitHub-Hook-ID": "1",
                        "Content-Type": "application/json",
                        "User-Agent": "GitHub-Hookshot/7e2e8a2",
                    },
                    "payload": d.payload,
                });
                full["response"] = json!({"headers": {}, "payload": null});
                return ResponseTemplate::new(200).set_body_json(full);
            }
            record.list_requests += 1;
            let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
            let per_page: usize = query
                .get("per_page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(30);
            let below: u64 = query
                .get("cursor")
                .and_then(|c| c.strip_prefix("v1_"))
                .and_then(|c| c.parse().ok())
                .unwrap_or(u64::MAX);
            let mut newest_first: Vec<&Delivery> =
                record.deliveries.iter().filter(|d| d.id < below).collect();
            newest_first.sort_by_key(|d| std::cmp::Reverse(d.id));
            let size = per_page.min(PAGE);
            let more = newest_first.len() > size;
            newest_first.truncate(size);
            let page: Vec<Value> = newest_first.iter().map(|d| summary(d)).collect();
            let mut response = ResponseTemplate::new(200).set_body_json(page);
            if let (true, Some(last)) = (more, newest_first.last()) {
                response = response.insert_header(
                    "link",
                    format!(
                        "<{}{}?per_page={per_page}&cursor=v1_{}>; rel=\"next\"",
                        self.base, self.route, last.id
                    )
                    .as_str(),
                );
            }
            response
        }
    }

    /// Mount the deliveries of the webhook whose list is at `route`
    /// (e.g. `/repos/o/r/hooks/1/deliveries`) on `server`.
    pub async fn mount(server: &MockServer, route: &str) -> Deliveries {
        let deliveries = Deliveries {
            record: Arc::default(),
            base: server.uri(),
            route: route.to_string(),
        };
        Mock::given(method("GET"))
            .and(path_regex(format!("^{}(/\\d+)?$", regex::escape(route))))
            .respond_with(deliveries.clone())
            .mount(server)
            .await;
        deliveries
    }
}
