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

use crate::outbox::Outcome;

type Connector = SlackClientHyperConnector<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
>;

/// Where Slack messages go.
#[derive(Clone)]
pub enum SlackSink {
    Api {
        client: Arc<SlackClient<Connector>>,
        token: SlackApiToken,
        timeout: Duration,
    },
    /// No bot token: print what would be posted.
    Offline {
        printed: Arc<std::sync::atomic::AtomicU64>,
    },
}

impl SlackSink {
    /// A client for `api_url` (plain http allowed, for local fakes).
    pub fn api(api_url: &str, token: &str, timeout: Duration) -> anyhow::Result<SlackSink> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .build();
        let connector =
            SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_url);
        Ok(SlackSink::Api {
            client: Arc::new(SlackClient::new(connector)),
            token: SlackApiToken::new(SlackApiTokenValue::new(token.to_string())),
            timeout,
        })
    }

    pub fn offline() -> SlackSink {
        SlackSink::Offline {
            printed: Arc::default(),
        }
    }

    /// `chat.postMessage`, optionally in a thread.
    pub async fn post(
        &self,
        channel: &str,
        text: &str,
        blocks: Option<&Value>,
        thread_ts: Option<&str>,
    ) -> Outcome {
        match self {
            SlackSink::Offline { printed } => {
                let n = printed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let label = match thread_ts {
                    Some(ts) => format!("Slack chat.postMessage → {channel} (thread of {ts})"),
                    None => format!("Slack chat.postMessage → {channel}"),
                };
                print_offline(&label, text, blocks);
                Outcome::Sent {
                    posted: Some(StoredMessage {
                        channel: channel.to_string(),
                        ts: format!("offline.{n:06}"),
                    }),
                }
            }
            SlackSink::Api {
                client,
                token,
                timeout,
            } => {
                let mut request = json!({"channel": channel, "text": text});
                if let Some(blocks) = blocks {
                    request["blocks"] = blocks.clone();
                }
                if let Some(ts) = thread_ts {
                    request["thread_ts"] = json!(ts);
                }
                let request: SlackApiChatPostMessageRequest = match typed_request(request) {
                    Ok(r) => r,
                    Err(outcome) => return outcome,
                };
                let session = client.open_session(token);
                let sent =
                    tokio::time::timeout(*timeout, session.chat_post_message(&request)).await;
                sent_outcome(sent.map(|r| r.map(|r| (r.channel.to_string(), r.ts.to_string()))))
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
    ) -> Outcome {
        match self {
            SlackSink::Offline { .. } => {
                print_offline(
                    &format!("Slack chat.update → {channel} (message {ts})"),
                    text,
                    blocks,
                );
                Outcome::Sent {
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

    /// `auth.test`: the bot's user id and team, or why it failed.
    pub async fn auth_test(&self) -> Result<(String, String), String> {
        match self {
            SlackSink::Offline { .. } => Err("SLACK_BOT_TOKEN is not set (offline mode)".into()),
            SlackSink::Api {
                client,
                token,
                timeout,
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
fn typed_request<R: serde::de::DeserializeOwned>(request: Value) -> Result<R, Outcome> {
    serde_json::from_value(request).map_err(|e| Outcome::Fail {
        reason: format!("message does not fit Slack's Block Kit: {e}"),
    })
}

/// The outcome of a `chat.postMessage` or `chat.update` call (with its
/// timeout): where the message now is, or why it failed.
fn sent_outcome(
    result: Result<Result<(String, String), SlackClientError>, tokio::time::error::Elapsed>,
) -> Outcome {
    match result {
        Err(_) => Outcome::Retry {
            reason: "Slack did not answer in time".into(),
            after: None,
        },
        Ok(Ok((channel, ts))) => Outcome::Sent {
            posted: Some(StoredMessage { channel, ts }),
        },
        Ok(Err(e)) => classify(e),
    }
}

/// Sort a Slack failure into retry-later or give-up.
fn classify(error: SlackClientError) -> Outcome {
    match &error {
        SlackClientError::RateLimitError(e) => Outcome::Retry {
            reason: "Slack rate limit (429)".into(),
            after: e.retry_after,
        },
        SlackClientError::HttpError(e)
            if e.status_code.is_server_error() || e.status_code.as_u16() == 429 =>
        {
            Outcome::Retry {
                reason: format!("Slack answered HTTP {}", e.status_code.as_u16()),
                after: None,
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
            Outcome::Retry {
                reason: format!("Slack error {}", e.code),
                after: None,
            }
        }
        SlackClientError::HttpError(_) | SlackClientError::ApiError(_) => Outcome::Fail {
            reason: describe(&error),
        },
        // Connection refused, reset, TLS, timeouts: transient.
        _ => Outcome::Retry {
            reason: describe(&error),
            after: None,
        },
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
