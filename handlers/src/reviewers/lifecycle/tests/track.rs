//! Tests of `reviewers/lifecycle/track.rs`: the review rules, step by
//! step, on the published GitHub payloads.

use serde_json::{json, Value};

use crate::github::{parse, GithubEvent};
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::reviewers::lifecycle::record::{AuthorTurn, Wait};
use crate::reviewers::lifecycle::record::{TrackedPullRequest, Verdict};
use crate::reviewers::lifecycle::track::*;
use crate::reviewers::phase::Phase;
use crate::UnixTime;

const T0: UnixTime = 1_795_392_000; // 2026-11-23, a Monday

fn fixture(path: &str) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/github");
    serde_json::from_slice(&std::fs::read(format!("{dir}/{path}")).unwrap()).unwrap()
}

/// A `pull_request` payload of the corpus (Codertocat's #2, which already
/// requests octocat), parsed as Baton parses it.
fn pull_request(action: &str) -> PullRequestEvent {
    pull_request_with(action, |_| {})
}

fn pull_request_with(action: &str, edit: impl FnOnce(&mut Value)) -> PullRequestEvent {
    let mut payload = fixture(&format!("pull_request/{action}.payload.json"));
    edit(&mut payload);
    match parse("pull_request", &serde_json::to_vec(&payload).unwrap()).unwrap() {
        GithubEvent::PullRequest(pr) => pr,
        other => panic!("not a pull request: {other:?}"),
    }
}

/// The corpus review (`submitted` or `dismissed`; another action is the
/// submitted payload with its action changed), by `reviewer` with `state`
/// (the corpus one is Codertocat commenting on their own pull request).
fn review(action: &str, reviewer: &str, state: &str) -> PullRequestReviewEvent {
    let file = if action == "dismissed" {
        "dismissed"
    } else {
        "submitted"
    };
    let mut payload = fixture(&format!("pull_request_review/{file}.payload.json"));
    payload["action"] = json!(action);
    payload["review"]["user"]["login"] = json!(reviewer);
    payload["review"]["state"] = json!(state);
    match parse(
        "pull_request_review",
        &serde_json::to_vec(&payload).unwrap(),
    )
    .unwrap()
    {
        GithubEvent::PullRequestReview(review) => review,
        other => panic!("not a review: {other:?}"),
    }
}

fn started() -> TrackedPullRequest {
    let (tracked, happened) = TrackedPullRequest::start(&pull_request("opened"), "C1", T0);
    assert_eq!(
        happened,
        [Happened::Asked {
            login: "octocat".into()
        }]
    );
    tracked
}

#[test]
fn the_payloads_name_the_reviewer_asked_or_no_longer_asked() {
    assert_eq!(
        pull_request("review_requested")
            .requested_reviewer
            .as_deref(),
        Some("octocat")
    );
    assert_eq!(
        pull_request("review_request_removed")
            .requested_reviewer
            .as_deref(),
        Some("octocat")
    );
    assert_eq!(pull_request("opened").requested_reviewer, None);
    let team = pull_request_with("review_requested", |p| {
        p.as_object_mut().unwrap().remove("requested_reviewer");
        p["requested_team"] = json!({"name": "justice-league", "slug": "justice-league"});
    });
    assert_eq!(team.requested_reviewer, None);
}

#[test]
fn changes_requested_then_asked_again_then_approved_then_merged() {
    let mut pr = started();
    assert_eq!(pr.phase(), Phase::AwaitingReview);
    assert_eq!(
        pr.waits(),
        [Wait::Review {
            login: "octocat".into(),
            since: T0
        }]
    );
    assert!(pr.waits_on_review_of("OctoCat"));

    // octocat asks for changes: the author's turn.
    let happened = pr.on_review(
        &review("submitted", "octocat", "changes_requested"),
        T0 + 100,
    );
    assert_eq!(
        happened,
        [Happened::Reviewed {
            login: "octocat".into(),
            verdict: Verdict::ChangesRequested
        }]
    );
    assert_eq!(pr.phase(), Phase::ChangesRequested);
    assert!(!pr.waits_on_review_of("octocat"));
    assert_eq!(
        pr.author_turn(),
        Some((AuthorTurn::ChangesRequested, T0 + 100))
    );

    // Pushing new commits changes nothing by itself.
    assert!(pr
        .on_pull_request(&pull_request("synchronize"), T0 + 150)
        .is_empty());
    assert_eq!(pr.phase(), Phase::ChangesRequested);

    // The author asks octocat again: it waits on octocat, from now.
    let happened = pr.on_pull_request(&pull_request("review_requested"), T0 + 200);
    assert_eq!(
        happened,
        [Happened::AskedAgain {
            login: "octocat".into()
        }]
    );
    assert_eq!(pr.phase(), Phase::AwaitingReview);
    assert_eq!(pr.review_waits(), [("octocat".to_string(), T0 + 200)]);
    assert_eq!(pr.author_turn(), None);

    // octocat approves: waiting on the author to merge.
    pr.on_review(&review("submitted", "octocat", "approved"), T0 + 300);
    assert_eq!(pr.phase(), Phase::Approved);
    assert_eq!(pr.author_turn(), Some((AuthorTurn::Approved, T0 + 300)));
    assert!(pr.review_waits().is_empty());

    // Merged: out of every queue.
    let closed = pull_request_with("closed", |p| p["pull_request"]["merged"] = json!(true));
    assert_eq!(
        pr.on_pull_request(&closed, T0 + 400),
        [Happened::Closed { merged: true }]
    );
    assert_eq!(pr.phase(), Phase::Merged);
    assert!(pr.waits().is_empty());
    // GitHub delivering `closed` again changes nothing.
    assert!(pr.on_pull_request(&closed, T0 + 500).is_empty());
}

#[test]
fn a_draft_waits_on_no_one_and_counts_again_from_ready() {
    let mut pr = started();
    assert_eq!(
        pr.on_pull_request(&pull_request("converted_to_draft"), T0 + 10),
        [Happened::Drafted]
    );
    assert_eq!(pr.phase(), Phase::Draft);
    assert!(pr.waits().is_empty());
    assert!(!pr.waits_on_review_of("octocat"));
    assert_eq!(
        pr.on_pull_request(&pull_request("ready_for_review"), T0 + 900),
        [Happened::Ready]
    );
    assert_eq!(pr.review_waits(), [("octocat".to_string(), T0 + 900)]);
}

#[test]
fn closed_unmerged_and_reopened_rejoins_the_queues_from_the_reopening() {
    let mut pr = started();
    assert_eq!(
        pr.on_pull_request(&pull_request("closed"), T0 + 10),
        [Happened::Closed { merged: false }]
    );
    assert_eq!(pr.phase(), Phase::Closed);
    assert_eq!(
        pr.on_pull_request(&pull_request("reopened"), T0 + 50),
        [Happened::Reopened]
    );
    assert_eq!(pr.review_waits(), [("octocat".to_string(), T0 + 50)]);
}

#[test]
fn a_request_removed_no_longer_waits_on_that_reviewer() {
    let mut pr = started();
    assert_eq!(
        pr.on_pull_request(&pull_request("review_request_removed"), T0 + 10),
        [Happened::Withdrawn {
            login: "octocat".into()
        }]
    );
    assert_eq!(pr.phase(), Phase::NoReviewers);
    assert!(pr.waits().is_empty());
    // Asked once more: a first request again (they never reviewed).
    assert_eq!(
        pr.ask("octocat", T0 + 20),
        Some(Happened::Asked {
            login: "octocat".into()
        })
    );
    assert_eq!(pr.ask("octocat", T0 + 30), None, "already asked");
    assert_eq!(pr.ask("Codertocat", T0 + 30), None, "the author");
}

#[test]
fn a_dismissed_review_waits_on_its_reviewer_again() {
    let mut pr = started();
    pr.on_review(&review("submitted", "octocat", "approved"), T0 + 10);
    assert_eq!(pr.phase(), Phase::Approved);
    let dismissed = review("dismissed", "octocat", "dismissed");
    assert_eq!(dismissed.action, "dismissed");
    assert_eq!(
        pr.on_review(&dismissed, T0 + 20),
        [Happened::Dismissed {
            login: "octocat".into()
        }]
    );
    assert_eq!(pr.phase(), Phase::AwaitingReview);
    assert_eq!(pr.review_waits(), [("octocat".to_string(), T0 + 20)]);
    // Nothing to dismiss any more.
    assert!(pr.on_review(&dismissed, T0 + 30).is_empty());
}

#[test]
fn comments_answer_a_request_and_leave_an_earlier_verdict_standing() {
    let mut pr = started();
    pr.on_review(&review("submitted", "octocat", "commented"), T0 + 10);
    assert_eq!(pr.phase(), Phase::Commented);
    assert_eq!(pr.author_turn(), Some((AuthorTurn::Commented, T0 + 10)));
    pr.on_review(&review("submitted", "octocat", "approved"), T0 + 20);
    pr.on_review(&review("submitted", "octocat", "commented"), T0 + 30);
    assert_eq!(
        pr.phase(),
        Phase::Approved,
        "a later comment keeps the approval"
    );
    assert_eq!(pr.author_turn(), Some((AuthorTurn::Approved, T0 + 20)));
}

#[test]
fn the_authors_own_reviews_and_unknown_states_change_nothing() {
    let mut pr = started();
    let before = pr.clone();
    // The corpus review as published: Codertocat on their own pull request.
    let own = review("submitted", "Codertocat", "commented");
    assert!(pr.on_review(&own, T0 + 10).is_empty());
    assert!(pr
        .on_review(&review("submitted", "octocat", "pending"), T0 + 10)
        .is_empty());
    assert!(pr
        .on_review(&review("edited", "octocat", "approved"), T0 + 10)
        .is_empty());
    assert_eq!(pr, before);
}

#[test]
fn one_reviewer_asking_for_changes_and_one_still_asked_wait_both() {
    let mut pr = started();
    pr.ask("hubot", T0 + 5);
    pr.on_review(&review("submitted", "hubot", "changes_requested"), T0 + 50);
    assert_eq!(pr.phase(), Phase::ChangesRequested);
    assert_eq!(
        pr.waits(),
        [
            Wait::Review {
                login: "octocat".into(),
                since: T0
            },
            Wait::Author {
                turn: AuthorTurn::ChangesRequested,
                since: T0 + 50
            }
        ]
    );
    // octocat approves while hubot's request for changes stands.
    pr.on_review(&review("submitted", "octocat", "approved"), T0 + 60);
    assert_eq!(pr.phase(), Phase::ChangesRequested);
    // hubot asked again: no longer the author's turn; octocat's approval
    // waits for hubot.
    pr.ask("hubot", T0 + 70);
    assert_eq!(pr.phase(), Phase::AwaitingReview);
    assert_eq!(pr.author_turn(), None);
}
