//! Slack Socket Mode, black-box: the real binary with `SLACK_APP_TOKEN`, a
//! fake Slack Web API whose `apps.connections.open` hands out the `ws://`
//! URL of a fake Socket Mode server on loopback. Every payload is built with
//! slack-morphism's own types (from the shared corpus where one fits), inside
//! envelopes shaped as slack-morphism's `SlackSocketModeEvent` serialises
//! them (that model is private in slack-morphism 2.31, so it cannot be
//! named here). Envelopes take the HTTP path's dedup and
//! transaction, are acknowledged by envelope id with the reply in the
//! acknowledgement, and Baton reconnects when Slack says `disconnect` or
//! stops answering pings.

use crate::common;

use std::time::Duration;

use common::review_pool::{ADMIN, CHANNEL};
use common::{baton_cli, corpus, eventually, fake_slack, slack_rules, Baton};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use slack_morphism::prelude::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type Socket = WebSocketStream<TcpStream>;

const APP_TOKEN: &str = "xapp-1-A111-1-test";
const OPEN_PATH: &str = "/api/apps.connections.open";

/// The fake Socket Mode server: a loopback listener whose `ws://` URL the
/// fake Web API hands out.
struct FakeSocketMode {
    listener: std::sync::Arc<TcpListener>,
}

impl FakeSocketMode {
    async fn start(slack: &MockServer) -> FakeSocketMode {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "ws://{}/link/?ticket=test-ticket&app_id=A111",
            listener.local_addr().unwrap()
        );
        Mock::given(method("POST"))
            .and(path(OPEN_PATH))
            .and(header(
                "authorization",
                format!("Bearer {APP_TOKEN}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "url": url})))
            .mount(slack)
            .await;
        FakeSocketMode {
            listener: std::sync::Arc::new(listener),
        }
    }

    /// Accept Baton's next connection (in the background).
    fn accept(&self) -> JoinHandle<Socket> {
        let listener = self.listener.clone();
        tokio::spawn(async move {
            let (tcp, _) = tokio::time::timeout(Duration::from_secs(20), listener.accept())
                .await
                .expect("Baton did not connect")
                .unwrap();
            tokio_tungstenite::accept_async(tcp).await.unwrap()
        })
    }
}

/// Slack's greeting on a new connection.
fn hello() -> String {
    json!({"type": "hello", "num_connections": 1,
           "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 18060},
           "connection_info": {"app_id": "A111"}})
    .to_string()
}

/// Slack asking for a new connection (it refreshes them every few hours).
fn disconnect() -> String {
    json!({"type": "disconnect", "reason": "refresh_requested",
           "debug_info": {"host": "applink-test"}})
    .to_string()
}

/// An envelope of `kind` around `payload`. Slack takes a reply in the
/// acknowledgement for commands and interactions, not for events.
fn envelope(kind: &str, envelope_id: &str, payload: impl serde::Serialize) -> String {
    json!({"type": kind, "envelope_id": envelope_id,
           "accepts_response_payload": kind != "events_api", "payload": payload})
    .to_string()
}

/// The corpus `app_mention` callback (event id `Ev111`, channel `C111`) as an
/// `events_api` envelope. Read as `SlackPushEvent`, which keeps the `type`
/// Slack sends (`SlackPushEventCallback` alone serialises without it).
fn app_mention(envelope_id: &str) -> String {
    let event: SlackPushEvent = serde_json::from_slice(&corpus(
        "slack/bolt-python/events/app_mention.event_callback.json",
    ))
    .unwrap();
    envelope("events_api", envelope_id, event)
}

/// `/baton <text>` typed by `user` in `channel`, as a `slash_commands` envelope.
fn slash_command(envelope_id: &str, channel: &str, user: &str, text: &str) -> String {
    let command = SlackCommandEvent::new(
        SlackTeamId("T111".into()),
        SlackChannelId(channel.into()),
        SlackUserId(user.into()),
        SlackCommandId("/baton".into()),
        SlackResponseUrl("https://hooks.slack.com/commands/T111/1/x".parse().unwrap()),
        SlackTriggerId("111.222.xxx".into()),
    )
    .with_text(common::slack_encode_typed(text));
    envelope("slash_commands", envelope_id, command)
}

/// A press of the assignment message's *Reassign* button on pull request #2,
/// as an `interactive` envelope.
fn reassign_press(envelope_id: &str, user: &str, action_ts: &str) -> String {
    let payload: SlackInteractionEvent = serde_json::from_value(json!({
        "type": "block_actions",
        "team": {"id": "T111", "domain": "workspace-domain"},
        "user": {"id": user},
        "api_app_id": "A111",
        "trigger_id": "111.222.valid",
        "channel": {"id": CHANNEL, "name": "reviews"},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": CHANNEL},
        "response_url": "https://hooks.slack.com/actions/T111/1/x",
        "actions": [{"action_id": "reviewers_reassign", "value": "codertocat/hello-world#2",
                     "type": "button", "block_id": "b", "action_ts": action_ts}],
    }))
    .unwrap();
    envelope("interactive", envelope_id, payload)
}

/// The next text message Baton sends, as JSON.
async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("Baton sent nothing")
            .expect("the socket closed")
            .unwrap();
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

/// Send `envelope` and return Baton's acknowledgement, checking its id.
async fn send(socket: &mut Socket, envelope: String) -> Value {
    let id = serde_json::from_str::<Value>(&envelope).unwrap()["envelope_id"].clone();
    socket.send(Message::text(envelope)).await.unwrap();
    let ack = next_json(socket).await;
    assert_eq!(ack["envelope_id"], id, "{ack}");
    ack
}

async fn open_calls(slack: &MockServer) -> usize {
    slack
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == OPEN_PATH)
        .count()
}

async fn readyz(baton: &Baton) -> u16 {
    baton
        .http
        .get(baton.url("/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Baton in Socket Mode with fake Slack and GitHub and `extra` settings,
/// greeted on its first connection (it is not ready before).
async fn start(extra: &[(&str, &str)]) -> (Baton, MockServer, MockServer, FakeSocketMode, Socket) {
    let slack = fake_slack::ok().await;
    let github = common::fake_github::ok().await;
    let sockets = FakeSocketMode::start(&slack).await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let mut env = vec![
        ("SLACK_APP_TOKEN", APP_TOKEN),
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", slack_api.as_str()),
        ("GITHUB_TOKEN", "ghp-test"),
        ("GITHUB_API_URL", github_api.as_str()),
    ];
    env.extend_from_slice(extra);
    let first = sockets.accept();
    let greeter = tokio::spawn(async move {
        let mut socket = first.await.unwrap();
        socket.send(Message::text(hello())).await.unwrap();
        socket
    });
    let baton = Baton::start(&env).await;
    let socket = greeter.await.unwrap();
    (baton, slack, github, sockets, socket)
}

/// Events, commands and button presses over the socket take the HTTP path:
/// acknowledged by envelope id after the commit, the command's answer in the
/// acknowledgement, an event sent twice acting once, a press too.
#[tokio::test]
async fn envelopes_are_acted_on_once_and_acknowledged_with_their_reply() {
    let (baton, slack, github, _sockets, mut socket) = start(&[]).await;
    assert_eq!(open_calls(&slack).await, 1);

    // events_api: the corpus app_mention, answered in its channel.
    let ack = send(&mut socket, app_mention("env-event-1")).await;
    assert_eq!(ack.get("payload"), None, "{ack}");
    // The same event again (Slack retries under a new envelope id): acked, not acted on.
    send(&mut socket, app_mention("env-event-2")).await;
    baton.drained().await;
    let replies: Vec<Value> = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == "C111")
        .collect();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(
        baton
            .metric("baton_events_duplicate_total{source=\"slack\"}")
            .await,
        Some(1.0)
    );

    // slash_commands: the ephemeral answer rides in the acknowledgement.
    let ack = send(
        &mut socket,
        slash_command(
            "env-command-1",
            CHANNEL,
            ADMIN,
            "reviewers watch codertocat/hello-world",
        ),
    )
    .await;
    let reply = &ack["payload"];
    assert_eq!(reply["response_type"], "ephemeral", "{ack}");
    assert!(
        reply["text"].as_str().unwrap().starts_with("Done."),
        "{ack}"
    );
    slack_rules::check_message(reply).unwrap();
    let ack = send(
        &mut socket,
        slash_command("env-command-2", CHANNEL, ADMIN, "help nonsense & <b>"),
    )
    .await;
    slack_rules::check_message(&ack["payload"]).unwrap();
    for (login, user) in common::review_pool::POOL {
        let ack = send(
            &mut socket,
            slash_command(
                &format!("env-add-{login}"),
                CHANNEL,
                ADMIN,
                &format!("reviewers add {login} <@{user}>"),
            ),
        )
        .await;
        assert!(
            ack["payload"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Done."),
            "{ack}"
        );
    }

    // A pull request assigns hubot; the Reassign press over the socket moves it.
    let opened = corpus("github/pull_request/opened.payload.json");
    assert!(baton
        .github("pull_request", "d-opened", &opened)
        .await
        .status()
        .is_success());
    baton.drained().await;
    let ack = send(
        &mut socket,
        reassign_press("env-press-1", "U0HUBOT01", "1700000100.000001"),
    )
    .await;
    slack_rules::check_message(ack.get("payload").unwrap_or(&json!({}))).unwrap();
    // Slack sends the same press again: acknowledged, acts once.
    send(
        &mut socket,
        reassign_press("env-press-2", "U0HUBOT01", "1700000100.000001"),
    )
    .await;
    baton.drained().await;
    let calls: Vec<(String, String)> = github
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_ascii_lowercase()))
        .collect();
    let route = "/repos/codertocat/hello-world/pulls/2/requested_reviewers".to_string();
    assert_eq!(
        calls,
        [
            ("POST".to_string(), route.clone()),
            ("DELETE".to_string(), route.clone()),
            ("POST".to_string(), route)
        ]
    );
    assert_eq!(fake_slack::calls(&slack, "chat.update").await.len(), 1);

    // An envelope Baton cannot read is acknowledged and changes nothing.
    let ack = send(
        &mut socket,
        json!({"type": "slash_commands", "envelope_id": "env-bad", "accepts_response_payload": true,
               "payload": {"command": "/baton"}})
        .to_string(),
    )
    .await;
    assert_eq!(ack, json!({"envelope_id": "env-bad"}));
    assert_eq!(open_calls(&slack).await, 1, "no reconnection meanwhile");
}

/// The acknowledgement comes only after the commit: while the disk is full
/// an envelope is not acknowledged (so Slack sends it again), and the resend
/// after the disk frees acts once.
#[tokio::test]
async fn an_envelope_that_cannot_be_committed_is_not_acknowledged() {
    let switch = tempfile::tempdir().unwrap();
    let full = switch.path().join("disk-full");
    let full_setting = full.display().to_string();
    let (baton, slack, _github, _sockets, mut socket) =
        start(&[("BATON_FAULT_FILE", &full_setting)]).await;
    std::fs::write(&full, b"").unwrap();
    socket
        .send(Message::text(app_mention("env-full-1")))
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_millis(1500), socket.next()).await;
    assert!(
        answer.is_err(),
        "Baton answered with the disk full: {answer:?}"
    );

    std::fs::remove_file(&full).unwrap();
    eventually(10, "the store reopens", || async {
        readyz(&baton).await == 200
    })
    .await;
    // Slack sends the unacknowledged envelope again.
    send(&mut socket, app_mention("env-full-2")).await;
    baton.drained().await;
    assert_eq!(fake_slack::calls(&slack, "chat.postMessage").await.len(), 1);
}

/// `disconnect` makes Baton open a new connection (a second
/// `apps.connections.open`); `/readyz` answers 503 until Slack greets it.
#[tokio::test]
async fn disconnect_makes_baton_reconnect_and_readyz_follows_the_socket() {
    let (baton, slack, _github, sockets, mut socket) = start(&[]).await;
    assert_eq!(readyz(&baton).await, 200);
    let second = sockets.accept();
    socket.send(Message::text(disconnect())).await.unwrap();
    let mut socket2 = second.await.unwrap();
    assert_eq!(open_calls(&slack).await, 2);
    // Baton closes the old connection.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the old socket stayed open");
    // Connected but not greeted: not ready.
    assert_eq!(readyz(&baton).await, 503);
    socket2.send(Message::text(hello())).await.unwrap();
    eventually(10, "ready again after hello", || async {
        readyz(&baton).await == 200
    })
    .await;
    assert_eq!(
        baton
            .metric("baton_slack_socket_reconnects_total{reason=\"disconnect\"}")
            .await,
        Some(1.0)
    );
    assert_eq!(
        baton.metric("baton_slack_socket_connected").await,
        Some(1.0)
    );
    // The new connection carries envelopes.
    send(&mut socket2, app_mention("env-after-reconnect")).await;
    baton.drained().await;
    assert_eq!(fake_slack::calls(&slack, "chat.postMessage").await.len(), 1);
}

/// A connection that answers no pings is replaced (timing from
/// `BATON_SOCKET_PING_INTERVAL`).
#[tokio::test]
async fn a_silent_connection_is_replaced() {
    let (baton, slack, _github, sockets, socket) =
        start(&[("BATON_SOCKET_PING_INTERVAL", "1s")]).await;
    let second = sockets.accept();
    // The fake never reads again, so Baton's pings go unanswered.
    let mut socket2 = second.await.unwrap();
    assert_eq!(open_calls(&slack).await, 2);
    assert_eq!(readyz(&baton).await, 503);
    assert_eq!(
        baton.metric("baton_slack_socket_connected").await,
        Some(0.0)
    );
    assert_eq!(
        baton
            .metric("baton_slack_socket_reconnects_total{reason=\"lost\"}")
            .await,
        Some(1.0)
    );
    socket2.send(Message::text(hello())).await.unwrap();
    eventually(10, "ready after hello", || async {
        readyz(&baton).await == 200
    })
    .await;
    drop(socket);
}

/// `baton slack manifest --socket-mode`: no `--url`, Socket Mode on, no
/// request URL anywhere.
#[test]
fn the_socket_mode_manifest_needs_no_url() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) =
        baton_cli::<&str, &str>(&["slack", "manifest", "--socket-mode"], &[], dir.path());
    assert_eq!(code, 0, "{err}");
    let manifest: serde_yaml_ng::Value = serde_yaml_ng::from_str(&out).unwrap();
    assert_eq!(
        manifest["settings"]["socket_mode_enabled"].as_bool(),
        Some(true)
    );
    assert!(!out.contains("url:"), "{out}");
    assert!(!out.contains("request_url"), "{out}");
    let (code, _, err) = baton_cli::<&str, &str>(&["slack", "manifest"], &[], dir.path());
    assert_eq!(code, 2, "{err}");
}

/// A token that is not an app-level token is refused by name, without
/// showing it; `doctor` checks the app token against `apps.connections.open`.
#[tokio::test]
async fn the_app_token_is_checked_by_config_check_and_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = baton_cli(
        &["config", "check"],
        &[("SLACK_APP_TOKEN", "xoxb-not-an-app-token")],
        dir.path(),
    );
    assert_ne!(code, 0, "{out}");
    let both = format!("{out}{err}");
    assert!(
        both.contains("SLACK_APP_TOKEN: not an app-level token"),
        "{both}"
    );
    assert!(
        !both.contains("not-an-app-token"),
        "the token shows: {both}"
    );

    let slack = fake_slack::ok().await;
    let _sockets = FakeSocketMode::start(&slack).await;
    Mock::given(method("POST"))
        .and(path(OPEN_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
        )
        .mount(&slack)
        .await;
    let slack_api = format!("{}/api", slack.uri());
    let data = dir.path().join("baton.redb").display().to_string();
    let listen = format!("127.0.0.1:{}", common::free_port());
    for (token, verdict) in [
        (
            APP_TOKEN,
            "✔ Slack app token (Socket Mode): apps.connections.open OK",
        ),
        (
            "xapp-1-A111-1-revoked",
            "✘ Slack app token (Socket Mode): apps.connections.open: invalid_auth",
        ),
    ] {
        let env = vec![
            ("SLACK_APP_TOKEN".to_string(), token.to_string()),
            ("SLACK_API_URL".to_string(), slack_api.clone()),
            ("BATON_DATA".to_string(), data.clone()),
            ("BATON_LISTEN".to_string(), listen.clone()),
        ];
        let dir = dir.path().to_path_buf();
        let (_, out, err) = tokio::task::spawn_blocking(move || baton_cli(&["doctor"], &env, &dir))
            .await
            .unwrap();
        assert!(out.contains(verdict), "{out}{err}");
        assert!(!out.contains(token), "the token shows: {out}");
    }
}
