//! Tests of `reviewers/execute.rs`.

use super::*;
use crate::outbound::Outbound;
use crate::reviewers::execute::median;
use crate::reviewers::*;
use crate::{Caller, Mrkdwn, UnixTime};

#[test]
fn watch_creates_the_pool_and_refuses_another_channels_pattern() {
    let people = People::default();
    let outcome = execute(
        &Command::Watch {
            pattern: "octo-org/*".into(),
        },
        &input(&[], &people),
    );
    let pool = outcome.pool().unwrap();
    assert_eq!(
        (pool.channel.as_str(), pool.repos.as_slice()),
        (CHANNEL, &["octo-org/*".to_string()][..])
    );
    assert_eq!(pool.reviewers_per_pr, 1);
    assert!(!pool.include_drafts);
    assert_eq!(
        outcome.outbound,
        [Outbound::post(
            CHANNEL,
            Mrkdwn::expected(&format!(
                "<@{ADMIN}> set this channel to assign reviewers for `octo-org/*`."
            ))
        )]
    );

    let mut elsewhere = Pool::new("C0OTHER");
    elsewhere.repos.push("octo-org/api".into());
    let pools = [elsewhere];
    let refused = execute(
        &Command::Watch {
            pattern: "octo-org/api".into(),
        },
        &input(&pools, &people),
    );
    assert_eq!(refused.pool().cloned(), None);
    assert!(refused.outbound.is_empty());
    assert!(
        refused
            .reply_text()
            .contains("already watched by <#C0OTHER>"),
        "{}",
        refused.reply_text()
    );
}

#[test]
fn commands_needing_a_pool_say_how_to_start_one() {
    let people = People::default();
    for command in [
        Command::List,
        Command::Remove {
            login: "hubot".into(),
        },
        Command::Count {
            reviewers_per_pr: 2,
        },
    ] {
        let outcome = execute(&command, &input(&[], &people));
        assert!(
            outcome.reply_text().contains("reviewers watch"),
            "{command:?}"
        );
        assert_eq!(outcome.pool().cloned(), None);
    }
}

#[test]
fn add_with_mention_maps_the_login_and_starts_level() {
    let mut pool = api_pool();
    for member in &mut pool.members {
        member.assigned = 4;
    }
    let pools = [pool];
    let people = People::default();
    let outcome = execute(
        &Command::Add {
            login: "Defunkt".into(),
            slack_user: Some("U0DEFUNKT".into()),
        },
        &input(&pools, &people),
    );
    let pool = outcome.pool().unwrap();
    assert_eq!(pool.members.last().unwrap().login, "Defunkt");
    assert_eq!(pool.members.last().unwrap().assigned, 4);
    assert_eq!(
        outcome
            .people()
            .and_then(|p| p.slack_users.get("defunkt"))
            .map(String::as_str),
        Some("U0DEFUNKT")
    );
    let again = execute(
        &Command::Add {
            login: "octocat".into(),
            slack_user: None,
        },
        &input(&pools, &people),
    );
    assert_eq!(
        (again.pool().cloned(), again.people().cloned()),
        (None, None)
    );
    assert!(again.reply_text().contains("already in this rotation"));
}

#[test]
fn count_mode_drafts_remove_and_unwatch_change_the_pool_and_announce() {
    let pools = [api_pool()];
    let people = People::default();
    let run = |command: Command| execute(&command, &input(&pools, &people));
    let counted = run(Command::Count {
        reviewers_per_pr: 2,
    });
    assert_eq!(counted.pool().unwrap().reviewers_per_pr, 2);
    assert_eq!(counted.outbound.len(), 1);
    assert_eq!(
        run(Command::Mode {
            mode: Mode::LoadBalance
        })
        .pool()
        .unwrap()
        .mode,
        Mode::LoadBalance
    );
    assert!(
        run(Command::Drafts { include: true })
            .pool()
            .unwrap()
            .include_drafts
    );
    let removed = run(Command::Remove {
        login: "HUBOT".into(),
    })
    .pool()
    .cloned()
    .unwrap();
    assert_eq!(
        removed
            .members
            .iter()
            .map(|m| m.login.as_str())
            .collect::<Vec<_>>(),
        ["octocat", "monalisa"]
    );
    assert!(run(Command::Remove {
        login: "torvalds".into()
    })
    .reply_text()
    .contains("not in this rotation"));
    assert!(run(Command::Unwatch {
        pattern: "octo-org/api".into()
    })
    .pool()
    .unwrap()
    .repos
    .is_empty());
    let missing = run(Command::Unwatch {
        pattern: "octo-org/web".into(),
    });
    assert_eq!(missing.pool().cloned(), None);
    assert!(missing
        .reply_text()
        .contains("does not watch `octo-org/web`"));
}

#[test]
fn list_shows_order_next_away_mode_count_and_repositories() {
    let mut pool = api_pool();
    pool.reviewers_per_pr = 1;
    let mut people = people();
    people.away.insert(
        "hubot".into(),
        Away {
            until: Some(NOW + 8 * 86_400),
        },
    );
    people.away.insert(
        "monalisa".into(),
        Away {
            until: Some(NOW - 1),
        },
    );
    let pools = [pool];
    let reply = execute(&Command::List, &input(&pools, &people))
        .reply
        .unwrap_or_default();
    assert!(
        reply.contains("round-robin, 1 reviewer per pull request, drafts wait until ready"),
        "{reply}"
    );
    assert!(
        reply.contains("1. <@U0G9QF9C6> — 0 assigned (`octocat`) · *next*"),
        "{reply}"
    );
    assert!(
        reply
            .contains("2. <@U024BE7LH> — 0 assigned (`hubot`) · :palm_tree: away until 2026-12-01"),
        "{reply}"
    );
    assert!(
        reply.contains("3. *monalisa* — 0 assigned\n"),
        "an expired away is not shown: {reply}"
    );
    assert!(reply.contains("Watching `octo-org/api`."), "{reply}");
}

#[test]
fn next_previews_without_advancing() {
    let pools = [api_pool()];
    let people = people();
    let outcome = execute(
        &Command::Next {
            repo: "octo-org/api".into(),
        },
        &input(&pools, &people),
    );
    assert_eq!(outcome.pool().cloned(), None);
    assert!(
        outcome.reply_text().contains("would go to <@U0G9QF9C6>"),
        "{}",
        outcome.reply_text()
    );
    let unwatched = execute(
        &Command::Next {
            repo: "octo-org/web".into(),
        },
        &input(&pools, &people),
    );
    assert!(unwatched
        .reply_text()
        .contains("No channel watches `octo-org/web`"));
}

#[test]
fn map_away_and_back_change_global_records() {
    let people = people();
    let pools = [api_pool()];
    let mapped = execute(
        &Command::Map {
            login: "Defunkt".into(),
            slack_user: "U0DEFUNKT".into(),
        },
        &input(&pools, &people),
    );
    assert_eq!(
        mapped
            .people()
            .and_then(|p| p.slack_users.get("defunkt"))
            .map(String::as_str),
        Some("U0DEFUNKT")
    );
    assert_eq!(mapped.outbound.len(), 1);

    // `away` without a login is the caller's own mapped login.
    let octocat = Caller::new("U0G9QF9C6", CHANNEL);
    let mut as_octocat = input(&pools, &people);
    as_octocat.caller = &octocat;
    let away = execute(
        &Command::Away {
            login: None,
            until: Some(NOW + 86_400),
        },
        &as_octocat,
    );
    assert_eq!(
        away.people().and_then(|p| p.away.get("octocat")),
        Some(&Away {
            until: Some(NOW + 86_400)
        })
    );
    assert!(
        away.reply_text().contains("until 2026-11-24"),
        "{}",
        away.reply_text()
    );

    let past = execute(
        &Command::Away {
            login: Some("hubot".into()),
            until: Some(NOW),
        },
        &as_octocat,
    );
    assert_eq!(past.people(), None);
    assert!(past.reply_text().contains("not in the future"));

    let unknown = execute(
        &Command::Away {
            login: None,
            until: None,
        },
        &input(&pools, &people),
    );
    assert_eq!(unknown.people(), None);
    assert!(unknown
        .reply_text()
        .contains("I don't know your GitHub login"));

    let mut away_people = people.clone();
    away_people
        .away
        .insert("octocat".into(), Away { until: None });
    let mut as_octocat = input(&pools, &away_people);
    as_octocat.caller = &octocat;
    let back = execute(&Command::Back { login: None }, &as_octocat);
    assert_eq!(
        back.people().map(|p| p.away.contains_key("octocat")),
        Some(false)
    );
    let not_away = execute(
        &Command::Back {
            login: Some("hubot".into()),
        },
        &as_octocat,
    );
    assert_eq!(not_away.people(), None);
    assert!(not_away.reply_text().contains("not away"));
}

fn pull_request() -> PullRequestEvent {
    PullRequestEvent {
        action: "opened".into(),
        repo: "octo-org/api".into(),
        number: 1347,
        title: "Retry webhook delivery on 5xx".into(),
        html_url: "https://github.com/octo-org/api/pull/1347".into(),
        author: "monalisa".into(),
        author_is_bot: false,
        body: String::new(),
        draft: true,
        merged: false,
        additions: 12,
        deletions: 3,
        changed_files: 1,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    }
}

#[test]
fn assign_assigns_now_even_a_draft_but_only_once() {
    let pools = [api_pool()];
    let people = people();
    let pr = pull_request();
    let mut with_pr = input(&pools, &people);
    with_pr.pull_request = Some(&pr);
    let command = Command::Assign {
        repo: "octo-org/api".into(),
        number: 1347,
    };
    let outcome = execute(&command, &with_pr);
    let assignment = outcome.assignment().unwrap();
    assert_eq!(assignment.pending_logins(), ["octocat"]);
    assert_eq!(
        outcome.pool().unwrap().member("octocat").unwrap().assigned,
        1
    );
    assert!(outcome.outbound.iter().any(|o| matches!(o, Outbound::GithubRequestReviewers { reviewers, .. } if reviewers == &["octocat"])));
    assert!(
        outcome.reply_text().contains("goes to <@U0G9QF9C6>"),
        "{}",
        outcome.reply_text()
    );

    with_pr.existing_assignment = Some(assignment);
    let again = execute(&command, &with_pr);
    assert_eq!(
        (again.pool().cloned(), again.assignment().cloned()),
        (None, None)
    );
    assert!(again.outbound.is_empty());
    assert!(
        again
            .reply_text()
            .contains("already has reviewers: <@U0G9QF9C6>"),
        "{}",
        again.reply_text()
    );

    let not_found = execute(&command, &input(&pools, &people));
    assert!(not_found
        .reply_text()
        .contains("couldn't find pull request `octo-org/api#1347`"));
}

#[test]
fn stats_counts_assignments_passes_and_median_time_to_first_review() {
    let reviewer = |login: &str, assigned_at: UnixTime, status: ReviewStatus| AssignedReviewer {
        login: login.into(),
        assigned_at,
        status,
    };
    let record = |number: u64, channel: &str, reviewers: Vec<AssignedReviewer>| {
        let mut pr = pull_request();
        pr.number = number;
        let mut assignment = Assignment::new(&pr, channel, &[], NOW);
        assignment.reviewers = reviewers;
        assignment
    };
    let day = 86_400;
    let reviewed = |at: UnixTime| ReviewStatus::Reviewed {
        first_at: at,
        state: "approved".into(),
    };
    let history = [
        record(
            1,
            CHANNEL,
            vec![reviewer(
                "octocat",
                NOW - 2 * day,
                reviewed(NOW - 2 * day + 3600),
            )],
        ),
        record(
            2,
            CHANNEL,
            vec![reviewer(
                "octocat",
                NOW - day,
                reviewed(NOW - day + 3 * 3600),
            )],
        ),
        record(
            3,
            CHANNEL,
            vec![
                reviewer(
                    "hubot",
                    NOW - day,
                    ReviewStatus::Passed { at: NOW - day + 60 },
                ),
                reviewer("octocat", NOW - day + 60, ReviewStatus::Pending),
            ],
        ),
        // Too old for the window, and another channel's: ignored.
        record(
            4,
            CHANNEL,
            vec![reviewer(
                "hubot",
                NOW - 40 * day,
                reviewed(NOW - 40 * day + 60),
            )],
        ),
        record(
            5,
            "C0OTHER",
            vec![reviewer("hubot", NOW - day, reviewed(NOW - day + 60))],
        ),
    ];
    let pools = [api_pool()];
    let people = people();
    let mut with_history = input(&pools, &people);
    with_history.history = &history;
    let reply = execute(&Command::Stats { days: 30 }, &with_history)
        .reply
        .unwrap_or_default();
    assert!(
        reply.contains("• octocat — 3 assigned, 0 passed, median 2h to first review"),
        "{reply}"
    );
    assert!(
        reply.contains("• hubot — 1 assigned, 1 passed, no reviews yet"),
        "{reply}"
    );
    let short = execute(&Command::Stats { days: 1 }, &with_history)
        .reply
        .unwrap_or_default();
    assert!(short.contains("octocat — 2 assigned"), "{short}");
    with_history.history = &[];
    assert!(execute(&Command::Stats { days: 30 }, &with_history)
        .reply_text()
        .contains("No review assignments"));
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [30, 10, 20]), Some(20));
    assert_eq!(median(&mut [40, 10, 20, 30]), Some(25));
}

#[test]
fn assign_skips_members_at_the_cap_and_writes_the_review_record_it_counts_by() {
    let mut pool = api_pool();
    pool.review_cap = Some(1);
    let pools = [pool];
    let mut people = people();
    // The review records count one open review for octocat.
    people.open_reviews.insert("octocat".into(), 1);
    let mut pr = pull_request();
    pr.draft = false;
    let mut with_pr = input(&pools, &people);
    with_pr.pull_request = Some(&pr);
    let command = Command::Assign {
        repo: "octo-org/api".into(),
        number: 1347,
    };
    let outcome = execute(&command, &with_pr);
    assert_eq!(outcome.assignment().unwrap().pending_logins(), ["hubot"]);
    // The pull request's review record now waits on hubot: the next pick
    // counts it.
    let [tracked] = outcome.tracked()[..] else {
        panic!("one review record: {:?}", outcome.changes)
    };
    assert!(tracked.waits_on_review_of("hubot"));
    assert_eq!(
        crate::reviewers::lifecycle::open_reviews_per_member(std::slice::from_ref(tracked)),
        [("hubot".to_string(), 1)].into()
    );
}
