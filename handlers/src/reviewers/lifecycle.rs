//! The review lifecycle, after the first assignment: every pull request of
//! a watched repository is followed through its review
//! ([`TrackedPullRequest`], from GitHub's `pull_request` and
//! `pull_request_review` events and Baton's own requests), so Baton knows
//! whom it waits on now, a reviewer or its author, and tells them.
//!
//! Files, in the shape of every feature (its changes are the reviewers
//! feature's: `Change::PutTracked`, `PutPersonSettings`, `PutProfile`,
//! `PutChannelSettings`, in `super::change`):
//! - [`commands`]: `reviews`, `dm`, `hours`, `reviewers remind`, `reviewers
//!   digest`, parsed (their table entries are in `super::commands`);
//! - [`mod@execute`]: what each of them decides;
//! - [`decide`]: GitHub's events and the buttons (the rotation's own
//!   decisions inside), the reminder and digest timers, the App Home
//!   opened, Slack profiles read;
//! - [`render`]: the direct messages, one person's queue, the digest, the
//!   App Home view;
//! - the records: [`record`] (the review record, what follows from it, one
//!   person's queue, reminder times), [`track`] (how each event changes
//!   the record), [`settings`] (a person's and a channel's settings, Slack
//!   profiles), [`hours`] (working hours and time zones);
//! - `tests/`: one file of tests per file above.

pub mod commands;
pub mod decide;
pub mod execute;
pub mod hours;
pub mod record;
pub mod render;
pub mod settings;
pub mod track;

#[cfg(test)]
mod tests;

pub use decide::{DigestInput, EventInput, HomeInput, ReminderInput};
pub use execute::{execute, CommandContext, ReviewsInput};
pub use hours::{Days, WorkingHours};
pub use record::{
    open_reviews_per_member, AuthorTurn, Queue, Review, TrackedPullRequest, TrackedReviewer,
    Verdict, Wait,
};
pub use settings::{ChannelSettings, DigestSchedule, PersonSettings, Profile};
pub use track::Happened;
