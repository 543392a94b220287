//! The stored state of one deploy ([`DeployRecord`]): what the deploy
//! decision (`super::decide`) folds events into and the renderer reads.

use serde::{Deserialize, Serialize};

use super::update::{DeploySource, DeployStatus};
use crate::UnixTime;

/// A production deploy that succeeded while its environment was locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedDeploy {
    /// The lock holder's Slack user id.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Everything Baton remembers about one deploy (stored as JSON under `key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRecord {
    pub key: String,
    pub source: DeploySource,
    pub status: DeployStatus,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub repo_url: Option<String>,
    #[serde(default)]
    pub git_ref: Option<String>,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub log_url: Option<String>,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// When Baton first heard of it.
    pub first_seen: UnixTime,
    /// When it started (unknown when the first event heard was its end).
    #[serde(default)]
    pub started_at: Option<UnixTime>,
    #[serde(default)]
    pub finished_at: Option<UnixTime>,
    /// When an event last changed it.
    pub updated_at: UnixTime,
    /// Channels holding a message about it (`deploy:{key}:{channel}`).
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub locked: Option<LockedDeploy>,
}

impl DeployRecord {
    /// `owner/repo` or the hook's service.
    pub fn subject(&self) -> &str {
        match &self.source {
            DeploySource::GithubDeployment { repo, .. }
            | DeploySource::WorkflowRun { repo, .. } => repo,
            DeploySource::Hook { service } => service,
        }
    }

    /// Seconds from start to finish, once both are known.
    pub fn duration(&self) -> Option<i64> {
        Some((self.finished_at? - self.started_at?).max(0))
    }
}
