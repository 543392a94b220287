//! Deploy gates: Baton as a GitHub custom deployment protection rule.
//!
//! A channel's [`DeployGate`] (`/baton deploys gate owner/repo environment
//! [approval]`) says Baton guards that environment; each
//! `deployment_protection_rule` request GitHub sends for it becomes a
//! [`GateRequest`], which waits on the environment's lock or on a person's
//! press, and is decided once ([`GateState::Decided`]). The decisions are
//! in `super::decide` (requests, buttons) and `super::execute` (`deploys
//! gate`, `ungate`, with what GitHub said of them: [`GithubCheck`]), the
//! messages in `super::render`.
//!
//! The answer goes to the request's `deployment_callback_url` with a
//! GitHub token, so that URL must be on the GitHub API host Baton is
//! configured for: [`callback_route`] checks scheme, host and port, and is
//! the one check used when a request arrives and again before sending.

use serde::{Deserialize, Serialize};

use super::lock::lock_key;
use crate::UnixTime;

/// What GitHub said about a `deploys gate`'s repository and environment,
/// looked up before deciding (the decision itself does no I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubCheck {
    /// The environment exists in the repository.
    Found,
    /// The repository is unknown to Baton's GitHub credentials.
    NoRepository { reason: String },
    /// The repository has no environment of that name.
    NoEnvironment,
    /// GitHub could not be asked (offline, unreachable, no answer in time).
    Unchecked { reason: String },
}

/// A channel guards deploys of one repository to one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployGate {
    pub channel: String,
    /// `owner/repo`, lower case.
    pub repo: String,
    /// As typed (matched ignoring case).
    pub environment: String,
    /// Every deploy waits for a person's Approve (not only while locked).
    pub approval: bool,
    pub created_by: String,
    pub created_at: UnixTime,
}

impl DeployGate {
    /// `{channel}|{repo}|{environment}`, lower case: one gate per channel,
    /// repository and environment.
    pub fn key(&self) -> String {
        gate_key(&self.channel, &self.repo, &self.environment)
    }

    /// Does this gate guard deploys of `repo` to `environment`?
    pub fn guards(&self, repo: &str, environment: &str) -> bool {
        self.repo.eq_ignore_ascii_case(repo) && lock_key(&self.environment) == lock_key(environment)
    }
}

/// The store key of a channel's gate of `repo` and `environment`.
pub fn gate_key(channel: &str, repo: &str, environment: &str) -> String {
    format!(
        "{channel}|{}|{}",
        repo.to_ascii_lowercase(),
        lock_key(environment)
    )
}

/// Who or what decided a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decider {
    /// Approved at once: the environment was not locked and no approval
    /// was asked.
    NotLocked,
    /// A press of Approve or Reject; `over_lock` names the lock holder when
    /// the environment was locked at the time ("approve anyway").
    Person {
        user: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        over_lock: Option<String>,
    },
    /// The lock it waited on was released by `by`.
    Unlocked { by: String },
    /// The lock it waited on (held by `holder`) expired.
    LockExpired { holder: String },
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GateState {
    /// Waits until the environment's lock is released or expires.
    WaitingOnLock,
    /// Waits for a press of Approve or Reject.
    AwaitingApproval,
    /// Decided (its answer went to the outbox in the same transaction).
    Decided {
        approved: bool,
        by: Decider,
        at: UnixTime,
    },
}

/// One `deployment_protection_rule` request and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateRequest {
    /// [`request_key`]: a request delivered again finds itself here.
    pub key: String,
    /// `owner/repo` as GitHub spells it.
    pub repo: String,
    pub environment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// The GitHub login of who started the deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// What started it (`push`, `workflow_dispatch`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<u64>,
    pub callback_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation: Option<u64>,
    pub requested_at: UnixTime,
    /// A gate asked for a person's approval.
    pub approval: bool,
    /// The channels holding a message about it (`gate:{key}:{channel}`).
    #[serde(default)]
    pub channels: Vec<String>,
    pub state: GateState,
}

impl GateRequest {
    /// The key of its message in `channel`.
    pub fn message_key(&self, channel: &str) -> String {
        format!("gate:{}:{channel}", self.key)
    }

    /// Is it still waiting for the environment's lock to go?
    pub fn waits_on_lock(&self) -> bool {
        self.state == GateState::WaitingOnLock
    }
}

/// A request's store key: `{environment}|{repo}|{deployment id}` (lower
/// case), so one environment's requests are one prefix. Without a
/// deployment id, the callback URL stands in for it.
pub fn request_key(
    environment: &str,
    repo: &str,
    deployment_id: Option<u64>,
    callback_url: &str,
) -> String {
    let id = match deployment_id {
        Some(id) => id.to_string(),
        None => callback_url.to_string(),
    };
    format!(
        "{}|{}|{id}",
        lock_key(environment),
        repo.to_ascii_lowercase()
    )
}

/// The prefix of every request key of `environment`.
pub fn requests_prefix(environment: &str) -> String {
    format!("{}|", lock_key(environment))
}

/// Scheme, host and port of a URL (`https` 443 and `http` 80 when not
/// given), lower case; `None` for anything that is not a plain `http(s)`
/// URL with a host (user info, a backslash or whitespace is refused).
fn origin(url: &str) -> Option<(String, String, u16, &str)> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains('\\') {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        match after {
            "" => (format!("[{host}]"), default_port),
            _ => (format!("[{host}]"), after.strip_prefix(':')?.parse().ok()?),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port.parse().ok()?),
            None => (authority.to_string(), default_port),
        }
    };
    if host.is_empty() || host.contains(':') && !host.starts_with('[') {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port, path))
}

/// The path (and query) to call for `callback_url` when it is on the same
/// scheme, host and port as `api_url` (the configured GitHub API);
/// `None` otherwise, and then nothing may be sent there.
pub fn callback_route(callback_url: &str, api_url: &str) -> Option<String> {
    let (scheme, host, port, path) = origin(callback_url)?;
    let (api_scheme, api_host, api_port, _) = origin(api_url)?;
    if (scheme, host, port) != (api_scheme, api_host, api_port) {
        return None;
    }
    let path = path.split('#').next().unwrap_or_default();
    Some(match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    })
}

/// Why a request's callback URL is refused, if it is.
pub fn check_callback_url(callback_url: &str, api_url: &str) -> Result<(), String> {
    match callback_route(callback_url, api_url) {
        Some(_) => Ok(()),
        None => Err(format!(
            "deployment_callback_url is not on the GitHub API host Baton is configured for ({}); Baton sends its token nowhere else",
            api_url
        )),
    }
}
