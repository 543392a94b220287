//! Durable state of the errors feature: one table per record kind of
//! `baton_handlers::errors::Table` (same names), plus a due index so the
//! periodic tick reads only the groups whose window has work, never the
//! whole groups table.
//!
//! The due index (`error_due`) maps `"{due_at:020}/{group key}"` to the
//! group key. [`Tx::put_error_group`] and [`Tx::remove_error_group`] keep
//! it in step with `error_groups`; nothing else writes either table.

use baton_handlers::errors::{ChannelRate, Group, Mute, Record, Resolved, Seen, Subscription};

use crate::engine::Table;
use crate::{Result, Tx, UnixTime};

pub(crate) const SUBSCRIPTIONS: Table = Table::new("error_subscriptions");
pub(crate) const GROUPS: Table = Table::new("error_groups");
pub(crate) const MUTES: Table = Table::new("error_mutes");
pub(crate) const RESOLVED: Table = Table::new("error_resolved");
pub(crate) const RATES: Table = Table::new("error_rates");
/// The release each routed fingerprint was last seen in.
pub(crate) const SEEN: Table = Table::new("error_seen");
/// `"{due_at:020}/{group key}"` → group key (JSON string).
pub(crate) const DUE: Table = Table::new("error_due");

/// Where each kind of record (`baton_handlers::errors::Table`) is stored.
pub(crate) fn table(t: baton_handlers::errors::Table) -> Table {
    use baton_handlers::errors::Table as Kind;
    match t {
        Kind::Subscriptions => SUBSCRIPTIONS,
        Kind::Groups => GROUPS,
        Kind::Mutes => MUTES,
        Kind::Resolved => RESOLVED,
        Kind::Rates => RATES,
        Kind::Seen => SEEN,
    }
}

/// The due-index key of a group due at `due_at` (times before 1970 sort first).
fn due_key(due_at: UnixTime, group_key: &str) -> String {
    format!("{:020}/{group_key}", due_at.max(0))
}

impl Tx<'_> {
    /// Every subscription, in id order (a small table).
    pub fn error_subscriptions(&self) -> Result<Vec<Subscription>> {
        Ok(self
            .scan_json(SUBSCRIPTIONS, "")?
            .into_iter()
            .map(|(_, s)| s)
            .collect())
    }

    /// The groups under `keys` that exist.
    pub fn error_groups(&self, keys: &[String]) -> Result<Vec<Group>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(g) = self.get_json(GROUPS, key)? {
                out.push(g);
            }
        }
        Ok(out)
    }

    /// The rate records of the channels under `keys` that exist.
    pub fn error_rates(&self, keys: &[String]) -> Result<Vec<ChannelRate>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(r) = self.get_json(RATES, key)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Every rate record (one per channel that posted in its last minute).
    pub fn all_error_rates(&self) -> Result<Vec<ChannelRate>> {
        Ok(self
            .scan_json(RATES, "")?
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    }

    /// Every mute record (made by people, so few).
    pub fn all_error_mutes(&self) -> Result<Vec<Mute>> {
        Ok(self
            .scan_json(MUTES, "")?
            .into_iter()
            .map(|(_, m)| m)
            .collect())
    }

    pub fn error_mute(&self, fingerprint: &str) -> Result<Option<Mute>> {
        self.get_json(MUTES, fingerprint)
    }

    pub fn error_resolved(&self, fingerprint: &str) -> Result<Option<Resolved>> {
        self.get_json(RESOLVED, fingerprint)
    }

    /// The release `fingerprint` was last seen in, if Baton has seen it.
    pub fn error_seen(&self, fingerprint: &str) -> Result<Option<Seen>> {
        self.get_json(SEEN, fingerprint)
    }

    /// Insert or replace any record of the feature under its key (a group
    /// also moves its due-index entry).
    pub(crate) fn put_error_record(&mut self, record: &Record) -> Result<()> {
        match record {
            Record::Group(group) => self.put_error_group(group),
            Record::Subscription(r) => self.put_json(SUBSCRIPTIONS, &r.key(), r),
            Record::Mute(r) => self.put_json(MUTES, &r.key(), r),
            Record::Resolved(r) => self.put_json(RESOLVED, &r.key(), r),
            Record::Rate(r) => self.put_json(RATES, &r.key(), r),
            Record::Seen(r) => self.put_json(SEEN, &r.key(), r),
        }
    }

    /// Remove the record of kind `kind` under `key` (a group with its
    /// due-index entry). Returns whether it existed.
    pub(crate) fn remove_error_record(
        &mut self,
        kind: baton_handlers::errors::Table,
        key: &str,
    ) -> Result<bool> {
        match kind {
            baton_handlers::errors::Table::Groups => self.remove_error_group(key),
            other => self.remove(table(other), key),
        }
    }

    /// Insert or replace a group, moving its due-index entry.
    pub(crate) fn put_error_group(&mut self, group: &Group) -> Result<()> {
        let key = group.key();
        let old: Option<Group> = self.get_json(GROUPS, &key)?;
        let due = due_key(group.due_at(), &key);
        if let Some(old) = old {
            let old_due = due_key(old.due_at(), &key);
            if old_due != due {
                self.remove(DUE, &old_due)?;
                self.put_json(DUE, &due, &key)?;
            }
        } else {
            self.put_json(DUE, &due, &key)?;
        }
        self.put_json(GROUPS, &key, group)
    }

    /// Remove a group and its due-index entry. Returns whether it existed.
    pub(crate) fn remove_error_group(&mut self, key: &str) -> Result<bool> {
        let old: Option<Group> = self.get_json(GROUPS, key)?;
        match old {
            Some(old) => {
                self.remove(DUE, &due_key(old.due_at(), key))?;
                self.remove(GROUPS, key)
            }
            None => Ok(false),
        }
    }

    /// The groups due at or before `now` (`Group::due_at() <= now`), at most
    /// `limit` of them, earliest first. Reads only the head of the due index;
    /// an index entry whose group is gone is dropped.
    pub fn due_error_groups(&mut self, now: UnixTime, limit: usize) -> Result<Vec<Group>> {
        // '0' sorts after '/', so every key due at `now` is below `end`.
        let end = format!("{:020}0", now.max(0));
        let entries: Vec<(String, String)> = self.scan_json_below(DUE, "", Some(&end), limit)?;
        let mut groups = Vec::with_capacity(entries.len());
        for (index_key, group_key) in entries {
            match self.get_json::<Group>(GROUPS, &group_key)? {
                Some(g) if due_key(g.due_at(), &group_key) == index_key => groups.push(g),
                _ => {
                    self.remove(DUE, &index_key)?;
                }
            }
        }
        Ok(groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_handlers::errors::Table as Kind;

    #[test]
    fn each_kind_of_record_has_its_table() {
        assert_eq!(table(Kind::Groups).name(), "error_groups");
        assert_eq!(table(Kind::Subscriptions).name(), "error_subscriptions");
        assert_eq!(table(Kind::Mutes).name(), "error_mutes");
        assert_eq!(table(Kind::Resolved).name(), "error_resolved");
        assert_eq!(table(Kind::Rates).name(), "error_rates");
        assert_eq!(table(Kind::Seen).name(), "error_seen");
    }
}
