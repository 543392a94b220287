//! The outbox: messages still to send, the dead letters that could not be
//! sent, and the Slack messages Baton posted (their `ts`, for updates).
//!
//! A Slack post is marked *in flight* (durably) before it leaves; an item
//! that still carries the mark when it is tried again may have arrived, so
//! the dispatcher looks for it in the channel before posting it again.

use std::time::Duration;

use baton_handlers::Outbound;
use serde::{Deserialize, Serialize};

use crate::engine::Table;
use crate::{Result, Store, Tx, UnixTime};

/// Message key → the Slack message posted under it.
pub(crate) const MESSAGES: Table = Table::new("messages");

/// An action waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: u64,
    pub action: Outbound,
    pub created_at: UnixTime,
    pub attempts: u32,
    /// Not to be tried before this time (backoff), in Unix seconds with a
    /// fraction, so a `Retry-After` is honoured to the millisecond.
    pub not_before: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the last attempt was made (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<f64>,
    /// Set (wall-clock Unix seconds) before a Slack post leaves, cleared when
    /// the post is known not to have arrived. While set, the post may be in
    /// the channel already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight_since: Option<f64>,
}

/// The pending items of one service: how many, and since when the oldest waits.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceBacklog {
    pub service: &'static str,
    pub depth: u64,
    pub oldest_created_at: Option<UnixTime>,
}

/// An action that failed for good, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub item: OutboxItem,
    pub reason: String,
    pub at: UnixTime,
}

/// A Slack message Baton posted, so it can be updated or replied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub channel: String,
    pub ts: String,
}

impl Tx<'_> {
    /// Queue actions to send. Returns how many were queued.
    pub(crate) fn enqueue(&mut self, actions: Vec<Outbound>, now: UnixTime) -> Result<usize> {
        let count = actions.len();
        self.outbox_grew |= count > 0;
        for action in actions {
            let id = self.next_id("outbox_next_id")?;
            self.records.outbox_put(&OutboxItem {
                id,
                action,
                created_at: now,
                attempts: 0,
                not_before: now as f64,
                last_error: None,
                last_attempt_at: None,
                in_flight_since: None,
            })?;
        }
        Ok(count)
    }

    /// The item was delivered: remove it, and remember the posted message
    /// under its key (in the same commit, so it is never sent twice).
    pub fn complete_delivery(
        &mut self,
        id: u64,
        posted: Option<(&str, StoredMessage)>,
    ) -> Result<()> {
        self.records.outbox_remove(id)?;
        if let Some((key, message)) = posted {
            self.put_json(MESSAGES, key, &message)?;
        }
        Ok(())
    }

    /// Mark Slack posts in flight at `at` (wall clock), before they leave.
    /// Items already marked keep their first mark (the earliest moment the
    /// post may have arrived).
    pub fn mark_in_flight(&mut self, ids: &[u64], at: f64) -> Result<()> {
        for &id in ids {
            let Some(mut item) = self.records.outbox_get(id)? else {
                continue;
            };
            if item.in_flight_since.is_none() {
                item.in_flight_since = Some(at);
                self.records.outbox_put(&item)?;
            }
        }
        Ok(())
    }

    /// A transient failure at `attempted_at`: try again at `not_before`.
    /// `maybe_sent` keeps the in-flight mark (the outcome is unknown: a
    /// timeout, a dropped connection); otherwise the mark is cleared.
    pub fn reschedule_delivery(
        &mut self,
        id: u64,
        not_before: f64,
        error: &str,
        attempted_at: f64,
        maybe_sent: bool,
    ) -> Result<()> {
        let Some(mut item) = self.records.outbox_get(id)? else {
            return Ok(());
        };
        item.attempts += 1;
        item.not_before = not_before;
        item.last_error = Some(error.to_string());
        item.last_attempt_at = Some(attempted_at);
        if !maybe_sent {
            item.in_flight_since = None;
        }
        self.records.outbox_put(&item)
    }

    /// Move dead letters back into the outbox (all, or the one with `id`),
    /// to be tried again from now with a fresh retry schedule. An item that
    /// may have been posted keeps its in-flight mark, so it is looked for
    /// before it is posted again. Returns the ids requeued.
    pub fn requeue_dead_letters(&mut self, id: Option<u64>, now: UnixTime) -> Result<Vec<u64>> {
        let letters = match id {
            Some(id) => self.records.dead_letter_remove(id)?.into_iter().collect(),
            None => {
                let letters = self.records.dead_letters(0, usize::MAX)?;
                for letter in &letters {
                    self.records.dead_letter_remove(letter.item.id)?;
                }
                letters
            }
        };
        let mut ids = Vec::with_capacity(letters.len());
        for letter in letters {
            let mut item = letter.item;
            item.attempts = 0;
            item.created_at = now;
            item.not_before = now as f64;
            self.records.outbox_put(&item)?;
            ids.push(item.id);
        }
        self.outbox_grew |= !ids.is_empty();
        Ok(ids)
    }

    /// A permanent failure: move the item to the dead letters.
    pub fn dead_letter(&mut self, id: u64, reason: &str, now: UnixTime) -> Result<()> {
        let Some(mut item) = self.records.outbox_remove(id)? else {
            return Ok(());
        };
        item.attempts += 1;
        self.records.dead_letter_put(&DeadLetter {
            item,
            reason: reason.to_string(),
            at: now,
        })
    }

    /// The Slack message posted under `key`, if it was.
    pub fn message(&self, key: &str) -> Result<Option<StoredMessage>> {
        self.get_json(MESSAGES, key)
    }
}

impl Store {
    /// Every item in the outbox, oldest first (at most `limit`).
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        self.read(|tx| tx.records.outbox_items(0, limit))
    }

    /// Claim the head of `service`'s queue (`slack`, `github`) for the
    /// dispatcher `owner`, at most `limit` items, leased for `lease` (see
    /// [`crate::engine::Engine::claim_outbox`]).
    pub fn claim_outbox(
        &self,
        service: &str,
        owner: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxItem>> {
        self.engine.claim_outbox(service, owner, lease, limit)
    }

    /// Depth and oldest item of each service's queue (for `/metrics`).
    pub fn outbox_backlog(&self) -> Result<Vec<ServiceBacklog>> {
        self.read(|tx| {
            ["slack", "github"]
                .into_iter()
                .map(|service| {
                    let (depth, oldest_created_at) = tx.records.outbox_backlog(service)?;
                    Ok(ServiceBacklog {
                        service,
                        depth,
                        oldest_created_at,
                    })
                })
                .collect()
        })
    }

    /// How many items wait in the outbox, and how many are dead letters.
    pub fn outbox_counts(&self) -> Result<(u64, u64)> {
        self.read(|tx| Ok((tx.records.outbox_count()?, tx.records.dead_letter_count()?)))
    }

    /// The dead letters, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        self.read(|tx| tx.records.dead_letters(0, usize::MAX))
    }

    /// This store's random id, so Baton's message metadata from another
    /// install (or an earlier store) never matches this one's.
    pub fn install_id(&self) -> Result<u64> {
        self.read(|tx| Ok(tx.records.counter("install_id")?.unwrap_or(0)))
    }

    /// The Slack message posted under `key`, if it was.
    pub fn message(&self, key: &str) -> Result<Option<StoredMessage>> {
        self.read_json(MESSAGES, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enqueue_complete_reschedule_dead_letter() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("o.redb")).unwrap();
        store
            .write(|tx| {
                tx.enqueue(
                    vec![
                        Outbound::post("C1", "a"),
                        Outbound::post("C1", "b"),
                        Outbound::post("C1", "c"),
                    ],
                    10,
                )
            })
            .unwrap();
        let items = store.pending_outbox(10).unwrap();
        assert_eq!(
            items.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        store
            .write(|tx| {
                tx.complete_delivery(
                    1,
                    Some((
                        "k",
                        StoredMessage {
                            channel: "C1".into(),
                            ts: "1.2".into(),
                        },
                    )),
                )?;
                tx.reschedule_delivery(2, 99.5, "HTTP 500", 12.0, false)?;
                tx.dead_letter(3, "channel_not_found", 11)
            })
            .unwrap();
        let items = store.pending_outbox(10).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!((items[0].attempts, items[0].not_before), (1, 99.5));
        assert_eq!(store.outbox_counts().unwrap(), (1, 1));
        assert_eq!(store.dead_letters().unwrap()[0].reason, "channel_not_found");
        assert_eq!(store.message("k").unwrap().unwrap().ts, "1.2");

        // A dead letter goes back into the outbox, same id, fresh schedule.
        let requeued = store.write(|tx| tx.requeue_dead_letters(None, 50)).unwrap();
        assert_eq!(requeued, vec![3]);
        let items = store.pending_outbox(10).unwrap();
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!((items[1].attempts, items[1].created_at), (0, 50));
        assert_eq!(store.outbox_counts().unwrap(), (2, 0));
    }

    #[test]
    fn in_flight_mark_survives_a_maybe_sent_retry_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("o.redb")).unwrap();
        store
            .write(|tx| {
                tx.enqueue(
                    vec![Outbound::post("C1", "a"), Outbound::post("C1", "b")],
                    10,
                )
            })
            .unwrap();
        store.write(|tx| tx.mark_in_flight(&[1, 2], 11.25)).unwrap();
        store.write(|tx| tx.mark_in_flight(&[1], 30.0)).unwrap();
        store
            .write(|tx| {
                tx.reschedule_delivery(1, 20.0, "timeout", 12.0, true)?;
                tx.reschedule_delivery(2, 20.0, "HTTP 429", 12.0, false)
            })
            .unwrap();
        let items = store.pending_outbox(10).unwrap();
        assert_eq!(items[0].in_flight_since, Some(11.25), "first mark kept");
        assert_eq!(items[1].in_flight_since, None);
        let backlog = store.outbox_backlog().unwrap();
        assert_eq!(backlog[0].depth, 2);
        assert_eq!(backlog[0].oldest_created_at, Some(10));
        assert_ne!(store.install_id().unwrap(), 0);
    }
}
