//! Round-robin pull-request reviewer assignment: the pure decisions.
//!
//! A channel owns a [`Pool`] of reviewers and the repositories it watches.
//! When a pull request opens there, [`on_pull_request`] picks reviewers
//! (fairly, skipping the author and anyone away), and says who in the
//! channel; reviews, closing and the message's buttons update the
//! [`Assignment`]. The `/baton` subcommands configure pools ([`execute`]).
//!
//! * [`pool`]: the pool record, people, and the picking rules.
//! * [`assignment`]: one pull request's assignment and its Slack message.
//! * [`change`]: the records a decision writes ([`Change`], in [`Outcome`]).
//! * [`events`]: GitHub deliveries and button presses.
//! * [`commands`]: the subcommands' table and parsing.
//! * [`execute`]: what running each subcommand decides.
//! * [`waiting`]: the stored copy of a pull request still without reviewers.
//! * [`mention`]: `r? @login` in a pull request's text, and the bot rule.
//! * [`picking`]: the cap, bots and code-owners settings and their commands.
//! * [`requests`]: `r?` in a description or comment, and who may ask.
//! * [`pending`]: the stored records of a pick waiting for GitHub.
//! * [`lookup`]: a pick waiting for GitHub's facts (code owners, a team).
//! * [`codeowners`]: a repository's CODEOWNERS file and whom it names for a path.

pub mod assignment;
pub mod change;
pub mod codeowners;
pub mod commands;
pub mod events;
pub mod execute;
pub mod lookup;
pub mod mention;
pub mod pending;
pub mod picking;
pub mod pool;
pub mod requests;
pub mod waiting;

pub use assignment::{
    message_key, AssignedReviewer, Assignment, Closed, ReviewStatus, PASS_ACTION_ID,
    REASSIGN_ACTION_ID,
};
pub use change::{Change, Outcome};
pub use commands::{parse_args, Command, Name, COMMANDS};
pub use events::{
    assign_pull_request, on_button, on_pull_request, on_pull_request_review, parse_button,
    ButtonPress, ReviewerButton,
};
pub use execute::{execute, stats_since, CommandInput};
pub use pool::{pool_for_repo, Away, Member, Mode, People, PickRules, Pool};
pub use waiting::WaitingPullRequest;
