//! Watches: which channel hears about which deploys. A watch names a repo
//! (`owner/repo` or `owner/*`) or a CI hook service, optionally one
//! environment, and optionally a workflow: a watch with `workflow=` turns
//! that workflow's runs into deploys (and only those runs); a watch without
//! it hears GitHub deployments and hook deploys. A watch with
//! `only=failures` posts only the deploys that fail or error (and, in the
//! failure's thread, the next success: `super::failures`).

use serde::{Deserialize, Serialize};

use super::update::{DeploySource, DeployUpdate};

/// What a watch follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum DeployTarget {
    /// `owner/repo` or `owner/*`, lower case.
    Repo(String),
    /// A CI hook's `service`, as typed (matched ignoring case).
    Service(String),
}

impl DeployTarget {
    pub fn as_str(&self) -> &str {
        match self {
            DeployTarget::Repo(s) | DeployTarget::Service(s) => s,
        }
    }

    /// Does `owner/repo` match this repo pattern (ignoring case)?
    fn matches_repo(&self, repo: &str) -> bool {
        let DeployTarget::Repo(pattern) = self else {
            return false;
        };
        let repo = repo.to_ascii_lowercase();
        match pattern.strip_suffix("/*") {
            Some(owner) => repo.split_once('/').is_some_and(|(o, _)| o == owner),
            None => *pattern == repo,
        }
    }
}

/// One channel's watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployWatch {
    pub channel: String,
    pub target: DeployTarget,
    /// `None` matches every environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// A workflow's name (`Deploy`) or file name (`deploy.yml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// `only=failures`: post only deploys that fail or error.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failures_only: bool,
}

impl DeployWatch {
    /// A stable store key: the same watch typed twice is one row.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.channel,
            self.target.as_str().to_lowercase(),
            self.environment.as_deref().unwrap_or("*").to_lowercase(),
            self.workflow.as_deref().unwrap_or("").to_lowercase()
        )
    }

    /// Does this watch want `update`?
    pub fn matches(&self, update: &DeployUpdate) -> bool {
        match &update.source {
            DeploySource::WorkflowRun {
                repo,
                workflow,
                workflow_path,
                ..
            } => {
                // Workflow runs are deploys only where a watch marks the workflow.
                let Some(wanted) = &self.workflow else {
                    return false;
                };
                let file = workflow_path.rsplit('/').next().unwrap_or(workflow_path);
                let workflow_ok = wanted.eq_ignore_ascii_case(workflow)
                    || wanted.eq_ignore_ascii_case(file)
                    || wanted.eq_ignore_ascii_case(workflow_path);
                // The watch's environment labels the run; it cannot filter it.
                workflow_ok && self.target.matches_repo(repo)
            }
            DeploySource::GithubDeployment { repo, .. } => {
                self.workflow.is_none() && self.target.matches_repo(repo) && self.env_ok(update)
            }
            DeploySource::Hook { service } => {
                let target_ok = match &self.target {
                    DeployTarget::Service(name) => name.eq_ignore_ascii_case(service),
                    // A hook may name its service after the repo.
                    DeployTarget::Repo(_) => self.target.matches_repo(service),
                };
                self.workflow.is_none() && target_ok && self.env_ok(update)
            }
        }
    }

    fn env_ok(&self, update: &DeployUpdate) -> bool {
        match (&self.environment, &update.environment) {
            (None, _) => true,
            (Some(w), Some(e)) => w.eq_ignore_ascii_case(e),
            (Some(_), None) => false,
        }
    }

    /// Does this watch hear about `environment` (for lock announcements)?
    /// A failures-only watch hears only failures, not locks.
    pub fn covers_environment(&self, environment: &str) -> bool {
        !self.failures_only
            && self
                .environment
                .as_deref()
                .is_none_or(|e| e.eq_ignore_ascii_case(environment))
    }

    /// `owner/repo production (workflow deploy.yml)` for lists.
    pub fn describe(&self) -> String {
        let mut out = format!("`{}`", self.target.as_str());
        match &self.environment {
            Some(e) => out.push_str(&format!(" in `{e}`")),
            None => out.push_str(" in every environment"),
        }
        if let Some(w) = &self.workflow {
            out.push_str(&format!(", runs of workflow `{w}`"));
        }
        if self.failures_only {
            out.push_str(", failures only");
        }
        out
    }
}

/// The channels (each once, in first-watch order) whose watches want
/// `update`, failures-only watches included.
pub fn channels_for(watches: &[DeployWatch], update: &DeployUpdate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in watches.iter().filter(|w| w.matches(update)) {
        if !out.contains(&w.channel) {
            out.push(w.channel.clone());
        }
    }
    out
}

/// Of [`channels_for`], those that hear only failures of `update` (every
/// watch of theirs that wants it is `only=failures`).
pub fn failure_channels_for(watches: &[DeployWatch], update: &DeployUpdate) -> Vec<String> {
    channels_for(watches, update)
        .into_iter()
        .filter(|channel| {
            watches
                .iter()
                .filter(|w| &w.channel == channel && w.matches(update))
                .all(|w| w.failures_only)
        })
        .collect()
}

impl DeployUpdate {
    /// Label a workflow run with the environment named by the first watch
    /// that marks its workflow (watches in the order given); other updates
    /// are returned unchanged.
    pub fn with_watch_environment(mut self, watches: &[DeployWatch]) -> DeployUpdate {
        if self.environment.is_none() {
            self.environment = watches
                .iter()
                .filter(|w| w.matches(&self))
                .find_map(|w| w.environment.clone());
        }
        self
    }
}
