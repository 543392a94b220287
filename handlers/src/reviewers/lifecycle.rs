//! The review lifecycle, after the first assignment: every pull request of
//! a watched repository is followed through its review
//! ([`TrackedPullRequest`], from GitHub's `pull_request` and
//! `pull_request_review` events and Baton's own requests), so Baton knows
//! whom it waits on now: a reviewer, or its author.
//!
//! * [`record`]: the record and what follows from it (waits, phase, open
//!   reviews per member).
//! * [`track`]: how each event changes the record.
//! * [`hours`]: working hours and time zones.
//! * [`settings`]: a person's and a channel's settings, and Slack profiles.

pub mod hours;
pub mod record;
pub mod settings;
pub mod track;

pub use hours::{Days, WorkingHours};
pub use record::{
    open_reviews_per_member, AuthorTurn, Review, TrackedPullRequest, TrackedReviewer, Verdict, Wait,
};
pub use settings::{ChannelSettings, DigestSchedule, PersonSettings, Profile};
pub use track::Happened;
