//! The review lifecycle's settings records: a person's own choices
//! ([`PersonSettings`]: direct messages on or off, working hours), what
//! Slack's `users.info` last said of them ([`Profile`]: their time zone,
//! read by the server and refreshed daily), and a channel's
//! ([`ChannelSettings`]: how long a review waits before a reminder, and
//! the daily digest with its next time).

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::hours::{format_minute, next_daily, zone_or_utc, Days, WorkingHours};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::pool::People;
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

/// The Slack users whose profile (time zone) should be read at `now`:
/// everyone mapped to a GitHub login or with settings of their own, never
/// read, or read [`PROFILE_MAX_AGE`] ago or more; at most `limit`, those
/// never read first.
pub fn profiles_to_read(
    people: &People,
    persons: &[PersonSettings],
    profiles: &[Profile],
    now: UnixTime,
    limit: usize,
) -> Vec<String> {
    let mut users: Vec<&str> = people
        .slack_users
        .values()
        .map(String::as_str)
        .chain(persons.iter().map(|p| p.user.as_str()))
        .collect();
    users.sort_unstable();
    users.dedup();
    let read_at = |user: &str| profiles.iter().find(|p| p.user == user).map(|p| p.read_at);
    let mut wanted: Vec<(Option<UnixTime>, &str)> = users
        .into_iter()
        .map(|user| (read_at(user), user))
        .filter(|(read, _)| read.is_none_or(|at| now - at >= PROFILE_MAX_AGE))
        .collect();
    wanted.sort_unstable();
    wanted
        .into_iter()
        .take(limit)
        .map(|(_, user)| user.to_string())
        .collect()
}

/// Slack's profile of `user` was read at `now`: keep its zone.
pub fn profile_read(user: &str, tz: Option<String>, now: UnixTime) -> Outcome {
    Outcome::none().with(Change::PutProfile(Profile {
        user: user.to_string(),
        tz: tz.filter(|tz| !tz.is_empty()),
        read_at: now,
    }))
}

/// "in Australia/Sydney (from your Slack profile)", or why not yet.
pub fn zone_words(profile: Option<&Profile>) -> Mrkdwn {
    match profile.and_then(|p| p.tz.as_deref()) {
        Some(zone) => mrkdwn!("in {} (from your Slack profile)", zone),
        None if profile.is_some() => {
            Mrkdwn::from("in UTC (your Slack profile gives no time zone)")
        }
        None => Mrkdwn::from(
            "in the time zone of your Slack profile (I read it within a few minutes; UTC until then)",
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_without_fields_read_as_the_defaults() {
        let person: PersonSettings = serde_json::from_str(r#"{"user":"U1"}"#).unwrap();
        assert!(person.direct_messages);
        assert_eq!(person.working_hours(), WorkingHours::default());
        let channel: ChannelSettings = serde_json::from_str(r#"{"channel":"C1"}"#).unwrap();
        assert_eq!(channel.remind_after, Some(DEFAULT_REMIND_AFTER));
        let off: ChannelSettings =
            serde_json::from_str(r#"{"channel":"C1","remind_after":null}"#).unwrap();
        assert_eq!(off.remind_after, None);
        let json = serde_json::to_string(&off).unwrap();
        assert_eq!(serde_json::from_str::<ChannelSettings>(&json).unwrap(), off);
    }

    #[test]
    fn profiles_are_read_for_people_baton_knows_never_read_first() {
        let people = People::default()
            .mapped("hubot", "U2")
            .mapped("octocat", "U1")
            .mapped("monalisa", "U3");
        let persons = [PersonSettings::new("U4"), PersonSettings::new("U1")];
        let profiles = [
            Profile {
                user: "U1".into(),
                tz: None,
                read_at: 100,
            },
            Profile {
                user: "U2".into(),
                tz: None,
                read_at: 50,
            },
        ];
        let now = 100 + PROFILE_MAX_AGE - 1;
        assert_eq!(
            profiles_to_read(&people, &persons, &profiles, now, 10),
            ["U3", "U4", "U2"]
        );
        assert_eq!(
            profiles_to_read(&people, &persons, &profiles, now, 1),
            ["U3"]
        );
        let outcome = profile_read("U3", Some(String::new()), now);
        assert!(matches!(
            &outcome.changes[..],
            [Change::PutProfile(Profile { tz: None, .. })]
        ));
    }

    #[test]
    fn a_profile_without_a_zone_counts_in_utc_and_goes_stale_after_a_day() {
        let profile = Profile {
            user: "U1".into(),
            tz: None,
            read_at: 1_000,
        };
        assert_eq!(profile.zone(), TimeZone::UTC);
        assert!(!profile.is_stale(1_000 + PROFILE_MAX_AGE - 1));
        assert!(profile.is_stale(1_000 + PROFILE_MAX_AGE));
        let sydney = Profile {
            tz: Some("Australia/Sydney".into()),
            ..profile
        };
        assert_eq!(sydney.zone().iana_name(), Some("Australia/Sydney"));
    }
}
