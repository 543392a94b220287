//! The record a failures-only channel keeps per service and environment:
//! its last failed deploy, until the next success answers it with "fixed
//! by" (`super::decide::after_update`).

use serde::{Deserialize, Serialize};

use super::lock::lock_key;
use crate::UnixTime;

/// The last failed deploy of a service to an environment that a
/// failures-only channel was told about, waiting for its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureMark {
    pub channel: String,
    /// `owner/repo` or the hook's service, as the deploy names it.
    pub subject: String,
    pub environment: String,
    /// The failed deploy's record key (its message is
    /// `deploy:{record_key}:{channel}`).
    pub record_key: String,
    pub failed_at: UnixTime,
}

impl FailureMark {
    /// `{channel}|{subject}|{environment}`, lower case.
    pub fn key(&self) -> String {
        mark_key(&self.channel, &self.subject, &self.environment)
    }
}

/// The key of the mark of `subject` in `environment` in `channel`.
pub fn mark_key(channel: &str, subject: &str, environment: &str) -> String {
    format!(
        "{channel}|{}|{}",
        subject.to_lowercase(),
        lock_key(environment)
    )
}
