//! The `deploys` feature: deploy notices (one Slack message per deploy per
//! channel, updated in place) and deploy locks.
//!
//! Everything here is a pure decision. Events from GitHub (`deployment`,
//! `deployment_status`, `workflow_run`) and from the CI hook
//! (`POST /hooks/deploy`) are normalized into one [`DeployUpdate`];
//! [`on_update`] folds it into the stored [`DeployRecord`] and says which
//! Slack messages to post or update. The `/baton deploys …`, `lock`,
//! `unlock` and `locks` commands are parsed by [`parse_args`] and decided by
//! [`execute`].
//!
//! Submodules:
//! - [`hook`]: validation of the CI hook's JSON body;
//! - [`update`]: [`DeployStatus`] and the normalized [`DeployUpdate`];
//! - [`watch`]: which channels watch which repos, services and environments;
//! - [`record`]: the stored state of one deploy;
//! - [`decide`]: [`on_update`], which folds an update into it;
//! - [`render`]: message text, Block Kit and the failure log tail;
//! - [`lock`]: deploy locks, expiry and the [`LockStatus`] CI reads;
//! - [`commands`]: the `/baton` subcommands of this feature;
//! - [`change`]: the records a decision writes ([`Change`], in [`Outcome`]).

pub mod change;
pub mod commands;
pub mod decide;
pub mod hook;
pub mod lock;
pub mod record;
pub mod render;
pub mod update;
pub mod watch;

pub use change::{Change, Outcome};
pub use commands::{execute, parse_args, Command, DeploySnapshot, Name, Policy, COMMANDS};
pub use decide::{
    lock_status, message_key, on_hook, on_update, HookAnswer, HookOutcome, LockOutcome,
};
pub use hook::{parse_hook, DeployHook, HookError, HookStatus};
pub use lock::{active_lock, format_rfc3339, is_production, lock_key, Lock, LockStatus};
pub use record::{DeployRecord, LockedDeploy};
pub use update::{DeploySource, DeployStatus, DeployUpdate};
pub use watch::{channels_for, DeployTarget, DeployWatch};

#[cfg(test)]
pub(crate) mod fixtures {
    //! Real GitHub payloads from `tests/fixtures/github`, parsed the way the server does.

    use crate::github::{self, DeploymentEvent, DeploymentStatusEvent, WorkflowRunEvent};

    const DEPLOYMENT: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/deployment/payload.json"
    ));
    const DEPLOYMENT_STATUS: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/deployment_status/payload.json"
    ));
    const RUN_REQUESTED: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/workflow_run/requested.payload.json"
    ));
    const RUN_COMPLETED: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/workflow_run/completed.payload.json"
    ));

    pub fn deployment() -> DeploymentEvent {
        match github::parse("deployment", DEPLOYMENT).unwrap() {
            github::GithubEvent::Deployment(d) => d,
            other => panic!("{other:?}"),
        }
    }

    /// The corpus status (`success`), with its state replaced by `state`.
    pub fn deployment_status(state: &str) -> DeploymentStatusEvent {
        match github::parse("deployment_status", DEPLOYMENT_STATUS).unwrap() {
            github::GithubEvent::DeploymentStatus(mut s) => {
                s.state = state.to_string();
                s
            }
            other => panic!("{other:?}"),
        }
    }

    pub fn run_requested() -> WorkflowRunEvent {
        match github::parse("workflow_run", RUN_REQUESTED).unwrap() {
            github::GithubEvent::WorkflowRun(r) => r,
            other => panic!("{other:?}"),
        }
    }

    pub fn run_completed() -> WorkflowRunEvent {
        match github::parse("workflow_run", RUN_COMPLETED).unwrap() {
            github::GithubEvent::WorkflowRun(r) => r,
            other => panic!("{other:?}"),
        }
    }
}
