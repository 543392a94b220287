//! The review lifecycle's settings records: a person's own choices
//! ([`PersonSettings`]: direct messages on or off, working hours), what
//! Slack's `users.info` last said of them ([`Profile`]: their time zone,
//! read by the server and refreshed daily), and a channel's
//! ([`ChannelSettings`]: how long a review waits before a reminder, and
//! the daily digest with its next time).

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::hours::{format_minute, next_daily, zone_or_utc, Days, WorkingHours};
use crate::UnixTime;

/// How long a review waits before its first reminder, unless the channel
/// says otherwise: one day.
pub const DEFAULT_REMIND_AFTER: i64 = 86_400;
/// How old a profile may be before it is read again: one day.
pub const PROFILE_MAX_AGE: i64 = 86_400;

/// One person's choices (keyed by Slack user id). A person without a
/// record has the defaults: direct messages on, 09:00–18:00 Monday to
/// Friday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSettings {
    /// Slack user id (`U…`).
    pub user: String,
    #[serde(default = "on")]
    pub direct_messages: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<WorkingHours>,
}

fn on() -> bool {
    true
}

impl PersonSettings {
    pub fn new(user: &str) -> Self {
        PersonSettings {
            user: user.to_string(),
            direct_messages: true,
            hours: None,
        }
    }

    /// `user`'s settings among `all`, or the defaults.
    pub fn of(user: &str, all: &[PersonSettings]) -> PersonSettings {
        all.iter()
            .find(|s| s.user == user)
            .cloned()
            .unwrap_or_else(|| PersonSettings::new(user))
    }

    pub fn working_hours(&self) -> WorkingHours {
        self.hours.unwrap_or_default()
    }
}

/// What Slack's `users.info` said of a person, and when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Slack user id (`U…`).
    pub user: String,
    /// The IANA zone of their Slack profile; `None` when Slack gave none
    /// (or could not say: an unknown user, a missing scope). Read as UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    pub read_at: UnixTime,
}

impl Profile {
    /// The zone to count their hours in: their profile's, else UTC.
    pub fn zone(&self) -> TimeZone {
        zone_or_utc(self.tz.as_deref())
    }

    /// Old enough to be read again at `now`.
    pub fn is_stale(&self, now: UnixTime) -> bool {
        now - self.read_at >= PROFILE_MAX_AGE
    }
}

/// The daily digest of a channel: at `minute` (after local midnight) in
/// `zone`, Monday to Friday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestSchedule {
    pub minute: u16,
    /// IANA name, as the database spells it.
    pub zone: String,
}

impl DigestSchedule {
    /// The first digest time strictly after `after`.
    pub fn next_after(&self, after: UnixTime) -> UnixTime {
        next_daily(
            after,
            self.minute,
            Days::WEEKDAYS,
            &zone_or_utc(Some(&self.zone)),
        )
    }

    /// `09:30 Europe/Paris, Mon–Fri`.
    pub fn describe(&self) -> String {
        format!(
            "{} {}, {}",
            format_minute(self.minute),
            self.zone,
            Days::WEEKDAYS.describe()
        )
    }
}

/// A channel's review settings (keyed by channel id). A channel without a
/// record reminds after one day and has no digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSettings {
    pub channel: String,
    /// Seconds a review waits before a reminder; `None`: no reminders.
    #[serde(default = "default_remind_after")]
    pub remind_after: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestSchedule>,
    /// When the next digest is due (the store keeps a due index of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_at: Option<UnixTime>,
}

fn default_remind_after() -> Option<i64> {
    Some(DEFAULT_REMIND_AFTER)
}

impl ChannelSettings {
    pub fn new(channel: &str) -> Self {
        ChannelSettings {
            channel: channel.to_string(),
            remind_after: default_remind_after(),
            digest: None,
            digest_at: None,
        }
    }

    /// `channel`'s settings among `all`, or the defaults.
    pub fn of(channel: &str, all: &[ChannelSettings]) -> ChannelSettings {
        all.iter()
            .find(|s| s.channel == channel)
            .cloned()
            .unwrap_or_else(|| ChannelSettings::new(channel))
    }
}
