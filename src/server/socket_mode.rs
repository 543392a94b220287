//! Slack Socket Mode: instead of Slack calling Baton's request URLs, Baton
//! opens a WebSocket to Slack (`apps.connections.open` with the app-level
//! token gives its URL) and Slack sends events, slash commands and button
//! presses down it as envelopes. Each envelope takes the path the HTTP
//! request would take ([`crate::server::slack_inbound`]: same parsing, dedup and
//! transaction) and is acknowledged only after the commit, with the reply
//! (a command's ephemeral answer) in the acknowledgement's `payload`.
//!
//! A `disconnect` message, a closed socket, or a connection silent for
//! [`SILENT_PINGS`] ping intervals is replaced by a new one. `/readyz`
//! answers 503 while no connection has been greeted with Slack's `hello`.

use std::sync::Arc;
use std::time::Duration;

use baton_handlers::slack::{self as slack_payloads, EphemeralReply};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::clients::slack::Connector;
use crate::server::app_state::{SharedState, SocketStatus};
use crate::server::slack_inbound::{self, Retry};
use crate::server::writer::WriteError;

/// A connection that sends nothing (not even a pong) for this many ping
/// intervals is taken as lost and replaced.
pub const SILENT_PINGS: u32 = 3;
/// After a `disconnect` (or on shutdown), how long envelopes already being
/// handled may finish and be acknowledged before the socket is closed.
const DRAIN: Duration = Duration::from_secs(2);

/// The clock of the connection (settings; tests shorten it).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How often Baton pings Slack.
    pub ping_every: Duration,
    /// The pause after a failed attempt to connect, doubled each time up to
    /// `retry_max`; back to `retry_first` once Slack says `hello`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// Limit of `apps.connections.open` and of the WebSocket handshake.
    pub call_timeout: Duration,
}

/// What Baton needs to open connections.
pub struct Slack {
    pub api: SlackClient<Connector>,
    pub app_token: SlackApiToken,
}

impl Slack {
    /// For the Web API at `api_url` with the app-level token.
    pub fn new(api_url: &str, app_token: &str) -> anyhow::Result<Slack> {
        Ok(Slack {
            api: crate::clients::slack::client(api_url)?,
            app_token: SlackApiToken::new(SlackApiTokenValue::new(app_token.to_string())),
        })
    }
}

/// Why one connection ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    Shutdown,
    /// Slack asked for a new connection.
    Disconnect,
    /// Nothing heard for [`SILENT_PINGS`] intervals.
    Lost,
    /// The socket closed or failed.
    Closed,
}

/// Keep a Socket Mode connection open until shutdown.
pub async fn run(
    state: SharedState,
    status: Arc<SocketStatus>,
    slack: Slack,
    timing: Timing,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut pause = timing.retry_first;
    while !*shutdown.borrow() {
        let connected = tokio::select! {
            connected = connect(&slack, timing.call_timeout) => connected,
            _ = stopping(&mut shutdown) => break,
        };
        let end = match connected {
            Ok(socket) => {
                tracing::info!("Socket Mode: connected to Slack, waiting for hello");
                let (end, greeted) = serve(&state, &status, socket, timing, &mut shutdown).await;
                if greeted {
                    pause = timing.retry_first;
                }
                end
            }
            Err(reason) => {
                tracing::warn!(%reason, retry_in_ms = pause.as_millis() as u64, "Socket Mode: cannot connect to Slack; will try again");
                End::Closed
            }
        };
        let reason = match end {
            End::Shutdown => break,
            End::Disconnect => "disconnect",
            End::Lost => "lost",
            End::Closed => "closed",
        };
        state.metrics.socket_reconnect(reason);
        if end == End::Disconnect {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stopping(&mut shutdown) => break,
        }
        pause = (pause * 2).min(timing.retry_max);
    }
    status.set(false);
}

/// Resolves when shutdown begins.
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// `apps.connections.open`: the URL of a new connection (its query is a
/// one-time ticket: never logged).
async fn open_url(slack: &Slack, limit: Duration) -> Result<SlackWebSocketsUrl, String> {
    let session = slack.api.open_session(&slack.app_token);
    let opened = tokio::time::timeout(
        limit,
        session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()),
    )
    .await
    .map_err(|_| format!("apps.connections.open: no answer within {limit:?}"))?
    .map_err(open_failed)?;
    Ok(opened.url)
}

/// For `baton doctor`: does the app token open connections? Returns the
/// host Slack would connect Baton to (nothing is connected).
pub async fn check_app_token(slack: &Slack, limit: Duration) -> Result<String, String> {
    let url = open_url(slack, limit).await?.0;
    Ok(url.host_str().unwrap_or("?").to_string())
}

/// `apps.connections.open`, then the WebSocket handshake.
async fn connect(slack: &Slack, limit: Duration) -> Result<Socket, String> {
    let url = open_url(slack, limit).await?.0;
    let host = url.host_str().unwrap_or("?").to_string();
    let (socket, _) = tokio::time::timeout(limit, tokio_tungstenite::connect_async(url.as_str()))
        .await
        .map_err(|_| format!("the WebSocket to {host} did not open within {limit:?}"))?
        .map_err(|e| format!("the WebSocket to {host} did not open: {e}"))?;
    Ok(socket)
}

/// The reason `apps.connections.open` failed, with the fix when it is the token.
fn open_failed(error: SlackClientError) -> String {
    match &error {
        SlackClientError::ApiError(api)
            if matches!(
                api.code.as_str(),
                "invalid_auth" | "not_authed" | "not_allowed_token_type" | "missing_scope"
            ) =>
        {
            format!(
                "apps.connections.open: {}: SLACK_APP_TOKEN must be an app-level token (xapp-…) with the scope connections:write, of an app with Socket Mode enabled",
                api.code
            )
        }
        _ => format!("apps.connections.open: {error}"),
    }
}

/// Read and answer one connection until it ends; also says whether Slack
/// greeted it with `hello`.
async fn serve(
    state: &SharedState,
    status: &SocketStatus,
    mut socket: Socket,
    timing: Timing,
    shutdown: &mut watch::Receiver<bool>,
) -> (End, bool) {
    let mut handling: JoinSet<Option<String>> = JoinSet::new();
    let mut greeted = false;
    let mut last_heard = Instant::now();
    let silent_limit = timing.ping_every * SILENT_PINGS;
    let mut ping = tokio::time::interval_at(Instant::now() + timing.ping_every, timing.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let end = loop {
        tokio::select! {
            frame = socket.next() => {
                let frame = match frame {
                    Some(Ok(frame)) => frame,
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "Socket Mode: the connection failed; reconnecting");
                        break End::Closed;
                    }
                    None => break End::Closed,
                };
                last_heard = Instant::now();
                let text = match frame {
                    Message::Text(text) => text,
                    Message::Close(_) => {
                        tracing::info!("Socket Mode: Slack closed the connection; reconnecting");
                        break End::Closed;
                    }
                    // Pings are answered by tungstenite; pongs only prove life.
                    _ => continue,
                };
                match Incoming::read(text.as_str()) {
                    Incoming::Hello { num_connections } => {
                        greeted = true;
                        status.set(true);
                        tracing::info!(num_connections, "Socket Mode: Slack said hello; receiving events");
                    }
                    Incoming::Disconnect { reason } => {
                        tracing::info!(reason, "Socket Mode: Slack asked for a new connection");
                        break End::Disconnect;
                    }
                    Incoming::Envelope(envelope) => {
                        let state = state.clone();
                        handling.spawn(async move { envelope.answer(&state).await });
                    }
                    Incoming::Unknown { kind, ack } => {
                        tracing::warn!(kind, "Socket Mode: Slack sent a message type Baton does not know; acknowledged, nothing done");
                        if let Some(ack) = ack {
                            if socket.send(Message::text(ack)).await.is_err() {
                                break End::Closed;
                            }
                        }
                    }
                }
            }
            Some(done) = handling.join_next() => {
                if let Ok(Some(ack)) = done {
                    if socket.send(Message::text(ack)).await.is_err() {
                        break End::Closed;
                    }
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() >= silent_limit {
                    tracing::warn!(silent_ms = last_heard.elapsed().as_millis() as u64, "Socket Mode: nothing heard from Slack; replacing the connection");
                    break End::Lost;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break End::Closed;
                }
            }
            _ = stopping(shutdown) => break End::Shutdown,
        }
    };
    status.set(false);
    if matches!(end, End::Disconnect | End::Shutdown) {
        // Envelopes being handled are answered on this socket if they can
        // be; an envelope left unanswered is sent again by Slack.
        let deadline = Instant::now() + DRAIN;
        while let Ok(Some(done)) = tokio::time::timeout_at(deadline, handling.join_next()).await {
            if let Ok(Some(ack)) = done {
                let _ = socket.send(Message::text(ack)).await;
            }
        }
        let _ = socket.close(None).await;
    }
    (end, greeted)
}

/// One message from Slack, read leniently: the envelope's own fields here,
/// its `payload` left as text for the same parsers the HTTP routes use.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    envelope_id: Option<String>,
    #[serde(default)]
    accepts_response_payload: bool,
    payload: Option<Box<RawValue>>,
    retry_attempt: Option<u64>,
    retry_reason: Option<String>,
    reason: Option<String>,
    num_connections: Option<u64>,
}

/// What a message from Slack asks for.
enum Incoming {
    Hello {
        num_connections: u64,
    },
    Disconnect {
        reason: String,
    },
    Envelope(Envelope),
    /// Unreadable, or a type Baton does not know: acknowledged when it has
    /// an envelope id (it will not read better when sent again).
    Unknown {
        kind: String,
        ack: Option<String>,
    },
}

impl Incoming {
    fn read(text: &str) -> Incoming {
        let frame: Frame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => {
                #[derive(Deserialize)]
                struct EnvelopeId {
                    envelope_id: String,
                }
                return Incoming::Unknown {
                    kind: format!("unreadable ({e})"),
                    ack: serde_json::from_str::<EnvelopeId>(text)
                        .ok()
                        .map(|probe| ack_frame(probe.envelope_id, None)),
                };
            }
        };
        let kind = match frame.kind.as_str() {
            "hello" => {
                return Incoming::Hello {
                    num_connections: frame.num_connections.unwrap_or(0),
                }
            }
            "disconnect" => {
                return Incoming::Disconnect {
                    reason: frame.reason.unwrap_or_default(),
                }
            }
            "events_api" => Kind::Event,
            "slash_commands" => Kind::Command,
            "interactive" => Kind::Interaction,
            _ => {
                return Incoming::Unknown {
                    ack: frame.envelope_id.map(|id| ack_frame(id, None)),
                    kind: frame.kind,
                }
            }
        };
        match (frame.envelope_id, frame.payload) {
            (Some(id), Some(payload)) => Incoming::Envelope(Envelope {
                kind,
                id,
                accepts_payload: frame.accepts_response_payload,
                payload,
                retry: frame
                    .retry_attempt
                    .filter(|n| *n > 0)
                    .map(|n| (n.to_string(), frame.retry_reason.unwrap_or_default())),
            }),
            (id, _) => Incoming::Unknown {
                kind: format!("{} without a payload", frame.kind),
                ack: id.map(|id| ack_frame(id, None)),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Event,
    Command,
    Interaction,
}

/// An envelope carrying an event, a command or a button press.
struct Envelope {
    kind: Kind,
    id: String,
    accepts_payload: bool,
    payload: Box<RawValue>,
    /// Slack's `retry_attempt` and `retry_reason`, when this is a retry.
    retry: Option<(String, String)>,
}

/// Why an envelope got no reply.
enum Failure {
    /// Slack sent what Baton cannot read: nothing done (over HTTP, a 400).
    Unreadable(String),
    /// The store could not commit: not acknowledged, so Slack sends it
    /// again (over HTTP, a 503).
    Store(WriteError),
}

impl Envelope {
    /// Handle the envelope through [`crate::server::slack_inbound`]; the
    /// acknowledgement to send, or `None` when the commit failed.
    async fn answer(self, state: &SharedState) -> Option<String> {
        let body = self.payload.get().as_bytes();
        let unreadable = |e: slack_payloads::ParseError| Failure::Unreadable(e.0);
        let reply: Result<Option<Value>, Failure> = match self.kind {
            Kind::Event => match slack_payloads::parse_event(body).map_err(unreadable) {
                Ok(envelope) => {
                    let retry = self
                        .retry
                        .as_ref()
                        .map(|(attempt, reason)| Retry { attempt, reason });
                    slack_inbound::event(state, envelope, retry)
                        .await
                        .map(|_| None)
                        .map_err(Failure::Store)
                }
                Err(e) => Err(e),
            },
            Kind::Command => {
                match slack_payloads::parse_slash_command_json(body).map_err(unreadable) {
                    Ok(slash) => slack_inbound::command(state, slash)
                        .await
                        .map(|reply| Some(payload_of(&reply)))
                        .map_err(Failure::Store),
                    Err(e) => Err(e),
                }
            }
            Kind::Interaction => {
                match slack_payloads::parse_interaction_payload(body).map_err(unreadable) {
                    Ok(interaction) => slack_inbound::interaction(state, interaction)
                        .await
                        .map(|reply| reply.as_ref().map(payload_of))
                        .map_err(Failure::Store),
                    Err(e) => Err(e),
                }
            }
        };
        let envelope_id = self.id.as_str();
        match reply {
            Ok(payload) => {
                if payload.is_some() && !self.accepts_payload {
                    tracing::debug!(
                        envelope_id,
                        "Socket Mode: Slack takes no reply to this envelope; reply dropped"
                    );
                }
                let payload = payload.filter(|_| self.accepts_payload);
                Some(ack_frame(self.id.clone(), payload))
            }
            Err(Failure::Unreadable(reason)) => {
                tracing::warn!(kind = ?self.kind, envelope_id, reason, "Socket Mode: an envelope Baton cannot read; acknowledged, nothing done");
                Some(ack_frame(self.id.clone(), None))
            }
            Err(Failure::Store(e)) => {
                tracing::warn!(kind = ?self.kind, envelope_id, error = %e, "Socket Mode: not acknowledged, nothing saved; Slack will send it again");
                None
            }
        }
    }
}

/// An acknowledgement: `{"envelope_id"}`, with the reply (the body an HTTP
/// answer would carry) as `payload`.
#[derive(Serialize)]
struct Ack {
    envelope_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<Value>,
}

/// A reply as an acknowledgement's `payload`: the body HTTP would carry.
fn payload_of(reply: &EphemeralReply) -> Value {
    serde_json::to_value(reply).unwrap_or_default()
}

fn ack_frame(envelope_id: String, payload: Option<Value>) -> String {
    serde_json::to_string(&Ack {
        envelope_id,
        payload,
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages shaped as slack-morphism's Socket Mode models serialise them
    /// (its `models::socket_mode`, which 2.31 does not export) are read as
    /// Slack meant them; payloads are slack-morphism's public types.
    #[test]
    fn slack_socket_mode_messages_are_read() {
        let hello = r#"{"type":"hello","connection_info":{"app_id":"A1"},"num_connections":2,"debug_info":{"host":"applink-1"}}"#;
        assert!(matches!(
            Incoming::read(hello),
            Incoming::Hello { num_connections: 2 }
        ));
        let disconnect = r#"{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink-1"}}"#;
        assert!(matches!(
            Incoming::read(disconnect),
            Incoming::Disconnect { reason } if reason == "refresh_requested"
        ));
        let event: SlackPushEvent = serde_json::from_slice(include_bytes!(
            "../../tests/fixtures/slack/bolt-python/events/app_mention.event_callback.json"
        ))
        .unwrap();
        let events_api = serde_json::json!({"type": "events_api", "envelope_id": "env-1",
            "accepts_response_payload": false, "retry_attempt": 1, "retry_reason": "timeout",
            "payload": event});
        let Incoming::Envelope(envelope) = Incoming::read(&events_api.to_string()) else {
            panic!("not an envelope")
        };
        assert_eq!(envelope.id, "env-1");
        assert!(matches!(envelope.kind, Kind::Event));
        assert_eq!(envelope.retry, Some(("1".into(), "timeout".into())));
        // Its payload reads as the HTTP body would.
        assert!(matches!(
            slack_payloads::parse_event(envelope.payload.get().as_bytes()).unwrap(),
            slack_payloads::EventEnvelope::Callback { event_id, .. } if event_id == "Ev111"
        ));
    }

    #[test]
    fn unknown_or_broken_messages_are_acknowledged_when_they_can_be() {
        let Incoming::Unknown { ack, .. } =
            Incoming::read(r#"{"type":"something_new","envelope_id":"e9","payload":{}}"#)
        else {
            panic!("read as known")
        };
        assert_eq!(ack.as_deref(), Some(r#"{"envelope_id":"e9"}"#));
        let Incoming::Unknown { ack, .. } = Incoming::read("not json") else {
            panic!("read as known")
        };
        assert_eq!(ack, None);
        let Incoming::Unknown { ack, .. } =
            Incoming::read(r#"{"type":"events_api","envelope_id":"e8"}"#)
        else {
            panic!("an envelope without a payload")
        };
        assert_eq!(ack.as_deref(), Some(r#"{"envelope_id":"e8"}"#));
        let Incoming::Unknown { ack, .. } = Incoming::read(r#"{"envelope_id":"e7"}"#) else {
            panic!("read as known")
        };
        assert_eq!(ack.as_deref(), Some(r#"{"envelope_id":"e7"}"#));
    }

    #[test]
    fn an_acknowledgement_carries_the_reply() {
        let ack = ack_frame(
            "e1".into(),
            Some(serde_json::json!({"response_type": "ephemeral", "text": "Done."})),
        );
        let parsed: Value = serde_json::from_str(&ack).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"envelope_id": "e1", "payload": {"response_type": "ephemeral", "text": "Done."}})
        );
    }
}
