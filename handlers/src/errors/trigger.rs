//! Error alert triggers (`errors subscribe … when=<N>/<duration>`): a
//! channel whose subscription has a [`Trigger`] gets a fingerprint posted
//! only once it has been seen N times within the window; until then its
//! [`Group`] holds the latest sightings and nothing is posted. Once posted,
//! later reports are grouped as without a trigger; when that window closes
//! the count starts again. The default (no trigger) posts at the first
//! sighting.

use super::state::{Group, Mode, Sample, Trigger};
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::report::{ErrorReport, Level};

    const NOW: UnixTime = 1_795_392_000;
    const FIVE_IN_TEN: Trigger = Trigger {
        count: 5,
        window_secs: 600,
    };

    fn sample() -> Sample {
        Sample::from_report(
            &ErrorReport::new("api", "production", Level::Error, "boom"),
            false,
        )
    }

    /// Sightings at these offsets from NOW; what the last one does.
    fn after(offsets: &[i64]) -> Sighting {
        let mut group: Option<Group> = None;
        let mut last = Sighting::Posted;
        for offset in offsets {
            last = sight(
                group.as_ref(),
                FIVE_IN_TEN,
                "C1",
                "fp",
                &sample(),
                NOW + offset,
            );
            if let Sighting::Wait(g) = &last {
                group = Some((**g).clone());
            }
        }
        last
    }

    #[test]
    fn four_sightings_wait_and_the_fifth_within_the_window_fires() {
        let Sighting::Wait(g) = after(&[0, 60, 120, 180]) else {
            panic!()
        };
        assert_eq!(g.sightings.len(), 4);
        assert_eq!(g.count, 4);
        assert_eq!(g.message_key, None);
        assert_eq!(
            g.window_end,
            NOW + 180 + 600,
            "lapses a window after the last"
        );
        assert_eq!(after(&[0, 60, 120, 180, 240]), Sighting::Fire { seen: 5 });
    }

    #[test]
    fn sightings_older_than_the_window_do_not_count() {
        // The first falls out of the window by the fifth.
        let Sighting::Wait(g) = after(&[0, 60, 120, 180, 600]) else {
            panic!("fired with a sighting 600 s old")
        };
        assert_eq!(g.sightings, [NOW + 60, NOW + 120, NOW + 180, NOW + 600]);
        assert_eq!(
            after(&[0, 60, 120, 180, 600, 601]),
            Sighting::Fire { seen: 5 }
        );
    }

    #[test]
    fn a_posted_group_with_an_open_window_is_counted_as_usual() {
        let mut posted = match after(&[0]) {
            Sighting::Wait(g) => *g,
            other => panic!("{other:?}"),
        };
        posted.message_key = Some("error:fp:C1:1".into());
        posted.sightings.clear();
        assert_eq!(
            sight(Some(&posted), FIVE_IN_TEN, "C1", "fp", &sample(), NOW + 10),
            Sighting::Posted
        );
        // Its window over, counting starts again.
        assert!(matches!(
            sight(
                Some(&posted),
                FIVE_IN_TEN,
                "C1",
                "fp",
                &sample(),
                NOW + 10_000
            ),
            Sighting::Wait(_)
        ));
        let once = Trigger {
            count: 1,
            window_secs: 60,
        };
        assert_eq!(
            sight(None, once, "C1", "fp", &sample(), NOW),
            Sighting::Fire { seen: 1 }
        );
    }

    #[test]
    fn a_report_is_posted_at_the_fifth_sighting_with_its_count() {
        use crate::errors::decide::{on_report, Delivery, Route};
        use crate::errors::state::{Policy, Record, Snapshot};
        use crate::outbound::Outbound;
        let route = Route {
            fingerprint: "85944171f73967e8".into(),
            deliveries: vec![Delivery {
                channel: "C1".into(),
                mode: Mode::Stream,
                trigger: Some(FIVE_IN_TEN),
            }],
        };
        let report = ErrorReport::new("api", "production", Level::Error, "boom");
        let mut groups: Vec<Group> = Vec::new();
        for i in 0..5 {
            let snapshot = Snapshot {
                groups: &groups,
                ..Snapshot::default()
            };
            let out = on_report(&report, &route, &snapshot, &Policy::default(), NOW + i * 60);
            let stored: Vec<Group> = out
                .puts()
                .filter_map(|r| match r {
                    Record::Group(g) => Some((**g).clone()),
                    _ => None,
                })
                .collect();
            if i < 4 {
                assert!(out.outbound.is_empty(), "sighting {}", i + 1);
                assert_eq!(stored[0].sightings.len(), i as usize + 1);
            } else {
                let [Outbound::SlackPost { text, .. }] = out.outbound.as_slice() else {
                    panic!("{:?}", out.outbound)
                };
                assert!(text.contains("seen 5 times in 10m"), "{text}");
                assert_eq!(stored[0].count, 5);
                assert!(stored[0].message_key.is_some() && stored[0].sightings.is_empty());
            }
            groups = stored;
        }
        // The sixth is grouped as usual.
        let snapshot = Snapshot {
            groups: &groups,
            ..Snapshot::default()
        };
        let sixth = on_report(&report, &route, &snapshot, &Policy::default(), NOW + 400);
        assert!(sixth.outbound.is_empty());
    }

    #[test]
    fn a_plain_subscription_in_the_same_channel_posts_at_once() {
        use crate::errors::decide::route;
        use crate::errors::state::{Subscription, SubscriptionFilters};
        let sub = |id: &str, trigger| Subscription {
            id: id.into(),
            channel: "C1".into(),
            filters: SubscriptionFilters::default(),
            digest: None,
            created_by: "U1".into(),
            created_at: NOW,
            trigger,
        };
        let report = ErrorReport::new("api", "production", Level::Error, "boom");
        let only = route(&report, &[sub("a", Some(FIVE_IN_TEN))]);
        assert_eq!(only.deliveries[0].trigger, Some(FIVE_IN_TEN));
        let both = route(&report, &[sub("a", Some(FIVE_IN_TEN)), sub("b", None)]);
        assert_eq!(both.deliveries[0].trigger, None);
    }

    #[test]
    fn the_sooner_trigger_wins() {
        let three = Trigger {
            count: 3,
            window_secs: 60,
        };
        assert_eq!(sooner(FIVE_IN_TEN, three), three);
        let longer = Trigger {
            count: 5,
            window_secs: 3600,
        };
        assert_eq!(sooner(FIVE_IN_TEN, longer), longer);
    }
}
