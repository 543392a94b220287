//! Tests of `reviewers/lifecycle/hours.rs`: working hours across zones
//! east and west of UTC, weekends and daylight-saving changes: examples,
//! then properties.

use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;

use crate::reviewers::lifecycle::hours::*;
use crate::UnixTime;

fn zone(name: &str) -> TimeZone {
    parse_zone(name).unwrap_or_else(|| panic!("{name} is a zone"))
}

/// The Unix time of a wall-clock time in `zone`.
fn at(zone_name: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> UnixTime {
    zone(zone_name)
        .to_timestamp(date(y, m, d).at(h, min, 0, 0))
        .unwrap()
        .as_second()
}

const ZONES: [&str; 9] = [
    "UTC",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
];

#[test]
fn zones_are_read_by_their_iana_names() {
    assert_eq!(zone_name(&zone("australia/sydney")), "Australia/Sydney");
    assert_eq!(zone_name(&zone("UTC")), "UTC");
    for bad in ["", "Mars/Olympus", "+05:00", "Sydney", "../../etc/passwd"] {
        assert!(parse_zone(bad).is_none(), "{bad}");
    }
    assert_eq!(zone_or_utc(Some("Mars/Olympus")), TimeZone::UTC);
    assert_eq!(zone_or_utc(None), TimeZone::UTC);
}

#[test]
fn the_default_day_in_sydney() {
    let hours = WorkingHours::default();
    let sydney = zone("Australia/Sydney");
    // Monday 2026-11-23, 08:59 in Sydney (UTC+11): it starts at 09:00.
    let early = at("Australia/Sydney", 2026, 11, 23, 8, 59);
    let nine = at("Australia/Sydney", 2026, 11, 23, 9, 0);
    assert_eq!(hours.next_working_instant(early, &sydney), nine);
    assert!(!hours.contains(early, &sydney) && hours.contains(nine, &sydney));
    // Inside: now.
    let noon = at("Australia/Sydney", 2026, 11, 23, 12, 0);
    assert_eq!(hours.next_working_instant(noon, &sydney), noon);
    // 18:00 is after hours: the next morning.
    let six = at("Australia/Sydney", 2026, 11, 23, 18, 0);
    assert_eq!(
        hours.next_working_instant(six, &sydney),
        at("Australia/Sydney", 2026, 11, 24, 9, 0)
    );
    // Friday night and the weekend: Monday 09:00.
    let friday_night = at("Australia/Sydney", 2026, 11, 27, 23, 0);
    let saturday = at("Australia/Sydney", 2026, 11, 28, 11, 0);
    let monday = at("Australia/Sydney", 2026, 11, 30, 9, 0);
    assert_eq!(hours.next_working_instant(friday_night, &sydney), monday);
    assert_eq!(hours.next_working_instant(saturday, &sydney), monday);
    // The same instant is Sunday night in Los Angeles… and not working there.
    let los_angeles = zone("America/Los_Angeles");
    assert!(!hours.contains(monday, &los_angeles));
    assert_eq!(
        hours.next_working_instant(monday, &los_angeles),
        at("America/Los_Angeles", 2026, 11, 30, 9, 0)
    );
}

#[test]
fn daylight_saving_changes_move_the_instant_not_the_wall_clock() {
    let hours = WorkingHours::default();
    let london = zone("Europe/London");
    // Sunday 2026-03-29 the clocks go forward: Monday 09:00 is UTC 08:00.
    let sunday = at("Europe/London", 2026, 3, 29, 12, 0);
    let monday = hours.next_working_instant(sunday, &london);
    assert_eq!(monday, at("UTC", 2026, 3, 30, 8, 0));
    // Sydney's clocks go back on Sunday 2026-04-05: Monday 09:00 is UTC 23:00.
    let sydney = zone("Australia/Sydney");
    let sunday = at("Australia/Sydney", 2026, 4, 5, 12, 0);
    assert_eq!(
        hours.next_working_instant(sunday, &sydney),
        at("UTC", 2026, 4, 5, 23, 0)
    );
    // A start inside the gap (02:30 when 02:00 jumps to 03:00 in Los
    // Angeles, Sunday 2026-03-08) is read as the instant after the gap.
    let night = WorkingHours {
        start: 2 * 60 + 30,
        end: 6 * 60,
        days: Days::EVERY_DAY,
    };
    let los_angeles = zone("America/Los_Angeles");
    let before = at("America/Los_Angeles", 2026, 3, 8, 1, 0);
    let start = night.next_working_instant(before, &los_angeles);
    assert_eq!(start, at("UTC", 2026, 3, 8, 10, 30));
    assert!(night.contains(start, &los_angeles));
}

#[test]
fn hours_and_days_are_parsed_and_bad_ones_refused() {
    assert_eq!(
        parse_hours("10:00-19:00", None),
        Ok(WorkingHours {
            start: 600,
            end: 1140,
            days: Days::WEEKDAYS
        })
    );
    let sun_thu = parse_hours("9:00–17:30", Some("sun-thu")).unwrap();
    assert_eq!(sun_thu.describe(), "09:00–17:30, Sun–Thu");
    assert_eq!(
        parse_hours("00:00-24:00", Some("every-day"))
            .unwrap()
            .describe(),
        "00:00–24:00, every day"
    );
    assert_eq!(
        Days::parse("mon,wed,fri").unwrap().describe(),
        "Mon, Wed, Fri"
    );
    assert_eq!(
        Days::parse("Saturday-Sunday").unwrap().describe(),
        "Sat, Sun"
    );
    let err = parse_hours("25:00-19:00", None).unwrap_err();
    assert!(err.contains("`25:00` is not a time of day"), "{err}");
    assert!(parse_hours("10:60-19:00", None).is_err());
    assert!(parse_hours("24:30-19:00", None).is_err());
    let err = parse_hours("19:00-10:00", None).unwrap_err();
    assert!(err.contains("end after it starts"), "{err}");
    assert!(parse_hours("10:00", None).is_err());
    let err = parse_hours("10:00-19:00", Some("weekdays!")).unwrap_err();
    assert!(err.contains("mon-fri"), "{err}");
    assert!(Days::parse("mo").is_none() && Days::parse("").is_none());
}

#[test]
fn the_digest_comes_on_the_next_working_day_at_its_time() {
    let paris = zone("Europe/Paris");
    // Friday 2026-11-27 09:30 in Paris: the next is Monday 09:30.
    let friday = at("Europe/Paris", 2026, 11, 27, 9, 30);
    assert_eq!(
        next_daily(friday, 570, Days::WEEKDAYS, &paris),
        at("Europe/Paris", 2026, 11, 30, 9, 30)
    );
    // A minute before: today.
    assert_eq!(next_daily(friday - 60, 570, Days::WEEKDAYS, &paris), friday);
    assert_eq!(
        format_local(friday, &paris),
        "Fri 09:30",
        "shown in its own zone"
    );
    assert_eq!(
        start_of_next_day(friday, &paris),
        at("Europe/Paris", 2026, 11, 28, 0, 0)
    );
}

/// Any span of a day (at least a minute) on at least one day of the week.
fn any_hours() -> impl Strategy<Value = WorkingHours> {
    (0u16..DAY_MINUTES, 1u16..=DAY_MINUTES, 1u8..=127).prop_map(|(start, length, bits)| {
        let end = (start + length).min(DAY_MINUTES).max(start + 1);
        WorkingHours {
            start,
            end,
            days: Days(bits),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// The next working instant is at or after `t`, inside working hours,
    /// the first such (nothing in between is), and stays put.
    #[test]
    fn the_next_working_instant_is_the_first_inside_hours(
        hours in any_hours(),
        zone_index in 0..ZONES.len(),
        // 2026 and 2027, both daylight-saving changes of every zone.
        t in 1_767_225_600i64..1_830_297_600,
    ) {
        let zone = zone(ZONES[zone_index]);
        let next = hours.next_working_instant(t, &zone);
        prop_assert!(next >= t);
        prop_assert!(next - t <= 8 * 86_400, "within a week: {}", next - t);
        prop_assert!(hours.contains(next, &zone), "{next} is inside {}", hours.describe());
        prop_assert_eq!(hours.next_working_instant(next, &zone), next);
        let mut probe = t;
        while probe < next {
            prop_assert!(!hours.contains(probe, &zone), "{probe} before {next} is inside");
            probe += 600;
        }
        if next > t {
            prop_assert!(!hours.contains(next - 1, &zone));
        }
    }

    /// The default hours never land on a weekend, nor outside 09:00–18:00
    /// on the person's own clock.
    #[test]
    fn default_hours_land_on_a_weekday_between_nine_and_six(
        zone_index in 0..ZONES.len(),
        t in 1_767_225_600i64..1_830_297_600,
    ) {
        let zone = zone(ZONES[zone_index]);
        let next = WorkingHours::default().next_working_instant(t, &zone);
        let local = zone.to_datetime(Timestamp::from_second(next).unwrap());
        prop_assert!(local.date().weekday().to_monday_zero_offset() < 5);
        prop_assert!((9..18).contains(&local.hour()), "{local}");
    }

    /// The digest's next time is strictly later, on a weekday, at its
    /// minute on the local clock (or just after a gap).
    #[test]
    fn the_next_digest_is_later_on_a_weekday(
        minute in 0u16..DAY_MINUTES,
        zone_index in 0..ZONES.len(),
        t in 1_767_225_600i64..1_830_297_600,
    ) {
        let zone = zone(ZONES[zone_index]);
        let next = next_daily(t, minute, Days::WEEKDAYS, &zone);
        prop_assert!(next > t && next - t <= 4 * 86_400, "{}", next - t);
        let local = zone.to_datetime(Timestamp::from_second(next).unwrap());
        prop_assert!(local.date().weekday().to_monday_zero_offset() < 5);
        let shown = local.hour() as u16 * 60 + local.minute() as u16;
        prop_assert!(shown == minute || shown.abs_diff(minute) <= 60, "{local} for {minute}");
    }
}
