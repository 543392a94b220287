//! Tests of `reviewers/lifecycle/settings.rs`: settings and profiles as
//! stored, and what they default to.

use crate::reviewers::lifecycle::hours::WorkingHours;
use crate::reviewers::lifecycle::settings::*;
use jiff::tz::TimeZone;

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
