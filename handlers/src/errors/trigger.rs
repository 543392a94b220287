//! Error alert triggers (`errors subscribe … when=<N>/<duration>`): a
//! channel whose subscription has a [`Trigger`] gets a fingerprint posted
//! only once it has been seen N times within the window; until then its
//! [`Group`] holds the latest sightings and nothing is posted. Once posted,
//! later reports are grouped as without a trigger; when that window closes
//! the count starts again. The default (no trigger) posts at the first
//! sighting.

use super::records::{Group, Mode, Sample, Trigger};
use crate::UnixTime;

/// What one more sighting of a fingerprint does in a channel with a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighting {
    /// Already posted and its window is open: counted as usual.
    Posted,
    /// Not yet: keep counting in this group (not posted).
    Wait(Box<Group>),
    /// Seen `seen` times within the window with this one: post it now.
    Fire { seen: u64 },
}

/// Of two triggers matching one report in one channel, the one that posts
/// sooner: fewer sightings, then the longer window.
pub fn sooner(a: Trigger, b: Trigger) -> Trigger {
    if (a.count, -a.window_secs) <= (b.count, -b.window_secs) {
        a
    } else {
        b
    }
}

/// Count one sighting at `now` against `trigger`. `group` is the channel's
/// group of the fingerprint, if any (a posted one, or one still counting).
pub fn sight(
    group: Option<&Group>,
    trigger: Trigger,
    channel: &str,
    fingerprint: &str,
    sample: &Sample,
    now: UnixTime,
) -> Sighting {
    if let Some(g) = group {
        if g.message_key.is_some() && g.window_end > now {
            return Sighting::Posted;
        }
    }
    let mut times: Vec<UnixTime> = group
        .filter(|g| g.message_key.is_none())
        .map(|g| g.sightings.clone())
        .unwrap_or_default();
    times.retain(|t| *t > now - trigger.window_secs);
    times.push(now);
    let keep = trigger.count as usize;
    if times.len() > keep {
        times.drain(..times.len() - keep);
    }
    if times.len() >= keep {
        return Sighting::Fire {
            seen: times.len() as u64,
        };
    }
    Sighting::Wait(Box::new(Group {
        channel: channel.to_string(),
        fingerprint: fingerprint.to_string(),
        mode: Mode::Stream,
        window_start: times[0],
        window_end: now + trigger.window_secs,
        count: times.len() as u64,
        last_seen: now,
        message_key: None,
        sample: sample.clone(),
        closed: None,
        sightings: times,
    }))
}
