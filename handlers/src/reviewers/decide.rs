//! What the reviewers feature does when GitHub or Slack tells it something:
//! a pull request opened, reopened, made ready or closed; a review
//! submitted; a "Reassign" or "Can't review" button pressed.
//!
//! Each function takes the records the caller loaded (the pool, the pull
//! request's assignment if any, the global [`People`]) and `now`, and
//! returns an [`Outcome`]: the records to write back and the
//! [`Outbound`] actions to queue.

use super::assignment::{
    message_key, parse_pull_request_reference, AssignedReviewer, Assignment, Closed, ReviewStatus,
};
use super::change::{decided, Change, Outcome};
use super::mention::{review_request, ReviewTarget};
use super::pool::{same_login, People, Pool};
use super::render::{review_emoji, review_verb};
use super::requests::{add_reviewers, wait_for_lookup, Pick};
pub use crate::buttons::ReviewerButton;
use crate::caller::Caller;
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::UnixTime;

/// The `pull_request` actions that ask for reviewers.
const ASSIGNING_ACTIONS: [&str; 3] = ["opened", "reopened", "ready_for_review"];

/// A `pull_request` delivery for a repository `pool` watches. `existing` is
/// this pull request's assignment record, if one was ever written.
///
/// A watched pull request that still has no reviewers is kept
/// ([`Change::PutWaiting`], the latest copy), so `/baton assign` can act
/// on it later; it is forgotten once assigned or closed.
pub fn on_pull_request(
    pool: &Pool,
    existing: Option<&Assignment>,
    pr: &PullRequestEvent,
    people: &People,
    now: UnixTime,
) -> Outcome {
    let closed = pr.action == "closed";
    let wants_reviewers = may_pick(pr, existing)
        && (!pr.draft || pool.include_drafts)
        && (!pr.author_is_bot || pool.include_bots);
    let mut outcome = match existing {
        Some(assignment) if closed => close_assignment(pool, assignment, pr.merged, people, now),
        _ if wants_reviewers => assign_opened(pool, pr, people, now),
        _ => Outcome::none(),
    };
    if closed || existing.is_some() || outcome.assignment().is_some() {
        outcome.change(Change::RemoveWaiting {
            repo: pr.repo.clone(),
            number: pr.number,
        });
    } else {
        outcome.change(Change::PutWaiting(pr.into()));
    }
    outcome
}

/// Whether a `pull_request` delivery may pick reviewers: its action asks
/// for them and the pull request has no assignment yet. Only a pick reads
/// the open-review counts ([`People::open_reviews`]), so the shell counts
/// them only then.
pub fn may_pick(pr: &PullRequestEvent, existing: Option<&Assignment>) -> bool {
    ASSIGNING_ACTIONS.contains(&pr.action.as_str()) && existing.is_none()
}

/// A watched pull request wants its first reviewers: as its description's
/// `r?` says (a login: that reviewer instead of the rotation's pick,
/// counted as theirs), else the rotation (code owners first, when the
/// channel says so). A team, or code owners, need a lookup: the pick waits.
fn assign_opened(pool: &Pool, pr: &PullRequestEvent, people: &People, now: UnixTime) -> Outcome {
    match review_request(&pr.body) {
        Some(ReviewTarget::User(login)) if !same_login(&login, &pr.author) => {
            let mut after = pool.clone();
            after.count_request(&login, now);
            add_reviewers(pool, after, None, pr, &[login], None, people, now)
        }
        Some(ReviewTarget::Team(team)) => wait_for_lookup(pool, pr, Some(team), None, now),
        _ if pool.owners_first => wait_for_lookup(pool, pr, None, None, now),
        _ => assign_pull_request(pool, pr, people, now),
    }
}

/// Pick reviewers for `pr` now, as the rotation does, and announce them;
/// or say in the channel that no one is free. Also used by the `assign`
/// command.
pub fn assign_pull_request(
    pool: &Pool,
    pr: &PullRequestEvent,
    people: &People,
    now: UnixTime,
) -> Outcome {
    assign_with(pool, pr, people, now, &Pick::rotation(pool))
}

/// [`assign_pull_request`] as `pick` says (its rules, how many, the team
/// it is limited to).
pub(crate) fn assign_with(
    pool: &Pool,
    pr: &PullRequestEvent,
    people: &People,
    now: UnixTime,
    pick: &Pick,
) -> Outcome {
    let mut new_pool = pool.clone();
    let already_on_it: Vec<String> = pr
        .requested_reviewers
        .iter()
        .chain(&pr.assignees)
        .cloned()
        .collect();
    let wanted = pick.wanted;
    let chosen =
        new_pool.pick_reviewers_with(&pr.author, &already_on_it, wanted, people, now, &pick.rules);
    if chosen.is_empty() {
        let text = pick.nobody_free(pool, pr);
        return decided(
            pool,
            new_pool,
            None,
            vec![Outbound::post(&pool.channel, text)],
            None,
        );
    }
    let assignment = Assignment::new(pr, &pool.channel, &chosen, now);
    let (text, blocks) = assignment.render(people, Some(wanted - chosen.len()));
    let outbound = vec![
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
    ];
    decided(pool, new_pool, Some(assignment), outbound, None)
}

/// The pull request closed: open reviews close with it and the message
/// loses its buttons.
fn close_assignment(
    pool: &Pool,
    assignment: &Assignment,
    merged: bool,
    people: &People,
    now: UnixTime,
) -> Outcome {
    if assignment.closed.is_some() {
        return Outcome::none();
    }
    let mut closed = assignment.clone();
    closed.closed = Some(Closed { at: now, merged });
    let (text, blocks) = closed.render(people, None);
    let update = Outbound::SlackUpdate {
        key: closed.key(),
        channel: closed.channel.clone(),
        text,
        blocks: Some(blocks),
    };
    decided(pool, pool.clone(), Some(closed), vec![update], None)
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
) -> Outcome {
    if review.action != "submitted" || review.state == "dismissed" {
        return Outcome::none();
    }
    let mut updated = assignment.clone();
    let Some(entry) = updated.reviewer_on_it_mut(&review.reviewer) else {
        return Outcome::none();
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
    let new_pool = pool.clone();
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
    decided(pool, new_pool, Some(updated), outbound, None)
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

/// The pull request a press of `button` is about; `value` is
/// `owner/repo#12`. `None` when the value names no pull request.
pub fn parse_button(button: ReviewerButton, value: &str) -> Option<ButtonPress> {
    let (repo, number) = parse_pull_request_reference(value)?;
    Some(ButtonPress {
        button,
        repo,
        number,
    })
}

/// A button on the assignment message was pressed by `caller`. The
/// replacement is picked like any reviewer, never anyone already asked on
/// this pull request.
pub fn on_button(
    pool: &Pool,
    assignment: &Assignment,
    button: ReviewerButton,
    caller: &Caller,
    people: &People,
    now: UnixTime,
) -> Outcome {
    let answer = Outcome::reply;
    if assignment.closed.is_some() {
        return answer("This pull request is closed; there is no review to hand on.".into());
    }
    let leaving = match reviewers_leaving(assignment, button, &caller.user, people) {
        Ok(leaving) => leaving,
        Err(reason) => return answer(reason),
    };
    let mut new_pool = pool.clone();
    let joining = new_pool.pick_reviewers_with(
        &assignment.author,
        &assignment.everyone_asked(),
        leaving.len(),
        people,
        now,
        &pool.pick_rules(),
    );
    if joining.is_empty() {
        let text = mrkdwn!(
            ":warning: No one else in the review rotation is free to take over {}.",
            Mrkdwn::link(
                &assignment.url,
                format!("{}#{}", assignment.repo, assignment.number)
            )
        );
        let in_thread = Outbound::SlackPost {
            channel: assignment.channel.clone(),
            text: text.clone(),
            blocks: None,
            key: None,
            thread_of: Some(assignment.key()),
        };
        return decided(pool, new_pool, None, vec![in_thread], Some(text));
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
        ReviewerButton::Reassign => mrkdwn!("reassigned by {}", Mrkdwn::user(&caller.user)),
    };
    let handover = updated.handover_text(people, leaving, &joining, &why);
    let (text, blocks) = updated.render(people, None);
    let outbound = vec![
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
    ];
    decided(pool, new_pool, Some(updated), outbound, Some(handover))
}

/// Who a button press takes off the pull request, or why no one.
/// "Reassign" takes every pending reviewer; "Can't review" only the caller
/// (the Slack user `caller`), who must be one of them.
fn reviewers_leaving(
    assignment: &Assignment,
    button: ReviewerButton,
    caller: &str,
    people: &People,
) -> Result<Vec<String>, Mrkdwn> {
    let pending = assignment.pending_logins();
    if pending.is_empty() {
        return Err("Everyone assigned has already reviewed; nothing to reassign.".into());
    }
    if button == ReviewerButton::Reassign {
        return Ok(pending);
    }
    let Some(login_of_caller) = people.login_of_slack_user(caller) else {
        return Err(mrkdwn!(
            "I don't know your GitHub login, so I can't tell whether this review is yours. \
             An admin can run `/baton map GITHUB-LOGIN {}`; \
             or press *Reassign* instead.",
            Mrkdwn::user(caller)
        ));
    };
    match pending
        .into_iter()
        .find(|login| same_login(login, login_of_caller))
    {
        Some(login) => Ok(vec![login]),
        None => Err(
            "Only a reviewer who hasn't reviewed yet can say they can't review; \
                     press *Reassign* to hand it on."
                .into(),
        ),
    }
}
