//! The reviewers feature's decisions on GitHub's events and on the
//! assignment message's buttons, with the review lifecycle on top: the
//! rotation's own decision (`crate::reviewers::decide`: assign, close,
//! announce a review, hand a review on) runs first; then the pull
//! request's review record follows the event and Baton's own requests,
//! its reminders are set, the direct messages it calls for are queued,
//! and the channel's assignment message is brought to the record's state.

use super::direct;
use super::record::TrackedPullRequest;
use super::reminders;
use super::settings::{ChannelSettings, PersonSettings};
use super::track::Happened;
use crate::buttons::ReviewerButton;
use crate::caller::Caller;
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::outbound::Outbound;
use crate::reviewers::assignment::{Assignment, ReviewStatus};
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::decide as rotation;
use crate::reviewers::pool::{same_login, People, Pool};
use crate::UnixTime;

/// What a decision on an event reads: the rotation's records and the
/// pull request's review record, as loaded.
#[derive(Debug, Clone, Copy)]
pub struct EventInput<'a> {
    /// The pool the pull request belongs to (its assignment's channel, or
    /// the one watching its repository), if any.
    pub pool: Option<&'a Pool>,
    pub assignment: Option<&'a Assignment>,
    pub tracked: Option<&'a TrackedPullRequest>,
    pub people: &'a People,
    /// Everyone's own settings (direct messages on or off).
    pub persons: &'a [PersonSettings],
    /// The review settings of the pull request's channel.
    pub channel: &'a ChannelSettings,
}

impl EventInput<'_> {
    /// The review record as loaded, or one made from the assignment of a
    /// pull request assigned before Baton followed reviews.
    fn tracked(&self) -> Option<TrackedPullRequest> {
        self.tracked
            .cloned()
            .or_else(|| self.assignment.map(TrackedPullRequest::from_assignment))
    }
}

impl TrackedPullRequest {
    /// A review record for a pull request Baton assigned before it
    /// followed reviews: its reviewers still to review are asked since
    /// they were assigned.
    pub fn from_assignment(assignment: &Assignment) -> TrackedPullRequest {
        let mut tracked = TrackedPullRequest {
            repo: assignment.repo.clone(),
            number: assignment.number,
            channel: assignment.channel.clone(),
            title: assignment.title.clone(),
            url: assignment.url.clone(),
            author: assignment.author.clone(),
            additions: assignment.additions,
            deletions: assignment.deletions,
            changed_files: assignment.changed_files,
            opened_at: assignment.assigned_at,
            draft: false,
            closed: assignment.closed,
            resumed_at: None,
            reviewers: Vec::new(),
        };
        for reviewer in &assignment.reviewers {
            if reviewer.status == ReviewStatus::Pending {
                tracked.ask(&reviewer.login, reviewer.assigned_at);
            }
        }
        tracked
    }
}

/// A `pull_request` delivery for a repository a pool watches, or for a
/// pull request Baton follows.
pub fn on_pull_request(input: &EventInput, pr: &PullRequestEvent, now: UnixTime) -> Outcome {
    let outcome = match input.pool {
        Some(pool) => rotation::on_pull_request(pool, input.assignment, pr, input.people, now),
        None => Outcome::none(),
    };
    let (tracked, mut happened) = match input.tracked() {
        Some(mut tracked) => {
            let happened = tracked.on_pull_request(pr, now);
            (tracked, happened)
        }
        // Never followed and already closed: nothing to follow.
        None if pr.action == "closed" => return outcome,
        None => match input.pool {
            Some(pool) => TrackedPullRequest::start(pr, &pool.channel, now),
            None => return outcome,
        },
    };
    let mut tracked = tracked;
    happened.extend(follow_assignment(
        &mut tracked,
        input.assignment,
        outcome.assignment(),
        now,
    ));
    finish(input, outcome, tracked, &happened)
}

/// A `pull_request_review` delivery for a pull request Baton follows (or
/// assigned).
pub fn on_review(input: &EventInput, review: &PullRequestReviewEvent, now: UnixTime) -> Outcome {
    let outcome = match input.assignment {
        Some(assignment) => {
            let pool = Pool::of_channel(input.pool.cloned(), &assignment.channel);
            rotation::on_pull_request_review(&pool, assignment, review, input.people, now)
        }
        None => Outcome::none(),
    };
    let Some(mut tracked) = input.tracked() else {
        return outcome;
    };
    let happened = tracked.on_review(review, now);
    finish(input, outcome, tracked, &happened)
}

/// "Reassign" or "Can't review" pressed by `caller` on an assignment's
/// message (in the channel or in a direct message).
pub fn on_button(
    input: &EventInput,
    button: ReviewerButton,
    caller: &Caller,
    now: UnixTime,
) -> Outcome {
    let Some(assignment) = input.assignment else {
        return Outcome::none();
    };
    let pool = Pool::of_channel(input.pool.cloned(), &assignment.channel);
    let outcome = rotation::on_button(&pool, assignment, button, caller, input.people, now);
    let Some(mut tracked) = input.tracked() else {
        return outcome;
    };
    let happened = follow_assignment(&mut tracked, input.assignment, outcome.assignment(), now);
    finish(input, outcome, tracked, &happened)
}

/// Baton's own requests, read from the assignment it writes: reviewers it
/// picked are asked, reviewers it took off (passed, reassigned) are not.
fn follow_assignment(
    tracked: &mut TrackedPullRequest,
    before: Option<&Assignment>,
    after: Option<&Assignment>,
    now: UnixTime,
) -> Vec<Happened> {
    let Some(after) = after else {
        return Vec::new();
    };
    let was_pending = |login: &str| {
        before.is_some_and(|b| {
            b.reviewers
                .iter()
                .any(|r| r.status == ReviewStatus::Pending && same_login(&r.login, login))
        })
    };
    let mut happened = Vec::new();
    for reviewer in &after.reviewers {
        match reviewer.status {
            ReviewStatus::Pending if !was_pending(&reviewer.login) => {
                happened.extend(tracked.ask(&reviewer.login, now));
            }
            ReviewStatus::Passed { .. } | ReviewStatus::Reassigned { .. }
                if was_pending(&reviewer.login) =>
            {
                happened.extend(tracked.withdraw(&reviewer.login));
            }
            _ => {}
        }
    }
    happened
}

/// The common end of every decision: reminders set, direct messages
/// queued, the channel message brought to the record's state, the record
/// written if it changed.
fn finish(
    input: &EventInput,
    mut outcome: Outcome,
    mut tracked: TrackedPullRequest,
    happened: &[Happened],
) -> Outcome {
    reminders::schedule(&mut tracked, input.channel.remind_after);
    let assignment = outcome.assignment().or(input.assignment).cloned();
    outcome.outbound.extend(direct::for_happenings(
        happened,
        &tracked,
        assignment.as_ref(),
        input.people,
        input.persons,
    ));
    if let Some(assignment) = assignment {
        restate(&mut outcome, assignment, &tracked, input.people);
    }
    if input.tracked != Some(&tracked) {
        outcome.change(Change::PutTracked(tracked));
    }
    outcome
}

/// Make the assignment message show `tracked`'s state. The state the
/// message shows is the one stored on the assignment; when it differs,
/// store the new one and render the message again, in the post or update
/// already queued for it, or in a new update. A message rendered in this
/// very outcome with the right state only needs the state stored.
fn restate(
    outcome: &mut Outcome,
    mut assignment: Assignment,
    tracked: &TrackedPullRequest,
    people: &People,
) {
    let phase = tracked.phase();
    if assignment.phase == Some(phase) || assignment.closed.is_some() {
        return;
    }
    let key = assignment.key();
    let queued = |item: &Outbound| match item {
        Outbound::SlackPost { key: Some(k), .. } | Outbound::SlackUpdate { key: k, .. } => {
            *k == key
        }
        _ => false,
    };
    let rendered_right = assignment.phase() == phase && outcome.outbound.iter().any(queued);
    assignment.phase = Some(phase);
    if !rendered_right {
        let (text, blocks) = assignment.render(people, None);
        let mut rendered = false;
        for item in outcome.outbound.iter_mut().filter(|item| queued(item)) {
            if let Outbound::SlackPost {
                text: t, blocks: b, ..
            }
            | Outbound::SlackUpdate {
                text: t, blocks: b, ..
            } = item
            {
                *t = text.clone();
                *b = Some(blocks.clone());
                rendered = true;
            }
        }
        if !rendered {
            outcome.outbound.push(Outbound::SlackUpdate {
                key: key.clone(),
                channel: assignment.channel.clone(),
                text,
                blocks: Some(blocks),
            });
        }
    }
    let written = outcome.changes.iter_mut().find_map(|c| match c {
        Change::PutAssignment(a) if a.key() == key => Some(a),
        _ => None,
    });
    match written {
        Some(a) => *a = assignment,
        None => outcome.change(Change::PutAssignment(assignment)),
    }
}

#[cfg(test)]
mod tests;
