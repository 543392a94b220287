//! Per-channel facts: whether Baton has introduced itself there.

use crate::engine::Table;
use crate::{Result, Tx, UnixTime};

const INTRODUCED: Table = Table::new("channels_introduced");

impl Tx<'_> {
    /// Has Baton posted its introduction in `channel`?
    pub fn introduced(&self, channel: &str) -> Result<bool> {
        Ok(self.get_json::<UnixTime>(INTRODUCED, channel)?.is_some())
    }

    /// Remember that the introduction was queued for `channel`.
    pub(crate) fn put_introduction(&mut self, channel: &str, now: UnixTime) -> Result<()> {
        self.put_json(INTRODUCED, channel, &now)
    }
}
