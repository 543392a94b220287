//! First contact: the introduction Baton posts when invited to a channel
//! ([`on_member_joined`]), and the channel-aware help it answers to
//! `@baton` ([`on_mention`]). Both return the one [`Outcome`](crate::Outcome)
//! shape, with this feature's [`Change`].
//!
//! Files, in the shape of every feature: [`change`] (what a decision
//! writes), [`decide`] (the decisions), [`render`] (the text), [`setup`]
//! (what it reads: a channel's setup), `tests/` (one file of tests per
//! file). It has no `/baton` subcommands.

pub mod change;
pub mod decide;
pub mod render;
pub mod setup;

#[cfg(test)]
mod tests;

pub use change::{Change, Outcome};
pub use decide::{on_member_joined, on_mention, wants_introduction};
pub use render::{introduction, mention_reply, FIRST_COMMANDS};
pub use setup::ChannelSetup;
