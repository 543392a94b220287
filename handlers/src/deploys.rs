//! The `deploys` feature: deploy notices (one Slack message per deploy per
//! channel, updated in place; failures-only channels hear only failures
//! and their fix), deploy locks with their queue, and deploy gates (Baton
//! as a GitHub custom deployment protection rule).
//!
//! Everything here is a pure decision. Events from GitHub (`deployment`,
//! `deployment_status`, `workflow_run`) and from the CI hook
//! (`POST /hooks/deploy`) are normalized into one [`DeployUpdate`];
//! [`on_update`] folds it into the stored [`DeployRecord`] and says which
//! Slack messages to post or update. A `deployment_protection_rule`
//! request is decided by [`on_protection_rule`], a press of its buttons by
//! [`on_button`], an expired lock by [`expire`]. The `/baton deploys …`,
//! `lock`, `unlock` and `locks` commands are parsed by [`parse_args`] and
//! decided by [`fn@execute`].
//!
//! Files, in the shape of every feature:
//! - [`change`]: what a decision writes ([`Change`], in [`Outcome`]);
//! - [`commands`]: the `/baton` subcommands' table and parsing;
//! - [`mod@execute`]: what each command decides;
//! - [`decide`]: [`on_update`], which folds an update into its record, the
//!   CI hook ([`on_hook`]), failures-only channels' "fixed by"
//!   ([`after_update`]), the lock status CI reads ([`lock_status`]), a
//!   lock's hand-over to its queue and its timer ([`expire`]), and the
//!   gate's requests and buttons;
//! - [`render`]: message text, Block Kit and the failure log tail, lock
//!   news, and how a gated deploy reads;
//! - the records and inputs: [`record`] (one deploy), [`watch`] (which
//!   channels watch what), [`lock`] (locks, expiry, [`LockStatus`]),
//!   [`queue`] (who waits for a locked environment), [`gate`] (gates and
//!   GitHub's protection rule requests), [`failure_mark`] (what a
//!   failures-only channel remembers of a failure), [`hook`] (the CI hook's
//!   body), [`update`] ([`DeployStatus`] and the normalized
//!   [`DeployUpdate`]);
//! - `tests/`: one file of tests per file above.

pub mod change;
pub mod commands;
pub mod decide;
pub mod execute;
pub mod failure_mark;
pub mod gate;
pub mod hook;
pub mod lock;
pub mod queue;
pub mod record;
pub mod render;
pub mod update;
pub mod watch;

#[cfg(test)]
mod tests;

pub use change::{Change, Outcome};
pub use commands::{parse_args, Command, Name, COMMANDS};
pub use decide::{
    after_update, expire, lock_in_force, lock_status, mark_keys, message_key, on_button, on_hook,
    on_protection_rule, on_update, on_update_with, HookAnswer, HookOutcome, LockOutcome, LockState,
};
pub use execute::{execute, DeploySnapshot, Policy};
pub use failure_mark::FailureMark;
pub use gate::{
    check_callback_url, request_key, requests_prefix, DeployGate, GateRequest, GateState,
    GithubCheck,
};
pub use hook::{parse_hook, DeployHook, HookError, HookStatus};
pub use lock::{active_lock, format_rfc3339, is_production, lock_key, Lock, LockStatus};
pub use queue::{find_queue, LockQueue, QueuedLock};
pub use record::{DeployRecord, LockedDeploy};
pub use update::{DeploySource, DeployStatus, DeployUpdate};
pub use watch::{channels_for, failure_channels_for, DeployTarget, DeployWatch};
