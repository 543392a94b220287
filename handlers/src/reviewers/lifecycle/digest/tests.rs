//! The digest: what it lists, in which order, and its next time.

use super::*;
use crate::reviewers::lifecycle::record::{Review, Verdict};
use crate::reviewers::lifecycle::settings::DigestSchedule;

/// Monday 2026-11-30 09:30 in Paris (08:30 UTC).
const MONDAY_0930_PARIS: UnixTime = 1_796_027_400;
const DAY: i64 = 86_400;

fn tracked(number: u64, channel: &str) -> TrackedPullRequest {
    TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: channel.into(),
        title: format!("Change {number}"),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: "torvalds".into(),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        opened_at: MONDAY_0930_PARIS - 10 * DAY,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
    }
}

fn paris() -> ChannelSettings {
    let mut settings = ChannelSettings::new("C1");
    settings.digest = Some(DigestSchedule {
        minute: 570,
        zone: "Europe/Paris".into(),
    });
    settings.digest_at = Some(MONDAY_0930_PARIS);
    settings
}

#[test]
fn the_digest_lists_open_pull_requests_by_whom_they_wait_on_oldest_first() {
    let mut review = tracked(1, "C1");
    review.ask("hubot", MONDAY_0930_PARIS - 3_600);
    let mut author = tracked(2, "C1");
    author.reviewer_entry("hubot").review = Some(Review {
        verdict: Verdict::ChangesRequested,
        at: MONDAY_0930_PARIS - 2 * DAY,
    });
    let nobody = tracked(3, "C1");
    let mut draft = tracked(4, "C1");
    draft.ask("hubot", MONDAY_0930_PARIS - 5 * DAY);
    draft.draft = true;
    let mut elsewhere = tracked(5, "C2");
    elsewhere.ask("hubot", MONDAY_0930_PARIS);
    let open = [review, author, nobody, draft, elsewhere];
    let people = People::default().mapped("hubot", "U1");
    let due = [paris()];
    let outcome = digest(
        &DigestInput {
            due: &due,
            open: &open,
            people: &people,
        },
        MONDAY_0930_PARIS,
    );
    let [Outbound::SlackPost {
        channel, blocks, ..
    }] = &outcome.outbound[..]
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(channel, "C1");
    let text = blocks.as_ref().unwrap().to_string();
    assert!(text.contains("3 open pull requests"), "{text}");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {text}"))
    };
    assert!(
        at("api#2") < at("api#1") && at("api#1") < at("api#3"),
        "oldest first: {text}"
    );
    assert!(
        text.contains("on its author *torvalds* (changes requested, 2d)"),
        "{text}"
    );
    assert!(text.contains("on <@U1> to review (1h)"), "{text}");
    assert!(text.contains("no reviewer asked (10d)"), "{text}");
    assert!(!text.contains("api#4") && !text.contains("api#5"), "{text}");
    // The next one: Tuesday 09:30 in Paris.
    let Change::PutChannelSettings(next) = &outcome.changes[0] else {
        panic!()
    };
    assert_eq!(next.digest_at, Some(MONDAY_0930_PARIS + DAY));
}

#[test]
fn nothing_open_posts_nothing_and_a_late_digest_comes_once() {
    let due = [paris()];
    let people = People::default();
    // Down over the weekend: the Friday digest is done on Saturday, once.
    let saturday = MONDAY_0930_PARIS - 2 * DAY;
    let outcome = digest(
        &DigestInput {
            due: &due,
            open: &[],
            people: &people,
        },
        saturday,
    );
    assert!(outcome.outbound.is_empty());
    let Change::PutChannelSettings(next) = &outcome.changes[0] else {
        panic!()
    };
    assert_eq!(next.digest_at, Some(MONDAY_0930_PARIS), "next on Monday");
    // Turned off while due: no time at all.
    let mut off = paris();
    off.digest = None;
    let outcome = digest(
        &DigestInput {
            due: &[off],
            open: &[tracked(1, "C1")],
            people: &people,
        },
        MONDAY_0930_PARIS,
    );
    assert!(outcome.outbound.is_empty());
    assert!(matches!(&outcome.changes[0], Change::PutChannelSettings(s) if s.digest_at.is_none()));
}

#[test]
fn a_long_digest_stays_inside_slacks_limits() {
    let open: Vec<TrackedPullRequest> = (1..=1_000)
        .map(|n| {
            let mut pr = tracked(n, "C1");
            pr.title = "x".repeat(300);
            pr.ask("hubot", MONDAY_0930_PARIS - n as i64);
            pr
        })
        .collect();
    let due = [paris()];
    let people = People::default();
    let outcome = digest(
        &DigestInput {
            due: &due,
            open: &open,
            people: &people,
        },
        MONDAY_0930_PARIS,
    );
    let Outbound::SlackPost { blocks, .. } = &outcome.outbound[0] else {
        panic!()
    };
    let blocks = blocks
        .as_ref()
        .unwrap()
        .as_json()
        .as_array()
        .unwrap()
        .clone();
    assert!(blocks.len() <= 50);
    for block in &blocks {
        let text = block["text"]["text"].as_str().unwrap_or_default();
        assert!(text.chars().count() <= 3_000);
    }
    assert!(blocks.last().unwrap().to_string().contains("more"));
}
