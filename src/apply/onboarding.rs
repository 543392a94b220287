//! Applying Slack events: the bot's introduction when invited to a channel
//! (once per channel), and channel-aware help when mentioned. Loads what
//! the decision in `baton_handlers::onboarding` reads and stores its
//! outcome.

use baton_handlers::onboarding::{self, ChannelSetup};
use baton_handlers::slack::SlackEvent;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::Context;

pub fn on_event(tx: &mut Tx<'_>, event: &SlackEvent, ctx: &Context, now: UnixTime) -> Result<()> {
    let outcome = match event {
        SlackEvent::MemberJoinedChannel { user, channel } => {
            let introduced = tx.introduced(channel)?;
            onboarding::on_member_joined(user, ctx.bot_user_id.as_deref(), channel, introduced, now)
        }
        SlackEvent::AppMention { channel, .. } => {
            let setup = ChannelSetup::of(
                channel,
                tx.reviewer_pool(channel)?.as_ref(),
                &tx.channel_deploy_watches(channel)?,
                &tx.error_subscriptions()?,
            );
            onboarding::on_mention(channel, &setup)
        }
        // The App Home is the review lifecycle's (`super::reviews`).
        SlackEvent::AppHomeOpened { .. } => return Ok(()),
    };
    tx.store_outcome(outcome, now)?;
    Ok(())
}
