//! The Sentry SDKs' keys: a Baton service can have one DSN
//! (`https://<key>@<host>/<project id>`), made and shown by
//! `/baton errors dsn <service>` and revoked by
//! `/baton errors dsn revoke <service>`. An SDK event is authenticated by
//! the DSN's public key and counts as a report of that key's service.
//!
//! This file holds the key record and the DSN's shape; what the two
//! commands decide is [`super::execute::execute_dsn`].

use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// One service's SDK key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentryKey {
    /// The DSN's public key (32 hex digits).
    pub key: String,
    /// The Baton service its events are reported as.
    pub service: String,
    /// The DSN's numeric project id (the path of the SDKs' endpoints).
    pub project_id: u64,
    pub created_by: String,
    pub created_at: UnixTime,
}

impl SentryKey {
    /// The key of the service index (services are matched case-insensitively).
    pub fn service_key(service: &str) -> String {
        service.to_lowercase()
    }
}

pub use super::commands::valid_service;

/// Check `BATON_PUBLIC_URL`: `http(s)://host[:port][/path]`, no user, query
/// or fragment.
pub fn check_public_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if rest.contains(['@', '?', '#']) || rest.contains(char::is_whitespace) {
        return Err(format!(
            "`{url}` must be a plain address (no user, query, fragment or spaces)"
        ));
    }
    Ok(())
}

/// The DSN of `key` for a Baton reached at `public_url`:
/// `https://baton.example.com/x` → `https://<key>@baton.example.com/x/<id>`.
pub fn dsn(public_url: &str, key: &SentryKey) -> Result<String, String> {
    check_public_url(public_url)?;
    let (scheme, rest) = public_url
        .split_once("://")
        .unwrap_or(("https", public_url));
    let rest = rest.trim_end_matches('/');
    Ok(format!("{scheme}://{}@{rest}/{}", key.key, key.project_id))
}
