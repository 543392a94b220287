//! The outbox: messages still to send, the dead letters that could not be
//! sent, and the Slack messages Baton posted (their `ts`, for updates).

use baton_handlers::Outbound;
use redb::{
    ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction,
};
use serde::{Deserialize, Serialize};

use crate::{decode, encode, Result, Store, Tx, UnixTime};

const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
const DEAD_LETTERS: TableDefinition<u64, &[u8]> = TableDefinition::new("dead_letters");
const MESSAGES: crate::JsonTable = TableDefinition::new("messages");

/// An action waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: u64,
    pub action: Outbound,
    pub created_at: UnixTime,
    pub attempts: u32,
    /// Not to be tried before this time (backoff).
    pub not_before: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
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

pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<()> {
    txn.open_table(OUTBOX)?;
    txn.open_table(DEAD_LETTERS)?;
    txn.open_table(MESSAGES)?;
    Ok(())
}

const OUTBOX_NAME: crate::JsonTable = TableDefinition::new("outbox");

impl Tx<'_> {
    /// Queue actions to send. Returns how many were queued.
    pub fn enqueue(&mut self, actions: Vec<Outbound>, now: UnixTime) -> Result<usize> {
        let count = actions.len();
        self.outbox_grew |= count > 0;
        for action in actions {
            let id = self.next_id("outbox_next_id")?;
            let item = OutboxItem {
                id,
                action,
                created_at: now,
                attempts: 0,
                not_before: now,
                last_error: None,
            };
            self.txn
                .open_table(OUTBOX)?
                .insert(id, encode(&item).as_slice())?;
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
        self.txn.open_table(OUTBOX)?.remove(id)?;
        if let Some((key, message)) = posted {
            self.put_json(MESSAGES, key, &message)?;
        }
        Ok(())
    }

    /// A transient failure: try again at `not_before`.
    pub fn reschedule_delivery(
        &mut self,
        id: u64,
        not_before: UnixTime,
        error: &str,
    ) -> Result<()> {
        let mut table = self.txn.open_table(OUTBOX)?;
        let Some(bytes) = table.get(id)?.map(|b| b.value().to_vec()) else {
            return Ok(());
        };
        let mut item: OutboxItem = decode(OUTBOX_NAME, &bytes)?;
        item.attempts += 1;
        item.not_before = not_before;
        item.last_error = Some(error.to_string());
        table.insert(id, encode(&item).as_slice())?;
        Ok(())
    }

    /// A permanent failure: move the item to the dead letters.
    pub fn dead_letter(&mut self, id: u64, reason: &str, now: UnixTime) -> Result<()> {
        let Some(bytes) = self
            .txn
            .open_table(OUTBOX)?
            .remove(id)?
            .map(|b| b.value().to_vec())
        else {
            return Ok(());
        };
        let mut item: OutboxItem = decode(OUTBOX_NAME, &bytes)?;
        item.attempts += 1;
        let letter = DeadLetter {
            item,
            reason: reason.to_string(),
            at: now,
        };
        self.txn
            .open_table(DEAD_LETTERS)?
            .insert(id, encode(&letter).as_slice())?;
        Ok(())
    }

    /// The Slack message posted under `key`, if it was.
    pub fn message(&self, key: &str) -> Result<Option<StoredMessage>> {
        self.get_json(MESSAGES, key)
    }
}

impl Store {
    /// Every item in the outbox, oldest first (at most `limit`).
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(OUTBOX)?;
        let mut out = Vec::new();
        for entry in table.iter()?.take(limit) {
            let (_, value) = entry?;
            out.push(decode(OUTBOX_NAME, value.value())?);
        }
        Ok(out)
    }

    /// How many items wait in the outbox, and how many are dead letters.
    pub fn outbox_counts(&self) -> Result<(u64, u64)> {
        let txn = self.db.begin_read()?;
        let pending = txn.open_table(OUTBOX)?.len()?;
        let dead = txn.open_table(DEAD_LETTERS)?.len()?;
        Ok((pending, dead))
    }

    /// The dead letters, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(DEAD_LETTERS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            out.push(decode(TableDefinition::new("dead_letters"), value.value())?);
        }
        Ok(out)
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
                tx.reschedule_delivery(2, 99, "HTTP 500")?;
                tx.dead_letter(3, "channel_not_found", 11)
            })
            .unwrap();
        let items = store.pending_outbox(10).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!((items[0].attempts, items[0].not_before), (1, 99));
        assert_eq!(store.outbox_counts().unwrap(), (1, 1));
        assert_eq!(store.dead_letters().unwrap()[0].reason, "channel_not_found");
        assert_eq!(store.message("k").unwrap().unwrap().ts, "1.2");
    }
}
