//! One normalized deploy event, whatever its source: a GitHub deployment or
//! deployment status, a GitHub workflow run (of a workflow a channel marks as
//! a deploy workflow), or the CI hook. Also the status ladder that keeps a
//! deploy from moving backwards.

use serde::{Deserialize, Serialize};

use super::hook::{DeployHook, HookStatus};
use crate::github::{DeploymentEvent, DeploymentStatusEvent, WorkflowRunEvent};
use crate::text::parse_rfc3339;
use crate::UnixTime;

/// Where a deploy is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployStatus {
    Pending,
    Queued,
    InProgress,
    Success,
    Failure,
    Error,
    Cancelled,
    Inactive,
}

impl DeployStatus {
    /// 0 = waiting, 1 = running, 2 = finished. A deploy never moves to a
    /// lower rank, and once finished its status is final.
    pub fn rank(self) -> u8 {
        match self {
            DeployStatus::Pending | DeployStatus::Queued => 0,
            DeployStatus::InProgress => 1,
            _ => 2,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.rank() == 2
    }

    /// Failures that get a thread reply with the log tail.
    pub fn is_failure(self) -> bool {
        matches!(self, DeployStatus::Failure | DeployStatus::Error)
    }

    pub fn emoji(self) -> &'static str {
        match self {
            DeployStatus::Pending | DeployStatus::Queued => "⏳",
            DeployStatus::InProgress => "🚀",
            DeployStatus::Success => "✅",
            DeployStatus::Failure => "❌",
            DeployStatus::Error => "⚠️",
            DeployStatus::Cancelled => "🚫",
            DeployStatus::Inactive => "💤",
        }
    }

    /// The word shown after the emoji.
    pub fn label(self) -> &'static str {
        match self {
            DeployStatus::Pending => "pending",
            DeployStatus::Queued => "queued",
            DeployStatus::InProgress => "in progress",
            DeployStatus::Success => "succeeded",
            DeployStatus::Failure => "failed",
            DeployStatus::Error => "errored",
            DeployStatus::Cancelled => "cancelled",
            DeployStatus::Inactive => "inactive",
        }
    }

    /// A GitHub deployment status `state`.
    pub fn from_github_state(state: &str) -> Option<DeployStatus> {
        Some(match state.to_ascii_lowercase().as_str() {
            "pending" => DeployStatus::Pending,
            "queued" | "waiting" => DeployStatus::Queued,
            "in_progress" => DeployStatus::InProgress,
            "success" => DeployStatus::Success,
            "failure" => DeployStatus::Failure,
            "error" => DeployStatus::Error,
            "inactive" => DeployStatus::Inactive,
            _ => return None,
        })
    }

    /// A workflow run's `status` and, when completed, its `conclusion`.
    pub fn from_workflow_run(status: &str, conclusion: Option<&str>) -> Option<DeployStatus> {
        Some(match status {
            "requested" | "queued" | "waiting" | "pending" => DeployStatus::Queued,
            "in_progress" => DeployStatus::InProgress,
            "completed" => match conclusion.unwrap_or("") {
                "success" | "neutral" => DeployStatus::Success,
                "failure" | "timed_out" => DeployStatus::Failure,
                "startup_failure" | "action_required" => DeployStatus::Error,
                "cancelled" | "skipped" => DeployStatus::Cancelled,
                "stale" => DeployStatus::Inactive,
                _ => DeployStatus::Error,
            },
            _ => return None,
        })
    }
}

impl From<HookStatus> for DeployStatus {
    fn from(s: HookStatus) -> Self {
        match s {
            HookStatus::Started => DeployStatus::InProgress,
            HookStatus::Succeeded => DeployStatus::Success,
            HookStatus::Failed => DeployStatus::Failure,
            HookStatus::Cancelled => DeployStatus::Cancelled,
        }
    }
}

/// What produced a deploy (also how it is keyed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeploySource {
    /// A GitHub deployment (`deployment` / `deployment_status`).
    GithubDeployment { repo: String, id: u64 },
    /// A GitHub Actions workflow run.
    WorkflowRun {
        repo: String,
        run_id: u64,
        /// Which attempt of the run (a re-run is a new deploy with its own
        /// message). Records stored before this field existed were attempt 1.
        #[serde(default = "crate::github::first_run_attempt")]
        run_attempt: u64,
        /// The workflow's name (`Deploy`).
        workflow: String,
        /// Its file (`.github/workflows/deploy.yml`).
        workflow_path: String,
    },
    /// The CI hook.
    Hook { service: String },
}

/// `gh-run:{repo}:{run_id}` for a run's first attempt (the key records have
/// always had), `gh-run:{repo}:{run_id}:{attempt}` for a re-run, so a re-run
/// gets a message of its own instead of being dropped as a step backwards.
fn workflow_run_key(e: &WorkflowRunEvent) -> String {
    let base = format!("gh-run:{}:{}", e.repo.to_lowercase(), e.run_id);
    if e.run_attempt > 1 {
        format!("{base}:{}", e.run_attempt)
    } else {
        base
    }
}

/// One deploy event, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployUpdate {
    /// The deploy record key: `gh-deploy:{repo}:{id}`, `gh-run:{repo}:{run_id}`
    /// or `hook:{service}:{environment}:{deploy_id or version}`.
    pub key: String,
    pub source: DeploySource,
    pub status: DeployStatus,
    /// `None` for a workflow run until `DeployUpdate::with_watch_environment`
    /// labels it from the watch that marks the workflow.
    pub environment: Option<String>,
    /// `owner/repo` for GitHub sources.
    pub repo: Option<String>,
    /// `https://github.com/owner/repo`.
    pub repo_url: Option<String>,
    pub git_ref: Option<String>,
    pub sha: Option<String>,
    /// A CI hook's version label.
    pub version: Option<String>,
    /// Where the version links (a hook's `url`, a run's page).
    pub url: Option<String>,
    /// Where the logs are (`log_url`, `target_url`, a run's `html_url`, a hook's `url`).
    pub log_url: Option<String>,
    pub actor: Option<String>,
    pub description: Option<String>,
    pub log_tail: Option<String>,
    /// When the deploy started, if the source says.
    pub started_at: Option<UnixTime>,
    /// When this event happened, if the source says.
    pub at: Option<UnixTime>,
}

fn time(text: &Option<String>) -> Option<UnixTime> {
    text.as_deref().and_then(parse_rfc3339)
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

impl DeployUpdate {
    fn github_deployment(d: &DeploymentEvent, status: DeployStatus) -> DeployUpdate {
        DeployUpdate {
            key: format!("gh-deploy:{}:{}", d.repo.to_lowercase(), d.deployment_id),
            source: DeploySource::GithubDeployment {
                repo: d.repo.clone(),
                id: d.deployment_id,
            },
            status,
            environment: Some(d.environment.clone()),
            repo: Some(d.repo.clone()),
            repo_url: non_empty(&d.repo_url),
            git_ref: non_empty(&d.git_ref),
            sha: non_empty(&d.sha),
            version: None,
            url: None,
            log_url: None,
            actor: d.creator.clone(),
            description: d.description.clone(),
            log_tail: None,
            started_at: time(&d.created_at),
            at: time(&d.created_at),
        }
    }

    /// A `deployment` event: only `created` is a deploy (it starts pending).
    pub fn from_deployment(e: &DeploymentEvent) -> Option<DeployUpdate> {
        (e.action == "created").then(|| Self::github_deployment(e, DeployStatus::Pending))
    }

    /// A `deployment_status` event (`created`) with a known state.
    pub fn from_deployment_status(e: &DeploymentStatusEvent) -> Option<DeployUpdate> {
        if e.action != "created" {
            return None;
        }
        let status = DeployStatus::from_github_state(&e.state)?;
        let mut u = Self::github_deployment(&e.deployment, status);
        u.log_url = e.log_url.clone().or_else(|| e.target_url.clone());
        if e.description.is_some() {
            u.description = e.description.clone();
        }
        u.at = time(&e.created_at).or(u.at);
        Some(u)
    }

    /// A `workflow_run` event (`requested`, `in_progress`, `completed`). It
    /// is a deploy only for channels whose watch marks the workflow (see
    /// [`super::channels_for`]); its environment comes from that watch.
    pub fn from_workflow_run(e: &WorkflowRunEvent) -> Option<DeployUpdate> {
        if !matches!(e.action.as_str(), "requested" | "in_progress" | "completed") {
            return None;
        }
        let status = match e.action.as_str() {
            "completed" => DeployStatus::from_workflow_run("completed", e.conclusion.as_deref())?,
            _ => DeployStatus::from_workflow_run(&e.status, e.conclusion.as_deref())?,
        };
        let html_url = non_empty(&e.html_url);
        Some(DeployUpdate {
            key: workflow_run_key(e),
            source: DeploySource::WorkflowRun {
                repo: e.repo.clone(),
                run_id: e.run_id,
                run_attempt: e.run_attempt,
                workflow: e.workflow.clone(),
                workflow_path: e.workflow_path.clone(),
            },
            status,
            environment: None,
            repo: Some(e.repo.clone()),
            repo_url: non_empty(&e.repo_url),
            git_ref: e.head_branch.clone().filter(|b| !b.is_empty()),
            sha: non_empty(&e.head_sha),
            version: None,
            url: None,
            log_url: html_url,
            actor: e.actor.clone(),
            description: None,
            log_tail: None,
            started_at: time(&e.run_started_at),
            at: time(&e.updated_at),
        })
    }

    /// A CI hook body.
    pub fn from_hook(h: &DeployHook) -> DeployUpdate {
        let id = h
            .deploy_id
            .as_ref()
            .or(h.version.as_ref())
            .or(h.sha.as_ref())
            .or(h.git_ref.as_ref())
            .cloned()
            .unwrap_or_default();
        DeployUpdate {
            key: format!(
                "hook:{}:{}:{}",
                h.service.to_lowercase(),
                h.environment.to_lowercase(),
                id
            ),
            source: DeploySource::Hook {
                service: h.service.clone(),
            },
            status: h.status.into(),
            environment: Some(h.environment.clone()),
            repo: None,
            repo_url: None,
            git_ref: h.git_ref.clone(),
            sha: h.sha.clone(),
            version: h.version.clone(),
            url: h.url.clone(),
            log_url: h.url.clone(),
            actor: h.actor.clone(),
            description: None,
            log_tail: h.log_tail.clone(),
            started_at: None,
            at: None,
        }
    }

    /// The name shown for what is deployed: `owner/repo` or the service.
    pub fn subject(&self) -> &str {
        match &self.source {
            DeploySource::GithubDeployment { repo, .. }
            | DeploySource::WorkflowRun { repo, .. } => repo,
            DeploySource::Hook { service } => service,
        }
    }
}
