//! Typed Slack payloads: Events API envelopes, slash commands and
//! `block_actions` (button presses), holding only what Baton reads; and
//! the [`EphemeralReply`] Baton answers a command or a press with.

use serde::{Deserialize, Serialize};

use crate::blocks::MESSAGE_TEXT_LIMIT;
use crate::caller::Caller;
use crate::mrkdwn::{decode_entities, Mrkdwn};

/// The answer to a `/baton` command or a button press, shown only to the
/// person who acted (the HTTP response's body, or a Socket Mode
/// acknowledgement's `payload`). Members in name order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EphemeralReply {
    /// For a press: keep the message the button is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    replace_original: Option<bool>,
    response_type: &'static str,
    text: Mrkdwn,
}

impl EphemeralReply {
    /// The answer to a command, cut to Slack's limit of a message's text.
    pub fn to_command(text: Mrkdwn) -> EphemeralReply {
        EphemeralReply {
            replace_original: None,
            response_type: "ephemeral",
            text: text.fit(MESSAGE_TEXT_LIMIT),
        }
    }

    /// The answer to the presses of one interaction, one line each; `None`
    /// when no press has anything to say.
    pub fn to_presses(replies: Vec<Mrkdwn>) -> Option<EphemeralReply> {
        if replies.is_empty() {
            return None;
        }
        Some(EphemeralReply {
            replace_original: Some(false),
            response_type: "ephemeral",
            text: Mrkdwn::join(replies, "\n"),
        })
    }

    /// Its text.
    pub fn text(&self) -> &Mrkdwn {
        &self.text
    }
}

/// Why a Slack payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A body posted to the Events API request URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventEnvelope {
    /// Slack checking the request URL: echo the challenge.
    UrlVerification { challenge: String },
    /// A subscribed event.
    Callback {
        event_id: String,
        bot_user_id: Option<String>,
        event: SlackEvent,
    },
    /// Another envelope type (for example `app_rate_limited`).
    Other { kind: String },
}

/// The Events API event types Baton acts on (the manifest subscribes to
/// exactly these; a test checks it).
pub const HANDLED_EVENTS: &[&str] = &["app_home_opened", "app_mention", "member_joined_channel"];

/// The inner event of an `event_callback`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlackEvent {
    /// Someone (possibly the bot itself) joined a channel.
    MemberJoinedChannel { user: String, channel: String },
    /// Someone wrote `@baton …`.
    AppMention {
        user: String,
        channel: String,
        text: String,
    },
    /// Someone opened Baton's App Home, on its `home` or `messages` tab.
    AppHomeOpened { user: String, tab: String },
}

impl SlackEvent {
    pub fn kind(&self) -> &str {
        match self {
            SlackEvent::MemberJoinedChannel { .. } => "member_joined_channel",
            SlackEvent::AppMention { .. } => "app_mention",
            SlackEvent::AppHomeOpened { .. } => "app_home_opened",
        }
    }
}

/// Parse an Events API body.
pub fn parse_event(body: &[u8]) -> Result<EventEnvelope, ParseError> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
        challenge: Option<String>,
        event_id: Option<String>,
        event: Option<serde_json::Value>,
        #[serde(default)]
        authorizations: Vec<Authorization>,
    }
    #[derive(Deserialize)]
    struct Authorization {
        user_id: Option<String>,
    }
    #[derive(Deserialize)]
    struct Inner {
        #[serde(rename = "type")]
        kind: String,
        user: Option<String>,
        channel: Option<String>,
        text: Option<String>,
        tab: Option<String>,
    }
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|e| ParseError(format!("event body is not valid JSON: {e}")))?;
    match envelope.kind.as_str() {
        "url_verification" => {
            let challenge = envelope
                .challenge
                .ok_or_else(|| ParseError("url_verification lacks field `challenge`".into()))?;
            Ok(EventEnvelope::UrlVerification { challenge })
        }
        "event_callback" => {
            let raw = envelope
                .event
                .ok_or_else(|| ParseError("event_callback lacks field `event`".into()))?;
            let inner: Inner = serde_json::from_value(raw)
                .map_err(|e| ParseError(format!("field `event`: {e}")))?;
            let need = |value: Option<String>, field: &str| {
                value.ok_or_else(|| {
                    ParseError(format!("{} event lacks field `event.{field}`", inner.kind))
                })
            };
            let event = match inner.kind.as_str() {
                "member_joined_channel" => SlackEvent::MemberJoinedChannel {
                    user: need(inner.user.clone(), "user")?,
                    channel: need(inner.channel.clone(), "channel")?,
                },
                "app_mention" => SlackEvent::AppMention {
                    user: need(inner.user.clone(), "user")?,
                    channel: need(inner.channel.clone(), "channel")?,
                    text: decode_entities(inner.text.as_deref().unwrap_or_default()),
                },
                "app_home_opened" => SlackEvent::AppHomeOpened {
                    user: need(inner.user.clone(), "user")?,
                    tab: inner.tab.clone().unwrap_or_else(|| "home".into()),
                },
                // An event Baton does not act on needs no id to be ignored.
                other => {
                    return Ok(EventEnvelope::Other {
                        kind: format!("event_callback:{other}"),
                    })
                }
            };
            let event_id = envelope
                .event_id
                .ok_or_else(|| ParseError("event_callback lacks field `event_id`".into()))?;
            let bot_user_id = envelope.authorizations.into_iter().find_map(|a| a.user_id);
            Ok(EventEnvelope::Callback {
                event_id,
                bot_user_id,
                event,
            })
        }
        other => Ok(EventEnvelope::Other {
            kind: other.to_string(),
        }),
    }
}

/// A slash command, as Slack posts it (form-encoded).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SlashCommand {
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    #[serde(default)]
    pub user_name: String,
    pub channel_id: String,
    #[serde(default)]
    pub channel_name: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub response_url: String,
    #[serde(default)]
    pub trigger_id: String,
}

/// Parse a slash command's form body.
///
/// Slack sends the typed text with `&`, `<` and `>` as entities; they are
/// decoded here, once, so Baton works on what the person typed (and escapes
/// once on the way out).
pub fn parse_slash_command(body: &[u8]) -> Result<SlashCommand, ParseError> {
    let command: SlashCommand =
        serde_urlencoded_lite(body).map_err(|e| ParseError(format!("slash command: {e}")))?;
    Ok(command.decoded())
}

/// Parse a slash command sent over a Socket Mode connection: the same
/// fields as the form body, as a JSON object (the envelope's `payload`).
pub fn parse_slash_command_json(payload: &[u8]) -> Result<SlashCommand, ParseError> {
    let command: SlashCommand =
        serde_json::from_slice(payload).map_err(|e| ParseError(format!("slash command: {e}")))?;
    Ok(command.decoded())
}

impl SlashCommand {
    /// With the typed text's entities decoded, once.
    fn decoded(mut self) -> SlashCommand {
        self.text = decode_entities(&self.text);
        self
    }
}

/// A button press (`block_actions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockAction {
    pub user: String,
    pub channel: Option<String>,
    pub message_ts: Option<String>,
    pub action_id: String,
    pub value: String,
    pub response_url: Option<String>,
    /// When Slack recorded the press; with the user, channel and message it
    /// identifies one press, so a replayed body acts once.
    pub action_ts: Option<String>,
}

impl BlockAction {
    /// Who pressed, and in which channel (empty when Slack did not say: a
    /// press on a message always does).
    pub fn caller(&self) -> Caller {
        Caller::new(&self.user, self.channel.as_deref().unwrap_or_default())
    }

    /// The key that identifies this press among replays of the same signed
    /// body, or `None` when Slack sent no `action_ts`.
    pub fn dedup_key(&self) -> Option<String> {
        let ts = self.action_ts.as_deref()?;
        Some(format!(
            "slack-action:{ts}:{}:{}:{}:{}",
            self.user,
            self.channel.as_deref().unwrap_or("-"),
            self.message_ts.as_deref().unwrap_or("-"),
            self.action_id
        ))
    }
}

/// An interaction payload (the `payload` field of the form body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    BlockActions(Vec<BlockAction>),
    Other { kind: String },
}

/// Parse the form body of an interaction: `payload=<url-encoded JSON>`.
pub fn parse_interaction(body: &[u8]) -> Result<Interaction, ParseError> {
    #[derive(Deserialize)]
    struct Form {
        payload: String,
    }
    let form: Form =
        serde_urlencoded_lite(body).map_err(|e| ParseError(format!("interaction form: {e}")))?;
    parse_interaction_payload(form.payload.as_bytes())
}

/// Parse an interaction's JSON payload: the `payload` field of the form body
/// Slack posts, or the `payload` of a Socket Mode `interactive` envelope.
pub fn parse_interaction_payload(payload: &[u8]) -> Result<Interaction, ParseError> {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(rename = "type")]
        kind: String,
        user: Option<Id>,
        channel: Option<Id>,
        container: Option<Container>,
        #[serde(default)]
        actions: Vec<Action>,
        response_url: Option<String>,
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    #[derive(Deserialize)]
    struct Container {
        message_ts: Option<String>,
        channel_id: Option<String>,
    }
    #[derive(Deserialize)]
    struct Action {
        action_id: String,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        action_ts: Option<String>,
    }
    let payload: Payload = serde_json::from_slice(payload).map_err(|e| {
        ParseError(format!(
            "interaction field `payload` is not valid JSON: {e}"
        ))
    })?;
    if payload.kind != "block_actions" {
        return Ok(Interaction::Other { kind: payload.kind });
    }
    let user = payload
        .user
        .ok_or_else(|| ParseError("block_actions lacks field `user.id`".into()))?
        .id;
    let channel = payload.channel.map(|c| c.id).or_else(|| {
        payload
            .container
            .as_ref()
            .and_then(|c| c.channel_id.clone())
    });
    let message_ts = payload.container.and_then(|c| c.message_ts);
    Ok(Interaction::BlockActions(
        payload
            .actions
            .into_iter()
            .map(|a| BlockAction {
                user: user.clone(),
                channel: channel.clone(),
                message_ts: message_ts.clone(),
                action_id: a.action_id,
                value: a.value.unwrap_or_default(),
                response_url: payload.response_url.clone(),
                action_ts: a.action_ts,
            })
            .collect(),
    ))
}

/// Decode `application/x-www-form-urlencoded` into a struct. A field given
/// twice is refused: Slack never repeats one, and taking either copy would
/// let a forger choose which one Baton reads.
fn serde_urlencoded_lite<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let pairs: Vec<(String, String)> = body
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut it = part.splitn(2, |b| *b == b'=');
            let key = percent_decode(it.next().unwrap_or_default())?;
            let value = percent_decode(it.next().unwrap_or_default())?;
            Ok((key, value))
        })
        .collect::<Result<_, String>>()?;
    let mut map = serde_json::Map::with_capacity(pairs.len());
    for (key, value) in pairs {
        if map.contains_key(&key) {
            return Err(format!("field `{}` is repeated", printable(&key)));
        }
        map.insert(key, serde_json::Value::String(value));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
}

/// A field name as it may be shown in an error: at most 40 characters,
/// control characters replaced.
fn printable(name: &str) -> String {
    name.chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Percent-decoding with `+` as space, as forms encode.
fn percent_decode(input: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = input.get(i + 1..i + 3).ok_or("truncated percent escape")?;
                let hex = std::str::from_utf8(hex).map_err(|_| "bad percent escape")?;
                out.push(
                    u8::from_str_radix(hex, 16)
                        .map_err(|_| format!("bad percent escape %{hex}"))?,
                );
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "form value is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_home_opened_event_names_the_person_and_the_tab() {
        let body = include_bytes!(
            "../../tests/fixtures/slack/bolt-python/events/app_home_opened.event_callback.json"
        );
        let EventEnvelope::Callback {
            event, event_id, ..
        } = parse_event(body).unwrap()
        else {
            panic!("not a callback")
        };
        assert_eq!(event_id, "Ev111");
        assert_eq!(
            event,
            SlackEvent::AppHomeOpened {
                user: "W111".into(),
                tab: "messages".into()
            }
        );
        let err = parse_event(
            br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened"}}"#,
        )
        .unwrap_err();
        assert!(err.0.contains("event.user"), "{err}");
    }

    #[test]
    fn slash_command_form_decodes() {
        let body =
            b"command=%2Fbaton&text=reviewers+add+octo+%3C%40U1%7Cana%3E&user_id=U9&channel_id=C1";
        let cmd = parse_slash_command(body).unwrap();
        assert_eq!(cmd.command, "/baton");
        assert_eq!(cmd.text, "reviewers add octo <@U1|ana>");
        // Typed `&`, `<`, `>` arrive as entities and are decoded once.
        let cmd = parse_slash_command(
            b"command=%2Fbaton&text=lock+qa+for+1h+release+freeze+%26amp%3B+%26lt%3Bb%26gt%3B&user_id=U9&channel_id=C1",
        )
        .unwrap();
        assert_eq!(cmd.text, "lock qa for 1h release freeze & <b>");
        assert!(parse_slash_command(b"text=x")
            .unwrap_err()
            .0
            .contains("missing field"));
        assert!(parse_slash_command(b"command=%ZZ").is_err());
    }

    #[test]
    fn socket_mode_payloads_read_as_the_form_bodies_do() {
        let form = parse_slash_command(
            b"command=%2Fbaton&text=lock+qa+%26amp%3B+%26lt%3Bb%26gt%3B&user_id=U9&channel_id=C1",
        )
        .unwrap();
        let json = parse_slash_command_json(
            br#"{"command":"/baton","text":"lock qa &amp; &lt;b&gt;","user_id":"U9","channel_id":"C1","is_enterprise_install":"false"}"#,
        )
        .unwrap();
        assert_eq!(json, form);
        assert!(parse_slash_command_json(br#"{"command":"/baton"}"#)
            .unwrap_err()
            .0
            .contains("missing field"));

        let body = include_str!(
            "../../tests/fixtures/slack/bolt-python/interactivity/block_actions.form-body.txt"
        );
        let payload = include_bytes!(
            "../../tests/fixtures/slack/bolt-python/interactivity/block_actions.payload.json"
        );
        assert_eq!(
            parse_interaction_payload(payload).unwrap(),
            parse_interaction(body.trim().as_bytes()).unwrap()
        );
    }

    #[test]
    fn repeated_form_fields_are_refused() {
        let err = parse_slash_command(b"command=%2Fbaton&user_id=U1&user_id=U2&channel_id=C1")
            .unwrap_err();
        assert!(err.0.contains("field `user_id` is repeated"), "{err}");
        let err = parse_interaction(b"payload=%7B%7D&payload=%7B%7D").unwrap_err();
        assert!(err.0.contains("field `payload` is repeated"), "{err}");
    }

    #[test]
    fn a_press_is_keyed_on_what_slack_sends() {
        let body = include_str!(
            "../../tests/fixtures/slack/bolt-python/interactivity/block_actions.form-body.txt"
        );
        let Interaction::BlockActions(actions) = parse_interaction(body.trim().as_bytes()).unwrap()
        else {
            panic!("not block_actions")
        };
        assert_eq!(
            actions[0].dedup_key().as_deref(),
            Some("slack-action:1596530385.194939:W111:C111:111.222:a")
        );
    }

    #[test]
    fn envelopes_are_read_as_challenge_callback_or_other() {
        let v = parse_event(br#"{"type":"url_verification","challenge":"abc"}"#).unwrap();
        assert_eq!(
            v,
            EventEnvelope::UrlVerification {
                challenge: "abc".into()
            }
        );
        // An event Baton does not act on is ignored, id or not.
        assert_eq!(
            parse_event(br#"{"type":"event_callback","event":{"type":"x"}}"#).unwrap(),
            EventEnvelope::Other {
                kind: "event_callback:x".into()
            }
        );
        let err = parse_event(
            br#"{"type":"event_callback","event":{"type":"app_mention","user":"U","channel":"C"}}"#,
        )
        .unwrap_err();
        assert!(err.0.contains("event_id"), "{err}");
        let err = parse_event(
            br#"{"type":"event_callback","event_id":"E","event":{"type":"app_mention"}}"#,
        )
        .unwrap_err();
        assert!(err.0.contains("event.user"), "{err}");
    }
}
