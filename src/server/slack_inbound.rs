//! What Slack sends Baton — Events API callbacks, `/baton` commands and button
//! presses — whichever way it arrives: a request to one of the HTTP request
//! URLs (`src/server/http/slack.rs`) or an envelope on a Socket Mode connection
//! (`src/server/socket_mode.rs`). One function per kind, so both ways dedup, commit
//! and answer alike: each returns only after the commit, with the reply that
//! goes back to Slack (the HTTP response body, or the acknowledgement's
//! `payload`).

use baton_handlers::command::{self, Dispatch};
use baton_handlers::slack::{EphemeralReply, EventEnvelope, Interaction, SlashCommand};

use crate::apply::{self, Caller};
use crate::server::app_state::AppState;
use crate::server::writer::WriteError;

/// Slack's note that it delivers an event again (it had no answer in 3 s).
pub struct Retry<'a> {
    pub attempt: &'a str,
    pub reason: &'a str,
}

/// What became of an Events API envelope.
#[derive(Debug, PartialEq, Eq)]
pub enum EventReceipt {
    /// `url_verification`: echo this challenge.
    Challenge(String),
    /// An envelope or event kind Baton does not act on.
    Ignored(String),
    /// Acted on and committed.
    Accepted,
    /// Its `event_id` was committed before: nothing done.
    Duplicate,
}

/// An Events API envelope: dedup by `event_id`, then act, in one transaction.
pub async fn event(
    state: &AppState,
    envelope: EventEnvelope,
    retry: Option<Retry<'_>>,
) -> Result<EventReceipt, WriteError> {
    let (event_id, bot_user_id, event) = match envelope {
        EventEnvelope::UrlVerification { challenge } => {
            return Ok(EventReceipt::Challenge(challenge))
        }
        EventEnvelope::Other { kind } => {
            tracing::debug!(kind, "Slack envelope type not handled; ignored");
            return Ok(EventReceipt::Ignored(kind));
        }
        EventEnvelope::Callback {
            event_id,
            bot_user_id,
            event,
        } => (event_id, bot_user_id, event),
    };
    if let Some(retry) = retry {
        tracing::info!(
            event_id,
            retry = retry.attempt,
            reason = retry.reason,
            "Slack retried an event"
        );
    }
    if let Some(learned) = bot_user_id.filter(|_| state.config.slack_bot_user_id.is_none()) {
        *state.bot_user_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(learned);
    }
    state.metrics.event("slack", event.kind());
    let context = state.apply_context();
    let now = crate::clock::now();
    let dedup_key = format!("slack:{event_id}");
    let first = state
        .writer
        .run(move |tx| {
            if !tx.first_delivery(&dedup_key, now)? {
                return Ok(false);
            }
            apply::slack_event(tx, &event, &context, now)?;
            Ok(true)
        })
        .await?;
    if !first {
        state.metrics.duplicate("slack");
        return Ok(EventReceipt::Duplicate);
    }
    Ok(EventReceipt::Accepted)
}

/// A `/baton` command; returns the ephemeral answer.
pub async fn command(state: &AppState, slash: SlashCommand) -> Result<EphemeralReply, WriteError> {
    state.metrics.event("slack", "slash_command");
    let caller = Caller::new(slash.user_id, slash.channel_id);
    let context = state.apply_context();
    let now = crate::clock::now();
    let reply = match command::dispatch(&slash.text, &caller, &context.admins) {
        Dispatch::Answer(text) => text,
        Dispatch::Query(command) => {
            // A query changes nothing: it reads one snapshot on a blocking
            // thread, beside the writer rather than queued behind it.
            let store = state.store.clone();
            tokio::task::spawn_blocking(move || {
                store.read(|tx| apply::query(tx, command, &caller, &context, now))
            })
            .await
            .map_err(|_| WriteError::Store("the query was abandoned (see the log)".into()))?
            .map_err(WriteError::from)?
        }
        Dispatch::Write(command) => {
            // What GitHub knows of a `deploys gate`'s repository and
            // environment, asked before the writer (the decision does no I/O).
            let command = crate::server::lookups::complete(&state.github, command).await;
            state
                .writer
                .run(move |tx| apply::command(tx, command.clone(), &caller, &context, now))
                .await?
        }
    };
    Ok(EphemeralReply::to_command(reply))
}

/// Button presses; returns the ephemeral note for the caller, if any.
pub async fn interaction(
    state: &AppState,
    interaction: Interaction,
) -> Result<Option<EphemeralReply>, WriteError> {
    let actions = match interaction {
        Interaction::BlockActions(actions) => actions,
        Interaction::Other { kind } => {
            tracing::debug!(kind, "Slack interaction type not handled; ignored");
            return Ok(None);
        }
    };
    state.metrics.event("slack", "block_actions");
    let context = state.apply_context();
    let now = crate::clock::now();
    let replies = state
        .writer
        .run(move |tx| {
            let mut replies = Vec::new();
            for action in &actions {
                // A replay of the same press (the same signed body inside
                // Slack's five-minute window, or an envelope Slack sends
                // again) acts once.
                if let Some(key) = action.dedup_key() {
                    if !tx.first_delivery(&key, now)? {
                        continue;
                    }
                }
                if let Some(reply) = apply::button(tx, action, &context, now)? {
                    replies.push(reply);
                }
            }
            Ok(replies)
        })
        .await?;
    Ok(EphemeralReply::to_presses(replies))
}
