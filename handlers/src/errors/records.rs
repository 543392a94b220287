//! The records the errors feature keeps (the caller stores them, one
//! table per [`Table`], under each record's `key()`), the settings its
//! decisions follow ([`Policy`]) and the snapshot of records a decision
//! reads ([`Snapshot`]).

use serde::{Deserialize, Serialize};

use super::report::{ErrorReport, Exception, Level, Stack};
use crate::text::truncate_chars;
use crate::UnixTime;

/// Tunables (from configuration; [`Policy::default`] gives Baton's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long after the first post of a fingerprint in a channel later
    /// reports are only counted (default 10 minutes).
    pub window_secs: i64,
    /// How many error messages a channel gets per minute before reports are
    /// held and summarised (default 20).
    pub channel_cap_per_minute: u32,
    /// How long the "Mute 1h" button mutes (default 1 hour).
    pub mute_button_secs: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            window_secs: 600,
            channel_cap_per_minute: 20,
            mute_button_secs: 3600,
        }
    }
}

/// The length of a channel's rate window.
pub const RATE_WINDOW_SECS: i64 = 60;

/// A channel's wish to receive error reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Short id shown by `errors list` (8 hex digits).
    pub id: String,
    pub channel: String,
    pub filters: SubscriptionFilters,
    /// Digest period in seconds; `None` streams reports as they come.
    pub digest: Option<i64>,
    pub created_by: String,
    pub created_at: UnixTime,
    /// `when=N/duration`: post a fingerprint only once it has been seen
    /// `count` times within the window; `None`: at its first sighting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
}

/// When a streamed subscription posts a fingerprint: once it has been seen
/// `count` times within `window_secs` (`when=5/10m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub count: u32,
    pub window_secs: i64,
}

impl Trigger {
    /// `when seen 5 times within 10m` for people.
    pub fn describe(&self) -> String {
        format!(
            "when seen {} times within {}",
            self.count,
            crate::text::format_duration(self.window_secs)
        )
    }
}

impl Subscription {
    pub fn key(&self) -> String {
        self.id.clone()
    }

    /// How this subscription delivers.
    pub fn mode(&self) -> Mode {
        match self.digest {
            Some(period) => Mode::Digest { period },
            None => Mode::Stream,
        }
    }
}

/// Which reports a stored [`Subscription`] wants: the record form, as the
/// data file holds it. The `errors subscribe` parser has its own
/// [`Filters`](super::commands::Filters), converted into this when a
/// subscription is made, so changing the parser does not change the file
/// format. Every field is written, `null` when not given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubscriptionFilters {
    /// Exact service name (case-insensitive).
    pub service: Option<String>,
    /// Exact environment name (case-insensitive).
    pub environment: Option<String>,
    /// The lowest level wanted; `error` when not given.
    pub min_level: Option<Level>,
    /// A regex the message must match (case-insensitive).
    pub pattern: Option<String>,
}

impl SubscriptionFilters {
    /// The minimum level in force.
    pub fn level(&self) -> Level {
        self.min_level.unwrap_or(Level::Error)
    }

    /// `service=api env=prod level≥warning match=/timeout/` for people.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.service {
            parts.push(format!("service={s}"));
        }
        if let Some(e) = &self.environment {
            parts.push(format!("env={e}"));
        }
        parts.push(format!("level≥{}", self.level().name()));
        if let Some(p) = &self.pattern {
            parts.push(format!("match=`{p}`"));
        }
        parts.join(" ")
    }
}

/// How a channel receives one fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// The first report of a window is posted at once, later ones counted.
    Stream,
    /// One line per fingerprint per period (aligned to the clock: a `1h`
    /// digest closes on the hour, UTC).
    Digest { period: i64 },
}

/// What is shown of a report; kept in a [`Group`] so that the message can
/// be re-rendered when the window closes. Already cut to Slack's limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub service: String,
    pub environment: String,
    pub level: Level,
    pub title: String,
    pub exception: Option<Exception>,
    /// The top of the stack, one frame (or text line) per entry.
    pub stack: Vec<String>,
    /// Frames or lines not shown.
    pub stack_more: usize,
    pub url: Option<String>,
    pub regression: bool,
    /// The release it happened in, if the report said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

/// Most characters of a title in a posted message.
const TITLE_CHARS: usize = 1_000;
/// Most characters of an exception value.
const EXCEPTION_CHARS: usize = 600;
/// Frames (or text stack lines) shown.
const STACK_LINES: usize = 8;
/// Most characters of one stack line.
const STACK_LINE_CHARS: usize = 200;

impl Sample {
    pub fn from_report(report: &ErrorReport, regression: bool) -> Self {
        let lines: Vec<String> = match &report.stack {
            Stack::None => Vec::new(),
            Stack::Frames(frames) => frames.iter().map(|f| f.display()).collect(),
            Stack::Text(text) => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect(),
        };
        let stack_more = lines.len().saturating_sub(STACK_LINES);
        Sample {
            service: report.service.clone(),
            environment: report.environment.clone(),
            level: report.level,
            title: truncate_chars(&report.message, TITLE_CHARS),
            exception: report.exception.as_ref().map(|e| Exception {
                kind: truncate_chars(&e.kind, STACK_LINE_CHARS),
                value: truncate_chars(&e.value, EXCEPTION_CHARS),
            }),
            stack: lines
                .iter()
                .take(STACK_LINES)
                .map(|l| truncate_chars(l, STACK_LINE_CHARS))
                .collect(),
            stack_more,
            url: report.url.clone().filter(|u| is_linkable(u)),
            regression,
            release: report
                .release()
                .map(|r| truncate_chars(r, STACK_LINE_CHARS)),
        }
    }
}

/// Safe to put inside Slack's `<url|label>`.
fn is_linkable(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2_000
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '|'))
}

/// A digest window that has closed but whose line is not yet posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLine {
    pub window_start: UnixTime,
    pub window_end: UnixTime,
    pub count: u64,
    pub last_seen: UnixTime,
    pub sample: Sample,
}

/// One fingerprint's current window in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub channel: String,
    pub fingerprint: String,
    pub mode: Mode,
    pub window_start: UnixTime,
    /// [`super::tick`] closes the window once `window_end <= now`.
    pub window_end: UnixTime,
    /// Reports in this window (the posted one included).
    pub count: u64,
    pub last_seen: UnixTime,
    /// The key of the posted message (stream mode).
    pub message_key: Option<String>,
    pub sample: Sample,
    /// A digest window that closed when a report rolled it over; posted by
    /// the next tick together with the channel's other lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<DigestLine>,
    /// Not posted yet: a subscription's trigger (`when=N/duration`) waits
    /// for N sightings within its window; these are the latest ones. The
    /// group lapses (the tick removes it) a window after the last one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sightings: Vec<UnixTime>,
}

impl Group {
    pub fn key(&self) -> String {
        group_key(&self.channel, &self.fingerprint)
    }

    /// When the next tick has work on this group.
    pub fn due_at(&self) -> UnixTime {
        match &self.closed {
            Some(_) => self.window_start,
            None => self.window_end,
        }
    }
}

/// The key of the [`Group`] of `fingerprint` in `channel`.
pub fn group_key(channel: &str, fingerprint: &str) -> String {
    format!("{channel}/{fingerprint}")
}

/// A muted fingerprint (in every channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    pub fingerprint: String,
    /// Muted until this time; `None` until unmuted.
    pub until: Option<UnixTime>,
    pub by: String,
    pub at: UnixTime,
    /// Reports dropped while muted.
    pub muted_count: u64,
}

impl Mute {
    pub fn key(&self) -> String {
        self.fingerprint.clone()
    }

    pub fn is_active(&self, now: UnixTime) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// A fingerprint someone marked resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub fingerprint: String,
    pub by: String,
    pub at: UnixTime,
    /// `resolve … next-release`: reports from this release stay quiet; one
    /// from any other release is a regression. `None`: any report is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

impl Resolved {
    pub fn key(&self) -> String {
        self.fingerprint.clone()
    }
}

/// A fingerprint Baton has routed to a channel, and the release it was
/// last seen in (written when that changes, so `resolve … next-release`
/// knows the fingerprint and its release).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// When it was first seen in that release.
    pub since: UnixTime,
}

impl Seen {
    pub fn key(&self) -> String {
        self.fingerprint.clone()
    }
}

/// A fingerprint's reports held back by a channel's cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldEntry {
    pub fingerprint: String,
    pub title: String,
    pub count: u64,
}

/// Most distinct fingerprints remembered in a [`ChannelRate`].
pub const HELD_FINGERPRINTS: usize = 20;

/// A channel's posts in its current minute, and what was held back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRate {
    pub channel: String,
    pub window_start: UnixTime,
    /// Error messages posted in this minute.
    pub posted: u32,
    /// Reports held back in this minute.
    pub held: u64,
    /// The most frequent held fingerprints (at most [`HELD_FINGERPRINTS`]).
    pub held_top: Vec<HeldEntry>,
}

impl ChannelRate {
    pub fn key(&self) -> String {
        self.channel.clone()
    }

    pub fn window_end(&self) -> UnixTime {
        self.window_start + RATE_WINDOW_SECS
    }
}

/// The kind of a record, which (with its key) names it for removal. Where
/// each kind is stored is the state crate's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Subscriptions,
    Groups,
    Mutes,
    Resolved,
    Rates,
    Seen,
}

/// Any record of this feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    Subscription(Subscription),
    Group(Box<Group>),
    Mute(Mute),
    Resolved(Resolved),
    Rate(ChannelRate),
    Seen(Seen),
}

impl Record {
    pub fn table(&self) -> Table {
        match self {
            Record::Subscription(_) => Table::Subscriptions,
            Record::Group(_) => Table::Groups,
            Record::Mute(_) => Table::Mutes,
            Record::Resolved(_) => Table::Resolved,
            Record::Rate(_) => Table::Rates,
            Record::Seen(_) => Table::Seen,
        }
    }

    pub fn key(&self) -> String {
        match self {
            Record::Subscription(r) => r.key(),
            Record::Group(r) => r.key(),
            Record::Mute(r) => r.key(),
            Record::Resolved(r) => r.key(),
            Record::Rate(r) => r.key(),
            Record::Seen(r) => r.key(),
        }
    }
}

/// The state a decision reads. Fill only what the function's doc asks for;
/// the rest can stay empty (`Snapshot::default()`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot<'a> {
    pub subscriptions: &'a [Subscription],
    pub groups: &'a [Group],
    pub rates: &'a [ChannelRate],
    pub mutes: &'a [Mute],
    pub resolved: &'a [Resolved],
    /// The fingerprint's [`Seen`] record (for reports and `resolve …
    /// next-release`).
    pub seen: &'a [Seen],
}

impl<'a> Snapshot<'a> {
    pub(crate) fn group(&self, channel: &str, fingerprint: &str) -> Option<&'a Group> {
        self.groups
            .iter()
            .find(|g| g.channel == channel && g.fingerprint == fingerprint)
    }

    pub(crate) fn rate(&self, channel: &str) -> Option<&'a ChannelRate> {
        self.rates.iter().find(|r| r.channel == channel)
    }

    pub(crate) fn mute(&self, fingerprint: &str) -> Option<&'a Mute> {
        self.mutes.iter().find(|m| m.fingerprint == fingerprint)
    }

    pub(crate) fn resolved(&self, fingerprint: &str) -> Option<&'a Resolved> {
        self.resolved.iter().find(|r| r.fingerprint == fingerprint)
    }

    pub(crate) fn seen(&self, fingerprint: &str) -> Option<&'a Seen> {
        self.seen.iter().find(|r| r.fingerprint == fingerprint)
    }
}
