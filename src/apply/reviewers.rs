//! Applying reviewer-rotation commands: `/baton reviewers …` (or `map`,
//! `away`, `back`, `next`, `assign`, `stats`, and the review lifecycle's
//! `reviews`, `dm`, `hours`). GitHub's deliveries and the assignment
//! message's buttons are applied in `super::reviews`, with the review
//! lifecycle on top of the rotation's decisions.
//!
//! Each function loads the records its decision reads (pools are one small
//! record per channel; people is one record; an assignment is read by its
//! key), calls the pure decision in `baton_handlers::reviewers`, and stores
//! its [`Outcome`](baton_handlers::Outcome) (pool, people, assignment and
//! waiting-pull-request changes, outbox items) with `Tx::store_outcome` in
//! the caller's transaction, so a decision and its messages land together.

use baton_handlers::reviewers::{self as decide, Command, CommandInput, Outcome};
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::reviews::{count_open_reviews, CommandRecords};
use super::{Caller, Context};

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
    let mut people = tx.reviewer_people()?;
    if matches!(
        cmd,
        Command::Assign { .. } | Command::List | Command::Next { .. }
    ) {
        count_open_reviews(tx, &mut people)?;
    }
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
    let lifecycle = match cmd {
        Command::Lifecycle(_) | Command::Assign { .. } => Some(CommandRecords::load(tx)?),
        _ => None,
    };
    let input = CommandInput {
        caller,
        now,
        pools: &pools,
        people: &people,
        pull_request: pull_request.as_ref(),
        existing_assignment: existing_assignment.as_ref(),
        history: &history,
        reviews: lifecycle
            .as_ref()
            .map(CommandRecords::input)
            .unwrap_or_default(),
    };
    Ok(decide::execute(cmd, &input))
}
