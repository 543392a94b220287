//! The report half of the decisions: route a report to the channels that
//! subscribed to it ([`CompiledSubscriptions`], [`Route`]), post or count
//! it ([`on_report`]: windows, digests, mutes, regressions, per-channel
//! cap, and the [`ReportAnswer`] its sender gets), close windows on the
//! periodic [`tick`], and act on a press of "Mute 1h" or "Resolve"
//! ([`on_button`], which mutes and resolves as the commands do). The
//! commands are decided in [`mod@super::execute`].

use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde::Serialize;

use super::change::{Change, Outcome};
use super::commands::CompiledFilters;
use super::execute::{mute, resolve};
use super::fingerprint::{fingerprint, fnv1a_hex, is_fingerprint};
use super::records::{
    group_key, ChannelRate, DigestLine, Group, HeldEntry, Mode, Policy, Record, Sample, Seen,
    Snapshot, Subscription, Table, Trigger, HELD_FINGERPRINTS,
};
use super::render::{digest_message, held_summary, report_message, seen_footer};
use super::report::ErrorReport;
use super::trigger::{sight, sooner, Sighting};
use crate::buttons::ErrorButton;
use crate::caller::Caller;
use crate::outbound::Outbound;
use crate::UnixTime;

/// Subscriptions with their filters compiled. Build it once when the
/// subscriptions change and keep it: routing then compiles nothing.
#[derive(Debug, Clone)]
pub struct CompiledSubscriptions {
    entries: Vec<(Subscription, CompiledFilters)>,
}

impl CompiledSubscriptions {
    pub fn new(subscriptions: &[Subscription]) -> Self {
        CompiledSubscriptions {
            entries: subscriptions
                .iter()
                .map(|s| (s.clone(), CompiledFilters::new(&s.filters)))
                .collect(),
        }
    }

    /// Is this cache still built from exactly these subscriptions?
    pub fn is_built_from(&self, subscriptions: &[Subscription]) -> bool {
        self.entries.len() == subscriptions.len()
            && self
                .entries
                .iter()
                .zip(subscriptions)
                .all(|((a, _), b)| a == b)
    }

    /// Which channels get this report, and how (see [`route`]).
    pub fn route(&self, report: &ErrorReport) -> Route {
        self.route_fingerprinted(report, fingerprint(report))
    }

    /// [`Self::route`] with the report's [`fingerprint`] already computed
    /// (so a caller can compute it outside its writer thread).
    pub fn route_fingerprinted(&self, report: &ErrorReport, fingerprint: String) -> Route {
        let mut modes: BTreeMap<&str, (Mode, Option<Trigger>)> = BTreeMap::new();
        for (sub, filters) in &self.entries {
            if !filters.matches(report) {
                continue;
            }
            let (mode, trigger) = (sub.mode(), sub.trigger);
            modes
                .entry(sub.channel.as_str())
                .and_modify(|(m, t)| {
                    *t = sooner_of(*m, *t, mode, trigger);
                    *m = stronger(*m, mode);
                })
                .or_insert((mode, trigger));
        }
        Route {
            fingerprint,
            deliveries: modes
                .into_iter()
                .map(|(channel, (mode, trigger))| Delivery {
                    channel: channel.to_string(),
                    mode,
                    trigger: trigger.filter(|_| mode == Mode::Stream),
                })
                .collect(),
        }
    }
}

/// Of two matching subscriptions in one channel: streaming wins over a
/// digest, and the shorter digest over the longer.
fn stronger(a: Mode, b: Mode) -> Mode {
    match (a, b) {
        (Mode::Stream, _) | (_, Mode::Stream) => Mode::Stream,
        (Mode::Digest { period: x }, Mode::Digest { period: y }) => {
            Mode::Digest { period: x.min(y) }
        }
    }
}

/// Of two matching subscriptions' triggers in one channel: a streamed
/// subscription without a trigger posts at the first sighting, so it wins;
/// between two triggers, the sooner (digests have none).
fn sooner_of(
    mode_a: Mode,
    a: Option<Trigger>,
    mode_b: Mode,
    b: Option<Trigger>,
) -> Option<Trigger> {
    match ((mode_a, a), (mode_b, b)) {
        ((Mode::Stream, None), _) | (_, (Mode::Stream, None)) => None,
        ((_, Some(a)), (_, Some(b))) => Some(sooner(a, b)),
        ((_, a), (_, b)) => a.or(b),
    }
}

/// One channel that gets a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub channel: String,
    pub mode: Mode,
    /// Streamed with `when=N/duration`: posted only once seen N times.
    pub trigger: Option<Trigger>,
}

/// Where a report goes: its fingerprint and each channel once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub fingerprint: String,
    pub deliveries: Vec<Delivery>,
}

impl Route {
    /// Keys of the [`Group`]s [`on_report`] needs (table `error_groups`).
    pub fn group_keys(&self) -> Vec<String> {
        self.deliveries
            .iter()
            .map(|d| group_key(&d.channel, &self.fingerprint))
            .collect()
    }

    /// Keys of the [`ChannelRate`]s [`on_report`] needs (table `error_rates`).
    pub fn rate_keys(&self) -> Vec<String> {
        self.deliveries
            .iter()
            .filter(|d| d.mode == Mode::Stream)
            .map(|d| d.channel.clone())
            .collect()
    }

    /// Key of the [`Mute`](super::records::Mute) and [`Resolved`](super::records::Resolved) records to load (if present).
    pub fn fingerprint_key(&self) -> &str {
        &self.fingerprint
    }
}

/// Route a report (compiles the subscriptions; prefer a kept
/// [`CompiledSubscriptions`] when handling many reports).
pub fn route(report: &ErrorReport, subscriptions: &[Subscription]) -> Route {
    CompiledSubscriptions::new(subscriptions).route(report)
}

/// What a report's sender hears back (the body of `POST /hooks/errors`'s
/// 202): `ok`, the report's `fingerprint` and the `channels` it was routed
/// to; then, when it was routed somewhere (and so decided), whether the
/// fingerprint is `muted` and how many messages it `posted`. Members in
/// name order, as senders have always read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportAnswer {
    pub channels: Vec<String>,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posted: Option<usize>,
}

/// What a report decides: its changes and messages, and its sender's answer.
pub type ReportOutcome = crate::outcome::Outcome<Change, ReportAnswer>;

/// Decide what one report does, and answer its sender.
///
/// Reads from `snapshot`: the groups under `route.group_keys()`, the rates
/// under `route.rate_keys()`, and the mute, resolved and seen records of
/// the fingerprint (absent ones simply are not there). Subscriptions are
/// not read (they are in `route`). A report routed nowhere reads nothing
/// (pass `Snapshot::default()`): it changes nothing and its answer says
/// so. A fingerprint resolved until the next release stays quiet for
/// reports of the release it was resolved in.
pub fn on_report(
    report: &ErrorReport,
    route: &Route,
    snapshot: &Snapshot,
    policy: &Policy,
    now: UnixTime,
) -> ReportOutcome {
    let outcome = report_changes(report, route, snapshot, policy, now);
    let decided = !route.deliveries.is_empty();
    let answer = ReportAnswer {
        ok: true,
        fingerprint: route.fingerprint.clone(),
        channels: route.deliveries.iter().map(|d| d.channel.clone()).collect(),
        muted: decided.then(|| snapshot.mutes.iter().any(|m| m.is_active(now))),
        posted: decided.then_some(outcome.outbound.len()),
    };
    outcome.answered(answer)
}

/// The changes and messages of one report (see [`on_report`]).
fn report_changes(
    report: &ErrorReport,
    route: &Route,
    snapshot: &Snapshot,
    policy: &Policy,
    now: UnixTime,
) -> Outcome {
    let mut out = Outcome::default();
    if route.deliveries.is_empty() {
        return out;
    }
    let fp = route.fingerprint.as_str();
    if let Some(mute) = snapshot.mute(fp) {
        if mute.is_active(now) {
            let mut mute = mute.clone();
            mute.muted_count += 1;
            out.put(Record::Mute(mute));
            return out;
        }
        out.remove(Table::Mutes, mute.key());
    }
    // Remember the release the fingerprint was last seen in.
    let release = report.release();
    if snapshot
        .seen(fp)
        .is_none_or(|s| s.release.as_deref() != release)
    {
        out.put(Record::Seen(Seen {
            fingerprint: fp.to_string(),
            release: release.map(str::to_string),
            since: now,
        }));
    }
    let regression = match snapshot.resolved(fp) {
        // Resolved until the next release: quiet in the same release.
        Some(r) if r.release.is_some() && r.release.as_deref() == release => return out,
        Some(_) => true,
        None => false,
    };
    if regression {
        out.remove(Table::Resolved, fp.to_string());
    }
    let sample = LazySample {
        report,
        regression,
        cell: OnceCell::new(),
    };
    for delivery in &route.deliveries {
        let group = snapshot.group(&delivery.channel, fp);
        match delivery.mode {
            Mode::Stream => stream_report(
                &mut out, delivery, fp, group, &sample, snapshot, policy, now,
            ),
            Mode::Digest { period } => {
                digest_report(&mut out, delivery, fp, group, &sample, period, now)
            }
        }
    }
    out
}

/// The shown part of a report, built only when something is posted or a
/// window starts (a counted repeat needs none of it).
struct LazySample<'r> {
    report: &'r ErrorReport,
    regression: bool,
    cell: OnceCell<Sample>,
}

impl LazySample<'_> {
    fn get(&self) -> &Sample {
        self.cell
            .get_or_init(|| Sample::from_report(self.report, self.regression))
    }
}

#[allow(clippy::too_many_arguments)]
fn stream_report(
    out: &mut Outcome,
    delivery: &Delivery,
    fp: &str,
    group: Option<&Group>,
    sample: &LazySample,
    snapshot: &Snapshot,
    policy: &Policy,
    now: UnixTime,
) {
    let channel = delivery.channel.as_str();
    let mut group = group;
    let mut seen = 1;
    // A trigger counts sightings before the first post (a regression is
    // posted at once).
    if let Some(trigger) = delivery.trigger.filter(|_| !sample.regression) {
        match sight(group, trigger, channel, fp, sample.get(), now) {
            Sighting::Posted => {}
            Sighting::Wait(counting) => {
                out.put(Record::Group(counting));
                return;
            }
            Sighting::Fire { seen: n } => {
                seen = n;
                if let Some(g) = group.take() {
                    out.remove(Table::Groups, g.key());
                }
            }
        }
    }
    if let Some(g) = group {
        if g.window_end > now && !sample.regression {
            let mut g = g.clone();
            g.count += 1;
            g.last_seen = now;
            out.put(Record::Group(Box::new(g)));
            return;
        }
        // The window is over (the tick has not seen it yet) or this is a
        // regression: finish the old window before starting a new one.
        close_lone(out, g);
    }
    let mut rate = match snapshot.rate(channel) {
        Some(r) if r.window_end() > now => r.clone(),
        old => {
            if let Some(old) = old.filter(|r| r.held > 0) {
                out.outbound
                    .push(held_post(old, policy.channel_cap_per_minute));
            }
            ChannelRate {
                channel: channel.to_string(),
                window_start: now,
                posted: 0,
                held: 0,
                held_top: Vec::new(),
            }
        }
    };
    if rate.posted < policy.channel_cap_per_minute {
        rate.posted += 1;
        let key = message_key(
            &format!("error:{fp}:{channel}:{now}"),
            group.and_then(|g| g.message_key.as_deref()),
        );
        let footer = delivery
            .trigger
            .filter(|_| seen > 1)
            .map(|trigger| super::render::seen_footer(seen, trigger.window_secs, now));
        let (text, blocks) = report_message(sample.get(), fp, footer.as_ref());
        out.outbound.push(Outbound::SlackPost {
            channel: channel.to_string(),
            text,
            blocks: Some(blocks),
            key: Some(key.clone()),
            thread_of: None,
        });
        out.put(Record::Group(Box::new(Group {
            channel: channel.to_string(),
            fingerprint: fp.to_string(),
            mode: Mode::Stream,
            window_start: now,
            window_end: now + policy.window_secs,
            count: seen,
            last_seen: now,
            message_key: Some(key),
            sample: sample.get().clone(),
            closed: None,
            sightings: Vec::new(),
        })));
    } else {
        rate.held += 1;
        let title = format!(
            "{}{}",
            if sample.regression { "🔁 " } else { "" },
            sample.get().title
        );
        let held_len = rate.held_top.len();
        match rate.held_top.iter_mut().find(|h| h.fingerprint == fp) {
            Some(entry) => entry.count += 1,
            None if held_len < HELD_FINGERPRINTS => rate.held_top.push(HeldEntry {
                fingerprint: fp.to_string(),
                title: crate::text::truncate_chars(&title, 150),
                count: 1,
            }),
            None => {}
        }
        if let Some(g) = group {
            out.remove(Table::Groups, g.key());
        }
    }
    out.put(Record::Rate(rate));
}

/// A stream message's key: `base`, unless the window it replaces (a
/// regression in the same second) already used it; a reused key would turn
/// the new post into an update of the old message.
fn message_key(base: &str, previous: Option<&str>) -> String {
    let Some(previous) = previous else {
        return base.to_string();
    };
    let suffix = match previous.strip_prefix(base) {
        Some("") => 0,
        Some(rest) => match rest.strip_prefix('.').and_then(|n| n.parse::<u32>().ok()) {
            Some(n) => n,
            None => return base.to_string(),
        },
        None => return base.to_string(),
    };
    format!("{base}.{}", suffix + 1)
}

fn digest_report(
    out: &mut Outcome,
    delivery: &Delivery,
    fp: &str,
    group: Option<&Group>,
    sample: &LazySample,
    period: i64,
    now: UnixTime,
) {
    if let Some(g) = group {
        if g.window_end > now {
            let mut g = g.clone();
            g.count += 1;
            g.last_seen = now;
            g.sample.regression |= sample.regression;
            out.put(Record::Group(Box::new(g)));
            return;
        }
    }
    let window_start = now - now.rem_euclid(period);
    let mut closed = None;
    if let Some(g) = group {
        // Roll over: keep the closed window for the next tick's digest post,
        // unless an older closed window still waits (then post that alone).
        if let Some(older) = &g.closed {
            out.outbound.push(digest_post(
                &g.channel,
                &[(g.fingerprint.clone(), older.clone())],
            ));
        }
        match g.mode {
            Mode::Digest { .. } => closed = Some(line_of(g)),
            Mode::Stream => close_lone(out, g),
        }
    }
    out.put(Record::Group(Box::new(Group {
        channel: delivery.channel.clone(),
        fingerprint: fp.to_string(),
        mode: Mode::Digest { period },
        window_start,
        window_end: window_start + period,
        count: 1,
        last_seen: now,
        message_key: None,
        sample: sample.get().clone(),
        closed,
        sightings: Vec::new(),
    })));
}

fn line_of(g: &Group) -> DigestLine {
    DigestLine {
        window_start: g.window_start,
        window_end: g.window_end,
        count: g.count,
        last_seen: g.last_seen,
        sample: g.sample.clone(),
    }
}

/// Finish one group's window on its own (outside a tick): a stream message
/// gets its count, a digest window its own digest post.
fn close_lone(out: &mut Outcome, g: &Group) {
    match g.mode {
        Mode::Stream => {
            if let Some(update) = stream_update(g) {
                out.outbound.push(update);
            }
        }
        Mode::Digest { .. } => {
            let mut lines = Vec::new();
            if let Some(closed) = &g.closed {
                lines.push((g.fingerprint.clone(), closed.clone()));
            }
            lines.push((g.fingerprint.clone(), line_of(g)));
            out.outbound.push(digest_post(&g.channel, &lines));
        }
    }
}

/// The update of a stream message when its window closes (count > 1 only).
fn stream_update(g: &Group) -> Option<Outbound> {
    let key = g.message_key.as_ref()?;
    if g.count <= 1 {
        return None;
    }
    let footer = seen_footer(g.count, g.window_end - g.window_start, g.last_seen);
    let (text, blocks) = report_message(&g.sample, &g.fingerprint, Some(&footer));
    Some(Outbound::SlackUpdate {
        key: key.clone(),
        channel: g.channel.clone(),
        text,
        blocks: Some(blocks),
    })
}

/// One digest post for a channel; the key names the lines it holds, so a
/// repeated tick over the same records updates rather than posts twice.
fn digest_post(channel: &str, lines: &[(String, DigestLine)]) -> Outbound {
    let end = lines.iter().map(|(_, l)| l.window_end).max().unwrap_or(0);
    let ids: Vec<String> = lines
        .iter()
        .map(|(fp, l)| format!("{fp}:{}", l.window_start))
        .collect();
    let id = fnv1a_hex(ids.join(",").as_bytes());
    let (text, blocks) = digest_message(lines);
    Outbound::SlackPost {
        channel: channel.to_string(),
        text,
        blocks: Some(blocks),
        key: Some(format!("error-digest:{channel}:{end}:{}", &id[..8])),
        thread_of: None,
    }
}

fn held_post(rate: &ChannelRate, cap: u32) -> Outbound {
    Outbound::SlackPost {
        channel: rate.channel.clone(),
        text: held_summary(rate, cap),
        blocks: None,
        key: Some(format!("error-held:{}:{}", rate.channel, rate.window_start)),
        thread_of: None,
    }
}

/// The periodic tick (every 10–30 s): close the windows that ended, update
/// stream messages with their counts, post digests (one post per channel),
/// summarise held reports, and drop expired mutes.
///
/// Reads from `snapshot`: the groups that are due (`Group::due_at() <= now`;
/// passing all is fine), the rates whose minute ended
/// (`ChannelRate::window_end() <= now`; all is fine), and the mutes (expired
/// ones are removed; all is fine). Nothing else.
pub fn tick(snapshot: &Snapshot, policy: &Policy, now: UnixTime) -> Outcome {
    let mut out = Outcome::default();
    let mut digests: BTreeMap<&str, Vec<(String, DigestLine)>> = BTreeMap::new();
    let mut groups: Vec<&Group> = snapshot.groups.iter().collect();
    groups.sort_by(|a, b| (&a.channel, &a.fingerprint).cmp(&(&b.channel, &b.fingerprint)));
    for g in groups {
        let ended = g.window_end <= now;
        if !ended && g.closed.is_none() {
            continue;
        }
        match g.mode {
            Mode::Stream => {
                if ended {
                    out.outbound.extend(stream_update(g));
                    out.remove(Table::Groups, g.key());
                }
            }
            Mode::Digest { .. } => {
                let lines = digests.entry(g.channel.as_str()).or_default();
                if let Some(closed) = &g.closed {
                    lines.push((g.fingerprint.clone(), closed.clone()));
                }
                if ended {
                    lines.push((g.fingerprint.clone(), line_of(g)));
                    out.remove(Table::Groups, g.key());
                } else {
                    let mut g = g.clone();
                    g.closed = None;
                    out.put(Record::Group(Box::new(g)));
                }
            }
        }
    }
    for (channel, mut lines) in digests {
        lines.sort_by(|(fa, a), (fb, b)| b.count.cmp(&a.count).then(fa.cmp(fb)));
        out.outbound.push(digest_post(channel, &lines));
    }
    for rate in snapshot.rates {
        if rate.window_end() <= now {
            if rate.held > 0 {
                out.outbound
                    .push(held_post(rate, policy.channel_cap_per_minute));
            }
            out.remove(Table::Rates, rate.key());
        }
    }
    for mute in snapshot.mutes {
        if !mute.is_active(now) {
            out.remove(Table::Mutes, mute.key());
        }
    }
    out
}

/// A press of "Mute 1h" or "Resolve" on an error message by `caller` (in
/// the channel the message is in: a press that does not say which is
/// answered, nothing changes); `value` is the fingerprint the button
/// carries.
///
/// Reads from `snapshot`: the group of (the caller's channel, fingerprint)
/// — to answer in the message's thread — and the fingerprint's mute record.
pub fn on_button(
    button: ErrorButton,
    value: &str,
    caller: &Caller,
    snapshot: &Snapshot,
    policy: &Policy,
    now: UnixTime,
) -> Outcome {
    if caller.channel.is_empty() {
        return Outcome::reply(
            ":warning: That button press did not say which channel it came from.",
        );
    }
    if !is_fingerprint(value) {
        return Outcome::reply(":warning: That button carries no fingerprint.");
    }
    let thread = snapshot
        .group(&caller.channel, value)
        .and_then(|g| g.message_key.clone());
    match button {
        ErrorButton::Mute => mute(
            value,
            Some(policy.mute_button_secs),
            caller,
            snapshot,
            now,
            thread,
        ),
        ErrorButton::Resolve => resolve(value, caller, now, thread),
    }
}
