//! Baton's pure decisions: typed events in, actions out.
//!
//! Nothing in this crate does I/O, spawns, or reads the clock: every function
//! that needs the time takes `now` (Unix seconds) as an argument. The binary
//! loads the state a decision needs, calls a function here, and stores what it
//! returns (state changes and [`Outbound`] items) in one transaction,
//! whichever engine keeps it.
//!
//! Every feature (`reviewers`, `deploys`, `errors`, `onboarding`) is a
//! folder of the same shape: `change.rs` (its `Change` and `Outcome`),
//! `commands.rs` and `execute.rs` (its `/baton` subcommands, parsed and
//! decided), `decide.rs` (everything else it decides: deliveries, hooks,
//! reports, button presses, ticks), `render.rs` (its Slack text), the
//! records it keeps, and `tests/` (one file of tests per file). The
//! command line as a whole is [`command`]: [`command::dispatch`] answers
//! help, usage errors and refusals before a feature is asked.

pub mod blocks;
pub mod buttons;
pub mod caller;
pub mod command;
pub mod deploys;
pub mod errors;
pub mod github;
pub mod mrkdwn;
pub mod onboarding;
pub mod outbound;
pub mod outcome;
pub mod reviewers;
pub mod slack;
pub mod subcommand;
pub mod text;

#[cfg(test)]
mod hostile_tests;

pub use caller::Caller;
pub use mrkdwn::Mrkdwn;
pub use outbound::{MessageKey, Outbound, ReviewState};
pub use outcome::Outcome;

/// Seconds since the Unix epoch, as passed in by the caller.
pub type UnixTime = i64;
