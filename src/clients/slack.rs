//! A thin Slack client over slack-morphism with a configurable base URL, or,
//! with no bot token, an offline sink that prints each message to stdout.
//!
//! It only sends; what a message means is decided in `handlers/`.

use std::sync::Arc;
use std::time::Duration;

use baton_state::StoredMessage;
use serde_json::{json, Value};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::clients::attempt::{Attempt, Effect};

/// The `metadata.event_type` of every message Baton posts.
pub const METADATA_EVENT_TYPE: &str = "baton_outbox";
/// The `metadata.event_payload` field holding the outbox item's reference.
pub const METADATA_ID_FIELD: &str = "outbox_id";
/// How far before the in-flight mark the history is read (clock skew).
const HISTORY_CLOCK_MARGIN_SECS: f64 = 120.0;
/// Pages of 200 messages read at most per lookup.
const HISTORY_MAX_PAGES: usize = 20;
/// Slack errors that mean the history cannot be read (not a passing failure).
const HISTORY_UNREADABLE: &[&str] = &[
    "missing_scope",
    "not_in_channel",
    "channel_not_found",
    "thread_not_found",
    "not_allowed_token_type",
    "access_denied",
    "no_permission",
];

/// Slack errors that mean `users.info` will not say (not a passing failure).
const PROFILE_UNREADABLE: &[&str] = &[
    "user_not_found",
    "user_not_visible",
    "missing_scope",
    "not_allowed_token_type",
    "account_inactive",
];

/// What `users.info` said of a person's time zone.
#[derive(Debug, PartialEq, Eq)]
pub enum ProfileLookup {
    /// Their profile's zone (`None`: it gives none).
    Read(Option<String>),
    /// Slack will not say (an unknown user, a missing scope): read as no
    /// zone, and say why in the log.
    Unreadable(String),
    /// A passing failure: ask again later.
    Later(String),
}

/// What became of a `chat.postMessage`.
#[derive(Debug)]
pub enum Posting {
    /// Slack answered within the timeout (or the post never left).
    Answered(Attempt),
    /// No answer within the timeout. The request still runs: Slack may
    /// commit the post late, and its answer is kept if it comes.
    Late(LateAnswer),
}

/// The answer to a post that was not answered in time, awaited in the
/// background for a while longer. Dropping it stops waiting (the
/// connection closes).
#[derive(Debug)]
pub struct LateAnswer {
    answer: tokio::sync::oneshot::Receiver<Attempt>,
    request: tokio::task::AbortHandle,
}

impl LateAnswer {
    /// The answer, once it has come; `None` while it has not (or if the
    /// wait ran out).
    pub fn answer(&mut self) -> Option<Attempt> {
        self.answer.try_recv().ok()
    }
}

impl Drop for LateAnswer {
    fn drop(&mut self) {
        self.request.abort();
    }
}

/// What a history lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// The post is there: record it, do not post again.
    Found(StoredMessage),
    /// Not there: post it.
    NotFound,
    /// The history cannot be read (scope, membership): post, and say so.
    Unreadable(String),
    /// The lookup failed for now: try again later.
    Failed(Attempt),
}

pub type Connector = SlackClientHyperConnector<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
>;

/// A slack-morphism client for the Web API at `api_url` (plain http allowed,
/// for local fakes).
pub fn client(api_url: &str) -> anyhow::Result<SlackClient<Connector>> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .build();
    let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_url);
    Ok(SlackClient::new(connector))
}

/// Where Slack messages go.
#[derive(Clone)]
pub enum SlackSink {
    Api {
        client: Arc<SlackClient<Connector>>,
        token: SlackApiToken,
        timeout: Duration,
        /// Woken when a post answers after its timeout.
        answered_late: Arc<tokio::sync::Notify>,
    },
    /// No bot token: print what would be posted.
    Offline {
        printed: Arc<std::sync::atomic::AtomicU64>,
    },
}

impl SlackSink {
    /// The client, token and timeout of a sink with a bot token; `None`
    /// offline.
    fn connection(&self) -> Option<(&SlackClient<Connector>, &SlackApiToken, Duration)> {
        match self {
            SlackSink::Api {
                client,
                token,
                timeout,
                ..
            } => Some((client, token, *timeout)),
            SlackSink::Offline { .. } => None,
        }
    }

    /// A client for `api_url` (plain http allowed, for local fakes).
    pub fn api(api_url: &str, token: &str, timeout: Duration) -> anyhow::Result<SlackSink> {
        Ok(SlackSink::Api {
            client: Arc::new(client(api_url)?),
            token: SlackApiToken::new(SlackApiTokenValue::new(token.to_string())),
            timeout,
            answered_late: Arc::default(),
        })
    }

    pub fn offline() -> SlackSink {
        SlackSink::Offline {
            printed: Arc::default(),
        }
    }

    /// Notified when a post answers after its timeout (see
    /// [`Posting::Late`]).
    pub fn answered_late(&self) -> Arc<tokio::sync::Notify> {
        match self {
            SlackSink::Api { answered_late, .. } => answered_late.clone(),
            SlackSink::Offline { .. } => Arc::default(),
        }
    }

    /// `chat.postMessage`, optionally in a thread. `outbox_ref` goes into the
    /// message's `metadata`, so the post can be found in the channel's
    /// history when Baton does not know whether it arrived. A post not
    /// answered within the timeout is still waited for, in the background,
    /// for `keep_waiting` more: its answer says where the post is without
    /// a look at the history.
    pub async fn post(
        &self,
        channel: &str,
        text: &str,
        blocks: Option<&Value>,
        thread_ts: Option<&str>,
        outbox_ref: Option<&str>,
        keep_waiting: Duration,
    ) -> Posting {
        match self {
            SlackSink::Offline { printed } => {
                let n = printed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let label = match thread_ts {
                    Some(ts) => format!("Slack chat.postMessage → {channel} (thread of {ts})"),
                    None => format!("Slack chat.postMessage → {channel}"),
                };
                print_offline(&label, text, blocks);
                Posting::Answered(Attempt::Sent {
                    posted: Some(StoredMessage {
                        channel: channel.to_string(),
                        ts: format!("offline.{n:06}"),
                    }),
                })
            }
            SlackSink::Api {
                client,
                token,
                timeout,
                answered_late,
            } => {
                let mut request = json!({"channel": channel, "text": text});
                if let Some(blocks) = blocks {
                    request["blocks"] = blocks.clone();
                }
                if let Some(ts) = thread_ts {
                    request["thread_ts"] = json!(ts);
                }
                if let Some(outbox_ref) = outbox_ref {
                    request["metadata"] = json!({
                        "event_type": METADATA_EVENT_TYPE,
                        "event_payload": {METADATA_ID_FIELD: outbox_ref},
                    });
                }
                let request: SlackApiChatPostMessageRequest = match typed_request(request) {
                    Ok(r) => r,
                    Err(outcome) => return Posting::Answered(outcome),
                };
                // The request runs on its own task, so it outlives the
                // timeout: Slack may commit a post it answers late.
                let (client, token) = (client.clone(), token.clone());
                let (answer_tx, mut answer) = tokio::sync::oneshot::channel();
                let late = Arc::new(std::sync::atomic::AtomicBool::new(false));
                let (late_flag, answered_late) = (late.clone(), answered_late.clone());
                let deadline = *timeout + keep_waiting;
                let task = tokio::spawn(async move {
                    let session = client.open_session(&token);
                    let sent =
                        tokio::time::timeout(deadline, session.chat_post_message(&request)).await;
                    let outcome = sent_outcome(
                        sent.map(|r| r.map(|r| (r.channel.to_string(), r.ts.to_string()))),
                    );
                    if answer_tx.send(outcome).is_ok()
                        && late_flag.load(std::sync::atomic::Ordering::SeqCst)
                    {
                        answered_late.notify_one();
                    }
                });
                match tokio::time::timeout(*timeout, &mut answer).await {
                    Ok(Ok(outcome)) => Posting::Answered(outcome),
                    // The task ended without an answer: it panicked.
                    Ok(Err(_)) => Posting::Answered(Attempt::Retry {
                        reason: "the Slack call failed unexpectedly".into(),
                        after: None,
                        effect: Effect::PerhapsLater,
                    }),
                    Err(_) => {
                        late.store(true, std::sync::atomic::Ordering::SeqCst);
                        // An answer sent before the flag was seen is here.
                        if let Ok(outcome) = answer.try_recv() {
                            return Posting::Answered(outcome);
                        }
                        Posting::Late(LateAnswer {
                            answer,
                            request: task.abort_handle(),
                        })
                    }
                }
            }
        }
    }

    /// `chat.update` of the message `ts` in `channel`.
    pub async fn update(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: Option<&Value>,
    ) -> Attempt {
        match self {
            SlackSink::Offline { .. } => {
                print_offline(
                    &format!("Slack chat.update → {channel} (message {ts})"),
                    text,
                    blocks,
                );
                Attempt::Sent {
                    posted: Some(StoredMessage {
                        channel: channel.to_string(),
                        ts: ts.to_string(),
                    }),
                }
            }
            SlackSink::Api {
                client,
                token,
                timeout,
                ..
            } => {
                let mut request = json!({"channel": channel, "ts": ts, "text": text});
                request["blocks"] = blocks.cloned().unwrap_or_else(|| json!([]));
                let request: SlackApiChatUpdateRequest = match typed_request(request) {
                    Ok(r) => r,
                    Err(outcome) => return outcome,
                };
                let session = client.open_session(token);
                let sent = tokio::time::timeout(*timeout, session.chat_update(&request)).await;
                sent_outcome(sent.map(|r| r.map(|r| (r.channel.to_string(), r.ts.to_string()))))
            }
        }
    }

    /// Look in `channel` (or in the thread `thread_ts`) for a message of
    /// Baton's posted since `since` (wall-clock Unix seconds) whose metadata
    /// carries `outbox_ref`: `conversations.history` / `conversations.replies`
    /// with `include_all_metadata`.
    pub async fn find_posted(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        since: f64,
        outbox_ref: &str,
    ) -> Lookup {
        let Some((client, token, timeout)) = self.connection() else {
            return Lookup::NotFound;
        };
        let session = client.open_session(token);
        // Clocks differ: look a little before the mark.
        let oldest = format!("{:.6}", (since - HISTORY_CLOCK_MARGIN_SECS).max(0.0));
        let mut cursor: Option<String> = None;
        for _ in 0..HISTORY_MAX_PAGES {
            let mut params: Vec<(&str, Option<String>)> = vec![
                ("channel", Some(channel.to_string())),
                ("oldest", Some(oldest.clone())),
                ("include_all_metadata", Some("true".into())),
                ("limit", Some("200".into())),
                ("cursor", cursor.clone()),
            ];
            let method = match thread_ts {
                Some(ts) => {
                    params.push(("ts", Some(ts.to_string())));
                    "conversations.replies"
                }
                None => "conversations.history",
            };
            let call = session
                .http_session_api
                .http_get::<SlackApiConversationsHistoryResponse, _, _>(method, &params, None);
            let page = match tokio::time::timeout(timeout, call).await {
                Err(_) => {
                    return Lookup::Failed(Attempt::Retry {
                        reason: format!("Slack did not answer {method} in time"),
                        after: None,
                        effect: Effect::Perhaps,
                    })
                }
                Ok(Err(SlackClientError::ApiError(e)))
                    if HISTORY_UNREADABLE.contains(&e.code.as_str()) =>
                {
                    return Lookup::Unreadable(format!("{method}: {}", e.code));
                }
                Ok(Err(e)) => {
                    return Lookup::Failed(match classify(e) {
                        // Whatever the lookup's failure, the post may still be
                        // there (its own grace has passed: no later still).
                        Attempt::Retry { reason, after, .. } => Attempt::Retry {
                            reason: format!("{method}: {reason}"),
                            after,
                            effect: Effect::Perhaps,
                        },
                        Attempt::Fail { reason } => Attempt::Retry {
                            reason: format!("{method}: {reason}"),
                            after: None,
                            effect: Effect::Perhaps,
                        },
                        sent => sent,
                    });
                }
                Ok(Ok(page)) => page,
            };
            let found = page.messages.iter().find(|m| {
                m.sender.bot_id.is_some()
                    && m.content.metadata.as_ref().is_some_and(|meta| {
                        meta.event_type == METADATA_EVENT_TYPE
                            && meta
                                .event_payload
                                .as_ref()
                                .and_then(|p| p.get(METADATA_ID_FIELD))
                                .is_some_and(|id| id == outbox_ref)
                    })
            });
            if let Some(message) = found {
                return Lookup::Found(StoredMessage {
                    channel: channel.to_string(),
                    ts: message.origin.ts.to_string(),
                });
            }
            cursor = page
                .response_metadata
                .and_then(|m| m.next_cursor)
                .map(|c| c.to_string())
                .filter(|c| !c.is_empty());
            if cursor.is_none() {
                break;
            }
        }
        Lookup::NotFound
    }

    /// `conversations.open` with `users`: the id (`D…`) of the app's direct
    /// conversation with `user` (the same one every time, so calling it
    /// again is harmless). Offline, the user id itself.
    pub async fn open_direct(&self, user: &str) -> Result<String, Attempt> {
        let Some((client, token, timeout)) = self.connection() else {
            return Ok(user.to_string());
        };
        #[derive(serde::Deserialize)]
        struct Opened {
            channel: Channel,
        }
        #[derive(serde::Deserialize)]
        struct Channel {
            id: String,
        }
        let session = client.open_session(token);
        let request = json!({"users": user});
        let call =
            session
                .http_session_api
                .http_post::<_, Opened>("conversations.open", &request, None);
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(Attempt::Retry {
                reason: "Slack did not answer conversations.open in time".into(),
                after: None,
                effect: Effect::None,
            }),
            Ok(Ok(opened)) => Ok(opened.channel.id),
            Ok(Err(e)) => Err(match classify(e) {
                // Opening a conversation has no effect to repeat.
                Attempt::Retry { reason, after, .. } => Attempt::Retry {
                    reason: format!("conversations.open: {reason}"),
                    after,
                    effect: Effect::None,
                },
                Attempt::Fail { reason } => Attempt::Fail {
                    reason: format!("conversations.open: {reason}"),
                },
                sent => sent,
            }),
        }
    }

    /// `views.publish` of a `home` view with `blocks` for `user` (the same
    /// view again changes nothing).
    pub async fn publish_home(&self, user: &str, blocks: &Value) -> Attempt {
        match self {
            SlackSink::Offline { .. } => {
                print_offline(
                    &format!("Slack views.publish → App Home of {user}"),
                    "",
                    Some(blocks),
                );
                Attempt::Sent { posted: None }
            }
            SlackSink::Api {
                client,
                token,
                timeout,
                ..
            } => {
                let session = client.open_session(token);
                let request = json!({"user_id": user, "view": {"type": "home", "blocks": blocks}});
                let call =
                    session
                        .http_session_api
                        .http_post::<_, Value>("views.publish", &request, None);
                match tokio::time::timeout(*timeout, call).await {
                    Err(_) => Attempt::Retry {
                        reason: "Slack did not answer views.publish in time".into(),
                        after: None,
                        effect: Effect::None,
                    },
                    Ok(Ok(_)) => Attempt::Sent { posted: None },
                    Ok(Err(e)) => match classify(e) {
                        Attempt::Retry { reason, after, .. } => Attempt::Retry {
                            reason,
                            after,
                            effect: Effect::None,
                        },
                        other => other,
                    },
                }
            }
        }
    }

    /// `users.info`: the IANA time zone of `user`'s Slack profile.
    pub async fn user_zone(&self, user: &str) -> ProfileLookup {
        let Some((client, token, timeout)) = self.connection() else {
            return ProfileLookup::Read(None);
        };
        #[derive(serde::Deserialize)]
        struct Info {
            user: Person,
        }
        #[derive(serde::Deserialize)]
        struct Person {
            #[serde(default)]
            tz: Option<String>,
        }
        let session = client.open_session(token);
        let params = [("user", Some(user.to_string()))];
        let call = session
            .http_session_api
            .http_get::<Info, _, _>("users.info", &params, None);
        match tokio::time::timeout(timeout, call).await {
            Err(_) => ProfileLookup::Later("Slack did not answer users.info in time".into()),
            Ok(Ok(info)) => ProfileLookup::Read(info.user.tz.filter(|tz| !tz.is_empty())),
            Ok(Err(SlackClientError::ApiError(e)))
                if PROFILE_UNREADABLE.contains(&e.code.as_str()) =>
            {
                ProfileLookup::Unreadable(format!("users.info: {}", e.code))
            }
            Ok(Err(e)) => ProfileLookup::Later(format!("users.info: {}", describe(&e))),
        }
    }

    /// `auth.test`: the bot's user id and team, or why it failed.
    pub async fn auth_test(&self) -> Result<(String, String), String> {
        match self {
            SlackSink::Offline { .. } => Err("SLACK_BOT_TOKEN is not set (offline mode)".into()),
            SlackSink::Api {
                client,
                token,
                timeout,
                ..
            } => {
                let session = client.open_session(token);
                match tokio::time::timeout(*timeout, session.auth_test()).await {
                    Err(_) => Err("Slack did not answer in time".into()),
                    Ok(Ok(r)) => Ok((r.user_id.to_string(), r.team.clone())),
                    Ok(Err(e)) => Err(describe(&e)),
                }
            }
        }
    }
}

/// Our JSON request as slack-morphism's typed request; a message that does
/// not fit Block Kit fails for good.
fn typed_request<R: serde::de::DeserializeOwned>(request: Value) -> Result<R, Attempt> {
    serde_json::from_value(request).map_err(|e| Attempt::Fail {
        reason: format!("message does not fit Slack's Block Kit: {e}"),
    })
}

/// The outcome of a `chat.postMessage` or `chat.update` call (with its
/// timeout): where the message now is, or why it failed.
fn sent_outcome(
    result: Result<Result<(String, String), SlackClientError>, tokio::time::error::Elapsed>,
) -> Attempt {
    match result {
        // The request left: Slack may have acted on it, or may still.
        Err(_) => Attempt::Retry {
            reason: "Slack did not answer in time".into(),
            after: None,
            effect: Effect::PerhapsLater,
        },
        Ok(Ok((channel, ts))) => Attempt::Sent {
            posted: Some(StoredMessage { channel, ts }),
        },
        Ok(Err(e)) => classify(e),
    }
}

/// Sort a Slack failure into retry-later or give-up.
fn classify(error: SlackClientError) -> Attempt {
    match &error {
        SlackClientError::RateLimitError(e) => Attempt::Retry {
            reason: "Slack rate limit (429)".into(),
            after: e.retry_after,
            effect: Effect::None,
        },
        SlackClientError::HttpError(e)
            if e.status_code.is_server_error() || e.status_code.as_u16() == 429 =>
        {
            Attempt::Retry {
                reason: format!("Slack answered HTTP {}", e.status_code.as_u16()),
                after: None,
                effect: match e.status_code.as_u16() {
                    // A gateway gave up waiting: Slack may commit later.
                    502 | 504 => Effect::PerhapsLater,
                    // Slack failed after it may have acted.
                    500..=599 => Effect::Perhaps,
                    _ => Effect::None,
                },
            }
        }
        SlackClientError::ApiError(e)
            if matches!(
                e.code.as_str(),
                "ratelimited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
            ) =>
        {
            Attempt::Retry {
                reason: format!("Slack error {}", e.code),
                after: None,
                effect: match e.code.as_str() {
                    "ratelimited" => Effect::None,
                    _ => Effect::Perhaps,
                },
            }
        }
        SlackClientError::HttpError(_) | SlackClientError::ApiError(_) => Attempt::Fail {
            reason: describe(&error),
        },
        // Connection refused, reset, TLS, timeouts: transient. Only a
        // failure to connect proves the request never left; a connection
        // dropped mid-request leaves Slack free to commit it later.
        _ => Attempt::Retry {
            reason: describe(&error),
            after: None,
            effect: match is_connect_error(&error) {
                true => Effect::None,
                false => Effect::PerhapsLater,
            },
        },
    }
}

/// Whether the call failed before a connection was made.
fn is_connect_error(error: &SlackClientError) -> bool {
    match error {
        SlackClientError::HttpProtocolError(e) => e
            .cause
            .as_ref()
            .and_then(|c| c.downcast_ref::<hyper_util::client::legacy::Error>())
            .is_some_and(|e| e.is_connect()),
        _ => false,
    }
}

/// A one-line description of a Slack failure, without tokens or bodies.
fn describe(error: &SlackClientError) -> String {
    match error {
        SlackClientError::ApiError(e) => format!("Slack error {}", e.code),
        SlackClientError::HttpError(e) => format!("Slack answered HTTP {}", e.status_code.as_u16()),
        SlackClientError::RateLimitError(_) => "Slack rate limit (429)".into(),
        other => {
            let text = other.to_string();
            format!(
                "Slack unreachable: {}",
                text.lines().next().unwrap_or("connection failed")
            )
        }
    }
}

/// Print an offline message: a label line, the text, then each block's text.
/// Print a message as Slack would show it (entities decoded, links and
/// mentions as text), so `==>` in a log tail reads `==>`.
fn print_offline(label: &str, text: &str, blocks: Option<&Value>) {
    use std::io::Write;
    let mut out = format!("┌─ {label}\n");
    let mut lines: Vec<String> = Vec::new();
    match blocks.and_then(Value::as_array) {
        Some(blocks) if !blocks.is_empty() => {
            for block in blocks {
                if let Some(t) = block["text"]["text"].as_str() {
                    lines.extend(t.lines().map(str::to_string));
                }
                for element in block["elements"].as_array().into_iter().flatten() {
                    if let Some(t) = element["text"].as_str() {
                        lines.extend(t.lines().map(str::to_string));
                    } else if let Some(label) = element["text"]["text"].as_str() {
                        lines.push(format!("[ {label} ]"));
                    }
                }
            }
        }
        _ => lines.extend(text.lines().map(str::to_string)),
    }
    for line in lines {
        let shown = baton_handlers::mrkdwn::plain_view(&line);
        out.push_str(&format!("│ {shown}\n"));
    }
    out.push_str("└─\n");
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(out.as_bytes());
    let _ = lock.flush();
}
