//! Applying what asks for reviewers beyond the rotation's turn, and what
//! the lookup task found: an `issue_comment` asking `r?`, a `push` to a
//! default branch (its CODEOWNERS copy is forgotten), and a finished lookup
//! (its CODEOWNERS copy kept, then the pending pick decided and forgotten
//! in the same transaction, so it picks once).
//!
//! The same three steps as every apply file: load, decide
//! (`baton_handlers::reviewers::lifecycle::decide::{on_comment,
//! on_lookup_done}`: the pick of `requests` or `lookup`, followed by the
//! review record, with open reviews counted for the cap), store.

use baton_handlers::github::{IssueCommentEvent, PushEvent};
use baton_handlers::reviewers::lifecycle;
use baton_handlers::reviewers::lookup::{self, CodeownersCopy, LookupFacts};
use baton_handlers::reviewers::{self as decide, requests, Pool};
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::reviews::around_a_pick;
use super::Context;

/// The pool a pull request belongs to: its assignment's channel's, else
/// the pool watching its repository.
fn pool_of(tx: &Tx<'_>, repo: &str, channel: Option<&str>) -> Result<Option<Pool>> {
    if let Some(channel) = channel {
        if let Some(pool) = tx.reviewer_pool(channel)? {
            return Ok(Some(pool));
        }
    }
    let pools = tx.reviewer_pools()?;
    Ok(decide::pool_for_repo(pools.iter(), repo).cloned())
}

/// A new comment on a pull request asking `r?` (the parser lets no other
/// comment through).
pub fn on_comment(
    tx: &mut Tx<'_>,
    comment: &IssueCommentEvent,
    _ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    let existing = tx.review_assignment(&comment.repo, comment.number)?;
    let channel = existing.as_ref().map(|a| a.channel.as_str());
    let Some(pool) = pool_of(tx, &comment.repo, channel)? else {
        return Ok(());
    };
    let waiting = tx.waiting_pull_request(&comment.repo, comment.number)?;
    let refusal = requests::refusal_key(&comment.repo, comment.number, &comment.commenter);
    let refused_before = tx.refused_before(&refusal)?;
    let tracked = tx.tracked_pull_request(&comment.repo, comment.number)?;
    let around = around_a_pick(tx, &pool.channel)?;
    let input = around.input(Some(&pool), existing.as_ref(), tracked.as_ref());
    let outcome =
        lifecycle::decide::on_comment(&input, waiting.as_ref(), comment, refused_before, now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// A push to a repository's default branch: its CODEOWNERS may have
/// changed, so the copy is forgotten (the next lookup fetches it).
pub fn on_push(tx: &mut Tx<'_>, push: &PushEvent, _ctx: &Context, now: UnixTime) -> Result<()> {
    if tx.codeowners_copy(&push.repo)?.is_some() {
        tracing::info!(repo = %push.repo, "push to the default branch: CODEOWNERS will be fetched again");
    }
    tx.store_outcome(lookup::on_push(push), now)?;
    Ok(())
}

/// The lookup of the pending pick `key` is done (or gave up): keep the
/// CODEOWNERS copy it fetched, then pick. Returns whether the pick was
/// still pending (another replica, or a restart, may have made it).
pub fn on_lookup_done(
    tx: &mut Tx<'_>,
    key: &str,
    facts: &LookupFacts,
    fetched: Option<&CodeownersCopy>,
    now: UnixTime,
) -> Result<bool> {
    if let Some(copy) = fetched {
        tx.store_outcome(lookup::keep_codeowners(copy.clone()), now)?;
    }
    let Some(pending) = tx.pending_pick(key)? else {
        return Ok(false);
    };
    let (repo, number) = (&pending.pr.repo, pending.pr.number);
    let existing = tx.review_assignment(repo, number)?;
    let channel = existing
        .as_ref()
        .map_or(pending.channel.as_str(), |a| a.channel.as_str());
    let pool = pool_of(tx, repo, Some(channel))?.unwrap_or_else(|| Pool::new(channel));
    let waiting = tx.waiting_pull_request(repo, number)?;
    let tracked = tx.tracked_pull_request(repo, number)?;
    let around = around_a_pick(tx, &pool.channel)?;
    let input = around.input(Some(&pool), existing.as_ref(), tracked.as_ref());
    let outcome = lifecycle::decide::on_lookup_done(&input, waiting.as_ref(), &pending, facts, now);
    tx.store_outcome(outcome, now)?;
    Ok(true)
}
