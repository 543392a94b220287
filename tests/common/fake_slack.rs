//! A fake Slack Web API (wiremock) that records every call.

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
    mount_people(server).await;
}

/// `conversations.open` (the app's direct conversation with a person is
/// `D` and the rest of their id, as Slack keeps one per person),
/// `users.info` (everyone in UTC) and `views.publish`, answered as Slack
/// answers them.
pub async fn mount_people(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/conversations.open"))
        .respond_with(|request: &wiremock::Request| {
            let body = parse_body(&request.body);
            let user = body["users"].as_str().unwrap_or_default().to_string();
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"ok": true, "channel": {"id": direct_channel(&user)}}),
            )
        })
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .respond_with(|request: &wiremock::Request| {
            let user = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "user")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(user_info(
                &user,
                "UTC",
                "Coordinated Universal Time",
                0,
            ))
        })
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/views.publish"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"ok": true, "view": {"id": "V0HOME", "type": "home"}}),
        ))
        .mount(server)
        .await;
}

/// The id of the app's direct conversation with `user`, as the fakes give it.
pub fn direct_channel(user: &str) -> String {
    format!("D{}", user.get(1..).unwrap_or_default())
}

/// What Slack's `users.info` answers about `user` in zone `tz`.
pub fn user_info(user: &str, tz: &str, label: &str, offset: i64) -> serde_json::Value {
    serde_json::json!({"ok": true, "user": {
        "id": user, "team_id": "T1", "name": user.to_lowercase(), "deleted": false,
        "real_name": "Test Person", "tz": tz, "tz_label": label, "tz_offset": offset,
        "is_bot": false, "updated": 1_700_000_000,
        "profile": {"real_name": "Test Person", "display_name": "test"}
    }})
}

/// `conversations.history` / `.replies`, read when a post's outcome is
/// unknown; this fake keeps no history.
pub async fn mount_empty_history(server: &MockServer) {
    for history in ["/api/conversations.history", "/api/conversations.replies"] {
        Mock::given(method("GET"))
            .and(path(history))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"ok": true, "messages": [], "has_more": false}),
                ),
            )
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
        if r.url.path() == "/api/views.publish" {
            if let Err(problem) = super::slack_rules::check_view(&parse_body(&r.body)["view"]) {
                panic!("Baton published a view that breaks Slack's rules: {problem}");
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
pub fn parse_body(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        serde_json::Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        )
    })
}
