//! Tests of `requests`: `r?` in a description and in comments, who may ask,
//! bots, and which picks wait for a lookup.

use crate::github::{IssueCommentEvent, PullRequestEvent};
use crate::outbound::Outbound;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::codeowners::Team;
use crate::reviewers::decide::on_pull_request;
use crate::reviewers::pending::PendingPick;
use crate::reviewers::pool::{People, Pool};
use crate::reviewers::requests::*;
use crate::reviewers::waiting::WaitingPullRequest;
use crate::UnixTime;

const NOW: UnixTime = 1_795_392_000; // 2026-11-23
const CHANNEL: &str = "C024BE91L";

fn pool(members: &[&str]) -> Pool {
    let mut pool = Pool::new(CHANNEL);
    pool.repos.push("octo-org/api".into());
    for login in members {
        pool.add_member(login, &People::default(), NOW);
    }
    pool
}

fn rotation() -> Pool {
    pool(&["octocat", "hubot", "monalisa"])
}

fn pull_request(author: &str, body: &str) -> PullRequestEvent {
    PullRequestEvent {
        action: "opened".into(),
        repo: "Octo-Org/api".into(),
        number: 7,
        title: "Retry webhook delivery".into(),
        html_url: "https://github.com/Octo-Org/api/pull/7".into(),
        author: author.into(),
        author_is_bot: false,
        body: body.into(),
        draft: false,
        merged: false,
        additions: 3,
        deletions: 1,
        changed_files: 1,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: Some(42),
        requested_reviewer: None,
    }
}

fn comment(commenter: &str, body: &str) -> IssueCommentEvent {
    IssueCommentEvent {
        action: "created".into(),
        repo: "Octo-Org/api".into(),
        number: 7,
        title: "Retry webhook delivery".into(),
        html_url: "https://github.com/Octo-Org/api/pull/7".into(),
        author: "defunkt".into(),
        state: "open".into(),
        draft: false,
        comment_id: 99,
        commenter: commenter.into(),
        commenter_is_bot: false,
        body: body.into(),
        installation: Some(42),
    }
}

/// The logins each GitHub review request of `outcome` asks.
fn requested(outcome: &Outcome) -> Vec<Vec<String>> {
    outcome
        .outbound
        .iter()
        .filter_map(|o| match o {
            Outbound::GithubRequestReviewers { reviewers, .. } => Some(reviewers.clone()),
            _ => None,
        })
        .collect()
}

fn pending(outcome: &Outcome) -> Option<&PendingPick> {
    outcome.changes.iter().find_map(|c| match c {
        Change::PutPendingPick(pick) => Some(pick),
        _ => None,
    })
}

fn opened(pool: &Pool, pr: &PullRequestEvent) -> Outcome {
    on_pull_request(pool, None, pr, &People::default(), NOW)
}

#[test]
fn r_user_in_the_description_replaces_the_rotations_pick_and_counts() {
    let outcome = opened(
        &rotation(),
        &pull_request("defunkt", "Fixes it.\n\nr? @MonaLisa"),
    );
    assert_eq!(requested(&outcome), [vec!["MonaLisa".to_string()]]);
    let assignment = outcome.assignment().unwrap();
    assert_eq!(assignment.pending_logins(), ["MonaLisa"]);
    assert_eq!(assignment.installation, Some(42));
    let after = outcome.pool().unwrap();
    let monalisa = after.member("monalisa").unwrap();
    // Counted for fairness; her open review is the review record's.
    assert_eq!(monalisa.assigned, 1);
    // The rotation's turn did not move: octocat is still next.
    assert_eq!(
        after.preview("defunkt", &People::default(), NOW),
        ["octocat"]
    );
    assert!(outcome
        .changes
        .iter()
        .any(|c| matches!(c, Change::RemoveWaiting { .. })));
}

#[test]
fn r_user_outside_the_rotation_is_requested_and_counts_for_nobody() {
    let outcome = opened(&rotation(), &pull_request("defunkt", "r? @torvalds"));
    assert_eq!(requested(&outcome), [vec!["torvalds".to_string()]]);
    assert!(outcome.pool().is_none(), "no member's counts change");
}

#[test]
fn r_the_author_is_ignored_and_the_rotation_picks() {
    let outcome = opened(&rotation(), &pull_request("hubot", "r? @hubot"));
    assert_eq!(requested(&outcome), [vec!["octocat".to_string()]]);
}

#[test]
fn r_team_or_code_owners_wait_for_a_lookup() {
    let outcome = opened(&rotation(), &pull_request("defunkt", "r? @octo-org/web"));
    assert!(outcome.outbound.is_empty() && outcome.assignment().is_none());
    let pick = pending(&outcome).unwrap();
    assert_eq!(pick.team.as_ref().unwrap().to_string(), "octo-org/web");
    assert_eq!(pick.key(), "pr:octo-org/api#7/opened");
    assert!(!pick.needs_owners());
    // Still remembered as waiting, so `/baton assign` can act meanwhile.
    assert!(outcome
        .changes
        .iter()
        .any(|c| matches!(c, Change::PutWaiting(_))));

    let mut owners_first = rotation();
    owners_first.owners_first = true;
    let outcome = opened(&owners_first, &pull_request("defunkt", ""));
    let pick = pending(&outcome).unwrap();
    assert!(pick.needs_owners() && pick.comment.is_none());
    assert_eq!(pick.pr.installation, Some(42));
    assert_eq!(pick.queued_at, NOW);
    // `r? @login` needs no lookup, even with code owners first.
    let outcome = opened(&owners_first, &pull_request("defunkt", "r? @hubot"));
    assert!(pending(&outcome).is_none());
    assert_eq!(requested(&outcome), [vec!["hubot".to_string()]]);
}

#[test]
fn a_bots_pull_request_gets_no_reviewer_unless_the_channel_says_so() {
    let mut pr = pull_request("dependabot[bot]", "Bumps serde.");
    pr.author_is_bot = true;
    let outcome = opened(&rotation(), &pr);
    assert!(outcome.outbound.is_empty() && outcome.assignment().is_none());
    assert!(outcome
        .changes
        .iter()
        .any(|c| matches!(c, Change::PutWaiting(_))));
    let mut with_bots = rotation();
    with_bots.include_bots = true;
    assert_eq!(
        requested(&opened(&with_bots, &pr)),
        [vec!["octocat".to_string()]]
    );
}

#[test]
fn the_authors_comment_adds_a_reviewer_to_the_assignment() {
    let pool = rotation();
    let first = opened(&pool, &pull_request("defunkt", ""));
    let (pool, assignment) = (
        first.pool().unwrap().clone(),
        first.assignment().unwrap().clone(),
    );
    assert_eq!(assignment.pending_logins(), ["octocat"]);
    let people = People::default();
    let outcome = on_comment(
        &pool,
        Some(&assignment),
        None,
        &comment("defunkt", "Could someone else look too?\nr? @monalisa"),
        false,
        &people,
        NOW,
    );
    assert_eq!(requested(&outcome), [vec!["monalisa".to_string()]]);
    let updated = outcome.assignment().unwrap();
    assert_eq!(updated.pending_logins(), ["octocat", "monalisa"]);
    assert_eq!(
        outcome.pool().unwrap().member("monalisa").unwrap().assigned,
        1
    );
    let thread_note = outcome.outbound.iter().find_map(|o| match o {
        Outbound::SlackPost {
            thread_of: Some(key),
            text,
            ..
        } => Some((key.clone(), text.clone())),
        _ => None,
    });
    let (key, text) = thread_note.unwrap();
    assert_eq!(key, "pr:octo-org/api#7");
    assert!(
        text.contains("*defunkt* asked *monalisa* to review too"),
        "{text}"
    );
    assert!(outcome
        .outbound
        .iter()
        .any(|o| matches!(o, Outbound::SlackUpdate { .. })));
    // Asking again for someone already on it does nothing.
    let again = on_comment(
        &pool,
        Some(updated),
        None,
        &comment("defunkt", "r? @monalisa"),
        false,
        &people,
        NOW,
    );
    assert_eq!(again, Outcome::none());
}

#[test]
fn a_members_comment_on_a_waiting_pull_request_assigns_it() {
    let mut pr = pull_request("defunkt", "");
    pr.draft = true;
    let waiting = WaitingPullRequest::from(&pr);
    let outcome = on_comment(
        &rotation(),
        None,
        Some(&waiting),
        &comment("hubot", "r? @octocat"),
        false,
        &People::default(),
        NOW,
    );
    assert_eq!(requested(&outcome), [vec!["octocat".to_string()]]);
    let assignment = outcome.assignment().unwrap();
    assert_eq!(assignment.title, "Retry webhook delivery");
    assert_eq!(assignment.additions, 3, "read from the stored copy");
    assert!(outcome
        .changes
        .iter()
        .any(|c| matches!(c, Change::RemoveWaiting { .. })));
    assert!(outcome
        .outbound
        .iter()
        .any(|o| matches!(o, Outbound::SlackPost { key: Some(_), .. })));
}

#[test]
fn someone_not_allowed_is_told_once_in_the_thread() {
    let pool = rotation();
    let first = opened(&pool, &pull_request("defunkt", ""));
    let assignment = first.assignment().unwrap().clone();
    let people = People::default();
    let stranger = comment("torvalds", "r? @hubot");
    let outcome = on_comment(
        &pool,
        Some(&assignment),
        None,
        &stranger,
        false,
        &people,
        NOW,
    );
    assert!(requested(&outcome).is_empty());
    assert!(outcome.assignment().is_none() && outcome.pool().is_none());
    match outcome.outbound.as_slice() {
        [Outbound::SlackPost {
            channel,
            text,
            thread_of,
            ..
        }] => {
            assert_eq!(channel, CHANNEL);
            assert_eq!(thread_of.as_deref(), Some("pr:octo-org/api#7"));
            assert!(text.contains("*torvalds* asked for `@hubot`"), "{text}");
            assert!(
                text.contains("only its author or a member of this rotation"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(outcome.changes.contains(&Change::PutRefusedRequest {
        key: refusal_key("Octo-Org/api", 7, "torvalds"),
        at: NOW,
    }));
    assert_eq!(
        refusal_key("Octo-Org/api", 7, "Torvalds"),
        "pr:octo-org/api#7/torvalds"
    );
    // Told once: a second refusal says nothing.
    let again = on_comment(
        &pool,
        Some(&assignment),
        None,
        &stranger,
        true,
        &people,
        NOW,
    );
    assert_eq!(again, Outcome::none());
}

#[test]
fn comments_that_cannot_be_acted_on_do_nothing() {
    let pool = rotation();
    let people = People::default();
    let mut closed = comment("defunkt", "r? @hubot");
    closed.state = "closed".into();
    assert_eq!(
        on_comment(&pool, None, None, &closed, false, &people, NOW),
        Outcome::none()
    );
    let author = comment("hubot", "r? @defunkt");
    assert_eq!(
        on_comment(&pool, None, None, &author, false, &people, NOW),
        Outcome::none()
    );
    let nothing = comment("defunkt", "LGTM");
    assert_eq!(
        on_comment(&pool, None, None, &nothing, false, &people, NOW),
        Outcome::none()
    );
}

#[test]
fn a_comments_team_request_waits_for_the_lookup() {
    let outcome = on_comment(
        &rotation(),
        None,
        None,
        &comment("defunkt", "r? @octo-org/core"),
        false,
        &People::default(),
        NOW,
    );
    let pick = pending(&outcome).unwrap();
    assert_eq!(pick.key(), "pr:octo-org/api#7/comment-99");
    assert_eq!(pick.comment.as_ref().unwrap().by, "defunkt");
    assert_eq!(pick.pr.title, "Retry webhook delivery");
}

#[test]
fn nobody_free_names_the_cap_or_the_team() {
    let mut pool = rotation();
    let pr = pull_request("defunkt", "");
    assert!(Pick::rotation(&pool)
        .nobody_free(&pool, &pr)
        .contains("every member is away, the author, or already reviewing it"));
    pool.review_cap = Some(2);
    let text = Pick::rotation(&pool).nobody_free(&pool, &pr);
    assert!(text.contains("has 2 open reviews (the cap)"), "{text}");
    assert!(text.contains("`/baton assign octo-org/api#7`"), "{text}");
    let team = Team::parse("octo-org/web").unwrap();
    let pick = Pick {
        team: Some(&team),
        ..Pick::default()
    };
    assert!(pick
        .nobody_free(&pool, &pr)
        .contains("no member of the rotation in `@octo-org/web` is free"));
}
