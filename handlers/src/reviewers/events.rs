//! What the reviewers feature does when GitHub or Slack tells it something:
//! a pull request opened, reopened, made ready or closed; a review
//! submitted; a "Reassign" or "Can't review" button pressed.
//!
//! Each function takes the records the caller loaded (the pool, the pull
//! request's assignment if any, the global [`People`]) and `now`, and
//! returns an [`EventOutcome`]: the records to write back and the
//! [`Outbound`] actions to queue.

use super::assignment::{
    message_key, parse_pull_request_reference, review_emoji, review_verb, AssignedReviewer,
    Assignment, Closed, ReviewStatus, PASS_ACTION_ID, REASSIGN_ACTION_ID,
};
use super::pool::{same_login, People, Pool};
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::UnixTime;

/// The records to write back and the actions to queue after an event.
/// `None` means "unchanged, do not write".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventOutcome {
    pub pool: Option<Pool>,
    pub assignment: Option<Assignment>,
    pub outbound: Vec<Outbound>,
    /// An ephemeral answer to the person who pressed a button.
    pub reply: Option<Mrkdwn>,
}

/// The `pull_request` actions that ask for reviewers.
const ASSIGNING_ACTIONS: [&str; 3] = ["opened", "reopened", "ready_for_review"];

/// A `pull_request` delivery for a repository `pool` watches. `existing` is
/// this pull request's assignment record, if one was ever written.
pub fn on_pull_request(
    pool: &Pool,
    existing: Option<&Assignment>,
    pr: &PullRequestEvent,
    people: &People,
    now: UnixTime,
) -> EventOutcome {
    if pr.action == "closed" {
        return existing.map_or_else(EventOutcome::default, |assignment| {
            close_assignment(pool, assignment, pr.merged, people, now)
        });
    }
    let wants_reviewers = ASSIGNING_ACTIONS.contains(&pr.action.as_str())
        && existing.is_none()
        && (!pr.draft || pool.include_drafts);
    if !wants_reviewers {
        return EventOutcome::default();
    }
    assign_pull_request(pool, pr, people, now)
}

/// Pick reviewers for `pr` now and announce them; or say in the channel
/// that no one is free. Also used by the `assign` command.
pub fn assign_pull_request(
    pool: &Pool,
    pr: &PullRequestEvent,
    people: &People,
    now: UnixTime,
) -> EventOutcome {
    let mut new_pool = pool.clone();
    let already_on_it: Vec<String> = pr
        .requested_reviewers
        .iter()
        .chain(&pr.assignees)
        .cloned()
        .collect();
    let wanted = usize::from(pool.reviewers_per_pr);
    let chosen = new_pool.pick_reviewers(&pr.author, &already_on_it, wanted, people, now);
    let pool_update = (new_pool != *pool).then_some(new_pool);
    if chosen.is_empty() {
        let reference = format!("{}#{}", pr.repo.to_ascii_lowercase(), pr.number);
        let text = mrkdwn!(
            ":warning: No one in the review rotation is free to review {} by {}: \
             every member is away, the author, or already reviewing it. \
             Use `/baton assign {}` when someone is back.",
            Mrkdwn::link(&pr.html_url, reference.as_str()),
            pr.author,
            reference
        );
        return EventOutcome {
            pool: pool_update,
            outbound: vec![Outbound::post(&pool.channel, text)],
            ..EventOutcome::default()
        };
    }
    let assignment = Assignment::new(pr, &pool.channel, &chosen, now);
    let (text, blocks) = assignment.render(people, Some(wanted - chosen.len()));
    EventOutcome {
        pool: pool_update,
        outbound: vec![
            Outbound::GithubRequestReviewers {
                repo: pr.repo.clone(),
                number: pr.number,
                reviewers: chosen,
                installation: pr.installation,
            },
            Outbound::SlackPost {
                channel: pool.channel.clone(),
                text,
                blocks: Some(blocks),
                key: Some(assignment.key()),
                thread_of: None,
            },
        ],
        assignment: Some(assignment),
        reply: None,
    }
}

/// The pull request closed: open reviews close with it and the message
/// loses its buttons.
fn close_assignment(
    pool: &Pool,
    assignment: &Assignment,
    merged: bool,
    people: &People,
    now: UnixTime,
) -> EventOutcome {
    if assignment.closed.is_some() {
        return EventOutcome::default();
    }
    let mut new_pool = pool.clone();
    for login in assignment.pending_logins() {
        if let Some(member) = new_pool.member_mut(&login) {
            member.open_reviews = member.open_reviews.saturating_sub(1);
        }
    }
    let mut closed = assignment.clone();
    closed.closed = Some(Closed { at: now, merged });
    let (text, blocks) = closed.render(people, None);
    EventOutcome {
        pool: (new_pool != *pool).then_some(new_pool),
        outbound: vec![Outbound::SlackUpdate {
            key: closed.key(),
            channel: closed.channel.clone(),
            text,
            blocks: Some(blocks),
        }],
        assignment: Some(closed),
        reply: None,
    }
}

/// A `pull_request_review` delivery for a pull request with an assignment.
/// A review by an assigned reviewer closes their open review (the first
/// one) and is announced in the assignment message's thread.
pub fn on_pull_request_review(
    pool: &Pool,
    assignment: &Assignment,
    review: &PullRequestReviewEvent,
    people: &People,
    now: UnixTime,
) -> EventOutcome {
    if review.action != "submitted" || review.state == "dismissed" {
        return EventOutcome::default();
    }
    let mut updated = assignment.clone();
    let Some(entry) = updated.reviewer_on_it_mut(&review.reviewer) else {
        return EventOutcome::default();
    };
    let first_review = entry.status == ReviewStatus::Pending;
    let repeated_comment = !first_review && review.state == "commented";
    entry.status = match &entry.status {
        ReviewStatus::Reviewed { first_at, .. } => ReviewStatus::Reviewed {
            first_at: *first_at,
            state: review.state.clone(),
        },
        _ => ReviewStatus::Reviewed {
            first_at: now,
            state: review.state.clone(),
        },
    };
    let mut new_pool = pool.clone();
    if first_review && assignment.closed.is_none() {
        if let Some(member) = new_pool.member_mut(&review.reviewer) {
            member.open_reviews = member.open_reviews.saturating_sub(1);
        }
    }
    let mut outbound = Vec::new();
    if !repeated_comment {
        let link = review
            .html_url
            .as_deref()
            .map(|url| mrkdwn!(" ({})", Mrkdwn::link(url, "review")))
            .unwrap_or_default();
        outbound.push(Outbound::SlackPost {
            channel: assignment.channel.clone(),
            text: mrkdwn!(
                "{} {} {}{}",
                review_emoji(&review.state),
                people.mention(&review.reviewer),
                review_verb(&review.state),
                link
            ),
            blocks: None,
            key: None,
            thread_of: Some(assignment.key()),
        });
    }
    EventOutcome {
        pool: (new_pool != *pool).then_some(new_pool),
        assignment: Some(updated),
        outbound,
        reply: None,
    }
}

/// Which of the assignment message's buttons was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewerButton {
    /// Anyone: hand every pending review to someone else.
    Reassign,
    /// The reviewer: hand their own review on, without it counting
    /// against them.
    CantReview,
}

/// A press of one of this feature's buttons, read from `block_actions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonPress {
    pub button: ReviewerButton,
    /// Lower-cased `owner/repo`.
    pub repo: String,
    pub number: u64,
}

impl ButtonPress {
    /// The key of the assignment record to load.
    pub fn assignment_key(&self) -> String {
        message_key(&self.repo, self.number)
    }
}

/// Is this button press ours? `value` is `owner/repo#12`.
pub fn parse_button(action_id: &str, value: &str) -> Option<ButtonPress> {
    let button = match action_id {
        REASSIGN_ACTION_ID => ReviewerButton::Reassign,
        PASS_ACTION_ID => ReviewerButton::CantReview,
        _ => return None,
    };
    let (repo, number) = parse_pull_request_reference(value)?;
    Some(ButtonPress {
        button,
        repo,
        number,
    })
}

/// A button on the assignment message was pressed by Slack user
/// `pressed_by`. The replacement is picked like any reviewer, never anyone
/// already asked on this pull request.
pub fn on_button(
    pool: &Pool,
    assignment: &Assignment,
    button: ReviewerButton,
    pressed_by: &str,
    people: &People,
    now: UnixTime,
) -> EventOutcome {
    let answer = |text: Mrkdwn| EventOutcome {
        reply: Some(text),
        ..EventOutcome::default()
    };
    if assignment.closed.is_some() {
        return answer("This pull request is closed; there is no review to hand on.".into());
    }
    let leaving = match reviewers_leaving(assignment, button, pressed_by, people) {
        Ok(leaving) => leaving,
        Err(reason) => return answer(reason),
    };
    let mut new_pool = pool.clone();
    let joining = new_pool.pick_reviewers(
        &assignment.author,
        &assignment.everyone_asked(),
        leaving.len(),
        people,
        now,
    );
    if joining.is_empty() {
        let text = mrkdwn!(
            ":warning: No one else in the review rotation is free to take over {}.",
            Mrkdwn::link(
                &assignment.url,
                format!("{}#{}", assignment.repo, assignment.number)
            )
        );
        return EventOutcome {
            pool: (new_pool != *pool).then_some(new_pool),
            outbound: vec![Outbound::SlackPost {
                channel: assignment.channel.clone(),
                text: text.clone(),
                blocks: None,
                key: None,
                thread_of: Some(assignment.key()),
            }],
            reply: Some(text),
            assignment: None,
        };
    }
    let leaving = &leaving[..joining.len()];
    let mut updated = assignment.clone();
    for login in leaving {
        if let Some(entry) = updated.reviewer_on_it_mut(login) {
            entry.status = match button {
                ReviewerButton::CantReview => ReviewStatus::Passed { at: now },
                ReviewerButton::Reassign => ReviewStatus::Reassigned { at: now },
            };
        }
        if let Some(member) = new_pool.member_mut(login) {
            member.open_reviews = member.open_reviews.saturating_sub(1);
            if button == ReviewerButton::CantReview {
                member.assigned = member.assigned.saturating_sub(1);
                member.passes += 1;
            }
        }
    }
    updated
        .reviewers
        .extend(joining.iter().map(|login| AssignedReviewer {
            login: login.clone(),
            assigned_at: now,
            status: ReviewStatus::Pending,
        }));
    let why = match button {
        ReviewerButton::CantReview => mrkdwn!("can't review"),
        ReviewerButton::Reassign => mrkdwn!("reassigned by {}", Mrkdwn::user(pressed_by)),
    };
    let handover = updated.handover_text(people, leaving, &joining, &why);
    let (text, blocks) = updated.render(people, None);
    EventOutcome {
        pool: (new_pool != *pool).then_some(new_pool),
        outbound: vec![
            Outbound::GithubRemoveReviewers {
                repo: updated.repo.clone(),
                number: updated.number,
                reviewers: leaving.to_vec(),
                installation: updated.installation,
            },
            Outbound::GithubRequestReviewers {
                repo: updated.repo.clone(),
                number: updated.number,
                reviewers: joining,
                installation: updated.installation,
            },
            Outbound::SlackUpdate {
                key: updated.key(),
                channel: updated.channel.clone(),
                text,
                blocks: Some(blocks),
            },
            Outbound::SlackPost {
                channel: updated.channel.clone(),
                text: handover.clone(),
                blocks: None,
                key: None,
                thread_of: Some(updated.key()),
            },
        ],
        assignment: Some(updated),
        reply: Some(handover),
    }
}

/// Who a button press takes off the pull request, or why no one.
/// "Reassign" takes every pending reviewer; "Can't review" only the
/// presser, who must be one of them.
fn reviewers_leaving(
    assignment: &Assignment,
    button: ReviewerButton,
    pressed_by: &str,
    people: &People,
) -> Result<Vec<String>, Mrkdwn> {
    let pending = assignment.pending_logins();
    if pending.is_empty() {
        return Err("Everyone assigned has already reviewed; nothing to reassign.".into());
    }
    if button == ReviewerButton::Reassign {
        return Ok(pending);
    }
    let Some(presser) = people.login_of_slack_user(pressed_by) else {
        return Err(mrkdwn!(
            "I don't know your GitHub login, so I can't tell whether this review is yours. \
             An admin can run `/baton map GITHUB-LOGIN {}`; \
             or press *Reassign* instead.",
            Mrkdwn::user(pressed_by)
        ));
    };
    match pending.into_iter().find(|login| same_login(login, presser)) {
        Some(login) => Ok(vec![login]),
        None => Err(
            "Only a reviewer who hasn't reviewed yet can say they can't review; \
                     press *Reassign* to hand it on."
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reviewers::pool::{login_key, Away, Mode};

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
            draft: false,
            merged: false,
            additions: 120,
            deletions: 31,
            changed_files: 4,
            requested_reviewers: vec![],
            assignees: vec![],
            installation: None,
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
        (outcome.pool.unwrap(), outcome.assignment.unwrap())
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
        let assignment = outcome.assignment.unwrap();
        assert_eq!(assignment.pending_logins(), ["octocat"]);
        assert_eq!(outcome.pool.unwrap().member("octocat").unwrap().assigned, 1);
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
            outcome.assignment.unwrap().pending_logins(),
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
            EventOutcome::default()
        );
        let ready = pull_request("ready_for_review", 1347, "monalisa");
        let outcome = on_pull_request(&pool, None, &ready, &people(), NOW);
        assert_eq!(outcome.assignment.unwrap().pending_logins(), ["octocat"]);

        let mut with_drafts = pool.clone();
        with_drafts.include_drafts = true;
        let outcome = on_pull_request(&with_drafts, None, &draft, &people(), NOW);
        assert_eq!(outcome.assignment.unwrap().pending_logins(), ["octocat"]);
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
            assert_eq!(outcome, EventOutcome::default(), "{action}");
        }
        let mut closed = assignment.clone();
        closed.closed = Some(Closed {
            at: NOW,
            merged: false,
        });
        let reopened = pull_request("reopened", 1347, "monalisa");
        assert_eq!(
            on_pull_request(&pool, Some(&closed), &reopened, &people(), NOW),
            EventOutcome::default()
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
        assert_eq!(outcome.assignment, None);
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
            outcome.assignment.unwrap().pending_logins(),
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
        assert_eq!(pool.member("octocat").unwrap().open_reviews, 1);
        let outcome = on_pull_request_review(
            &pool,
            &assignment,
            &review("octocat", "approved"),
            &people(),
            NOW + 3600,
        );
        let after = outcome.pool.unwrap();
        assert_eq!(after.member("octocat").unwrap().open_reviews, 0);
        let reviewed = outcome.assignment.unwrap();
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
            &after,
            &reviewed,
            &review("octocat", "changes_requested"),
            &people(),
            NOW + 7200,
        );
        assert_eq!(again.pool, None);
        let [Outbound::SlackPost { text, .. }] = again.outbound.as_slice() else {
            panic!()
        };
        assert!(
            text.starts_with("🔁 <@U0G9QF9C6> requested changes"),
            "{text}"
        );
        assert_eq!(
            again.assignment.unwrap().reviewers[0].status,
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
        assert_eq!(stranger, EventOutcome::default());
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
        let pool = first.pool.unwrap();
        let second = on_pull_request(
            &pool,
            None,
            &pull_request("opened", 2, "monalisa"),
            &people(),
            NOW + 10,
        );
        let pool = second.pool.unwrap();
        assert_eq!(second.assignment.unwrap().pending_logins(), ["hubot"]);
        // #1 (octocat's) closes: octocat now has no open review, hubot has one.
        let mut closing = pull_request("closed", 1, "monalisa");
        closing.merged = true;
        let closed = on_pull_request(
            &pool,
            first.assignment.as_ref(),
            &closing,
            &people(),
            NOW + 20,
        );
        let pool = closed.pool.unwrap();
        assert_eq!(pool.member("octocat").unwrap().open_reviews, 0);
        assert_eq!(
            closed.assignment.unwrap().closed,
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
        let third = on_pull_request(
            &pool,
            None,
            &pull_request("opened", 3, "monalisa"),
            &people(),
            NOW + 30,
        );
        assert_eq!(third.assignment.unwrap().pending_logins(), ["octocat"]);
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
        let assignment = opened.assignment.unwrap();
        assert_eq!(assignment.installation, Some(4242));
        // A button pressed in Slack later acts as the same installation.
        let passed = on_button(
            &opened.pool.unwrap(),
            &assignment,
            ReviewerButton::CantReview,
            "U0G9QF9C6",
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
            "U0G9QF9C6",
            &people(),
            NOW + 60,
        );
        let after = outcome.pool.unwrap();
        let octocat = after.member("octocat").unwrap();
        assert_eq!(
            (octocat.assigned, octocat.passes, octocat.open_reviews),
            (0, 1, 0)
        );
        assert_eq!(after.member("hubot").unwrap().assigned, 1);
        let updated = outcome.assignment.unwrap();
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
            &after,
            &updated,
            ReviewerButton::CantReview,
            "U024BE7LH",
            &people(),
            NOW + 120,
        );
        assert_eq!(again.assignment.unwrap().pending_logins(), ["defunkt"]);
    }

    #[test]
    fn only_the_pending_reviewer_can_pass() {
        let (pool, assignment) = opened(&pool(&["octocat", "hubot"]));
        let by_hubot = on_button(
            &pool,
            &assignment,
            ReviewerButton::CantReview,
            "U024BE7LH",
            &people(),
            NOW,
        );
        assert_eq!((by_hubot.pool, by_hubot.assignment), (None, None));
        assert!(by_hubot.reply.unwrap().contains("Only a reviewer"));
        let unmapped = on_button(
            &pool,
            &assignment,
            ReviewerButton::CantReview,
            "U999STRANGER",
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
            "U0MANAGER",
            &people(),
            NOW + 60,
        );
        let after = outcome.pool.unwrap();
        let octocat = after.member("octocat").unwrap();
        assert_eq!(
            (octocat.assigned, octocat.passes, octocat.open_reviews),
            (1, 0, 0)
        );
        let updated = outcome.assignment.unwrap();
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
        .assignment
        .unwrap();
        let outcome = on_button(
            &pool,
            &reviewed,
            ReviewerButton::Reassign,
            "U0MANAGER",
            &people(),
            NOW,
        );
        assert_eq!((outcome.pool, outcome.assignment), (None, None));
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
            "U0G9QF9C6",
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
            "U0MANAGER",
            &people(),
            NOW,
        );
        assert_eq!(outcome.assignment, None);
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
        assert_eq!(
            parse_button("reviewers_pass", "octo-org/api#1347"),
            Some(ButtonPress {
                button: ReviewerButton::CantReview,
                repo: "octo-org/api".into(),
                number: 1347
            })
        );
        let reassign = parse_button("reviewers_reassign", "Octo-Org/API#7").unwrap();
        assert_eq!(reassign.button, ReviewerButton::Reassign);
        assert_eq!(reassign.assignment_key(), "pr:octo-org/api#7");
        assert_eq!(parse_button("deploy_ack", "octo-org/api#7"), None);
        assert_eq!(parse_button("reviewers_pass", "garbage"), None);
    }
}
