//! The `deploys` feature: deploy notices (one Slack message per deploy per
//! channel, updated in place) and deploy locks.
//!
//! Everything here is a pure decision. Events from GitHub (`deployment`,
//! `deployment_status`, `workflow_run`) and from the CI hook
//! (`POST /hooks/deploy`) are normalized into one [`DeployUpdate`];
//! [`on_update`] folds it into the stored [`DeployRecord`] and says which
//! Slack messages to post or update. The `/baton deploys …`, `lock`,
//! `unlock` and `locks` commands are parsed by [`parse_args`] and decided by
//! [`fn@execute`].
//!
//! Files, in the shape of every feature:
//! - [`change`]: what a decision writes ([`Change`], in [`Outcome`]);
//! - [`commands`]: the `/baton` subcommands' table and parsing;
//! - [`mod@execute`]: what each command decides;
//! - [`decide`]: [`on_update`], which folds an update into its record, the
//!   CI hook ([`on_hook`]) and the lock status CI reads ([`lock_status`]);
//! - [`render`]: message text, Block Kit and the failure log tail;
//! - the records and inputs: [`record`] (one deploy), [`watch`] (which
//!   channels watch what), [`lock`] (locks, expiry, [`LockStatus`]),
//!   [`hook`] (the CI hook's body), [`update`] ([`DeployStatus`] and the
//!   normalized [`DeployUpdate`]);
//! - `tests/`: one file of tests per file above.

pub mod change;
pub mod commands;
pub mod decide;
pub mod execute;
pub mod hook;
pub mod lock;
pub mod record;
pub mod render;
pub mod update;
pub mod watch;

#[cfg(test)]
mod tests;

pub use change::{Change, Outcome};
pub use commands::{parse_args, Command, Name, COMMANDS};
pub use decide::{
    lock_status, message_key, on_hook, on_update, HookAnswer, HookOutcome, LockOutcome,
};
pub use execute::{execute, DeploySnapshot, Policy};
pub use hook::{parse_hook, DeployHook, HookError, HookStatus};
pub use lock::{active_lock, format_rfc3339, is_production, lock_key, Lock, LockStatus};
pub use record::{DeployRecord, LockedDeploy};
pub use update::{DeploySource, DeployStatus, DeployUpdate};
pub use watch::{channels_for, DeployTarget, DeployWatch};
