//! The dispatcher: drains the outbox in order, sends each item through the
//! Slack or GitHub sink, retries transient failures with exponential backoff
//! and jitter, dead-letters permanent ones, and marks each item done in redb
//! right after it succeeds. It does not know what a message means.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use baton_handlers::Outbound;
use baton_state::{OutboxItem, Store, StoredMessage};
use rand::Rng;
use tokio::sync::watch;

use crate::github::GithubSink;
use crate::metrics::{label, Metrics};
use crate::slack::SlackSink;
use crate::writer::Writer;

/// The result of one delivery attempt.
#[derive(Debug)]
pub enum Outcome {
    /// Done; for a Slack message, where it now is.
    Sent { posted: Option<StoredMessage> },
    /// Failed for now: try again later (no sooner than `after`, if given).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Failed for good.
    Fail { reason: String },
}

/// Longest wait between two attempts.
const MAX_BACKOFF_SECS: f64 = 300.0;
/// Items read from the outbox per pass.
const PASS_SIZE: usize = 200;

/// Everything the dispatcher needs.
pub struct Dispatcher {
    pub store: Arc<Store>,
    pub writer: Writer,
    pub slack: SlackSink,
    pub github: GithubSink,
    pub metrics: Arc<Metrics>,
    pub max_attempts: u32,
    pub backoff_secs: f64,
    /// Set while the dispatcher loop runs (for `/readyz`).
    pub running: Arc<AtomicBool>,
}

impl Dispatcher {
    /// Run until `shutdown` turns true. Finishes the item in hand first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        self.running.store(true, Ordering::SeqCst);
        let committed = self.writer.committed();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let wait = match self.pass(&shutdown).await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!(error = %e, "outbox pass failed; retrying in 1s");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = committed.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
        self.running.store(false, Ordering::SeqCst);
        tracing::info!("outbox dispatcher stopped");
    }

    /// One pass over the pending items, oldest first. Returns how long to
    /// sleep before the next pass if nothing new is committed.
    async fn pass(&self, shutdown: &watch::Receiver<bool>) -> anyhow::Result<Duration> {
        let store = self.store.clone();
        let items = tokio::task::spawn_blocking(move || store.pending_outbox(PASS_SIZE)).await??;
        let now = unix_now_f64();
        let mut next_wake = Duration::from_secs(if items.len() == PASS_SIZE { 0 } else { 5 });
        // A message key whose earlier item is still waiting: later items
        // touching the same message wait too, so updates keep their order.
        let mut blocked_keys: HashSet<String> = HashSet::new();
        for item in items {
            if *shutdown.borrow() {
                break;
            }
            let keys = message_keys(&item.action);
            if keys.iter().any(|k| blocked_keys.contains(*k)) {
                continue;
            }
            let due_in = item.not_before as f64 - now;
            if due_in > 0.0 {
                next_wake = next_wake.min(Duration::from_secs_f64(due_in));
                blocked_keys.extend(keys.iter().map(|k| k.to_string()));
                continue;
            }
            let outcome = self.deliver(&item).await;
            if !matches!(outcome, Outcome::Sent { .. }) {
                blocked_keys.extend(keys.iter().map(|k| k.to_string()));
            }
            if let Some(wait) = self.record(&item, outcome).await? {
                next_wake = next_wake.min(wait);
            }
        }
        Ok(next_wake)
    }

    /// Send one item.
    async fn deliver(&self, item: &OutboxItem) -> Outcome {
        match &item.action {
            Outbound::SlackPost {
                channel,
                text,
                blocks,
                key,
                thread_of,
            } => {
                // Posted before (a retry after a crash, or a repeated key):
                // update that message instead of posting a second one.
                if let Some(key) = key {
                    if let Some(existing) = self.stored_message(key).await {
                        return self
                            .slack
                            .update(&existing.channel, &existing.ts, text, blocks.as_deref())
                            .await;
                    }
                }
                let thread_ts = match thread_of {
                    Some(parent) => self.stored_message(parent).await.map(|m| m.ts),
                    None => None,
                };
                self.slack
                    .post(channel, text, blocks.as_deref(), thread_ts.as_deref())
                    .await
            }
            Outbound::SlackUpdate {
                key,
                channel,
                text,
                blocks,
            } => match self.stored_message(key).await {
                Some(existing) => {
                    self.slack
                        .update(&existing.channel, &existing.ts, text, blocks.as_deref())
                        .await
                }
                // The original was never posted (dead-lettered): post it now.
                None => {
                    self.slack
                        .post(channel, text, blocks.as_deref(), None)
                        .await
                }
            },
            Outbound::GithubRequestReviewers {
                repo,
                number,
                reviewers,
            } => {
                self.github
                    .request_reviewers(repo, *number, reviewers)
                    .await
            }
            Outbound::GithubRemoveReviewers {
                repo,
                number,
                reviewers,
            } => self.github.remove_reviewers(repo, *number, reviewers).await,
        }
    }

    async fn stored_message(&self, key: &str) -> Option<StoredMessage> {
        let store = self.store.clone();
        let key = key.to_string();
        tokio::task::spawn_blocking(move || store.message(&key))
            .await
            .ok()?
            .ok()?
    }

    /// Store an attempt's outcome. Returns the retry delay, if any.
    async fn record(
        &self,
        item: &OutboxItem,
        outcome: Outcome,
    ) -> anyhow::Result<Option<Duration>> {
        let id = item.id;
        let service = item.action.service();
        let now = crate::unix_now();
        match outcome {
            Outcome::Sent { posted } => {
                let key = match &item.action {
                    Outbound::SlackPost { key, .. } => key.clone(),
                    Outbound::SlackUpdate { key, .. } => Some(key.clone()),
                    _ => None,
                };
                self.writer
                    .run(move |tx| {
                        let remembered = key.as_deref().zip(posted.clone());
                        tx.complete_delivery(id, remembered)
                    })
                    .await?;
                self.metrics
                    .inc("baton_deliveries_total", format!("service=\"{service}\""));
                Ok(None)
            }
            Outcome::Retry { reason, after } if item.attempts + 1 < self.max_attempts => {
                let backoff = backoff_secs(self.backoff_secs, item.attempts);
                let wait = after.map(|a| a.as_secs_f64()).unwrap_or(0.0).max(backoff);
                let not_before = now + wait.ceil() as i64;
                tracing::warn!(id, service, attempt = item.attempts + 1, retry_in_secs = wait.ceil(), %reason, "delivery failed; will retry");
                self.metrics.inc(
                    "baton_deliveries_retried_total",
                    format!("service=\"{service}\""),
                );
                let stored_reason = reason.clone();
                self.writer
                    .run(move |tx| tx.reschedule_delivery(id, not_before, &stored_reason))
                    .await?;
                Ok(Some(Duration::from_secs_f64(wait)))
            }
            Outcome::Retry { reason, .. } | Outcome::Fail { reason } => {
                tracing::error!(id, service, attempts = item.attempts + 1, %reason, "delivery failed for good; moved to dead letters");
                self.metrics.inc(
                    "baton_deliveries_dead_lettered_total",
                    format!(
                        "service=\"{service}\",reason=\"{}\"",
                        label(reason_label(&reason))
                    ),
                );
                self.writer
                    .run(move |tx| tx.dead_letter(id, &reason, now))
                    .await?;
                Ok(None)
            }
        }
    }
}

/// The message keys an action reads or writes, for ordering.
fn message_keys(action: &Outbound) -> Vec<&str> {
    match action {
        Outbound::SlackPost { key, thread_of, .. } => key
            .iter()
            .chain(thread_of.iter())
            .map(String::as_str)
            .collect(),
        Outbound::SlackUpdate { key, .. } => vec![key.as_str()],
        _ => Vec::new(),
    }
}

/// Exponential backoff with ±25% jitter: base, 2×base, 4×base … capped.
fn backoff_secs(base: f64, attempts: u32) -> f64 {
    let exp = base * 2f64.powi(attempts.min(20) as i32);
    let jitter = rand::rng().random_range(0.75..1.25);
    (exp * jitter).min(MAX_BACKOFF_SECS)
}

/// A short, bounded label for metrics (the error code, not the whole text).
fn reason_label(reason: &str) -> &str {
    reason
        .split(':')
        .next()
        .unwrap_or(reason)
        .get(..60)
        .unwrap_or(reason)
}

fn unix_now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = backoff_secs(1.0, 0);
        assert!((0.75..1.25).contains(&first));
        let fourth = backoff_secs(1.0, 3);
        assert!((6.0..10.0).contains(&fourth));
        assert!(backoff_secs(1.0, 30) <= MAX_BACKOFF_SECS);
    }

    #[test]
    fn updates_wait_for_their_post() {
        let post = Outbound::SlackPost {
            channel: "C".into(),
            text: "t".into(),
            blocks: None,
            key: Some("k".into()),
            thread_of: None,
        };
        let update = Outbound::SlackUpdate {
            key: "k".into(),
            channel: "C".into(),
            text: "u".into(),
            blocks: None,
        };
        assert_eq!(message_keys(&post), vec!["k"]);
        assert_eq!(message_keys(&update), vec!["k"]);
    }
}
