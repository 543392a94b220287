//! Small text helpers shared by every feature: parsing Slack mentions,
//! durations, dates, truncation, and edit distance for suggestions. Slack
//! message text itself is made in [`crate::mrkdwn`].

use crate::UnixTime;

/// The user id inside a Slack mention: `<@U123>` or `<@U123|name>` → `U123`.
/// A bare id (`U123`, `W123`) is accepted too.
pub fn parse_user_mention(word: &str) -> Option<String> {
    let id = match word
        .strip_prefix("<@")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        Some(inner) => inner.split('|').next().unwrap_or(""),
        None => word,
    };
    let mut chars = id.chars();
    let first = chars.next()?;
    let valid = matches!(first, 'U' | 'W')
        && id.len() >= 3
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    valid.then(|| id.to_string())
}

/// A GitHub login: 1–39 characters, ASCII letters, digits and single inner
/// hyphens; a leading `@` is dropped. Bots' `name[bot]` is accepted.
pub fn parse_github_login(word: &str) -> Option<String> {
    let login = word.strip_prefix('@').unwrap_or(word);
    let core = login.strip_suffix("[bot]").unwrap_or(login);
    let valid = !core.is_empty()
        && core.len() <= 39
        && !core.starts_with('-')
        && !core.ends_with('-')
        && !core.contains("--")
        && core.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| login.to_string())
}

/// `owner/repo` or `owner/*`. Returns the lower-cased pattern.
pub fn parse_repo_pattern(word: &str) -> Option<String> {
    let (owner, repo) = word.split_once('/')?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (name_ok(owner) && (repo == "*" || name_ok(repo))).then(|| word.to_ascii_lowercase())
}

/// A duration like `30m`, `4h`, `2d`, `1w`, `90s` or a combination such as
/// `1h30m`. Returns seconds; zero is rejected.
pub fn parse_duration(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let value: i64 = number.parse().ok()?;
        number.clear();
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(value.checked_mul(unit)?)?;
    }
    if !number.is_empty() || total <= 0 {
        return None;
    }
    Some(total)
}

/// A duration for people: `45s`, `12m`, `3h 5m`, `2d 4h`.
pub fn format_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60).replace(" 0s", ""),
        3600..=86_399 => format!("{}h {}m", s / 3600, (s % 3600) / 60).replace(" 0m", ""),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600).replace(" 0h", ""),
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` → the Unix time of that day's midnight UTC.
pub fn parse_date(text: &str) -> Option<UnixTime> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Reject 2026-02-31 and friends: the round trip must give the same date.
    (civil_from_days(days) == (y, m, d)).then_some(days * 86_400)
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn format_date(time: UnixTime) -> String {
    let (y, m, d) = civil_from_days(time.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix time.
pub fn format_datetime(time: UnixTime) -> String {
    let secs = time.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        format_date(time),
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// `HH:MM` (UTC) of a Unix time.
pub fn format_clock(time: UnixTime) -> String {
    let secs = time.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

/// Parse an RFC 3339 timestamp as GitHub and most tools write it
/// (`2019-05-15T15:20:30Z`, optional fraction, `Z` or `±HH:MM`), with the
/// `time` crate. Also taken, as tools write them: a space for the `T`, and
/// no offset at all (meaning UTC, as Sentry's `datetime` does).
pub fn parse_rfc3339(text: &str) -> Option<UnixTime> {
    use time::format_description::well_known::Rfc3339;
    let parse = |t: &str| time::OffsetDateTime::parse(t, &Rfc3339).ok();
    let text = text.trim();
    parse(text)
        .or_else(|| {
            let mut fixed = text.replacen(' ', "T", 1);
            let has_offset = fixed
                .get(19..)
                .is_some_and(|rest| rest.contains(['Z', 'z', '+', '-']));
            if !has_offset {
                fixed.push('Z');
            }
            parse(&fixed)
        })
        .map(|t| t.unix_timestamp())
}

/// `bytes` as lower-case hex digits, two per byte (a random id's shape:
/// 16 bytes of the caller's entropy make a Sentry event id or DSN key).
pub fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Cut `text` to at most `limit` characters, saying how much was cut.
/// Returns the text unchanged when it fits.
pub fn truncate_chars(text: &str, limit: usize) -> String {
    let count = text.chars().count();
    if count <= limit {
        return text.to_string();
    }
    let note_budget = 40.min(limit);
    let keep = limit - note_budget;
    let kept: String = text.chars().take(keep).collect();
    let note = format!("… [{} characters cut]", count - keep);
    let mut out = kept;
    out.push_str(&note.chars().take(note_budget).collect::<String>());
    out
}

/// Keep the last `limit` characters of `text` (a log tail), saying how much
/// was cut from the front. Returns `(text, characters cut)`.
pub fn tail_chars(text: &str, limit: usize) -> (String, usize) {
    let count = text.chars().count();
    if count <= limit {
        return (text.to_string(), 0);
    }
    let cut = count - limit;
    (text.chars().skip(cut).collect(), cut)
}

/// Levenshtein distance over characters, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_in_every_escaped_form() {
        assert_eq!(parse_user_mention("<@U123>"), Some("U123".into()));
        assert_eq!(parse_user_mention("<@U123|ana>"), Some("U123".into()));
        assert_eq!(parse_user_mention("W0ABC"), Some("W0ABC".into()));
        assert_eq!(parse_user_mention("<#C123|general>"), None);
        assert_eq!(parse_user_mention("@ana"), None);
        assert_eq!(parse_user_mention("<@u1>"), None);
    }

    #[test]
    fn github_logins_are_read_as_github_allows_them() {
        assert_eq!(parse_github_login("@octo-cat"), Some("octo-cat".into()));
        assert_eq!(
            parse_github_login("dependabot[bot]"),
            Some("dependabot[bot]".into())
        );
        assert_eq!(parse_github_login("-bad"), None);
        assert_eq!(parse_github_login("a--b"), None);
        assert_eq!(parse_github_login("<@U123>"), None);
        assert_eq!(parse_github_login(&"x".repeat(40)), None);
    }

    #[test]
    fn repository_patterns_are_owner_and_repo_or_owner_wildcard() {
        assert_eq!(
            parse_repo_pattern("Octo/Hello-World"),
            Some("octo/hello-world".into())
        );
        assert_eq!(parse_repo_pattern("octo/*"), Some("octo/*".into()));
        assert_eq!(parse_repo_pattern("octo"), None);
        assert_eq!(parse_repo_pattern("/x"), None);
        assert_eq!(parse_repo_pattern("a/b/c"), None);
    }

    #[test]
    fn durations_parse_and_format_in_days_hours_minutes_seconds() {
        assert_eq!(parse_duration("4h"), Some(14_400));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("4"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
        assert_eq!(format_duration(42), "42s");
        assert_eq!(format_duration(125), "2m 5s");
        assert_eq!(format_duration(3600), "1h");
        assert_eq!(format_duration(90_000), "1d 1h");
    }

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-23"), Some(1_795_392_000));
        assert_eq!(format_date(1_795_392_000), "2026-11-23");
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(
            parse_date("2024-02-29").map(format_date),
            Some("2024-02-29".into())
        );
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("26-1-1"), None);
        assert_eq!(
            format_datetime(1_795_392_000 + 3_723),
            "2026-11-23 01:02 UTC"
        );
    }

    #[test]
    fn rfc3339_times_parse_to_unix_seconds_or_none() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:10Z"), Some(10));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.123Z"), Some(0));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("1970-01-01T0é:00:00Z"), None);
        assert_eq!(parse_rfc3339("1970-01-01 00:00:10"), Some(10));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:10.5"), Some(10));
        assert_eq!(parse_rfc3339("2026-02-30T00:00:00Z"), None);
    }

    #[test]
    fn truncation_says_how_much_was_cut() {
        assert_eq!(truncate_chars("short", 10), "short");
        let long = "é".repeat(5000);
        let cut = truncate_chars(&long, 3000);
        assert!(cut.chars().count() <= 3000);
        assert!(cut.contains("characters cut]"));
        let (tail, cut) = tail_chars("abcdef", 4);
        assert_eq!((tail.as_str(), cut), ("cdef", 2));
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("reviewer", "reviewers"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("lock", "locks"), 1);
    }
}
