//! Tests of `reviewers/lifecycle/record.rs`: the record's stored form, the
//! open reviews counted from records, one person's queue, and the
//! reminder times.

use super::*;
use crate::reviewers::lifecycle::record::*;
use crate::reviewers::lifecycle::track::Happened;

/// The record, stored and counted.
mod stored {
    use super::*;
    use crate::reviewers::assignment::Closed;
    use crate::reviewers::phase::Phase;

    const T0: UnixTime = 1_795_392_000;

    fn tracked(number: u64, author: &str) -> TrackedPullRequest {
        TrackedPullRequest {
            title: "Retry <webhook> delivery".into(),
            author: author.into(),
            additions: 3,
            opened_at: T0,
            ..open_pull_request(number)
        }
    }

    /// Written by this version; a later one must still read it.
    const STORED: &str = r#"{"repo":"octo-org/api","number":7,"channel":"C1","title":"Retry <webhook> delivery","url":"https://github.com/octo-org/api/pull/7","author":"monalisa","additions":3,"deletions":1,"changed_files":1,"opened_at":1795392000,"draft":false,"reviewers":[{"login":"hubot","requested_at":1795392000,"remind_at":1795478400},{"login":"octocat","review":{"verdict":"changes_requested","at":1795392100},"reminded_at":1795392050}]}"#;

    #[test]
    fn the_stored_form_reads_and_writes_unchanged() {
        let mut pr = tracked(7, "monalisa");
        pr.ask("hubot", T0);
        pr.reviewers[0].remind_at = Some(T0 + 86_400);
        let octocat = pr.reviewer_entry("octocat");
        octocat.review = Some(Review {
            verdict: Verdict::ChangesRequested,
            at: T0 + 100,
        });
        octocat.reminded_at = Some(T0 + 50);
        assert_eq!(serde_json::to_string(&pr).unwrap(), STORED);
        assert_eq!(
            serde_json::from_str::<TrackedPullRequest>(STORED).unwrap(),
            pr
        );
        assert_eq!(pr.key(), "pr:octo-org/api#7");
        assert_eq!(pr.reference(), "octo-org/api#7");
    }

    #[test]
    fn open_reviews_are_counted_from_the_records_only() {
        let mut a = tracked(1, "monalisa");
        assert_eq!(
            a.ask("Hubot", T0),
            Some(Happened::Asked {
                login: "Hubot".into()
            })
        );
        a.ask("octocat", T0);
        let mut b = tracked(2, "hubot");
        b.ask("octocat", T0);
        let mut draft = tracked(3, "monalisa");
        draft.ask("hubot", T0);
        draft.draft = true;
        let mut merged = tracked(4, "monalisa");
        merged.ask("hubot", T0);
        merged.closed = Some(Closed {
            at: T0,
            merged: true,
        });
        let mut answered = tracked(5, "monalisa");
        answered.ask("hubot", T0);
        answered.reviewer_mut("hubot").unwrap().requested_at = None;
        let counts = open_reviews_per_member(&[a, b, draft, merged, answered]);
        assert_eq!(
            counts.into_iter().collect::<Vec<_>>(),
            [("hubot".to_string(), 1), ("octocat".to_string(), 2)]
        );
    }

    #[test]
    fn the_oldest_wait_orders_lists() {
        let mut pr = tracked(1, "monalisa");
        assert_eq!(pr.oldest_wait(), None);
        assert_eq!(pr.phase(), Phase::NoReviewers);
        pr.ask("hubot", T0 + 30);
        pr.ask("octocat", T0 + 10);
        assert_eq!(pr.oldest_wait(), Some(T0 + 10));
        pr.resumed_at = Some(T0 + 20);
        assert_eq!(pr.oldest_wait(), Some(T0 + 20), "counted from resuming");
    }
}

/// One person's queue from the open records, oldest first.
mod queue {
    use super::*;
    use crate::mrkdwn::Mrkdwn;
    use crate::reviewers::lifecycle::render::reviews_text;
    use crate::reviewers::pool::People;

    fn tracked(number: u64, author: &str) -> TrackedPullRequest {
        TrackedPullRequest {
            author: author.into(),
            ..open_pull_request(number)
        }
    }

    #[test]
    fn the_queue_lists_each_kind_oldest_first() {
        let mut newer = tracked(1, "torvalds");
        newer.ask("hubot", NOW - 60);
        let mut older = tracked(2, "torvalds");
        older.ask("hubot", NOW - 7_200);
        let mut changes = tracked(3, "hubot");
        changes.reviewer_entry("octocat").review = Some(Review {
            verdict: Verdict::ChangesRequested,
            at: NOW - 3_600,
        });
        let mut waiting = tracked(4, "hubot");
        waiting.ask("octocat", NOW - 90_000);
        let mut draft = tracked(5, "torvalds");
        draft.ask("hubot", NOW - 99_999);
        draft.draft = true;
        let open = [newer, older, changes, waiting, draft];
        let queue = Queue::of("Hubot", &open);
        let numbers = |list: Vec<u64>| list;
        assert_eq!(
            numbers(queue.to_review.iter().map(|(pr, _)| pr.number).collect()),
            [2, 1]
        );
        assert_eq!(
            numbers(queue.on_them.iter().map(|(pr, _, _)| pr.number).collect()),
            [3]
        );
        assert_eq!(
            numbers(queue.on_others.iter().map(|(pr, _, _)| pr.number).collect()),
            [4]
        );
        let people = People::default().mapped("torvalds", "U0TORVALD");
        let text = reviews_text(&queue, &Mrkdwn::from("you"), true, &people, NOW);
        assert!(
            text.contains("*Waiting on you to review* (oldest first)"),
            "{text}"
        );
        assert!(text.contains("by <@U0TORVALD>, waiting 2h"), "{text}");
        assert!(text.contains("changes requested, 1h ago"), "{text}");
        assert!(
            text.contains("Change &lt;2&gt;"),
            "titles are escaped: {text}"
        );
        let empty = Queue::of("nobody", &open);
        assert!(empty.is_empty());
        let text = reviews_text(&empty, &Mrkdwn::user("U9"), false, &people, NOW);
        assert!(
            text.contains("Nothing waits on <@U9> to review")
                && text.contains("Their pull requests: none"),
            "{text}"
        );
    }
}

/// The lower bound of a reminder, written with each change.
mod reminder_times {
    use super::*;

    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;

    fn tracked(asked_at: UnixTime) -> TrackedPullRequest {
        let mut pr = TrackedPullRequest {
            title: "Retry <webhook> delivery".into(),
            opened_at: asked_at,
            ..open_pull_request(7)
        };
        pr.ask("hubot", asked_at);
        pr
    }

    fn remind_at(pr: &TrackedPullRequest) -> Option<UnixTime> {
        pr.reviewers[0].remind_at
    }

    #[test]
    fn the_lower_bound_follows_the_wait_and_keeps_a_later_choice() {
        let mut pr = tracked(1_000);
        pr.schedule_reminders(Some(DAY));
        assert_eq!(remind_at(&pr), Some(1_000 + DAY));
        pr.reviewers[0].remind_at = Some(1_000 + 3 * DAY); // the timer put it off
        pr.schedule_reminders(Some(DAY));
        assert_eq!(remind_at(&pr), Some(1_000 + 3 * DAY));
        pr.reschedule_reminders(Some(HOUR));
        assert_eq!(remind_at(&pr), Some(1_000 + HOUR));
        pr.reviewers[0].reminded_at = Some(5_000);
        pr.reschedule_reminders(Some(HOUR));
        assert_eq!(
            remind_at(&pr),
            Some(5_000 + HOUR),
            "an hour after the last one"
        );
        pr.schedule_reminders(None);
        assert_eq!(remind_at(&pr), None, "the channel does not remind");
        pr.draft = true;
        pr.schedule_reminders(Some(HOUR));
        assert_eq!(remind_at(&pr), None, "a draft waits on no one");
    }
}
