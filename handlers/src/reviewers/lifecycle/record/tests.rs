//! The record's stored form, and the open reviews counted from records.

use super::*;
use crate::reviewers::lifecycle::track::Happened;

const T0: UnixTime = 1_795_392_000;

fn tracked(number: u64, author: &str) -> TrackedPullRequest {
    TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: "C1".into(),
        title: "Retry <webhook> delivery".into(),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: author.into(),
        additions: 3,
        deletions: 1,
        changed_files: 1,
        opened_at: T0,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
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
