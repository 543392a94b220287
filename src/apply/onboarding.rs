//! Applying Slack events: the bot's introduction when invited to a channel,
//! and help when mentioned.

use baton_handlers::slack::SlackEvent;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::Context;

pub fn on_event(
    _tx: &mut Tx<'_>,
    event: &SlackEvent,
    _ctx: &Context,
    _now: UnixTime,
) -> Result<()> {
    tracing::debug!(kind = event.kind(), "Slack event");
    Ok(())
}
