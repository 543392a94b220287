//! Applying Slack events: the bot's introduction when invited to a channel
//! (once per channel), and channel-aware help when mentioned.

use baton_handlers::onboarding::{self, ChannelSetup};
use baton_handlers::slack::SlackEvent;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::Context;

pub fn on_event(tx: &mut Tx<'_>, event: &SlackEvent, ctx: &Context, now: UnixTime) -> Result<()> {
    match event {
        SlackEvent::MemberJoinedChannel { user, channel } => {
            let introduced = tx.introduced(channel)?;
            if onboarding::wants_introduction(user, ctx.bot_user_id.as_deref(), introduced) {
                tx.mark_introduced(channel, now)?;
                tx.enqueue(vec![onboarding::introduction(channel)], now)?;
            }
            Ok(())
        }
        SlackEvent::AppMention { channel, .. } => {
            let setup = channel_setup(tx, channel)?;
            tx.enqueue(vec![onboarding::mention_reply(channel, &setup)], now)?;
            Ok(())
        }
    }
}

/// What `channel` is set up for, from every feature's state.
fn channel_setup(tx: &Tx<'_>, channel: &str) -> Result<ChannelSetup> {
    let (reviewer_repos, reviewers) = super::reviewers::channel_setup(tx, channel)?;
    Ok(ChannelSetup {
        reviewer_repos,
        reviewers,
        deploy_watches: super::deploys::channel_watches(tx, channel)?,
        error_subscriptions: super::errors::channel_subscriptions(tx, channel)?,
    })
}
