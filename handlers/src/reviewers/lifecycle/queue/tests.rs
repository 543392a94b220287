//! A person's queue from the open records, oldest first.

use super::*;
use crate::reviewers::lifecycle::record::{Review, Verdict};

const NOW: UnixTime = 1_795_392_000;

fn tracked(number: u64, author: &str) -> TrackedPullRequest {
    TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: "C1".into(),
        title: format!("Change <{number}>"),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: author.into(),
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

#[test]
fn long_lists_are_cut_and_counted() {
    let open: Vec<TrackedPullRequest> = (1..=40)
        .map(|n| {
            let mut pr = tracked(n, "torvalds");
            pr.ask("hubot", NOW - n as i64);
            pr
        })
        .collect();
    let queue = Queue::of("hubot", &open);
    let lines = to_review_lines(&queue, &People::default(), NOW);
    assert_eq!(lines.len(), MAX_LINES + 1);
    assert!(lines.last().unwrap().contains("15 more"));
}
