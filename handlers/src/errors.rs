//! The `errors` feature: error reports from Baton's JSON or Sentry's
//! webhooks, grouped by fingerprint, routed to the channels that subscribed
//! to them, and kept quiet (one post per window, digests, mutes, a
//! per-channel cap). Pure decisions only: the caller loads the records a
//! decision reads, and stores what it returns in one transaction.
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
//! Windows live in the store, so a restart neither loses a digest nor repeats a
//! post: the first tick after it closes what came due meanwhile.
//!
//! Files, in the shape of every feature:
//! - [`change`]: what a decision writes ([`Change`], [`DsnChange`], in
//!   [`Outcome`]);
//! - [`commands`]: the `/baton errors` subcommands' table and parsing;
//! - [`mod@execute`]: what each command decides (the DSN commands too);
//! - [`decide`]: routing and posting reports, button presses, the tick;
//! - [`render`]: Slack messages;
//! - the records and inputs: [`records`] (subscriptions, groups, mutes…
//!   and the [`Snapshot`] a decision reads), [`dsn`] (the SDKs' keys),
//!   [`report`] (reading bodies; [`report::baton`] and [`report::sentry`]
//!   list every field read), [`envelope`] (Sentry SDKs' envelopes),
//!   [`mod@fingerprint`] (grouping), [`trigger`] (`when=N/duration`:
//!   posting an error once it is seen N times);
//! - `tests/`: one file of tests per file above.

pub mod change;
pub mod commands;
pub mod decide;
pub mod dsn;
pub mod envelope;
pub mod execute;
pub mod fingerprint;
pub mod records;
pub mod render;
pub mod report;
pub mod trigger;

#[cfg(test)]
mod tests;

pub use change::{Change, DsnChange, Outcome};
pub use commands::{parse_args, Command, Filters, Name, UnsubscribeTarget, COMMANDS};
pub use decide::{
    on_button, on_report, route, tick, CompiledSubscriptions, Delivery, ReportAnswer,
    ReportOutcome, Route,
};
pub use execute::{channel_subscriptions, execute, execute_dsn, wants_new_key, NewKey};
pub use fingerprint::{fingerprint, normalize_message};
pub use records::{
    group_key, ChannelRate, DigestLine, Group, HeldEntry, Mode, Mute, Policy, Record, Resolved,
    Sample, Seen, Snapshot, Subscription, SubscriptionFilters, Table, Trigger,
};
pub use render::{ACTION_MUTE, ACTION_RESOLVE};
pub use report::{
    parse_report, parse_sdk_event, ErrorReport, Exception, Frame, Level, ReportError, Source, Stack,
};
