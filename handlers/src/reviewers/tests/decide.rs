//! Tests of `reviewers/decide.rs`.

use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::outbound::Outbound;
use crate::reviewers::decide::*;
use crate::reviewers::pool::{login_key, Away, Mode};
use crate::reviewers::*;
use crate::{Caller, UnixTime};

const NOW: UnixTime = 1_795_392_000; // 2026-11-23
const CHANNEL: &str = "C024BE91L";

fn people() -> People {
    let mut people = People::default();
    people
        .slack_users
        .insert("octocat".into(), "U0G9QF9C6".into());
    people
        .slack_users
        .insert("hubot".into(), "U024BE7LH".into());
    people
}

fn pool(members: &[&str]) -> Pool {
    let mut pool = Pool::new(CHANNEL);
    pool.repos.push("octo-org/api".into());
    for login in members {
        pool.add_member(login, &People::default(), NOW);
    }
    pool
}

fn pull_request(action: &str, number: u64, author: &str) -> PullRequestEvent {
    PullRequestEvent {
        action: action.into(),
        repo: "Octo-Org/api".into(),
        number,
        title: "Retry webhook delivery on 5xx".into(),
        html_url: format!("https://github.com/Octo-Org/api/pull/{number}"),
        author: author.into(),
        author_is_bot: false,
        body: String::new(),
        draft: false,
        merged: false,
        additions: 120,
        deletions: 31,
        changed_files: 4,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    }
}

fn review(reviewer: &str, state: &str) -> PullRequestReviewEvent {
    PullRequestReviewEvent {
        review_id: None,
        action: "submitted".into(),
        repo: "Octo-Org/api".into(),
        number: 1347,
        reviewer: reviewer.into(),
        state: state.into(),
        html_url: Some("https://github.com/Octo-Org/api/pull/1347#pullrequestreview-80".into()),
        submitted_at: Some("2026-11-23T10:00:00Z".into()),
    }
}

/// Open #1347 by monalisa and return the resulting pool and assignment.
fn opened(pool: &Pool) -> (Pool, Assignment) {
    let outcome = on_pull_request(
        pool,
        None,
        &pull_request("opened", 1347, "monalisa"),
        &people(),
        NOW,
    );
    (
        outcome.pool().cloned().unwrap(),
        outcome.assignment().cloned().unwrap(),
    )
}

#[test]
fn opened_pull_request_requests_reviewer_and_posts_keyed_message() {
    let pool = pool(&["octocat", "hubot", "monalisa"]);
    let outcome = on_pull_request(
        &pool,
        None,
        &pull_request("opened", 1347, "defunkt"),
        &people(),
        NOW,
    );
    let assignment = outcome.assignment().unwrap();
    assert_eq!(assignment.pending_logins(), ["octocat"]);
    assert_eq!(
        outcome.pool().unwrap().member("octocat").unwrap().assigned,
        1
    );
    assert_eq!(
        outcome.outbound[0],
        Outbound::GithubRequestReviewers {
            repo: "Octo-Org/api".into(),
            number: 1347,
            reviewers: vec!["octocat".into()],
            installation: None,
        }
    );
    let Outbound::SlackPost {
        channel,
        text,
        blocks,
        key,
        thread_of,
    } = &outcome.outbound[1]
    else {
        panic!("expected a post, got {:?}", outcome.outbound[1]);
    };
    assert_eq!(channel, CHANNEL);
    assert_eq!(key.as_deref(), Some("pr:octo-org/api#1347"));
    assert_eq!(*thread_of, None);
    assert!(text.contains("<@U0G9QF9C6>"), "{text}");
    assert!(blocks
        .as_ref()
        .unwrap()
        .to_string()
        .contains("reviewers_pass"));
}

#[test]
fn per_pr_count_requests_that_many_and_skips_already_requested() {
    let mut pool = pool(&["octocat", "hubot", "monalisa", "defunkt"]);
    pool.reviewers_per_pr = 2;
    let mut pr = pull_request("opened", 1347, "monalisa");
    pr.requested_reviewers = vec!["OctoCat".into()];
    let outcome = on_pull_request(&pool, None, &pr, &people(), NOW);
    assert_eq!(
        outcome.assignment().unwrap().pending_logins(),
        ["hubot", "defunkt"]
    );
}

#[test]
fn drafts_wait_until_ready_unless_the_pool_includes_them() {
    let pool = pool(&["octocat", "hubot"]);
    let mut draft = pull_request("opened", 1347, "monalisa");
    draft.draft = true;
    assert_eq!(
        on_pull_request(&pool, None, &draft, &people(), NOW),
        Outcome::none().with(Change::PutWaiting((&draft).into()))
    );
    let ready = pull_request("ready_for_review", 1347, "monalisa");
    let outcome = on_pull_request(&pool, None, &ready, &people(), NOW);
    assert_eq!(outcome.assignment().unwrap().pending_logins(), ["octocat"]);

    let mut with_drafts = pool.clone();
    with_drafts.include_drafts = true;
    let outcome = on_pull_request(&with_drafts, None, &draft, &people(), NOW);
    assert_eq!(outcome.assignment().unwrap().pending_logins(), ["octocat"]);
}

/// What a delivery for #1347 that assigns nothing decides when the pull
/// request has an assignment already, or closes: nothing but forgetting
/// any waiting copy of it.
fn only_forgets_waiting() -> Outcome {
    Outcome::none().with(Change::RemoveWaiting {
        repo: "Octo-Org/api".into(),
        number: 1347,
    })
}

#[test]
fn assignment_happens_at_most_once_per_pull_request() {
    let (pool, assignment) = opened(&pool(&["octocat", "hubot"]));
    for action in [
        "opened",
        "reopened",
        "ready_for_review",
        "synchronize",
        "labeled",
    ] {
        let again = pull_request(action, 1347, "monalisa");
        let outcome = on_pull_request(&pool, Some(&assignment), &again, &people(), NOW + 60);
        assert_eq!(outcome, only_forgets_waiting(), "{action}");
    }
    let mut closed = assignment.clone();
    closed.closed = Some(Closed {
        at: NOW,
        merged: false,
    });
    let reopened = pull_request("reopened", 1347, "monalisa");
    assert_eq!(
        on_pull_request(&pool, Some(&closed), &reopened, &people(), NOW),
        only_forgets_waiting()
    );
}

#[test]
fn no_one_eligible_is_said_in_the_channel() {
    let mut people = people();
    people.away.insert(login_key("hubot"), Away { until: None });
    let pool = pool(&["octocat", "hubot"]);
    let outcome = on_pull_request(
        &pool,
        None,
        &pull_request("opened", 1347, "octocat"),
        &people,
        NOW,
    );
    assert_eq!(outcome.assignment().cloned(), None);
    let [Outbound::SlackPost {
        channel,
        text,
        key: None,
        ..
    }] = outcome.outbound.as_slice()
    else {
        panic!("expected one channel message, got {:?}", outcome.outbound);
    };
    assert_eq!(channel, CHANNEL);
    assert!(
        text.contains("No one in the review rotation is free"),
        "{text}"
    );
    assert!(text.contains("/baton assign octo-org/api#1347"), "{text}");
}

#[test]
fn fewer_free_than_wanted_assigns_those_and_says_so() {
    let mut pool = pool(&["octocat", "hubot"]);
    pool.reviewers_per_pr = 3;
    let outcome = on_pull_request(
        &pool,
        None,
        &pull_request("opened", 1347, "monalisa"),
        &people(),
        NOW,
    );
    assert_eq!(
        outcome.assignment().unwrap().pending_logins(),
        ["octocat", "hubot"]
    );
    let Outbound::SlackPost { blocks, .. } = &outcome.outbound[1] else {
        panic!()
    };
    assert!(blocks
        .as_ref()
        .unwrap()
        .to_string()
        .contains("1 more reviewer was wanted"));
}

#[test]
fn submitted_review_is_threaded_and_closes_the_open_review() {
    let mut pool = pool(&["octocat", "hubot"]);
    pool.mode = Mode::LoadBalance;
    let (pool, assignment) = opened(&pool);
    let outcome = on_pull_request_review(
        &pool,
        &assignment,
        &review("octocat", "approved"),
        &people(),
        NOW + 3600,
    );
    // Open reviews are counted from the review records, not the pool.
    assert_eq!(outcome.pool(), None);
    let reviewed = outcome.assignment().unwrap();
    assert_eq!(
        reviewed.reviewers[0].status,
        ReviewStatus::Reviewed {
            first_at: NOW + 3600,
            state: "approved".into()
        }
    );
    let [Outbound::SlackPost {
        text, thread_of, ..
    }] = outcome.outbound.as_slice()
    else {
        panic!()
    };
    assert_eq!(thread_of.as_deref(), Some("pr:octo-org/api#1347"));
    assert!(text.starts_with("✅ <@U0G9QF9C6> approved"), "{text}");

    // A second review keeps the first review's time and does not close twice.
    let again = on_pull_request_review(
        &pool,
        reviewed,
        &review("octocat", "changes_requested"),
        &people(),
        NOW + 7200,
    );
    assert_eq!(again.pool().cloned(), None);
    let [Outbound::SlackPost { text, .. }] = again.outbound.as_slice() else {
        panic!()
    };
    assert!(
        text.starts_with("🔁 <@U0G9QF9C6> requested changes"),
        "{text}"
    );
    assert_eq!(
        again.assignment().unwrap().reviewers[0].status,
        ReviewStatus::Reviewed {
            first_at: NOW + 3600,
            state: "changes_requested".into()
        }
    );
}

#[test]
fn comment_review_and_unassigned_reviewers() {
    let (pool, assignment) = opened(&pool(&["octocat", "hubot"]));
    let outcome = on_pull_request_review(
        &pool,
        &assignment,
        &review("octocat", "commented"),
        &people(),
        NOW,
    );
    let [Outbound::SlackPost { text, .. }] = outcome.outbound.as_slice() else {
        panic!()
    };
    assert!(text.starts_with("💬 <@U0G9QF9C6> commented"), "{text}");
    // Someone who was not asked reviews: nothing to do.
    let stranger = on_pull_request_review(
        &pool,
        &assignment,
        &review("hubot", "approved"),
        &people(),
        NOW,
    );
    assert_eq!(stranger, Outcome::none());
}

#[test]
fn load_balance_prefers_whoever_has_fewest_open_reviews() {
    let mut pool = pool(&["octocat", "hubot"]);
    pool.mode = Mode::LoadBalance;
    let first = on_pull_request(
        &pool,
        None,
        &pull_request("opened", 1, "monalisa"),
        &people(),
        NOW,
    );
    let pool = first.pool().unwrap();
    // The review record of #1 counts octocat's open review.
    let mut counted = people();
    counted.open_reviews.insert("octocat".into(), 1);
    let second = on_pull_request(
        pool,
        None,
        &pull_request("opened", 2, "monalisa"),
        &counted,
        NOW + 10,
    );
    let pool = second.pool().unwrap();
    assert_eq!(second.assignment().unwrap().pending_logins(), ["hubot"]);
    // #1 (octocat's) closes: octocat now has no open review, hubot has one.
    let mut closing = pull_request("closed", 1, "monalisa");
    closing.merged = true;
    let closed = on_pull_request(pool, first.assignment(), &closing, &people(), NOW + 20);
    assert_eq!(
        closed.assignment().unwrap().closed,
        Some(Closed {
            at: NOW + 20,
            merged: true
        })
    );
    let [Outbound::SlackUpdate { key, blocks, .. }] = closed.outbound.as_slice() else {
        panic!()
    };
    assert_eq!(key, "pr:octo-org/api#1");
    assert!(!blocks
        .as_ref()
        .unwrap()
        .to_string()
        .contains("reviewers_reassign"));
    // The review records now count one open review, hubot's.
    let mut counted = people();
    counted.open_reviews.insert("hubot".into(), 1);
    let third = on_pull_request(
        pool,
        None,
        &pull_request("opened", 3, "monalisa"),
        &counted,
        NOW + 30,
    );
    assert_eq!(third.assignment().unwrap().pending_logins(), ["octocat"]);
}

#[test]
fn the_installation_of_the_delivery_goes_with_every_github_action() {
    let pool = pool(&["octocat", "hubot", "defunkt"]);
    let mut pr = pull_request("opened", 9, "monalisa");
    pr.installation = Some(4242);
    let opened = on_pull_request(&pool, None, &pr, &people(), NOW);
    assert!(matches!(
        opened.outbound[0],
        Outbound::GithubRequestReviewers {
            installation: Some(4242),
            ..
        }
    ));
    let assignment = opened.assignment().unwrap();
    assert_eq!(assignment.installation, Some(4242));
    // A button pressed in Slack later acts as the same installation.
    let passed = on_button(
        opened.pool().unwrap(),
        assignment,
        ReviewerButton::CantReview,
        &Caller::new("U0G9QF9C6", CHANNEL),
        &people(),
        NOW + 60,
    );
    for action in &passed.outbound[..2] {
        assert!(
            matches!(
                action,
                Outbound::GithubRemoveReviewers {
                    installation: Some(4242),
                    ..
                } | Outbound::GithubRequestReviewers {
                    installation: Some(4242),
                    ..
                }
            ),
            "{action:?}"
        );
    }
}

#[test]
fn cant_review_hands_on_without_counting_against_the_passer() {
    let (pool, assignment) = opened(&pool(&["octocat", "hubot", "defunkt"]));
    let outcome = on_button(
        &pool,
        &assignment,
        ReviewerButton::CantReview,
        &Caller::new("U0G9QF9C6", CHANNEL),
        &people(),
        NOW + 60,
    );
    let after = outcome.pool().unwrap();
    let octocat = after.member("octocat").unwrap();
    assert_eq!((octocat.assigned, octocat.passes), (0, 1));
    assert_eq!(after.member("hubot").unwrap().assigned, 1);
    let updated = outcome.assignment().unwrap();
    assert_eq!(
        updated.reviewers[0].status,
        ReviewStatus::Passed { at: NOW + 60 }
    );
    assert_eq!(updated.pending_logins(), ["hubot"]);
    assert_eq!(
        outcome.outbound[..2],
        [
            Outbound::GithubRemoveReviewers {
                repo: "octo-org/api".into(),
                number: 1347,
                reviewers: vec!["octocat".into()],
                installation: None,
            },
            Outbound::GithubRequestReviewers {
                repo: "octo-org/api".into(),
                number: 1347,
                reviewers: vec!["hubot".into()],
                installation: None,
            },
        ]
    );
    let Outbound::SlackUpdate { key, text, .. } = &outcome.outbound[2] else {
        panic!()
    };
    assert_eq!(key, "pr:octo-org/api#1347");
    assert!(
        text.contains("<@U024BE7LH>") && !text.contains("<@U0G9QF9C6>"),
        "{text}"
    );
    let Outbound::SlackPost {
        thread_of, text, ..
    } = &outcome.outbound[3]
    else {
        panic!()
    };
    assert_eq!(thread_of.as_deref(), Some("pr:octo-org/api#1347"));
    assert!(text.contains("can't review"), "{text}");

    // The passer is not asked again on this pull request, even when
    // hubot passes too: defunkt is next.
    let again = on_button(
        after,
        updated,
        ReviewerButton::CantReview,
        &Caller::new("U024BE7LH", CHANNEL),
        &people(),
        NOW + 120,
    );
    assert_eq!(again.assignment().unwrap().pending_logins(), ["defunkt"]);
}

#[test]
fn only_the_pending_reviewer_can_pass() {
    let (pool, assignment) = opened(&pool(&["octocat", "hubot"]));
    let by_hubot = on_button(
        &pool,
        &assignment,
        ReviewerButton::CantReview,
        &Caller::new("U024BE7LH", CHANNEL),
        &people(),
        NOW,
    );
    assert_eq!(
        (by_hubot.pool().cloned(), by_hubot.assignment().cloned()),
        (None, None)
    );
    assert!(by_hubot.reply.unwrap().contains("Only a reviewer"));
    let unmapped = on_button(
        &pool,
        &assignment,
        ReviewerButton::CantReview,
        &Caller::new("U999STRANGER", CHANNEL),
        &people(),
        NOW,
    );
    assert!(unmapped
        .reply
        .unwrap()
        .contains("/baton map GITHUB-LOGIN <@U999STRANGER>"));
    assert!(unmapped.outbound.is_empty());
}

#[test]
fn reassign_by_anyone_records_no_pass() {
    let (pool, assignment) = opened(&pool(&["octocat", "hubot"]));
    let outcome = on_button(
        &pool,
        &assignment,
        ReviewerButton::Reassign,
        &Caller::new("U0MANAGER", CHANNEL),
        &people(),
        NOW + 60,
    );
    let after = outcome.pool().unwrap();
    let octocat = after.member("octocat").unwrap();
    assert_eq!((octocat.assigned, octocat.passes), (1, 0));
    let updated = outcome.assignment().unwrap();
    assert_eq!(
        updated.reviewers[0].status,
        ReviewStatus::Reassigned { at: NOW + 60 }
    );
    assert_eq!(updated.pending_logins(), ["hubot"]);
    assert!(outcome
        .reply
        .unwrap()
        .contains("reassigned by <@U0MANAGER>"));
}

#[test]
fn nothing_to_reassign_once_everyone_reviewed_or_the_pr_closed() {
    let (pool, assignment) = opened(&pool(&["octocat", "hubot"]));
    let reviewed = on_pull_request_review(
        &pool,
        &assignment,
        &review("octocat", "approved"),
        &people(),
        NOW,
    )
    .assignment()
    .cloned()
    .unwrap();
    let outcome = on_button(
        &pool,
        &reviewed,
        ReviewerButton::Reassign,
        &Caller::new("U0MANAGER", CHANNEL),
        &people(),
        NOW,
    );
    assert_eq!(
        (outcome.pool().cloned(), outcome.assignment().cloned()),
        (None, None)
    );
    assert!(outcome.reply.unwrap().contains("already reviewed"));
    let mut closed = assignment.clone();
    closed.closed = Some(Closed {
        at: NOW,
        merged: true,
    });
    let outcome = on_button(
        &pool,
        &closed,
        ReviewerButton::CantReview,
        &Caller::new("U0G9QF9C6", CHANNEL),
        &people(),
        NOW,
    );
    assert!(outcome.outbound.is_empty());
    assert!(outcome.reply.unwrap().contains("closed"));
}

#[test]
fn reassign_with_no_one_free_says_so_in_the_thread() {
    let (pool, assignment) = opened(&pool(&["octocat", "monalisa"]));
    let outcome = on_button(
        &pool,
        &assignment,
        ReviewerButton::Reassign,
        &Caller::new("U0MANAGER", CHANNEL),
        &people(),
        NOW,
    );
    assert_eq!(outcome.assignment().cloned(), None);
    let [Outbound::SlackPost {
        thread_of, text, ..
    }] = outcome.outbound.as_slice()
    else {
        panic!()
    };
    assert_eq!(thread_of.as_deref(), Some("pr:octo-org/api#1347"));
    assert!(text.contains("No one else"), "{text}");
}

#[test]
fn buttons_are_recognised_by_action_id_and_value() {
    // How the binary routes a press: the typed button, then the value.
    fn press(action_id: &str, value: &str) -> Option<ButtonPress> {
        match crate::buttons::Button::from_action_id(action_id)? {
            crate::buttons::Button::Reviewers(button) => parse_button(button, value),
            crate::buttons::Button::Errors(_) | crate::buttons::Button::Deploys(_) => None,
        }
    }
    assert_eq!(
        press("reviewers_pass", "octo-org/api#1347"),
        Some(ButtonPress {
            button: ReviewerButton::CantReview,
            repo: "octo-org/api".into(),
            number: 1347
        })
    );
    let reassign = press("reviewers_reassign", "Octo-Org/API#7").unwrap();
    assert_eq!(reassign.button, ReviewerButton::Reassign);
    assert_eq!(reassign.assignment_key(), "pr:octo-org/api#7");
    assert_eq!(press("deploy_ack", "octo-org/api#7"), None);
    assert_eq!(press("reviewers_pass", "garbage"), None);
}

#[test]
fn a_watched_pull_request_waits_until_assigned_or_closed() {
    let mut people = people();
    people.away.insert(login_key("hubot"), Away { until: None });
    let pool = pool(&["octocat", "hubot"]);
    // The only free reviewer is the author: nobody is assigned, so the pull
    // request is kept for `/baton assign`.
    let unassigned = pull_request("opened", 1347, "octocat");
    let outcome = on_pull_request(&pool, None, &unassigned, &people, NOW);
    assert_eq!(outcome.assignment(), None);
    assert!(outcome
        .changes
        .contains(&Change::PutWaiting((&unassigned).into())));
    // Closed without ever being assigned: forgotten, nothing else.
    let closed = pull_request("closed", 1347, "octocat");
    assert_eq!(
        on_pull_request(&pool, None, &closed, &people, NOW),
        only_forgets_waiting()
    );
    // Assigned: forgotten too.
    let assigned = on_pull_request(
        &pool,
        None,
        &pull_request("opened", 1347, "monalisa"),
        &people,
        NOW,
    );
    assert!(assigned.assignment().is_some());
    assert!(assigned.changes.contains(&Change::RemoveWaiting {
        repo: "Octo-Org/api".into(),
        number: 1347,
    }));
}

#[test]
fn only_a_delivery_that_may_pick_requests_reviewers() {
    let pool = pool(&["hubot", "monalisa"]);
    let opened = on_pull_request(
        &pool,
        None,
        &pull_request("opened", 1, "octocat"),
        &people(),
        NOW,
    );
    let assignment = opened
        .assignment()
        .cloned()
        .expect("an opened pull request is assigned");
    let requests = |outcome: &Outcome| {
        outcome
            .outbound
            .iter()
            .any(|o| matches!(o, Outbound::GithubRequestReviewers { .. }))
    };
    assert!(requests(&opened));
    let actions = [
        "opened",
        "reopened",
        "ready_for_review",
        "synchronize",
        "edited",
        "converted_to_draft",
        "review_requested",
        "closed",
    ];
    for action in actions {
        for existing in [None, Some(&assignment)] {
            let pr = pull_request(action, 1, "octocat");
            let outcome = on_pull_request(&pool, existing, &pr, &people(), NOW);
            assert!(
                !requests(&outcome) || may_pick(&pr, existing),
                "{action} (assigned before: {}) picked, but may_pick said no",
                existing.is_some()
            );
        }
    }
    assert!(may_pick(
        &pull_request("ready_for_review", 1, "octocat"),
        None
    ));
    assert!(!may_pick(&pull_request("synchronize", 1, "octocat"), None));
    assert!(!may_pick(
        &pull_request("opened", 1, "octocat"),
        Some(&assignment)
    ));
}
