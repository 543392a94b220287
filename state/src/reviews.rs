//! Durable state of the review lifecycle (`baton_handlers::reviewers::lifecycle`):
//! each followed pull request's review record, people's own settings and
//! Slack profiles, channels' review settings, and the two timers' due
//! indexes. Storage only: no decisions, no messages.
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `reviews_tracked` | `pr:owner/repo#12` | [`TrackedPullRequest`] |
//! | `reviews_open` | `pr:owner/repo#12` of each open one | its channel |
//! | `reviews_reminders_due` | `{remind_at, 20 digits}/pr:owner/repo#12/{login}` | the record's key |
//! | `reviews_people` | Slack user id | [`PersonSettings`] |
//! | `reviews_profiles` | Slack user id | [`Profile`] |
//! | `reviews_channels` | channel id | [`ChannelSettings`] |
//! | `reviews_digests_due` | `{digest_at, 20 digits}/{channel}` | the channel |
//!
//! The indexes are written only with their records
//! ([`Tx::put_tracked_pull_request`] and
//! [`Tx::put_channel_review_settings`] move them from what the stored
//! record said to what the new one says), so a timer is due exactly when
//! its record says so; the timers read only the head of their index. A
//! timer's decision writes its record (a reminder sent and the next one
//! set, a digest posted and the next one set) in the transaction that
//! queues the message: a restart neither loses nor repeats it, and of two
//! replicas ticking together one commits and the other, run again, finds
//! it no longer due.

use std::collections::BTreeSet;

use baton_handlers::reviewers::lifecycle::{
    ChannelSettings, PersonSettings, Profile, TrackedPullRequest,
};
use baton_handlers::reviewers::message_key;

use crate::engine::Table;
use crate::{Result, Tx, UnixTime};

const TRACKED: Table = Table::new("reviews_tracked");
const OPEN: Table = Table::new("reviews_open");
const REMINDERS_DUE: Table = Table::new("reviews_reminders_due");
const PEOPLE: Table = Table::new("reviews_people");
const PROFILES: Table = Table::new("reviews_profiles");
const CHANNELS: Table = Table::new("reviews_channels");
const DIGESTS_DUE: Table = Table::new("reviews_digests_due");

/// The part of a due-index key that orders by time (times before 1970
/// sort first).
fn due_prefix(at: UnixTime) -> String {
    format!("{:020}/", at.max(0))
}

/// Every key below this is due at `now` or before ('0' sorts after '/').
fn due_end(now: UnixTime) -> String {
    format!("{:020}0", now.max(0))
}

/// The reminder-index keys a record asks for: one per reviewer with a
/// reminder time.
fn reminder_keys(pr: &TrackedPullRequest) -> BTreeSet<String> {
    let key = pr.key();
    pr.reviewers
        .iter()
        .filter_map(|r| {
            let at = r.remind_at?;
            Some(format!(
                "{}{key}/{}",
                due_prefix(at),
                r.login.to_ascii_lowercase()
            ))
        })
        .collect()
}

/// The digest-index key a channel's settings ask for, if any.
fn digest_key(settings: &ChannelSettings) -> Option<String> {
    let at = settings.digest_at?;
    Some(format!("{}{}", due_prefix(at), settings.channel))
}

impl Tx<'_> {
    /// The review record of pull request `number` in `repo`, if followed.
    pub fn tracked_pull_request(
        &self,
        repo: &str,
        number: u64,
    ) -> Result<Option<TrackedPullRequest>> {
        self.get_json(TRACKED, &message_key(repo, number))
    }

    /// Every open followed pull request (drafts included), in key order.
    pub fn open_tracked_pull_requests(&self) -> Result<Vec<TrackedPullRequest>> {
        let keys: Vec<(String, String)> = self.scan_json(OPEN, "")?;
        let mut out = Vec::with_capacity(keys.len());
        for (key, _channel) in keys {
            out.extend(self.get_json::<TrackedPullRequest>(TRACKED, &key)?);
        }
        Ok(out)
    }

    /// The pull requests open, not drafts, waiting on `login`'s review:
    /// that member's open reviews, from the review records.
    pub fn pull_requests_waiting_on_review(&self, login: &str) -> Result<Vec<TrackedPullRequest>> {
        Ok(self
            .open_tracked_pull_requests()?
            .into_iter()
            .filter(|pr| pr.waits_on_review_of(login))
            .collect())
    }

    /// Write a review record, moving its reminder-index entries and its
    /// place among the open ones.
    pub(crate) fn put_tracked_pull_request(&mut self, pr: &TrackedPullRequest) -> Result<()> {
        let key = pr.key();
        let old: Option<TrackedPullRequest> = self.get_json(TRACKED, &key)?;
        let before = old.as_ref().map(reminder_keys).unwrap_or_default();
        let after = reminder_keys(pr);
        for gone in before.difference(&after) {
            self.remove(REMINDERS_DUE, gone)?;
        }
        for new in after.difference(&before) {
            self.put_json(REMINDERS_DUE, new, &key)?;
        }
        match pr.closed {
            None => self.put_json(OPEN, &key, &pr.channel)?,
            Some(_) => {
                self.remove(OPEN, &key)?;
            }
        }
        self.put_json(TRACKED, &key, pr)
    }

    /// The records with a reminder due at or before `now` (at most `limit`
    /// index entries read, earliest first; each record once). An index
    /// entry its record no longer asks for is dropped.
    pub fn due_review_reminders(
        &mut self,
        now: UnixTime,
        limit: usize,
    ) -> Result<Vec<TrackedPullRequest>> {
        let entries: Vec<(String, String)> =
            self.scan_json_below(REMINDERS_DUE, "", Some(&due_end(now)), limit)?;
        let mut out: Vec<TrackedPullRequest> = Vec::new();
        for (index_key, key) in entries {
            match self.get_json::<TrackedPullRequest>(TRACKED, &key)? {
                Some(pr) if reminder_keys(&pr).contains(&index_key) => {
                    if !out.iter().any(|seen| seen.key() == key) {
                        out.push(pr);
                    }
                }
                _ => {
                    self.remove(REMINDERS_DUE, &index_key)?;
                }
            }
        }
        Ok(out)
    }

    /// Everyone's own settings (only people who changed one have a record).
    pub fn person_settings(&self) -> Result<Vec<PersonSettings>> {
        Ok(self
            .scan_json(PEOPLE, "")?
            .into_iter()
            .map(|(_, s)| s)
            .collect())
    }

    pub(crate) fn put_person_settings(&mut self, settings: &PersonSettings) -> Result<()> {
        self.put_json(PEOPLE, &settings.user, settings)
    }

    /// Every Slack profile read so far.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        Ok(self
            .scan_json(PROFILES, "")?
            .into_iter()
            .map(|(_, p)| p)
            .collect())
    }

    pub(crate) fn put_profile(&mut self, profile: &Profile) -> Result<()> {
        self.put_json(PROFILES, &profile.user, profile)
    }

    /// Every channel's review settings (only channels that changed one).
    pub fn channel_review_settings(&self) -> Result<Vec<ChannelSettings>> {
        Ok(self
            .scan_json(CHANNELS, "")?
            .into_iter()
            .map(|(_, s)| s)
            .collect())
    }

    /// Write a channel's review settings, moving its digest's index entry.
    pub(crate) fn put_channel_review_settings(&mut self, settings: &ChannelSettings) -> Result<()> {
        let old: Option<ChannelSettings> = self.get_json(CHANNELS, &settings.channel)?;
        let before = old.as_ref().and_then(digest_key);
        let after = digest_key(settings);
        if before != after {
            if let Some(gone) = before {
                self.remove(DIGESTS_DUE, &gone)?;
            }
            if let Some(new) = &after {
                self.put_json(DIGESTS_DUE, new, &settings.channel)?;
            }
        }
        self.put_json(CHANNELS, &settings.channel, settings)
    }

    /// The channels whose digest is due at or before `now` (at most
    /// `limit`, earliest first). A stale index entry is dropped.
    pub fn due_review_digests(
        &mut self,
        now: UnixTime,
        limit: usize,
    ) -> Result<Vec<ChannelSettings>> {
        let entries: Vec<(String, String)> =
            self.scan_json_below(DIGESTS_DUE, "", Some(&due_end(now)), limit)?;
        let mut out = Vec::with_capacity(entries.len());
        for (index_key, channel) in entries {
            match self.get_json::<ChannelSettings>(CHANNELS, &channel)? {
                Some(settings) if digest_key(&settings).as_deref() == Some(index_key.as_str()) => {
                    out.push(settings)
                }
                _ => {
                    self.remove(DIGESTS_DUE, &index_key)?;
                }
            }
        }
        Ok(out)
    }
}
