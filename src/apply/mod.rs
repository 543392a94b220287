//! Applying an accepted input: inside the writer's transaction, load the
//! state a decision needs, call the pure decision in `handlers/`, and store
//! what it returns (state changes and outbox items). One function per kind
//! of input; one module per feature. Nothing here formats a message.

pub mod deploys;
pub mod errors;
pub mod onboarding;
pub mod reviewer_lookups;
pub mod reviewers;
pub mod reviews;

use baton_handlers::buttons::Button;
use baton_handlers::command::{Admins, FeatureCommand};
use baton_handlers::github::GithubEvent;
use baton_handlers::slack::{BlockAction, SlackEvent};
use baton_handlers::UnixTime;
use baton_handlers::{Mrkdwn, Outcome};
use baton_state::{Result, StoreError, StoredChange, Tx};

/// The settings decisions need, copied out of the config per request, and
/// the server's compiled error routes.
#[derive(Debug, Clone)]
pub struct Context {
    /// `BATON_ADMINS`, for [`baton_handlers::command::dispatch`].
    pub admins: Admins,
    pub bot_user_id: Option<String>,
    pub lock_default_secs: i64,
    pub error_window_secs: i64,
    pub error_channel_cap: u32,
    /// `BATON_PUBLIC_URL`: the host of the Sentry DSNs.
    pub public_url: Option<String>,
    /// `GITHUB_API_URL`: the one host a deployment protection rule's
    /// callback may be on.
    pub github_api_url: String,
    /// The error subscriptions' compiled filters, shared by every request
    /// of one server (see [`errors::CompiledRoutes`]).
    pub error_routes: std::sync::Arc<errors::CompiledRoutes>,
}

pub use baton_handlers::Caller;

/// A verified GitHub event (already deduplicated).
pub fn github_event(
    tx: &mut Tx<'_>,
    event: &GithubEvent,
    ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    match event {
        GithubEvent::PullRequest(pr) => reviews::on_pull_request(tx, pr, ctx, now),
        GithubEvent::PullRequestReview(review) => reviews::on_review(tx, review, ctx, now),
        GithubEvent::IssueComment(comment) => reviewer_lookups::on_comment(tx, comment, ctx, now),
        GithubEvent::Push(push) => reviewer_lookups::on_push(tx, push, ctx, now),
        GithubEvent::Deployment(_)
        | GithubEvent::DeploymentStatus(_)
        | GithubEvent::WorkflowRun(_) => deploys::on_github(tx, event, ctx, now),
        GithubEvent::DeploymentProtectionRule(rule) => {
            deploys::on_protection_rule(tx, rule, ctx, now)
        }
        GithubEvent::Ping | GithubEvent::Ignored { .. } => Ok(()),
    }
}

/// A verified Slack event (already deduplicated).
pub fn slack_event(
    tx: &mut Tx<'_>,
    event: &SlackEvent,
    ctx: &Context,
    now: UnixTime,
) -> Result<()> {
    match event {
        SlackEvent::AppHomeOpened { user, tab } => reviews::on_home_opened(tx, user, tab, now),
        _ => onboarding::on_event(tx, event, ctx, now),
    }
}

/// A `/baton` command that writes ([`baton_handlers::command::Dispatch::Write`]:
/// help, usage errors and refusals were answered before); returns the
/// ephemeral reply.
pub fn command(
    tx: &mut Tx<'_>,
    command: FeatureCommand,
    caller: &Caller,
    ctx: &Context,
    now: UnixTime,
) -> Result<Mrkdwn> {
    match command {
        FeatureCommand::Reviewers(cmd) => {
            let outcome = reviewers::decide_command(tx, &cmd, caller, ctx, now)?;
            stored_reply(tx, outcome, now)
        }
        FeatureCommand::Deploys(cmd) => {
            let outcome = deploys::decide_command(tx, &cmd, caller, ctx, now)?;
            stored_reply(tx, outcome, now)
        }
        FeatureCommand::Errors(cmd) => errors::on_command(tx, cmd, caller, ctx, now),
    }
}

/// Store a command's outcome; its reply (every command answers).
fn stored_reply<C: StoredChange>(
    tx: &mut Tx<'_>,
    outcome: Outcome<C>,
    now: UnixTime,
) -> Result<Mrkdwn> {
    Ok(tx.store_outcome(outcome, now)?.unwrap_or_default())
}

/// A read-only command ([`baton_handlers::command::Dispatch::Query`]:
/// `reviewers list`, `next`, `stats`, `locks`, `deploys list`,
/// `errors list`), decided over one read transaction, which cannot write. A
/// decision that asks for a change or a message anyway is refused
/// ([`StoreError::ReadOnly`]), not half applied.
pub fn query(
    tx: &Tx<'_>,
    command: FeatureCommand,
    caller: &Caller,
    ctx: &Context,
    now: UnixTime,
) -> Result<Mrkdwn> {
    let reply = match command {
        FeatureCommand::Reviewers(cmd) => {
            answer_only(reviewers::decide_command(tx, &cmd, caller, ctx, now)?)
        }
        FeatureCommand::Deploys(cmd) => {
            answer_only(deploys::decide_command(tx, &cmd, caller, ctx, now)?)
        }
        FeatureCommand::Errors(cmd) => {
            answer_only(errors::decide_command(tx, &cmd, caller, ctx, now)?)
        }
    }?;
    Ok(reply.unwrap_or_default())
}

/// The reply of a query's outcome, which must change nothing.
fn answer_only<C, R>(outcome: Outcome<C, R>) -> Result<R> {
    if !outcome.changes.is_empty() || !outcome.outbound.is_empty() {
        return Err(StoreError::ReadOnly);
    }
    Ok(outcome.reply)
}

/// A button press; returns an ephemeral note for the caller, if any.
pub fn button(
    tx: &mut Tx<'_>,
    action: &BlockAction,
    ctx: &Context,
    now: UnixTime,
) -> Result<Option<Mrkdwn>> {
    match Button::from_action_id(&action.action_id) {
        Some(Button::Reviewers(button)) => reviews::on_button(tx, button, action, ctx, now),
        Some(Button::Errors(button)) => errors::on_button(tx, button, action, ctx, now),
        Some(Button::Deploys(button)) => deploys::on_button(tx, button, action, ctx, now),
        None => {
            tracing::debug!(action_id = %action.action_id, "button not handled; ignored");
            Ok(None)
        }
    }
}
