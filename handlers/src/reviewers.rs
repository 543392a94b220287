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
//! * [`lifecycle`]: every review followed to merge: whom a pull request
//!   waits on, direct messages, reminders, the digest and the App Home.
//! * [`phase`]: where a pull request stands, as its message shows it.

pub mod assignment;
pub mod change;
pub mod commands;
pub mod events;
pub mod execute;
pub mod lifecycle;
pub mod phase;
pub mod pool;
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
pub use phase::Phase;
pub use pool::{pool_for_repo, Away, Member, Mode, People, Pool};
pub use waiting::WaitingPullRequest;
