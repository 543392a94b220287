//! Where catching up on GitHub's webhook deliveries got to: per source (the
//! App's webhook, or one repository or organisation webhook), the newest
//! delivery up to which every delivery was looked at. The next catch-up
//! reads GitHub's list back to it and no further. Written only through
//! [`Tx::get_json`] / [`Tx::put_json`].

use serde::{Deserialize, Serialize};

use crate::engine::Table;
use crate::{Result, Tx, UnixTime};

/// Source name (`app`, `repos/o/r/hooks/1`, `orgs/o/hooks/2`) → checkpoint.
const CHECKPOINTS: Table = Table::new("github_catch_up");

/// The newest delivery of a source that catch-up has dealt with, and every
/// one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchUpCheckpoint {
    /// GitHub's delivery id (grows with time; a redelivery gets a new one).
    pub delivery_id: u64,
    /// GitHub's `delivered_at` of that delivery.
    pub delivered_at: String,
    /// When the checkpoint was written.
    pub saved_at: UnixTime,
}

impl Tx<'_> {
    /// The checkpoint of `source`, if catch-up ever ran for it.
    pub fn catch_up_checkpoint(&self, source: &str) -> Result<Option<CatchUpCheckpoint>> {
        self.get_json(CHECKPOINTS, source)
    }

    /// Move the checkpoint of `source` forward (never back).
    pub fn advance_catch_up_checkpoint(
        &mut self,
        source: &str,
        checkpoint: &CatchUpCheckpoint,
    ) -> Result<()> {
        if let Some(known) = self.catch_up_checkpoint(source)? {
            if known.delivery_id >= checkpoint.delivery_id {
                return Ok(());
            }
        }
        self.put_json(CHECKPOINTS, source, checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn at(delivery_id: u64) -> CatchUpCheckpoint {
        CatchUpCheckpoint {
            delivery_id,
            delivered_at: "2026-11-26T00:00:00Z".into(),
            saved_at: 1,
        }
    }

    #[test]
    fn a_checkpoint_survives_reopening_and_never_moves_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.redb");
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(
                store.write(|tx| tx.catch_up_checkpoint("app")).unwrap(),
                None
            );
            store
                .write(|tx| tx.advance_catch_up_checkpoint("app", &at(20)))
                .unwrap();
            store
                .write(|tx| tx.advance_catch_up_checkpoint("app", &at(10)))
                .unwrap();
            store
                .write(|tx| tx.advance_catch_up_checkpoint("repos/a/b/hooks/1", &at(5)))
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.write(|tx| tx.catch_up_checkpoint("app")).unwrap(),
            Some(at(20))
        );
        assert_eq!(
            store
                .write(|tx| tx.catch_up_checkpoint("repos/a/b/hooks/1"))
                .unwrap(),
            Some(at(5))
        );
    }
}
