//! Tests of `errors/trigger.rs`.

use crate::errors::records::{Group, Sample, Trigger};
use crate::errors::report::{ErrorReport, Level};
use crate::errors::trigger::*;
use crate::UnixTime;

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
