//! The first-contact decisions: introduce Baton once when it joins a
//! channel ([`on_member_joined`]), and answer `@baton` with what the
//! channel is set up for ([`on_mention`], from its [`ChannelSetup`]).

use super::change::{Change, Outcome};
use super::render::{introduction, mention_reply};
use super::setup::ChannelSetup;
use crate::UnixTime;

/// `joined_user` joined `channel`: when that is Baton itself, new there,
/// introduce it once.
pub fn on_member_joined(
    joined_user: &str,
    bot_user_id: Option<&str>,
    channel: &str,
    already_introduced: bool,
    now: UnixTime,
) -> Outcome {
    if !wants_introduction(joined_user, bot_user_id, already_introduced) {
        return Outcome::none();
    }
    Outcome {
        changes: vec![Change::PutIntroduction {
            channel: channel.to_string(),
            at: now,
        }],
        outbound: vec![introduction(channel)],
        reply: None,
    }
}

/// `@baton` in `channel`: answer there with what it is set up for.
pub fn on_mention(channel: &str, setup: &ChannelSetup) -> Outcome {
    Outcome {
        outbound: vec![mention_reply(channel, setup)],
        ..Outcome::none()
    }
}

/// Should joining `channel` by `user` trigger the introduction?
pub fn wants_introduction(
    joined_user: &str,
    bot_user_id: Option<&str>,
    already_introduced: bool,
) -> bool {
    !already_introduced && bot_user_id == Some(joined_user)
}
