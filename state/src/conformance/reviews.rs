//! Conformance scenarios of the review lifecycle's tables: review records
//! with their open list and reminder index, people's settings and
//! profiles, channels' settings with their digest index.

use baton_handlers::reviewers::lifecycle::{
    ChannelSettings, DigestSchedule, PersonSettings, Profile, TrackedPullRequest, WorkingHours,
};
use baton_handlers::reviewers::Closed;

use super::{Opener, NOW};

fn tracked(number: u64, channel: &str) -> TrackedPullRequest {
    TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: channel.into(),
        title: format!("Pull request {number}"),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: "monalisa".into(),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        opened_at: NOW,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
    }
}

/// `pr` asking `login` since NOW, with a reminder at `remind_at`.
fn asking(mut pr: TrackedPullRequest, login: &str, remind_at: Option<i64>) -> TrackedPullRequest {
    pr.ask(login, NOW);
    pr.reviewer_mut(login).unwrap().remind_at = remind_at;
    pr
}

pub fn review_records_keep_their_open_list_and_reminder_index(open: Opener<'_>) {
    let store = open("review-records");
    let first = asking(
        asking(tracked(1, "C1"), "hubot", Some(NOW + 100)),
        "octocat",
        Some(NOW + 300),
    );
    let second = asking(tracked(2, "C2"), "hubot", Some(NOW + 200));
    store
        .write(|tx| {
            tx.put_tracked_pull_request(&first)?;
            tx.put_tracked_pull_request(&second)?;
            tx.put_tracked_pull_request(&asking(tracked(3, "C1"), "defunkt", None))
        })
        .unwrap();
    let due = |now: i64| -> Vec<u64> {
        store
            .write(|tx| tx.due_review_reminders(now, 100))
            .unwrap()
            .into_iter()
            .map(|pr| pr.number)
            .collect()
    };
    assert!(due(NOW + 99).is_empty());
    assert_eq!(due(NOW + 100), [1]);
    assert_eq!(due(NOW + 1_000), [1, 2], "each record once, earliest first");

    // A reminder sent: the record moves its reviewer's time, and the old
    // entry is gone with it, in the same transaction.
    let mut sent = first.clone();
    sent.reviewer_mut("hubot").unwrap().remind_at = Some(NOW + 5_000);
    store
        .write(|tx| tx.put_tracked_pull_request(&sent))
        .unwrap();
    assert_eq!(due(NOW + 250), [2]);
    assert_eq!(
        due(NOW + 300),
        [2, 1],
        "octocat's reminder on #1 still stands"
    );

    let waiting = |login: &str| -> Vec<u64> {
        store
            .read(|tx| tx.pull_requests_waiting_on_review(login))
            .unwrap()
            .into_iter()
            .map(|pr| pr.number)
            .collect()
    };
    assert_eq!(waiting("HUBOT"), [1, 2]);
    assert_eq!(waiting("defunkt"), [3]);

    // Closing leaves the open list and every queue and timer.
    let mut merged = second.clone();
    merged.closed = Some(Closed {
        at: NOW + 10,
        merged: true,
    });
    merged.reviewer_mut("hubot").unwrap().remind_at = None;
    store
        .write(|tx| tx.put_tracked_pull_request(&merged))
        .unwrap();
    assert_eq!(waiting("hubot"), [1]);
    assert_eq!(due(NOW + 1_000), [1]);
    drop(store);

    // All of it is still there after the store is opened again.
    let store = open("review-records");
    let (open_ones, kept) = store
        .read(|tx| {
            Ok((
                tx.open_tracked_pull_requests()?,
                tx.tracked_pull_request("Octo-Org/API", 2)?,
            ))
        })
        .unwrap();
    assert_eq!(
        open_ones.iter().map(|pr| pr.number).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(kept, Some(merged));
}

pub fn settings_profiles_and_digests_come_due(open: Opener<'_>) {
    let store = open("review-settings");
    let mut paris = ChannelSettings::new("C1");
    paris.digest = Some(DigestSchedule {
        minute: 570,
        zone: "Europe/Paris".into(),
    });
    paris.digest_at = Some(NOW + 60);
    let mut quiet = ChannelSettings::new("C2");
    quiet.remind_after = None;
    let mut person = PersonSettings::new("U1");
    person.direct_messages = false;
    person.hours = Some(WorkingHours::default());
    let profile = Profile {
        user: "U1".into(),
        tz: Some("Australia/Sydney".into()),
        read_at: NOW,
    };
    store
        .write(|tx| {
            tx.put_channel_review_settings(&paris)?;
            tx.put_channel_review_settings(&quiet)?;
            tx.put_person_settings(&person)?;
            tx.put_profile(&profile)
        })
        .unwrap();
    let due = |now: i64| -> Vec<String> {
        store
            .write(|tx| tx.due_review_digests(now, 10))
            .unwrap()
            .into_iter()
            .map(|s| s.channel)
            .collect()
    };
    assert!(due(NOW + 59).is_empty());
    assert_eq!(due(NOW + 60), ["C1"]);
    // Posted: the next one is set in the same write, and this one is gone.
    let mut next = paris.clone();
    next.digest_at = Some(NOW + 86_400);
    store
        .write(|tx| tx.put_channel_review_settings(&next))
        .unwrap();
    assert!(due(NOW + 60).is_empty());
    assert_eq!(due(NOW + 86_400), ["C1"]);
    // Turned off: no timer at all.
    let mut off = next.clone();
    off.digest = None;
    off.digest_at = None;
    store
        .write(|tx| tx.put_channel_review_settings(&off))
        .unwrap();
    assert!(due(NOW + 10 * 86_400).is_empty());
    drop(store);

    let store = open("review-settings");
    let (channels, people, profiles) = store
        .read(|tx| {
            Ok((
                tx.channel_review_settings()?,
                tx.person_settings()?,
                tx.profiles()?,
            ))
        })
        .unwrap();
    assert_eq!(channels, [off, quiet]);
    assert_eq!(people, [person]);
    assert_eq!(profiles, [profile]);
}
