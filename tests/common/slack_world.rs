//! A fake Slack workspace, a small HTTP server on loopback that behaves like
//! Slack's Web API on the points the reliability tests count: a post is
//! committed (shows in `conversations.history`) at the moment Slack answers
//! it, however long that takes and whether or not the caller still waits
//! (or a gateway in front has already answered 504); the history returns
//! committed messages only, newest first, after an exclusive `oldest`, in
//! pages with `has_more` and a cursor, with each message's `metadata` only
//! when asked with `include_all_metadata`. Slack can be made to answer 503
//! (to every call, or to some methods), or 429 with `Retry-After`. It opens the app's direct conversation with
//! a person (`conversations.open`: `D…`, the same one every time, whose
//! posts show in its history like a channel's), tells each person's time
//! zone (`users.info`) and keeps the App Home views published
//! (`views.publish`). Plus the pull request deliveries and GitHub effects
//! the reliability, replica and review tests count.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use wiremock::MockServer;

use super::basics::{corpus, BOT_USER};
use super::review_pool::REPO;

/// How the fake Slack answers right now.
#[derive(Default, Clone)]
pub struct Mode {
    /// Answer every call 503 (and keep nothing).
    pub down: bool,
    /// Answer calls of these methods 503 (and keep nothing), the others as
    /// usual.
    pub down_for: Vec<&'static str>,
    /// Answer every call 429 with this `Retry-After` (and keep nothing).
    pub rate_limit_secs: Option<u64>,
    /// Take this long over a post: it is committed and answered at the end,
    /// whether or not the caller still waits for the answer.
    pub hold: Option<Duration>,
    /// A gateway in front gives up on a post after this long and answers
    /// 504, while Slack goes on and commits it when `hold` has passed.
    pub gateway_timeout: Option<Duration>,
}

/// The workspace: the posts it received and committed, every call's time.
#[derive(Default)]
pub struct World {
    mode: Mutex<Mode>,
    received: Mutex<Vec<Value>>,
    posts: Mutex<Vec<Value>>,
    calls: Mutex<Vec<(Instant, String)>>,
    /// Breaches of Slack's rules in what was sent (a test fails on them).
    broken_rules: Mutex<Vec<String>>,
    /// The last `ts` given, in microseconds: each new one is later.
    last_ts: Mutex<u64>,
    /// The `chat.update` bodies received for committed messages, in order.
    updates: Mutex<Vec<Value>>,
    /// Slack user → IANA zone of their profile (UTC when not set).
    zones: Mutex<BTreeMap<String, String>>,
    /// The `views.publish` bodies received.
    views: Mutex<Vec<Value>>,
}

impl World {
    pub fn set(&self, change: impl FnOnce(&mut Mode)) {
        change(&mut self.mode.lock().unwrap());
    }

    /// The messages committed so far, oldest first: each post's body with
    /// the `ts` Slack gave it.
    pub fn posts(&self) -> Vec<Value> {
        self.check_rules();
        self.posts.lock().unwrap().clone()
    }

    /// The posts received so far, committed or not (yet).
    pub fn received(&self) -> Vec<Value> {
        self.check_rules();
        self.received.lock().unwrap().clone()
    }

    /// Whether every post received so far is committed (none is still on
    /// its way into the channel).
    pub fn all_committed(&self) -> bool {
        self.posts.lock().unwrap().len() == self.received.lock().unwrap().len()
    }

    /// Every call (method name) with the moment it arrived.
    pub fn calls(&self) -> Vec<(Instant, String)> {
        self.calls.lock().unwrap().clone()
    }

    /// The `chat.update` bodies that changed a committed message, oldest
    /// first.
    pub fn updates(&self) -> Vec<Value> {
        self.check_rules();
        self.updates.lock().unwrap().clone()
    }

    /// Give `user`'s Slack profile the zone `tz`.
    pub fn set_zone(&self, user: &str, tz: &str) {
        self.zones
            .lock()
            .unwrap()
            .insert(user.to_string(), tz.to_string());
    }

    /// The committed posts in the app's direct conversation with `user`.
    pub fn direct_posts(&self, user: &str) -> Vec<Value> {
        let channel = super::fake_slack::direct_channel(user);
        self.posts()
            .into_iter()
            .filter(|p| p["channel"] == channel.as_str())
            .collect()
    }

    /// The `views.publish` bodies received, each held to Slack's rules.
    pub fn views(&self) -> Vec<Value> {
        let views = self.views.lock().unwrap().clone();
        for view in &views {
            if let Err(problem) = super::slack_rules::check_view(&view["view"]) {
                panic!("Baton published a view that breaks Slack's rules: {problem}");
            }
        }
        views
    }

    /// The committed posts, each held to Slack's rules once more as it now
    /// reads (after any update).
    pub fn checked_posts(&self) -> Vec<Value> {
        let posts = self.posts();
        for post in &posts {
            if let Err(problem) = super::slack_rules::check_message(post) {
                panic!("Baton sent a message that breaks Slack's rules: {problem}");
            }
        }
        posts
    }

    /// Every message Baton sent is held to Slack's limits and escaping rules
    /// ([`super::slack_rules`]): a breach fails the test.
    fn check_rules(&self) {
        let broken = self.broken_rules.lock().unwrap();
        if let Some(problem) = broken.first() {
            panic!("Baton sent a message that breaks Slack's rules: {problem}");
        }
    }

    fn mode(&self) -> Mode {
        self.mode.lock().unwrap().clone()
    }

    /// Note a call; the answer when Slack is not well, if it is not.
    fn arrive(&self, method_name: &str, headers: &HeaderMap) -> Option<Response> {
        self.calls
            .lock()
            .unwrap()
            .push((Instant::now(), method_name.to_string()));
        let authorized = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer xoxb-"));
        if !authorized {
            return Some(Json(json!({"ok": false, "error": "not_authed"})).into_response());
        }
        let mode = self.mode();
        if mode.down || mode.down_for.contains(&method_name) {
            return Some((StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response());
        }
        mode.rate_limit_secs.map(|secs| {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", secs.to_string())],
                Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response()
        })
    }

    /// Check a message against Slack's rules, keeping any breach.
    fn check(&self, body: &Value) {
        if let Err(problem) = super::slack_rules::check_message(body) {
            self.broken_rules.lock().unwrap().push(problem);
        }
    }

    /// Commit a post now: give it a `ts` and put it in the channel.
    fn commit(&self, mut post: Value) -> Value {
        let ts = {
            let mut last = self.last_ts.lock().unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_micros() as u64;
            *last = now.max(*last + 1);
            format!("{}.{:06}", *last / 1_000_000, *last % 1_000_000)
        };
        post["ts"] = json!(ts);
        self.posts.lock().unwrap().push(post.clone());
        post
    }
}

/// A fake Slack running on its own thread (so it answers whatever the test
/// is doing); stopped when dropped.
pub struct FakeSlack {
    uri: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeSlack {
    /// `http://127.0.0.1:port` (the Web API is under `/api`).
    pub fn uri(&self) -> String {
        self.uri.clone()
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A fake Slack over a fresh [`World`].
pub async fn fake_slack() -> (FakeSlack, Arc<World>) {
    let world = Arc::new(World::default());
    let app = Router::new()
        .route("/api/chat.postMessage", post(post_message))
        .route("/api/chat.update", post(update))
        .route("/api/conversations.history", get(history))
        .route("/api/conversations.replies", get(replies))
        .route("/api/conversations.open", post(open_conversation))
        .route("/api/users.info", get(user_info))
        .route("/api/views.publish", post(publish_view))
        .with_state(world.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                _ = stopped => {}
            }
        });
    });
    let fake = FakeSlack {
        uri,
        stop: Some(stop),
    };
    (fake, world)
}

/// `chat.postMessage`: committed (with its `ts`) when `hold` has passed,
/// and answered then, unless a gateway answered 504 first. The commit runs
/// on its own task: a caller that hangs up does not stop it.
async fn post_message(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(answer) = world.arrive("chat.postMessage", &headers) {
        return answer;
    }
    let request = super::fake_slack::parse_body(body.as_bytes());
    if request["channel"].as_str().unwrap_or("").is_empty() {
        return Json(json!({"ok": false, "error": "channel_not_found"})).into_response();
    }
    world.check(&request);
    world.received.lock().unwrap().push(request.clone());
    let mode = world.mode();
    let hold = mode.hold.unwrap_or_default();
    let committing = world.clone();
    let commit = tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        committing.commit(request)
    });
    if let Some(gateway) = mode.gateway_timeout.filter(|g| *g < hold) {
        tokio::time::sleep(gateway).await;
        return (
            StatusCode::GATEWAY_TIMEOUT,
            "<html><body><h1>504 Gateway Time-out</h1></body></html>",
        )
            .into_response();
    }
    let post = commit.await.unwrap();
    Json(json!({
        "ok": true, "channel": post["channel"], "ts": post["ts"],
        "message": message(&post, true),
    }))
    .into_response()
}

/// `chat.update` of a committed message (answered at once, with the
/// message as it now reads, as Slack answers).
async fn update(State(world): State<Arc<World>>, headers: HeaderMap, body: String) -> Response {
    if let Some(answer) = world.arrive("chat.update", &headers) {
        return answer;
    }
    let request = super::fake_slack::parse_body(body.as_bytes());
    world.check(&request);
    let mut posts = world.posts.lock().unwrap();
    let Some(post) = posts
        .iter_mut()
        .find(|p| p["channel"] == request["channel"] && p["ts"] == request["ts"])
    else {
        return Json(json!({"ok": false, "error": "message_not_found"})).into_response();
    };
    post["text"] = request["text"].clone();
    post["blocks"] = request["blocks"].clone();
    world.updates.lock().unwrap().push(request);
    Json(json!({
        "ok": true, "channel": post["channel"], "ts": post["ts"], "text": post["text"],
        "message": message(post, false),
    }))
    .into_response()
}

/// `conversations.open` with `users`: the app's direct conversation with
/// that person (`D` and the rest of their id), the same one every time.
async fn open_conversation(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(answer) = world.arrive("conversations.open", &headers) {
        return answer;
    }
    let request = super::fake_slack::parse_body(body.as_bytes());
    let Some(user) = request["users"].as_str().filter(|u| !u.is_empty()) else {
        return Json(json!({"ok": false, "error": "users_list_not_supplied"})).into_response();
    };
    let channel = super::fake_slack::direct_channel(user);
    Json(json!({"ok": true, "channel": {"id": channel}})).into_response()
}

/// `users.info`: the person, in the zone [`World::set_zone`] gave them
/// (UTC when none).
async fn user_info(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(answer) = world.arrive("users.info", &headers) {
        return answer;
    }
    let Some(user) = query.get("user").filter(|u| !u.is_empty()) else {
        return Json(json!({"ok": false, "error": "user_not_found"})).into_response();
    };
    let tz = world
        .zones
        .lock()
        .unwrap()
        .get(user)
        .cloned()
        .unwrap_or_else(|| "UTC".into());
    Json(super::fake_slack::user_info(user, &tz, &tz, 0)).into_response()
}

/// `views.publish`: the view kept (the same view again changes nothing
/// that a test reads but the count).
async fn publish_view(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(answer) = world.arrive("views.publish", &headers) {
        return answer;
    }
    let request = super::fake_slack::parse_body(body.as_bytes());
    world.views.lock().unwrap().push(request);
    Json(json!({"ok": true, "view": {"id": "V0HOME", "type": "home"}})).into_response()
}

/// A committed post as `conversations.history` shows it: a message from
/// Baton's bot user, with its metadata if asked for.
fn message(post: &Value, with_metadata: bool) -> Value {
    let mut m = json!({
        "type": "message", "ts": post["ts"], "text": post["text"],
        "user": BOT_USER, "bot_id": "B0BATON", "app_id": "A0BATON", "team": "T0TEST",
    });
    if let Some(blocks) = post.get("blocks").filter(|b| !b.is_null()) {
        m["blocks"] = blocks.clone();
    }
    if let Some(thread) = post.get("thread_ts").filter(|t| !t.is_null()) {
        m["thread_ts"] = thread.clone();
    }
    if with_metadata && !post["metadata"].is_null() {
        m["metadata"] = post["metadata"].clone();
    }
    m
}

/// `conversations.history`: the channel's committed messages (not thread
/// replies), newest first.
async fn history(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(answer) = world.arrive("conversations.history", &headers) {
        return answer;
    }
    let mut messages: Vec<Value> = world
        .posts
        .lock()
        .unwrap()
        .iter()
        .filter(|p| Some(&p["channel"]) == query.get("channel").map(|c| json!(c)).as_ref())
        .filter(|p| p["thread_ts"].is_null())
        .cloned()
        .collect();
    messages.reverse();
    page(messages, &query)
}

/// `conversations.replies`: the thread of `ts`, its parent first.
async fn replies(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(answer) = world.arrive("conversations.replies", &headers) {
        return answer;
    }
    let parent = query.get("ts").cloned().unwrap_or_default();
    let messages: Vec<Value> = world
        .posts
        .lock()
        .unwrap()
        .iter()
        .filter(|p| Some(&p["channel"]) == query.get("channel").map(|c| json!(c)).as_ref())
        .filter(|p| p["ts"] == parent.as_str() || p["thread_ts"] == parent.as_str())
        .cloned()
        .collect();
    if messages.is_empty() {
        return Json(json!({"ok": false, "error": "thread_not_found"})).into_response();
    }
    page(messages, &query)
}

/// One page of `messages` (in the order given) after `oldest` (exclusive),
/// `limit` at a time (100 by default, at most 999), from `cursor`.
fn page(messages: Vec<Value>, query: &BTreeMap<String, String>) -> Response {
    let oldest: f64 = query
        .get("oldest")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0.0);
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 999);
    let from: usize = query
        .get("cursor")
        .and_then(|c| c.strip_prefix("next:"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let with_metadata = query.get("include_all_metadata").map(String::as_str) == Some("true");
    let after: Vec<&Value> = messages
        .iter()
        .filter(|p| p["ts"].as_str().unwrap().parse::<f64>().unwrap() > oldest)
        .collect();
    let shown: Vec<Value> = after
        .iter()
        .skip(from)
        .take(limit)
        .map(|p| message(p, with_metadata))
        .collect();
    let has_more = from + shown.len() < after.len();
    let next_cursor = match has_more {
        true => format!("next:{}", from + shown.len()),
        false => String::new(),
    };
    Json(json!({
        "ok": true, "messages": shown, "has_more": has_more, "pin_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    }))
    .into_response()
}

/// GitHub's effect: the reviewers requested on each pull request (a set:
/// requesting the same reviewer twice is one effect).
pub async fn requested_reviewers(github: &MockServer) -> BTreeMap<u64, BTreeSet<String>> {
    let mut out: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for r in github.received_requests().await.unwrap_or_default() {
        if r.method.as_str() != "POST" {
            continue;
        }
        let number: u64 = r.url.path().split('/').nth(5).unwrap().parse().unwrap();
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        for login in body["reviewers"].as_array().unwrap() {
            out.entry(number)
                .or_default()
                .insert(login.as_str().unwrap().to_string());
        }
    }
    out
}

pub fn settings<'a>(slack: &'a str, github: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", slack),
        ("GITHUB_TOKEN", "ghp-test"),
        ("GITHUB_API_URL", github),
    ]
}

pub fn pull_request(number: u64) -> Vec<u8> {
    let mut payload: Value =
        serde_json::from_slice(&corpus("github/pull_request/opened.payload.json")).unwrap();
    payload["number"] = json!(number);
    payload["pull_request"]["number"] = json!(number);
    payload["pull_request"]["user"]["login"] = json!("someone-else");
    payload["repository"]["full_name"] = json!(REPO);
    serde_json::to_vec(&payload).unwrap()
}

/// The pull request a kept post is about (its `#n`), if any.
pub fn pr_number(post: &Value) -> Option<u64> {
    let text = post["text"].as_str()?;
    let re = regex::Regex::new(r"(?i)^Review requested .*hello-world#(\d+)\D").unwrap();
    re.captures(text).map(|c| c[1].parse().unwrap())
}

pub fn bot_joined(channel: &str) -> Value {
    json!({"type": "member_joined_channel", "user": super::basics::BOT_USER, "channel": channel})
}

/// Deliver pull request `n`; true if Baton acknowledged it.
pub async fn deliver(port: u16, n: u64) -> bool {
    // GitHub waits 10 s for an answer before it counts a delivery failed.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let body = pull_request(n);
    let signature = super::senders::github_signature(&body);
    client
        .post(format!("http://127.0.0.1:{port}/github/webhook"))
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", format!("kill-{n}"))
        .header("X-Hub-Signature-256", signature)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}
