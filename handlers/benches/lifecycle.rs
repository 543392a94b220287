//! Benchmark of the review lifecycle's pure parts: the next working
//! instant in a zone with daylight saving, the reminder timer's decision
//! over 1,000 due reviews, the digest of a channel with 1,000 open pull
//! requests, and one person's queue among them.
//!
//! `cargo bench -p baton-handlers --bench lifecycle`

use std::hint::black_box;
use std::time::Instant;

use baton_handlers::reviewers::lifecycle::hours::parse_zone;
use baton_handlers::reviewers::lifecycle::{
    self, ChannelSettings, DigestInput, DigestSchedule, Profile, Queue, ReminderInput,
    TrackedPullRequest, WorkingHours,
};
use baton_handlers::reviewers::People;

/// Monday 2026-11-30 09:00 in Sydney.
const NOW: i64 = 1_795_989_600;

fn open(n: u64) -> TrackedPullRequest {
    let mut pr = TrackedPullRequest {
        repo: "octo/api".into(),
        number: n,
        channel: "C1".into(),
        title: format!("Change number {n}"),
        url: format!("https://github.com/octo/api/pull/{n}"),
        author: format!("dev-{}", n % 50),
        additions: 10,
        deletions: 2,
        changed_files: 3,
        opened_at: NOW - 5 * 86_400,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
    };
    pr.ask(
        &format!("dev-{}", (n + 1) % 50),
        NOW - 2 * 86_400 - n as i64,
    );
    pr.schedule_reminders(Some(86_400));
    pr
}

fn time<T>(what: &str, runs: usize, mut f: impl FnMut() -> T) {
    let start = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    let per = start.elapsed().as_nanos() as f64 / runs as f64;
    println!("{what:<58} {:>10.1} µs", per / 1000.0);
}

fn main() {
    let sydney = parse_zone("Australia/Sydney").unwrap();
    let hours = WorkingHours::default();
    let mut t = NOW;
    time(
        "next working instant (Sydney, any hour of a week)",
        100_000,
        || {
            t += 6_053;
            hours.next_working_instant(black_box(t), &sydney)
        },
    );
    let pulls: Vec<TrackedPullRequest> = (1..=1_000).map(open).collect();
    let mut people = People::default();
    let mut profiles = Vec::new();
    for i in 0..50 {
        people = people.mapped(&format!("dev-{i}"), &format!("U{i:08}"));
        profiles.push(Profile {
            user: format!("U{i:08}"),
            tz: Some(["Australia/Sydney", "Europe/Paris", "America/Los_Angeles"][i % 3].into()),
            read_at: NOW,
        });
    }
    let channels = [ChannelSettings::new("C1")];
    time(
        "reminder timer, 1,000 reviews due (50 people, 3 zones)",
        50,
        || {
            lifecycle::decide::remind(
                &ReminderInput {
                    due: &pulls,
                    assignments: &[],
                    people: &people,
                    persons: &[],
                    profiles: &profiles,
                    channels: &channels,
                },
                NOW,
            )
        },
    );
    let mut digest = ChannelSettings::new("C1");
    digest.digest = Some(DigestSchedule {
        minute: 570,
        zone: "Europe/Paris".into(),
    });
    let due = [digest];
    time(
        "digest of a channel with 1,000 open pull requests",
        50,
        || {
            lifecycle::decide::digest(
                &DigestInput {
                    due: &due,
                    open: &pulls,
                    people: &people,
                },
                NOW,
            )
        },
    );
    time(
        "one person's queue among 1,000 open pull requests",
        1_000,
        || Queue::of("dev-7", &pulls).to_review.len(),
    );
    let bytes = serde_json::to_vec(&pulls[0]).unwrap();
    time("review record JSON round trip", 100_000, || {
        serde_json::from_slice::<TrackedPullRequest>(&serde_json::to_vec(&pulls[0]).unwrap())
            .unwrap()
    });
    println!("review record size: {} bytes of JSON", bytes.len());
}
