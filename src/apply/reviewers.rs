//! Applying reviewer-rotation inputs (placeholder until the feature lands).

use baton_handlers::github::{PullRequestEvent, PullRequestReviewEvent};
use baton_handlers::reviewers::Command;
use baton_handlers::slack::BlockAction;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::{Caller, Context};

pub fn on_pull_request(
    _tx: &mut Tx<'_>,
    _pr: &PullRequestEvent,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<()> {
    Ok(())
}

pub fn on_review(
    _tx: &mut Tx<'_>,
    _review: &PullRequestReviewEvent,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<()> {
    Ok(())
}

pub fn on_command(
    _tx: &mut Tx<'_>,
    cmd: Command,
    _caller: &Caller,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<String> {
    let _ = cmd;
    Ok("this command is not available yet".to_string())
}

pub fn on_button(
    _tx: &mut Tx<'_>,
    _action: &BlockAction,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<Option<String>> {
    Ok(None)
}
