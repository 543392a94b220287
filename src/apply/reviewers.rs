//! Applying reviewer-rotation inputs: a `pull_request` or
//! `pull_request_review` delivery, a `/baton reviewers …` (or `map`, `away`,
//! `back`, `next`, `assign`, `stats`) command, and a press of the
//! assignment message's "Reassign" / "Can't review" buttons.
//!
//! Each function loads the records its decision reads (pools are one small
//! record per channel; people is one record; an assignment is read by its
//! key), calls the pure decision in `baton_handlers::reviewers`, and stores
//! its [`Outcome`](baton_handlers::Outcome) (pool, people, assignment and
//! waiting-pull-request changes, outbox items) with `Tx::store_outcome` in
//! the caller's transaction, so a decision and its messages land together.

use baton_handlers::github::{PullRequestEvent, PullRequestReviewEvent};
use baton_handlers::reviewers::{
    self as decide, Command, CommandInput, Outcome, Pool, ReviewerButton,
};
use baton_handlers::slack::BlockAction;
use baton_handlers::Mrkdwn;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::{Caller, Context};

/// The pool a pull request's events belong to
/// ([`decide::pool_for_pull_request`]): its assignment's channel's pool,
/// else every pool, to find the one watching its repository.
fn pool_for(
    tx: &Tx<'_>,
    repo: &str,
    assignment: Option<&decide::Assignment>,
) -> Result<Option<Pool>> {
    let assigned = match assignment {
        Some(assignment) => tx.reviewer_pool(&assignment.channel)?,
        None => None,
    };
    let pools = match assigned {
        Some(_) => Vec::new(),
        None => tx.reviewer_pools()?,
    };
    Ok(decide::pool_for_pull_request(assigned, &pools, repo))
}

/// A `pull_request` delivery: assign reviewers when it opens (or is
/// reopened, or made ready), update the message when it closes.
pub fn on_pull_request(
    tx: &mut Tx<'_>,
    pr: &PullRequestEvent,
    _ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    let existing = tx.review_assignment(&pr.repo, pr.number)?;
    let Some(pool) = pool_for(tx, &pr.repo, existing.as_ref())? else {
        return Ok(());
    };
    let people = tx.reviewer_people()?;
    let outcome = decide::on_pull_request(&pool, existing.as_ref(), pr, &people, now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// A `pull_request_review` delivery: an assigned reviewer's review is
/// recorded and announced in the assignment message's thread. A review seen
/// before (the same review id and action, under another delivery id: a
/// redelivery from GitHub's UI or a script) does nothing.
pub fn on_review(
    tx: &mut Tx<'_>,
    review: &PullRequestReviewEvent,
    _ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    if let Some(key) = review.dedup_key() {
        if !tx.first_delivery(&key, now)? {
            tracing::info!(repo = %review.repo, review_id = ?review.review_id, "review already handled; ignored");
            return Ok(());
        }
    }
    let Some(assignment) = tx.review_assignment(&review.repo, review.number)? else {
        return Ok(());
    };
    let pool = Pool::of_channel(tx.reviewer_pool(&assignment.channel)?, &assignment.channel);
    let people = tx.reviewer_people()?;
    let outcome = decide::on_pull_request_review(&pool, &assignment, review, &people, now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// Load what a reviewers command reads and decide it. `apply::command` stores
/// the outcome (admin-only commands were already refused to non-admins);
/// `apply::query` answers `list`, `next` and `stats` from it in a read transaction.
pub fn decide_command(
    tx: &Tx<'_>,
    cmd: &Command,
    caller: &Caller,
    _ctx: &Context,
    now: UnixTime,
) -> Result<Outcome> {
    let pools = tx.reviewer_pools()?;
    let people = tx.reviewer_people()?;
    let (pull_request, existing_assignment) = match cmd {
        Command::Assign { repo, number } => (
            tx.waiting_pull_request(repo, *number)?
                .map(|waiting| waiting.event()),
            tx.review_assignment(repo, *number)?,
        ),
        _ => (None, None),
    };
    let history = match cmd {
        Command::Stats { days } => {
            tx.review_assignments_since(&caller.channel, decide::stats_since(*days, now))?
        }
        _ => Vec::new(),
    };
    let input = CommandInput {
        caller,
        now,
        pools: &pools,
        people: &people,
        pull_request: pull_request.as_ref(),
        existing_assignment: existing_assignment.as_ref(),
        history: &history,
    };
    Ok(decide::execute(cmd, &input))
}

/// A press of "Reassign" or "Can't review"; returns the caller's note.
pub fn on_button(
    tx: &mut Tx<'_>,
    button: ReviewerButton,
    action: &BlockAction,
    _ctx: &Context,
    now: UnixTime,
) -> Result<Option<Mrkdwn>> {
    let Some(press) = decide::parse_button(button, &action.value) else {
        tracing::debug!(value = %action.value, "reviewers button names no pull request; ignored");
        return Ok(None);
    };
    let Some(assignment) = tx.review_assignment(&press.repo, press.number)? else {
        tracing::warn!(
            repo = %press.repo,
            number = press.number,
            "button pressed for a pull request with no assignment; ignored"
        );
        return Ok(None);
    };
    let pool = Pool::of_channel(tx.reviewer_pool(&assignment.channel)?, &assignment.channel);
    let people = tx.reviewer_people()?;
    let outcome = decide::on_button(
        &pool,
        &assignment,
        press.button,
        &action.caller(),
        &people,
        now,
    );
    tx.store_outcome(outcome, now)
}
