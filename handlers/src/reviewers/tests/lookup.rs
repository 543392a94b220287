//! Tests of `lookup`: which members a pick prefers once GitHub has said
//! who owns what, and the pick that follows.

use crate::reviewers::lookup::*;
use std::collections::{BTreeMap, BTreeSet};

use crate::github::PullRequestEvent;
use crate::outbound::Outbound;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::codeowners::{Codeowners, Team};
use crate::reviewers::pool::{People, Pool};
use crate::reviewers::waiting::WaitingPullRequest;
use crate::UnixTime;

const NOW: UnixTime = 1_795_392_000; // 2026-11-23
const CHANNEL: &str = "C024BE91L";

const CODEOWNERS: &str = "\
# Everything else: nobody in particular.
/src/billing/ @MonaLisa
/web/ @octo-org/web
*.md @torvalds
/docs/internal/
";

fn rotation() -> Pool {
    let mut pool = Pool::new(CHANNEL);
    pool.repos.push("octo-org/api".into());
    for login in ["octocat", "hubot", "monalisa", "defunkt"] {
        pool.add_member(login, &People::default(), NOW);
    }
    pool.owners_first = true;
    pool
}

fn pending(author: &str) -> PendingPick {
    let pr = PullRequestEvent {
        action: "opened".into(),
        repo: "Octo-Org/api".into(),
        number: 7,
        title: "Charge twice".into(),
        html_url: "https://github.com/Octo-Org/api/pull/7".into(),
        author: author.into(),
        author_is_bot: false,
        body: String::new(),
        draft: false,
        merged: false,
        additions: 3,
        deletions: 1,
        changed_files: 1,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    };
    PendingPick {
        pr: WaitingPullRequest::from(&pr),
        channel: CHANNEL.into(),
        owners: true,
        team: None,
        comment: None,
        queued_at: NOW,
    }
}

fn web_team() -> Team {
    Team::parse("octo-org/web").unwrap()
}

fn facts(files: &[&str]) -> LookupFacts {
    LookupFacts {
        codeowners: Some(Codeowners::parse(CODEOWNERS).0),
        files: files.iter().map(|f| f.to_string()).collect(),
        teams: BTreeMap::from([(
            web_team(),
            vec!["Defunkt".to_string(), "outsider".to_string()],
        )]),
        shortfall: None,
    }
}

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

/// The lookup of `pending`, a pull request still waiting, is done.
fn done(pool: &Pool, pending: &PendingPick, facts: &LookupFacts) -> Outcome {
    on_lookup_done(
        pool,
        None,
        Some(&pending.pr),
        pending,
        facts,
        &People::default(),
        NOW,
    )
}

#[test]
fn owners_are_the_rotations_members_owning_a_changed_path() {
    let pool = rotation();
    let pick = pending("torvalds");
    let found = |files: &[&str]| preferred_members(&pool, &pick, &facts(files));
    assert_eq!(
        found(&["src/billing/charge.rs"]),
        BTreeSet::from(["monalisa".into()])
    );
    // Through the team, only the members in the rotation.
    assert_eq!(
        found(&["web/index.html"]),
        BTreeSet::from(["defunkt".into()])
    );
    assert_eq!(
        found(&["web/a.js", "src/billing/b.rs"]),
        BTreeSet::from(["defunkt".into(), "monalisa".into()])
    );
    // An owner outside the rotation, an unowned path, a path unowned by a
    // line without owners: nobody.
    assert!(found(&["README.md"]).is_empty());
    assert!(found(&["src/main.rs"]).is_empty());
    assert!(found(&["docs/internal/x.txt"]).is_empty());
}

#[test]
fn teams_to_look_up_are_those_owning_a_changed_path_or_the_requested_one() {
    let pick = pending("torvalds");
    let codeowners = Codeowners::parse(CODEOWNERS).0;
    let files = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    assert_eq!(
        teams_to_look_up(&pick, Some(&codeowners), &files(&["web/a.js", "src/x.rs"])),
        BTreeSet::from([web_team()])
    );
    assert!(teams_to_look_up(&pick, Some(&codeowners), &files(&["src/x.rs"])).is_empty());
    assert!(teams_to_look_up(&pick, None, &files(&["web/a.js"])).is_empty());
    let mut asked = pick.clone();
    asked.team = Team::parse("octo-org/core");
    assert_eq!(
        teams_to_look_up(&asked, Some(&codeowners), &[]),
        BTreeSet::from([Team::parse("octo-org/core").unwrap()])
    );
}

#[test]
fn an_owner_is_picked_first_though_it_is_octocats_turn() {
    let pool = rotation();
    let pick = pending("torvalds");
    let outcome = done(&pool, &pick, &facts(&["src/billing/charge.rs"]));
    assert_eq!(requested(&outcome), [vec!["monalisa".to_string()]]);
    assert!(outcome.changes.contains(&Change::RemovePendingPick {
        key: "pr:octo-org/api#7/opened".into()
    }));
    assert!(outcome
        .changes
        .iter()
        .any(|c| matches!(c, Change::RemoveWaiting { .. })));
    // The rotation's turn is still octocat's.
    let after = outcome.pool().unwrap();
    assert_eq!(
        after.preview("torvalds", &People::default(), NOW),
        ["octocat"]
    );
}

#[test]
fn owners_first_then_the_rotation_fills_the_slots() {
    let mut pool = rotation();
    pool.reviewers_per_pr = 2;
    let outcome = done(&pool, &pending("torvalds"), &facts(&["web/app.js"]));
    assert_eq!(
        requested(&outcome),
        [vec!["defunkt".to_string(), "octocat".to_string()]]
    );
}

#[test]
fn without_owners_the_usual_pick() {
    let pool = rotation();
    let pick = pending("torvalds");
    // A change nobody owns.
    let outcome = done(&pool, &pick, &facts(&["src/main.rs"]));
    assert_eq!(requested(&outcome), [vec!["octocat".to_string()]]);
    // No CODEOWNERS file.
    let none = LookupFacts {
        files: vec!["src/billing/charge.rs".into()],
        ..LookupFacts::default()
    };
    assert_eq!(
        requested(&done(&pool, &pick, &none)),
        [vec!["octocat".to_string()]]
    );
    // The lookup gave up.
    let failed = LookupFacts {
        shortfall: Some("GitHub did not answer in time".into()),
        ..LookupFacts::default()
    };
    assert_eq!(
        requested(&done(&pool, &pick, &failed)),
        [vec!["octocat".to_string()]]
    );
}

#[test]
fn the_author_owning_the_change_is_not_picked() {
    let pool = rotation();
    let outcome = done(
        &pool,
        &pending("monalisa"),
        &facts(&["src/billing/charge.rs"]),
    );
    assert_eq!(requested(&outcome), [vec!["octocat".to_string()]]);
}

#[test]
fn an_assignment_made_meanwhile_ends_the_pending_pick_with_nothing_more() {
    let pool = rotation();
    let pick = pending("torvalds");
    let first = done(&pool, &pick, &facts(&["src/main.rs"]));
    let assignment = first.assignment().unwrap();
    let again = on_lookup_done(
        &pool,
        Some(assignment),
        None,
        &pick,
        &facts(&[]),
        &People::default(),
        NOW,
    );
    assert_eq!(
        again.changes,
        [Change::RemovePendingPick { key: pick.key() }]
    );
    assert!(again.outbound.is_empty());
}

#[test]
fn a_pull_request_closed_meanwhile_gets_nothing() {
    let pool = rotation();
    let pick = pending("torvalds");
    // Closed before it had reviewers: neither record is left.
    let closed = on_lookup_done(
        &pool,
        None,
        None,
        &pick,
        &facts(&[]),
        &People::default(),
        NOW,
    );
    assert_eq!(
        closed.changes,
        [Change::RemovePendingPick { key: pick.key() }]
    );
    assert!(closed.outbound.is_empty());
    // A comment's request on a pull request whose assignment closed.
    let first = done(&pool, &pick, &facts(&["src/main.rs"]));
    let mut assignment = first.assignment().unwrap().clone();
    assignment.closed = Some(crate::reviewers::Closed {
        at: NOW,
        merged: true,
    });
    let mut asked = pick.clone();
    asked.team = Some(web_team());
    asked.comment = Some(AskedInComment {
        comment_id: 1,
        by: "hubot".into(),
    });
    let outcome = on_lookup_done(
        &pool,
        Some(&assignment),
        None,
        &asked,
        &facts(&[]),
        &People::default(),
        NOW,
    );
    assert_eq!(
        outcome.changes,
        [Change::RemovePendingPick { key: asked.key() }]
    );
    assert!(outcome.outbound.is_empty());
}

#[test]
fn a_team_request_picks_one_of_its_rotation_members_or_says_nobody_is_free() {
    let pool = rotation();
    let mut pick = pending("torvalds");
    pick.team = Some(web_team());
    let outcome = done(&pool, &pick, &facts(&[]));
    assert_eq!(requested(&outcome), [vec!["defunkt".to_string()]]);
    // Its only rotation member is the author: nobody, and the channel is told.
    let mut by_defunkt = pending("defunkt");
    by_defunkt.team = Some(web_team());
    let outcome = done(&pool, &by_defunkt, &facts(&[]));
    assert!(requested(&outcome).is_empty());
    let said = outcome.outbound.iter().find_map(|o| match o {
        Outbound::SlackPost { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert!(said.unwrap().contains("`@octo-org/web`"));
    assert!(outcome.changes.contains(&Change::RemovePendingPick {
        key: by_defunkt.key()
    }));
}

#[test]
fn a_comments_team_request_adds_one_reviewer() {
    let pool = rotation();
    let first = done(&pool, &pending("torvalds"), &facts(&["src/main.rs"]));
    let (pool, assignment) = (
        first.pool().unwrap().clone(),
        first.assignment().unwrap().clone(),
    );
    let mut pick = pending("torvalds");
    pick.team = Some(web_team());
    pick.comment = Some(AskedInComment {
        comment_id: 5,
        by: "hubot".into(),
    });
    let outcome = on_lookup_done(
        &pool,
        Some(&assignment),
        None,
        &pick,
        &facts(&[]),
        &People::default(),
        NOW,
    );
    assert_eq!(requested(&outcome), [vec!["defunkt".to_string()]]);
    assert_eq!(
        outcome.assignment().unwrap().pending_logins(),
        ["octocat", "defunkt"]
    );
    assert!(outcome.changes.contains(&Change::RemovePendingPick {
        key: "pr:octo-org/api#7/comment-5".into()
    }));
}

#[test]
fn codeowners_copies_are_fresh_for_ten_minutes() {
    let copy = CodeownersCopy {
        repo: "octo-org/api".into(),
        path: Some(".github/CODEOWNERS".into()),
        text: Some(CODEOWNERS.into()),
        fetched_at: NOW,
    };
    assert!(copy.is_fresh(NOW) && copy.is_fresh(NOW + 599));
    assert!(!copy.is_fresh(NOW + 600));
    assert!(
        !copy.is_fresh(NOW - 1),
        "a copy from the future is not trusted"
    );
    let json = serde_json::to_string(&copy).unwrap();
    assert_eq!(serde_json::from_str::<CodeownersCopy>(&json).unwrap(), copy);
}

#[test]
fn pending_picks_round_trip_and_share_a_prefix_per_pull_request() {
    let pick = pending("torvalds");
    let json = serde_json::to_string(&pick).unwrap();
    assert_eq!(serde_json::from_str::<PendingPick>(&json).unwrap(), pick);
    assert!(pick.key().starts_with(&pending_prefix("Octo-Org/api", 7)));
    assert!(!pending_prefix("Octo-Org/api", 7).starts_with(&pending_prefix("octo-org/api", 77)));
    assert!(!pending_prefix("octo-org/api", 77).starts_with(&pending_prefix("octo-org/api", 7)));
}
