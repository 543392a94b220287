//! A fake Slack workspace that keeps what is posted (even when its answer
//! comes late or never), answers `conversations.history` with the kept
//! posts and their `metadata`, and can be made to answer 503 or 429 with
//! `Retry-After`; it opens direct conversations (`conversations.open`),
//! tells each person's time zone (`users.info`) and keeps the App Home
//! views published (`views.publish`); plus the pull request deliveries and
//! GitHub effects the reliability and replica tests count.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::basics::corpus;
use super::review_pool::REPO;

/// How the fake Slack answers right now.
#[derive(Default, Clone)]
pub struct Mode {
    /// Answer 503 (and keep nothing).
    pub down: bool,
    /// Answer 429 with this `Retry-After` (and keep nothing).
    pub rate_limit_secs: Option<u64>,
    /// Keep the post, but hold the answer this long.
    pub hold: Option<Duration>,
}

/// A fake Slack workspace: the posts it kept, and every call's time.
#[derive(Default)]
pub struct World {
    mode: Mutex<Mode>,
    posts: Mutex<Vec<Value>>,
    calls: Mutex<Vec<(Instant, String)>>,
    counter: AtomicU64,
    /// Slack user → IANA zone of their profile (UTC when not set).
    zones: Mutex<BTreeMap<String, String>>,
    /// The `views.publish` bodies received.
    views: Mutex<Vec<Value>>,
}

impl World {
    pub fn set(&self, change: impl FnOnce(&mut Mode)) {
        change(&mut self.mode.lock().unwrap());
    }
    pub fn posts(&self) -> Vec<Value> {
        self.posts.lock().unwrap().clone()
    }
    pub fn calls(&self) -> Vec<(Instant, String)> {
        self.calls.lock().unwrap().clone()
    }
    /// Give `user`'s Slack profile the zone `tz`.
    pub fn set_zone(&self, user: &str, tz: &str) {
        self.zones
            .lock()
            .unwrap()
            .insert(user.to_string(), tz.to_string());
    }
    /// The posts in the app's direct conversation with `user`.
    pub fn direct_posts(&self, user: &str) -> Vec<Value> {
        let channel = super::fake_slack::direct_channel(user);
        self.posts()
            .into_iter()
            .filter(|p| p["channel"] == channel.as_str())
            .collect()
    }
    /// The `views.publish` bodies received, held to Slack's rules.
    pub fn views(&self) -> Vec<Value> {
        let views = self.views.lock().unwrap().clone();
        for view in &views {
            if let Err(problem) = super::slack_rules::check_view(&view["view"]) {
                panic!("Baton published a view that breaks Slack's rules: {problem}");
            }
        }
        views
    }
    /// The kept posts, each held to Slack's rules.
    pub fn checked_posts(&self) -> Vec<Value> {
        let posts = self.posts();
        for post in &posts {
            if let Err(problem) = super::slack_rules::check_message(post) {
                panic!("Baton sent a message that breaks Slack's rules: {problem}");
            }
        }
        posts
    }
    /// The answer to a call when Slack is not well, if it is not.
    pub fn unwell(&self, method_name: &str) -> Option<ResponseTemplate> {
        self.calls
            .lock()
            .unwrap()
            .push((Instant::now(), method_name.to_string()));
        let mode = self.mode.lock().unwrap().clone();
        if mode.down {
            return Some(ResponseTemplate::new(503).set_body_string("Service Unavailable"));
        }
        mode.rate_limit_secs.map(|secs| {
            ResponseTemplate::new(429)
                .insert_header("Retry-After", secs.to_string().as_str())
                .set_body_json(json!({"ok": false, "error": "ratelimited"}))
        })
    }
}

pub struct PostMessage(Arc<World>);

impl Respond for PostMessage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(answer) = self.0.unwell("chat.postMessage") {
            return answer;
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        // A real ts: now, unique.
        let n = self.0.counter.fetch_add(1, Ordering::SeqCst);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let ts = format!("{now}.{:06}", n % 1_000_000);
        let mut kept = body.clone();
        kept["ts"] = json!(ts);
        self.0.posts.lock().unwrap().push(kept);
        let answer = ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": body["channel"], "ts": ts,
            "message": {"type": "message", "ts": ts, "text": body["text"], "bot_id": "B0BATON"}
        }));
        match self.0.mode.lock().unwrap().hold {
            Some(hold) => answer.set_delay(hold),
            None => answer,
        }
    }
}

/// `conversations.history` and `conversations.replies` over the kept posts.
pub struct History(Arc<World>, bool);

impl Respond for History {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let replies = self.1;
        if let Some(answer) = self.0.unwell("conversations.history") {
            return answer;
        }
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let oldest: f64 = query
            .get("oldest")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0.0);
        let with_metadata = query.get("include_all_metadata").map(String::as_str) == Some("true");
        let mut messages: Vec<Value> = self
            .0
            .posts()
            .into_iter()
            .filter(|p| p["channel"] == query["channel"])
            .filter(|p| p["ts"].as_str().unwrap().parse::<f64>().unwrap() >= oldest)
            .filter(|p| match replies {
                true => p["thread_ts"].as_str() == query.get("ts").map(String::as_str),
                false => p["thread_ts"].is_null(),
            })
            .map(|p| {
                let mut m = json!({"type": "message", "ts": p["ts"], "text": p["text"],
                    "bot_id": "B0BATON", "user": super::basics::BOT_USER});
                if with_metadata && !p["metadata"].is_null() {
                    m["metadata"] = p["metadata"].clone();
                }
                m
            })
            .collect();
        messages.reverse();
        ResponseTemplate::new(200)
            .set_body_json(json!({"ok": true, "messages": messages, "has_more": false}))
    }
}

/// `conversations.open`, `users.info` and `views.publish` over the world.
pub struct People(Arc<World>, &'static str);

impl Respond for People {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(answer) = self.0.unwell(self.1) {
            return answer;
        }
        match self.1 {
            "conversations.open" => {
                let body = super::fake_slack::parse_body(&request.body);
                let user = body["users"].as_str().unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(
                    json!({"ok": true, "channel": {"id": super::fake_slack::direct_channel(user)}}),
                )
            }
            "users.info" => {
                let query: BTreeMap<String, String> =
                    request.url.query_pairs().into_owned().collect();
                let user = query.get("user").cloned().unwrap_or_default();
                let tz = self
                    .0
                    .zones
                    .lock()
                    .unwrap()
                    .get(&user)
                    .cloned()
                    .unwrap_or_else(|| "UTC".into());
                ResponseTemplate::new(200)
                    .set_body_json(super::fake_slack::user_info(&user, &tz, &tz, 0))
            }
            _ => {
                let body = super::fake_slack::parse_body(&request.body);
                self.0.views.lock().unwrap().push(body);
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "view": {"id": "V0HOME", "type": "home"}}))
            }
        }
    }
}

/// A fake Slack over a fresh [`World`].
pub async fn fake_slack() -> (MockServer, Arc<World>) {
    let world = Arc::new(World::default());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(PostMessage(world.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .respond_with(ResponseTemplate::new(200).set_body_json(super::fake_slack::ok_body()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/conversations.history"))
        .respond_with(History(world.clone(), false))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/conversations.replies"))
        .respond_with(History(world.clone(), true))
        .mount(&server)
        .await;
    for (verb, name) in [
        ("POST", "conversations.open"),
        ("GET", "users.info"),
        ("POST", "views.publish"),
    ] {
        Mock::given(method(verb))
            .and(path(format!("/api/{name}")))
            .respond_with(People(world.clone(), name))
            .mount(&server)
            .await;
    }
    (server, world)
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
