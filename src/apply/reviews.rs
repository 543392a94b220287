//! Applying the review lifecycle's inputs: `pull_request` and
//! `pull_request_review` deliveries and the assignment message's buttons
//! (the rotation's decisions with the review record on top), the timed
//! work (reminders and digests, through their due indexes), the App Home
//! being opened, and what Slack's `users.info` said of a person.
//!
//! Each function loads what its decision in
//! `baton_handlers::reviewers::lifecycle` reads (a pull request's records
//! by key; people, settings and profiles are one small record each per
//! person or channel) and stores its outcome with `Tx::store_outcome` in
//! the caller's transaction, so a decision and its messages land together.

use baton_handlers::github::{PullRequestEvent, PullRequestReviewEvent};
use baton_handlers::reviewers::lifecycle::{
    self, ChannelSettings, DigestInput, EventInput, HomeInput, ReminderInput, ReviewsInput,
};
use baton_handlers::reviewers::{self as decide, Outcome, Pool, ReviewerButton};
use baton_handlers::slack::BlockAction;
use baton_handlers::{Mrkdwn, UnixTime};
use baton_state::{Result, Tx};

use super::Context;

/// Most reminder index entries one tick reads (the rest wait for the next).
const TICK_REMINDERS: usize = 500;
/// Most digests one tick posts.
const TICK_DIGESTS: usize = 100;

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

/// Everything but the pull request's own records that an event's decision
/// reads.
pub(super) struct Around {
    pub people: decide::People,
    pub persons: Vec<lifecycle::PersonSettings>,
    pub channel: ChannelSettings,
}

impl Around {
    /// The decision's input: these around the pull request's own records.
    pub(super) fn input<'a>(
        &'a self,
        pool: Option<&'a Pool>,
        assignment: Option<&'a decide::Assignment>,
        tracked: Option<&'a lifecycle::TrackedPullRequest>,
    ) -> EventInput<'a> {
        EventInput {
            pool,
            assignment,
            tracked,
            people: &self.people,
            persons: &self.persons,
            channel: &self.channel,
        }
    }
}

fn around(tx: &Tx<'_>, channel: &str) -> Result<Around> {
    Ok(Around {
        people: tx.reviewer_people()?,
        persons: tx.person_settings()?,
        channel: ChannelSettings::of(channel, &tx.channel_review_settings()?),
    })
}

/// [`around`] for a decision that may pick reviewers: people with their
/// open reviews counted.
pub(super) fn around_a_pick(tx: &Tx<'_>, channel: &str) -> Result<Around> {
    let mut around = around(tx, channel)?;
    count_open_reviews(tx, &mut around.people)?;
    Ok(around)
}

/// Count each person's open reviews from the review records (the pull
/// requests open, not drafts, waiting on their review): what a pick's cap
/// and load balance, and `reviewers list`, read.
pub(super) fn count_open_reviews(tx: &Tx<'_>, people: &mut decide::People) -> Result<()> {
    people.open_reviews = lifecycle::open_reviews_per_member(&tx.open_tracked_pull_requests()?);
    Ok(())
}

/// A `pull_request` delivery: assign reviewers when it opens, follow its
/// review, update the message.
pub fn on_pull_request(
    tx: &mut Tx<'_>,
    pr: &PullRequestEvent,
    _ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    let assignment = tx.review_assignment(&pr.repo, pr.number)?;
    let tracked = tx.tracked_pull_request(&pr.repo, pr.number)?;
    let pool = pool_for(tx, &pr.repo, assignment.as_ref())?;
    let channel = tracked
        .as_ref()
        .map(|t| t.channel.clone())
        .or_else(|| pool.as_ref().map(|p| p.channel.clone()));
    let Some(channel) = channel else {
        return Ok(());
    };
    // Most deliveries (a push's `synchronize`, an edit) pick no one: only a
    // pick pays for counting everyone's open reviews.
    let around = if decide::may_pick(pr, assignment.as_ref()) {
        around_a_pick(tx, &channel)?
    } else {
        around(tx, &channel)?
    };
    let input = around.input(pool.as_ref(), assignment.as_ref(), tracked.as_ref());
    let outcome = lifecycle::decide::on_pull_request(&input, pr, now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// A `pull_request_review` delivery. A review seen before (the same
/// review id and action, under another delivery id: a redelivery from
/// GitHub's UI or a script) does nothing.
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
    let assignment = tx.review_assignment(&review.repo, review.number)?;
    let tracked = tx.tracked_pull_request(&review.repo, review.number)?;
    let channel = tracked
        .as_ref()
        .map(|t| t.channel.clone())
        .or_else(|| assignment.as_ref().map(|a| a.channel.clone()));
    let Some(channel) = channel else {
        return Ok(());
    };
    let pool = tx.reviewer_pool(&channel)?;
    let around = around(tx, &channel)?;
    let input = around.input(pool.as_ref(), assignment.as_ref(), tracked.as_ref());
    let outcome = lifecycle::decide::on_review(&input, review, now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// A press of "Reassign" or "Can't review" (on the channel message or a
/// direct message); returns the caller's note.
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
    let tracked = tx.tracked_pull_request(&press.repo, press.number)?;
    let pool = tx.reviewer_pool(&assignment.channel)?;
    let around = around_a_pick(tx, &assignment.channel)?;
    let input = around.input(pool.as_ref(), Some(&assignment), tracked.as_ref());
    let outcome = lifecycle::decide::on_button(&input, press.button, &action.caller(), now);
    tx.store_outcome(outcome, now)
}

/// The lifecycle's records a `reviews`, `dm`, `hours`, `reviewers remind`
/// or `reviewers digest` command reads.
pub struct CommandRecords {
    open: Vec<lifecycle::TrackedPullRequest>,
    persons: Vec<lifecycle::PersonSettings>,
    profiles: Vec<lifecycle::Profile>,
    channels: Vec<ChannelSettings>,
}

impl CommandRecords {
    pub fn load(tx: &Tx<'_>) -> Result<CommandRecords> {
        Ok(CommandRecords {
            open: tx.open_tracked_pull_requests()?,
            persons: tx.person_settings()?,
            profiles: tx.profiles()?,
            channels: tx.channel_review_settings()?,
        })
    }

    pub fn input(&self) -> ReviewsInput<'_> {
        ReviewsInput {
            open: &self.open,
            persons: &self.persons,
            profiles: &self.profiles,
            channels: &self.channels,
        }
    }
}

/// The timed work: reminders due, each sent or put off, and digests due,
/// each posted, in the transaction that writes their next time. Called
/// every `BATON_TICK_EVERY`.
pub fn tick(tx: &mut Tx<'_>, now: UnixTime) -> Result<()> {
    remind(tx, now)?;
    post_digests(tx, now)
}

/// The digests due: posted, and their next time set.
fn post_digests(tx: &mut Tx<'_>, now: UnixTime) -> Result<()> {
    let due = tx.due_review_digests(now, TICK_DIGESTS)?;
    if due.is_empty() {
        return Ok(());
    }
    let open = tx.open_tracked_pull_requests()?;
    let people = tx.reviewer_people()?;
    let input = DigestInput {
        due: &due,
        open: &open,
        people: &people,
    };
    let outcome = lifecycle::decide::digest(&input, now);
    tracing::info!(
        channels = due.len(),
        posts = outcome.outbound.len(),
        "review digests due"
    );
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// The reminders due: each sent or put off.
fn remind(tx: &mut Tx<'_>, now: UnixTime) -> Result<()> {
    let due = tx.due_review_reminders(now, TICK_REMINDERS)?;
    if due.is_empty() {
        return Ok(());
    }
    let mut assignments = Vec::new();
    for pr in &due {
        assignments.extend(tx.review_assignment(&pr.repo, pr.number)?);
    }
    let people = tx.reviewer_people()?;
    let persons = tx.person_settings()?;
    let profiles = tx.profiles()?;
    let channels = tx.channel_review_settings()?;
    let input = ReminderInput {
        due: &due,
        assignments: &assignments,
        people: &people,
        persons: &persons,
        profiles: &profiles,
        channels: &channels,
    };
    let outcome: Outcome = lifecycle::decide::remind(&input, now);
    let sent = outcome.outbound.len();
    tx.store_outcome(outcome, now)?;
    if sent > 0 {
        tracing::info!(reminders = sent, "review reminders queued");
    }
    Ok(())
}

/// `user` opened Baton's App Home (`tab`): publish their queue and settings.
pub fn on_home_opened(tx: &mut Tx<'_>, user: &str, tab: &str, now: UnixTime) -> Result<()> {
    let people = tx.reviewer_people()?;
    let records = CommandRecords::load(tx)?;
    let input = HomeInput {
        people: &people,
        open: &records.open,
        persons: &records.persons,
        profiles: &records.profiles,
    };
    let outcome = lifecycle::decide::on_home_opened(user, tab, &input, now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}

/// The Slack users whose profile (time zone) should be read now, at most
/// `limit` (see `lifecycle::decide::profiles_to_read`).
pub fn profiles_to_read(tx: &Tx<'_>, now: UnixTime, limit: usize) -> Result<Vec<String>> {
    Ok(lifecycle::decide::profiles_to_read(
        &tx.reviewer_people()?,
        &tx.person_settings()?,
        &tx.profiles()?,
        now,
        limit,
    ))
}

/// What `users.info` said of `user`: their zone (`None` when Slack gave
/// none, or cannot say).
pub fn on_profile(tx: &mut Tx<'_>, user: &str, tz: Option<String>, now: UnixTime) -> Result<()> {
    tx.store_outcome(lifecycle::decide::profile_read(user, tz, now), now)?;
    Ok(())
}
