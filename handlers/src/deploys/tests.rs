//! The deploys feature's tests: one file per file they prove
//! (`tests/decide.rs` proves `decide.rs`, …), the helpers the command tests
//! share, and the real GitHub payloads ([`fixtures`]).

mod commands;
mod decide;
mod execute;
mod gate;
mod hook;
mod lock;
mod queue;
mod render;
mod update;
mod watch;

use crate::caller::Caller;
use crate::command::{self, Command as Top};
use crate::deploys::{Command, DeployTarget, DeployWatch};
use crate::subcommand::UsageError;
use crate::UnixTime;

/// 2026-11-23 09:00 UTC.
const NOW: UnixTime = 1_795_392_000 + 9 * 3600;

fn parse(text: &str) -> Result<Command, UsageError> {
    match command::parse(text)? {
        Top::Deploys(c) => Ok(c),
        other => panic!("{other:?}"),
    }
}

/// The person acting, in `C0OPS`.
fn caller(user: &str) -> Caller {
    Caller::new(user, "C0OPS")
}

fn watches() -> Vec<DeployWatch> {
    vec![
        DeployWatch {
            channel: "C0PROD".into(),
            target: DeployTarget::Repo("octo-org/octo-repo".into()),
            environment: Some("production".into()),
            workflow: None,
            failures_only: false,
        },
        DeployWatch {
            channel: "C0STAGE".into(),
            target: DeployTarget::Service("checkout-api".into()),
            environment: Some("staging".into()),
            workflow: None,
            failures_only: false,
        },
        DeployWatch {
            channel: "C0ALL".into(),
            target: DeployTarget::Repo("octo-org/*".into()),
            environment: None,
            workflow: None,
            failures_only: false,
        },
        DeployWatch {
            channel: "C0OPS".into(),
            target: DeployTarget::Repo("octo-org/octo-repo".into()),
            environment: Some("production".into()),
            workflow: Some("deploy.yml".into()),
            failures_only: false,
        },
    ]
}

pub(super) mod fixtures {
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

/// A lock held by `UALICE` in `C0OPS` for an hour, its queue and the channel
/// watching production: what the lock queue's tests in `decide.rs` (expiry)
/// and `execute.rs` (commands) start from.
mod locks {
    use crate::deploys::*;
    use crate::outbound::Outbound;
    use crate::UnixTime;

    /// 2026-11-23 00:00 UTC.
    pub(super) const NOW: UnixTime = 1_795_392_000;
    pub(super) const DEFAULT: i64 = 4 * 3600;

    pub(super) fn held() -> Lock {
        Lock {
            environment: "production".into(),
            by: "UALICE".into(),
            reason: Some("db migration".into()),
            since: NOW,
            expires_at: NOW + 3600,
            channel: "C0OPS".into(),
        }
    }

    pub(super) fn queued(user: &str, duration: Option<i64>, reason: Option<&str>) -> QueuedLock {
        QueuedLock {
            user: user.into(),
            channel: "C0WAIT".into(),
            reason: reason.map(Into::into),
            duration,
            asked_at: NOW + 10,
        }
    }

    pub(super) fn queue(waiting: Vec<QueuedLock>) -> LockQueue {
        LockQueue {
            environment: "production".into(),
            waiting,
        }
    }

    pub(super) fn watches() -> Vec<DeployWatch> {
        vec![DeployWatch {
            channel: "C0PROD".into(),
            target: DeployTarget::Service("web".into()),
            environment: Some("production".into()),
            workflow: None,
            failures_only: false,
        }]
    }

    pub(super) fn state<'a>(
        lock: Option<&'a Lock>,
        queue: Option<&'a LockQueue>,
        watches: &'a [DeployWatch],
    ) -> LockState<'a> {
        LockState {
            environment: "production",
            lock,
            queue,
            waiting: &[],
            watches,
        }
    }

    pub(super) fn posts(out: &Outcome) -> Vec<(String, String)> {
        out.outbound
            .iter()
            .map(|o| match o {
                Outbound::SlackPost { channel, text, .. } => (channel.clone(), text.to_string()),
                // A direct message: to the person, in their own conversation.
                Outbound::SlackDirect { user, text, .. } => (user.clone(), text.to_string()),
                other => panic!("{other:?}"),
            })
            .collect()
    }
}
