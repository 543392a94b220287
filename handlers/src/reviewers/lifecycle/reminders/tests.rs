//! When reminders come: the lower bound written with each change, and the
//! timer's decision inside and outside working hours.

use super::*;
use crate::outbound::Outbound;
use crate::reviewers::lifecycle::hours::WorkingHours;

/// Monday 2026-11-30 09:00 in Sydney (Sunday 22:00 UTC).
const MONDAY_9AM_SYDNEY: UnixTime = 1_795_989_600;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn tracked(asked_at: UnixTime) -> TrackedPullRequest {
    let mut pr = TrackedPullRequest {
        repo: "octo-org/api".into(),
        number: 7,
        channel: "C1".into(),
        title: "Retry <webhook> delivery".into(),
        url: "https://github.com/octo-org/api/pull/7".into(),
        author: "torvalds".into(),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        opened_at: asked_at,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
    };
    pr.ask("hubot", asked_at);
    pr
}

struct Setup {
    people: People,
    persons: Vec<PersonSettings>,
    profiles: Vec<Profile>,
    channels: Vec<ChannelSettings>,
}

/// hubot (U1) in `zone` (no profile read yet: `None`), in channel C1
/// reminding after a day.
fn setup(zone: Option<&str>) -> Setup {
    setup_reminding(zone, DAY)
}

fn setup_reminding(zone: Option<&str>, after: i64) -> Setup {
    let mut channel = ChannelSettings::new("C1");
    channel.remind_after = Some(after);
    Setup {
        people: People::default().mapped("hubot", "U1"),
        persons: Vec::new(),
        profiles: zone
            .map(|zone| Profile {
                user: "U1".into(),
                tz: Some(zone.into()),
                read_at: 0,
            })
            .into_iter()
            .collect(),
        channels: vec![channel],
    }
}

/// Run the timer at `now` over `pr`: the record it writes (if any) and how
/// many reminders it sends.
fn tick(setup: &Setup, pr: &TrackedPullRequest, now: UnixTime) -> (TrackedPullRequest, usize) {
    let due = [pr.clone()];
    let outcome = remind(
        &ReminderInput {
            due: &due,
            assignments: &[],
            people: &setup.people,
            persons: &setup.persons,
            profiles: &setup.profiles,
            channels: &setup.channels,
        },
        now,
    );
    let sent = outcome
        .outbound
        .iter()
        .filter(|o| matches!(o, Outbound::SlackDirect { user, .. } if user == "U1"))
        .count();
    let written = outcome
        .tracked()
        .first()
        .map(|t| (*t).clone())
        .unwrap_or_else(|| pr.clone());
    (written, sent)
}

fn remind_at(pr: &TrackedPullRequest) -> Option<UnixTime> {
    pr.reviewers[0].remind_at
}

#[test]
fn the_lower_bound_follows_the_wait_and_keeps_a_later_choice() {
    let mut pr = tracked(1_000);
    schedule(&mut pr, Some(DAY));
    assert_eq!(remind_at(&pr), Some(1_000 + DAY));
    pr.reviewers[0].remind_at = Some(1_000 + 3 * DAY); // the timer put it off
    schedule(&mut pr, Some(DAY));
    assert_eq!(remind_at(&pr), Some(1_000 + 3 * DAY));
    reschedule(&mut pr, Some(HOUR));
    assert_eq!(remind_at(&pr), Some(1_000 + HOUR));
    pr.reviewers[0].reminded_at = Some(5_000);
    reschedule(&mut pr, Some(HOUR));
    assert_eq!(
        remind_at(&pr),
        Some(5_000 + HOUR),
        "an hour after the last one"
    );
    schedule(&mut pr, None);
    assert_eq!(remind_at(&pr), None, "the channel does not remind");
    pr.draft = true;
    schedule(&mut pr, Some(HOUR));
    assert_eq!(remind_at(&pr), None, "a draft waits on no one");
}

#[test]
fn inside_hours_it_goes_outside_it_waits_for_the_morning() {
    let setup = setup(Some("Australia/Sydney"));
    let mut pr = tracked(MONDAY_9AM_SYDNEY - DAY - 10 * HOUR); // Sunday 23:00
    schedule(&mut pr, Some(DAY));
    // Monday 23:00 in Sydney: due, but at night.
    let night = MONDAY_9AM_SYDNEY + 14 * HOUR;
    let (put_off, sent) = tick(&setup, &pr, night);
    assert_eq!(sent, 0);
    assert_eq!(
        remind_at(&put_off),
        Some(MONDAY_9AM_SYDNEY + DAY),
        "Tuesday 09:00"
    );
    // Tuesday 09:00: it goes; the next no sooner than a day later.
    let (sent_once, sent) = tick(&setup, &put_off, MONDAY_9AM_SYDNEY + DAY);
    assert_eq!(sent, 1);
    assert_eq!(
        sent_once.reviewers[0].reminded_at,
        Some(MONDAY_9AM_SYDNEY + DAY)
    );
    assert_eq!(remind_at(&sent_once), Some(MONDAY_9AM_SYDNEY + 2 * DAY));
}

#[test]
fn never_twice_on_one_working_day() {
    let setup = setup_reminding(Some("Australia/Sydney"), HOUR / 2);
    let mut pr = tracked(MONDAY_9AM_SYDNEY - HOUR);
    schedule(&mut pr, Some(HOUR / 2));
    let (first, sent) = tick(&setup, &pr, MONDAY_9AM_SYDNEY);
    assert_eq!(sent, 1);
    // Half an hour later it is due again, but it is the same day.
    let later = MONDAY_9AM_SYDNEY + HOUR;
    let (put_off, sent) = tick(&setup, &first, later);
    assert_eq!(sent, 0);
    assert_eq!(remind_at(&put_off), Some(MONDAY_9AM_SYDNEY + DAY));
}

#[test]
fn the_weekend_is_skipped_in_the_reviewers_zone() {
    // Friday 18:30 in Los Angeles is Saturday in Sydney: for a reviewer in
    // Los Angeles it is after hours, and Monday 09:00 there is next.
    let setup = setup(Some("America/Los_Angeles"));
    let friday_evening_la: UnixTime = 1_795_833_000; // 2026-11-27 18:30 PST
    let mut pr = tracked(friday_evening_la - DAY);
    schedule(&mut pr, Some(DAY));
    let (put_off, sent) = tick(&setup, &pr, friday_evening_la);
    assert_eq!(sent, 0);
    let next = remind_at(&put_off).unwrap();
    let zone = crate::reviewers::lifecycle::hours::parse_zone("America/Los_Angeles").unwrap();
    assert!(WorkingHours::default().contains(next, &zone));
    assert!(
        next - friday_evening_la > DAY,
        "not before Monday: {}",
        next - friday_evening_la
    );
}

#[test]
fn who_cannot_be_reminded_is_looked_at_again_later() {
    let setup = |zone: Option<&str>| setup_reminding(zone, HOUR);
    let mut pr = tracked(0);
    schedule(&mut pr, Some(HOUR));
    let now = MONDAY_9AM_SYDNEY;
    // Unknown profile: a few minutes for users.info.
    let (waiting, sent) = tick(&setup(None), &pr, now);
    assert_eq!(
        (sent, remind_at(&waiting)),
        (0, Some(now + PROFILE_WAIT_SECS))
    );
    // Not mapped to Slack: the delay again.
    let mut unmapped = setup(Some("UTC"));
    unmapped.people = People::default();
    let (later, sent) = tick(&unmapped, &pr, now);
    assert_eq!((sent, remind_at(&later)), (0, Some(now + HOUR)));
    // Direct messages off: the delay again.
    let mut quiet = setup(Some("UTC"));
    let mut off = PersonSettings::new("U1");
    off.direct_messages = false;
    quiet.persons.push(off);
    let (later, sent) = tick(&quiet, &pr, now);
    assert_eq!((sent, remind_at(&later)), (0, Some(now + HOUR)));
    // The channel stopped reminding: no time at all.
    let mut stopped = setup(Some("UTC"));
    stopped.channels[0].remind_after = None;
    let (done, sent) = tick(&stopped, &pr, now);
    assert_eq!((sent, remind_at(&done)), (0, None));
    // Answered meanwhile: no time at all.
    let mut answered = pr.clone();
    answered.reviewers[0].requested_at = None;
    let (done, sent) = tick(&setup(Some("UTC")), &answered, now);
    assert_eq!((sent, remind_at(&done)), (0, None));
}
