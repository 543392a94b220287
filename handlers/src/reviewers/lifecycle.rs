//! The review lifecycle, after the first assignment: every pull request of
//! a watched repository is followed through its review
//! ([`TrackedPullRequest`], from GitHub's `pull_request` and
//! `pull_request_review` events and Baton's own requests), so Baton knows
//! whom it waits on now, a reviewer or its author, and tells them.
//!
//! * [`record`]: the record and what follows from it (waits, phase, open
//!   reviews per member).
//! * [`track`]: how each event changes the record.
//! * [`events`]: the decisions on GitHub's events and the buttons, with
//!   the rotation's own decisions inside.
//! * [`direct`]: the direct messages (asked, asked again, approved,
//!   changes requested, reminded).
//! * [`reminders`]: when a waiting review is reminded of, and the timer's
//!   decision.
//! * [`queue`]: one person's queue (`/baton reviews`, the App Home).
//! * [`digest`]: the channel's daily digest.
//! * [`home`]: the App Home tab.
//! * [`commands`]: `reviews`, `dm`, `hours`, `reviewers remind`, `reviewers digest`.
//! * [`hours`]: working hours and time zones.
//! * [`settings`]: a person's and a channel's settings, and Slack profiles.

pub mod commands;
pub mod digest;
pub mod direct;
pub mod events;
pub mod home;
pub mod hours;
pub mod queue;
pub mod record;
pub mod reminders;
pub mod settings;
pub mod track;

pub use commands::ReviewsInput;
pub use digest::DigestInput;
pub use events::EventInput;
pub use home::HomeInput;
pub use hours::{Days, WorkingHours};
pub use queue::Queue;
pub use record::{
    open_reviews_per_member, AuthorTurn, Review, TrackedPullRequest, TrackedReviewer, Verdict, Wait,
};
pub use reminders::ReminderInput;
pub use settings::{ChannelSettings, DigestSchedule, PersonSettings, Profile};
pub use track::Happened;
