//! Round-robin pull-request reviewer assignment: the pure decisions.
//!
//! A channel owns a [`Pool`] of reviewers and the repositories it watches.
//! When a pull request opens there, [`on_pull_request`] picks reviewers
//! (fairly, skipping the author and anyone away), and says who in the
//! channel; reviews, closing and the message's buttons update the
//! [`Assignment`]. The `/baton` subcommands configure pools ([`fn@execute`]).
//!
//! Files, in the shape of every feature:
//! - [`change`]: what a decision writes ([`Change`], in [`Outcome`]);
//! - [`commands`]: the `/baton` subcommands' table and parsing;
//! - [`mod@execute`]: what each command decides;
//! - [`decide`]: GitHub deliveries and button presses;
//! - [`render`]: the assignment message and its thread replies;
//! - the records: [`pool`] (a channel's reviewers, people, the picking
//!   rules), [`assignment`] (one pull request's reviewers), [`waiting`] (a
//!   pull request still without reviewers), [`phase`] (where a pull request
//!   stands, as its message shows it), [`pending`] (a pick waiting for
//!   GitHub, and what it already read);
//! - picking the way teams do: [`picking`] (the cap, bots and code-owners
//!   settings and their commands), [`requests`] (`r?` in a description or
//!   comment, and who may ask), [`lookup`] (a pick waiting for GitHub's
//!   facts: code owners, a team);
//! - inputs: [`mention`] (`r? @login` in a pull request's text, and the bot
//!   rule), [`codeowners`] (a repository's CODEOWNERS file and whom it names
//!   for a path);
//! - [`lifecycle`]: every review followed to merge: whom a pull request
//!   waits on, direct messages, reminders, the digest and the App Home;
//! - `tests/`: one file of tests per file above.

pub mod assignment;
pub mod change;
pub mod codeowners;
pub mod commands;
pub mod decide;
pub mod execute;
pub mod lifecycle;
pub mod lookup;
pub mod mention;
pub mod pending;
pub mod phase;
pub mod picking;
pub mod pool;
pub mod render;
pub mod requests;
pub mod waiting;

#[cfg(test)]
mod tests;

pub use assignment::{message_key, AssignedReviewer, Assignment, Closed, ReviewStatus};
pub use change::{Change, Outcome};
pub use commands::{parse_args, Command, Name, COMMANDS};
pub use decide::{
    assign_pull_request, may_pick, on_button, on_pull_request, on_pull_request_review,
    parse_button, ButtonPress, ReviewerButton,
};
pub use execute::{execute, stats_since, CommandInput};
pub use phase::Phase;
pub use pool::{pool_for_pull_request, pool_for_repo, Away, Member, Mode, People, PickRules, Pool};
pub use render::{PASS_ACTION_ID, REASSIGN_ACTION_ID};
pub use waiting::WaitingPullRequest;
