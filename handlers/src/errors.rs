//! The `errors` feature: error reports from Baton's JSON or Sentry's
//! webhooks, grouped by fingerprint, routed to the channels that subscribed
//! to them, and kept quiet (one post per window, digests, mutes, a
//! per-channel cap). Pure decisions only: the caller loads the records a
//! decision reads, and stores what it returns in one redb transaction.
//!
//! The caller's loop, per report:
//! 1. [`parse_report`] the body (a [`ReportError`] is answered 400);
//! 2. [`CompiledSubscriptions::route`] it (kept compiled between reports);
//! 3. load the groups under [`Route::group_keys`], the rates under
//!    [`Route::rate_keys`], and the mute and resolved records of the
//!    fingerprint; call [`on_report`]; apply its [`Outcome`].
//!
//! And every few seconds (the server's `TICK_EVERY`, 5 s), [`tick`] with
//! the groups and rates that are due.
//! Windows live in redb, so a restart neither loses a digest nor repeats a
//! post: the first tick after it closes what came due meanwhile.
//!
//! Submodules: [`report`] (reading bodies; [`report::baton`] and
//! [`report::sentry`] list every field read), [`envelope`] (Sentry SDKs'
//! envelopes), [`dsn`] (the SDKs' keys), [`mod@fingerprint`] (grouping),
//! [`commands`] (the `/baton errors` commands), [`state`] (records and
//! outcomes), [`render`] (Slack messages), [`decide`] (routing and posting
//! reports, the tick) and [`mod@execute`] (commands and buttons).

pub mod commands;
pub mod decide;
pub mod dsn;
pub mod envelope;
pub mod execute;
pub mod fingerprint;
pub mod render;
pub mod report;
pub mod state;

#[cfg(test)]
mod tests;

pub use commands::{parse_args, Command, Filters, Name, UnsubscribeTarget, COMMANDS};
pub use decide::{
    on_report, route, tick, CompiledSubscriptions, Delivery, ReportAnswer, ReportOutcome, Route,
};
pub use execute::{channel_subscriptions, execute, on_button};
pub use fingerprint::{fingerprint, normalize_message};
pub use render::{ACTION_MUTE, ACTION_RESOLVE};
pub use report::{
    parse_report, parse_sdk_event, ErrorReport, Exception, Frame, Level, ReportError, Source, Stack,
};
pub use state::{
    group_key, Change, ChannelRate, DigestLine, Group, HeldEntry, Mode, Mute, Outcome, Policy,
    Record, Resolved, Sample, Snapshot, Subscription, SubscriptionFilters, Table,
};
