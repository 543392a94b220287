//! Working hours and time zones, pure: a person's [`WorkingHours`] (a span
//! of the day on some days of the week) in an IANA time zone, and the one
//! question reminders ask: the first working instant at or after `t`
//! ([`WorkingHours::next_working_instant`]). Also the digest's "next
//! working day at HH:MM in this zone" ([`next_daily`]), and the parsing of
//! `10:00-19:00 mon-fri` and of zone names.
//!
//! Zones come from the IANA database compiled into Baton (jiff's bundled
//! copy): no file is read at run time, so every host and replica computes
//! the same instants. A wall-clock time that a daylight-saving change skips
//! is read as the instant after the gap; one it repeats, as the first.

use std::sync::OnceLock;

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// Minutes in a day; `24:00` ends a working day at midnight.
pub const DAY_MINUTES: u16 = 24 * 60;

/// The time-zone database compiled into Baton.
fn database() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

/// The zone called `name` (an IANA name such as `Australia/Sydney`, any
/// case), if the database knows it.
pub fn parse_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    database().get(name).ok()
}

/// The IANA name of a zone as the database spells it (`australia/sydney`
/// → `Australia/Sydney`).
pub fn zone_name(zone: &TimeZone) -> String {
    zone.iana_name().unwrap_or("UTC").to_string()
}

/// The zone called `name`, or UTC when there is none or it is unknown.
pub fn zone_or_utc(name: Option<&str>) -> TimeZone {
    name.and_then(parse_zone).unwrap_or(TimeZone::UTC)
}

/// The instants jiff can represent (years 1970 to 9999 are plenty here).
fn timestamp(t: UnixTime) -> Timestamp {
    Timestamp::from_second(t.clamp(0, 253_402_207_200)).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn local(t: UnixTime, zone: &TimeZone) -> DateTime {
    zone.to_datetime(timestamp(t))
}

/// The instant of a wall-clock time in `zone` (the later instant across a
/// gap, the first across a repeat).
fn instant(at: DateTime, zone: &TimeZone) -> UnixTime {
    zone.to_timestamp(at)
        .map(Timestamp::as_second)
        .unwrap_or_default()
}

/// The wall-clock instant `minute` minutes into `date` in `zone`.
fn at_minute(date: Date, minute: u16, zone: &TimeZone) -> UnixTime {
    let (day, minute) = if minute >= DAY_MINUTES {
        (date.tomorrow().unwrap_or(date), 0)
    } else {
        (date, minute)
    };
    instant(day.at((minute / 60) as i8, (minute % 60) as i8, 0, 0), zone)
}

/// The local date of `t` in `zone`.
pub fn local_date(t: UnixTime, zone: &TimeZone) -> Date {
    local(t, zone).date()
}

/// Midnight (local) of the day after `t`'s local date.
pub fn start_of_next_day(t: UnixTime, zone: &TimeZone) -> UnixTime {
    let date = local_date(t, zone);
    at_minute(date.tomorrow().unwrap_or(date), 0, zone)
}

/// `HH:MM` and the day of week of `t` in `zone`, for messages: `Mon 09:30`.
pub fn format_local(t: UnixTime, zone: &TimeZone) -> String {
    let at = local(t, zone);
    format!(
        "{} {:02}:{:02}",
        day_name(at.date().weekday()),
        at.hour(),
        at.minute()
    )
}

/// Days of the week, Monday first (one bit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Days(pub(crate) u8);

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAY_WORDS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn day_index(day: Weekday) -> u8 {
    day.to_monday_zero_offset() as u8
}

fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[usize::from(day_index(day))]
}

impl Days {
    /// Monday to Friday.
    pub const WEEKDAYS: Days = Days(0b001_1111);
    pub const EVERY_DAY: Days = Days(0b111_1111);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day_index(day)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 & 0b111_1111 == 0
    }

    /// `Mon–Fri`, `Sun–Thu`, `Mon, Wed, Fri`, `every day`.
    pub fn describe(self) -> String {
        let on: Vec<usize> = (0..7).filter(|i| self.0 & (1 << i) != 0).collect();
        if on.len() == 7 {
            return "every day".into();
        }
        // A run, possibly wrapping past Sunday: find where it starts.
        let start = (0..7).find(|&i| on.contains(&i) && !on.contains(&((i + 6) % 7)));
        if let Some(start) = start {
            let run: Vec<usize> = (0..on.len()).map(|k| (start + k) % 7).collect();
            if on.len() > 2 && run.iter().all(|d| on.contains(d)) {
                let last = run[run.len() - 1];
                return format!("{}–{}", DAY_NAMES[start], DAY_NAMES[last]);
            }
        }
        on.iter()
            .map(|&i| DAY_NAMES[i])
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `mon-fri`, `sun-thu`, `mon,wed,fri`, `sat-sun`, `every-day`.
    pub fn parse(text: &str) -> Option<Days> {
        let text = text.trim().to_ascii_lowercase();
        if matches!(text.as_str(), "every-day" | "everyday" | "daily") {
            return Some(Days::EVERY_DAY);
        }
        let one = |word: &str| -> Option<usize> {
            if word.len() < 3 {
                return None;
            }
            DAY_WORDS.iter().position(|full| full.starts_with(word))
        };
        let mut bits = 0u8;
        for part in text.split(',').filter(|p| !p.is_empty()) {
            match part.split_once(['-', '–']) {
                Some((from, to)) => {
                    let (from, to) = (one(from)?, one(to)?);
                    let mut day = from;
                    loop {
                        bits |= 1 << day;
                        if day == to {
                            break;
                        }
                        day = (day + 1) % 7;
                    }
                }
                None => bits |= 1 << one(part)?,
            }
        }
        (bits != 0).then_some(Days(bits))
    }
}

/// When a person wants to hear from Baton: from `start` to `end` (minutes
/// after local midnight; `end` may be 24:00) on `days`, in their zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub start: u16,
    pub end: u16,
    pub days: Days,
}

impl Default for WorkingHours {
    /// 09:00–18:00, Monday to Friday.
    fn default() -> Self {
        WorkingHours {
            start: 9 * 60,
            end: 18 * 60,
            days: Days::WEEKDAYS,
        }
    }
}

impl WorkingHours {
    /// `09:00–18:00, Mon–Fri`.
    pub fn describe(&self) -> String {
        format!(
            "{}–{}, {}",
            format_minute(self.start),
            format_minute(self.end),
            self.days.describe()
        )
    }

    /// The working span of `date` in `zone`, if it is a working day.
    fn window(&self, date: Date, zone: &TimeZone) -> Option<(UnixTime, UnixTime)> {
        if !self.days.contains(date.weekday()) {
            return None;
        }
        Some((
            at_minute(date, self.start, zone),
            at_minute(date, self.end, zone),
        ))
    }

    /// Is `t` inside working hours in `zone`?
    pub fn contains(&self, t: UnixTime, zone: &TimeZone) -> bool {
        self.window(local_date(t, zone), zone)
            .is_some_and(|(start, end)| start <= t && t < end)
    }

    /// The first instant at or after `t` inside working hours in `zone`:
    /// `t` itself when it is inside, else the start of the next working
    /// day's span.
    pub fn next_working_instant(&self, t: UnixTime, zone: &TimeZone) -> UnixTime {
        let mut date = local_date(t, zone);
        // Eight days reach the same weekday again, whatever the zone does.
        for _ in 0..9 {
            if let Some((start, end)) = self.window(date, zone) {
                if t < start {
                    return start;
                }
                if t < end {
                    return t;
                }
            }
            date = match date.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
        t
    }
}

/// `09:30` for 570 minutes.
pub fn format_minute(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `HH:MM` (or `H:MM`) from `00:00` to `24:00`, as minutes after midnight.
pub fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours.checked_mul(60)?.checked_add(minutes)?;
    (minutes < 60 && total <= DAY_MINUTES).then_some(total)
}

/// `10:00-19:00 [mon-fri]` (days default to Monday to Friday). The error
/// says what is wrong, for the person who typed it.
pub fn parse_hours(span: &str, days: Option<&str>) -> Result<WorkingHours, String> {
    let Some((start, end)) = span.split_once(['-', '–']) else {
        return Err(format!(
            "`{span}` is not a span of hours: write it like `09:00-18:00`"
        ));
    };
    let time = |word: &str| {
        parse_clock(word).ok_or_else(|| {
            format!("`{word}` is not a time of day: write HH:MM, from 00:00 to 24:00")
        })
    };
    let (start, end) = (time(start)?, time(end)?);
    if start >= end {
        return Err(format!(
            "the day must end after it starts (`{}` is not after `{}`); hours past midnight are not supported",
            format_minute(end),
            format_minute(start)
        ));
    }
    let days = match days {
        None => Days::WEEKDAYS,
        Some(word) => Days::parse(word).ok_or_else(|| {
            format!("`{word}` is not a list of days: write `mon-fri`, `sun-thu` or `mon,wed,fri`")
        })?,
    };
    Ok(WorkingHours { start, end, days })
}

/// The first instant strictly after `after` that is `minute` minutes into a
/// day of `days` in `zone` (the digest's next time).
pub fn next_daily(after: UnixTime, minute: u16, days: Days, zone: &TimeZone) -> UnixTime {
    let mut date = local_date(after, zone);
    for _ in 0..9 {
        if days.contains(date.weekday()) {
            let at = at_minute(date, minute, zone);
            if at > after {
                return at;
            }
        }
        date = match date.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    after + 86_400
}
