//! A thin GitHub client over octocrab with a configurable base URL, or, with
//! no token, an offline sink that prints each call to stdout.

use std::time::Duration;

use octocrab::Octocrab;
use serde_json::{json, Value};

use crate::attempt::Attempt;

/// The HTTP methods of the GitHub calls Baton makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where GitHub calls go.
#[derive(Clone)]
pub enum GithubSink {
    Api {
        client: Octocrab,
        timeout: Duration,
    },
    /// No token: print what would be called.
    Offline,
}

impl GithubSink {
    pub fn api(api_url: &str, token: &str, timeout: Duration) -> anyhow::Result<GithubSink> {
        let client = Octocrab::builder()
            .base_uri(api_url)?
            .personal_token(token.to_string())
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .build()?;
        Ok(GithubSink::Api { client, timeout })
    }

    /// `POST /repos/{repo}/pulls/{n}/requested_reviewers`.
    pub async fn request_reviewers(
        &self,
        repo: &str,
        number: u64,
        reviewers: &[String],
    ) -> Attempt {
        let route = format!("/repos/{repo}/pulls/{number}/requested_reviewers");
        self.call(Method::Post, &route, json!({"reviewers": reviewers}))
            .await
    }

    /// `DELETE /repos/{repo}/pulls/{n}/requested_reviewers`.
    pub async fn remove_reviewers(&self, repo: &str, number: u64, reviewers: &[String]) -> Attempt {
        let route = format!("/repos/{repo}/pulls/{number}/requested_reviewers");
        self.call(Method::Delete, &route, json!({"reviewers": reviewers}))
            .await
    }

    /// `GET /user`: the token's login, or why it failed (for `baton doctor`).
    pub async fn current_user(&self) -> Result<String, String> {
        match self {
            GithubSink::Offline => Err("GITHUB_TOKEN is not set (offline mode)".into()),
            GithubSink::Api { client, timeout } => {
                let response = tokio::time::timeout(*timeout, client._get("/user"))
                    .await
                    .map_err(|_| "GitHub did not answer in time".to_string())?
                    .map_err(|e| format!("GitHub unreachable: {}", first_line(&e.to_string())))?;
                let status = response.status();
                let body = client.body_to_string(response).await.unwrap_or_default();
                if !status.is_success() {
                    return Err(format!("GitHub answered HTTP {}", status.as_u16()));
                }
                let user: Value = serde_json::from_str(&body).unwrap_or_default();
                user["login"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "GitHub's answer has no login".into())
            }
        }
    }

    /// One REST call. Requesting or removing the same reviewers twice has
    /// one effect on GitHub (both are idempotent), so a call whose answer was
    /// lost is simply made again: no in-flight mark or lookup is needed.
    async fn call(&self, method: Method, route: &str, body: Value) -> Attempt {
        let (client, timeout) = match self {
            GithubSink::Offline => {
                println!("┌─ GitHub {method} {route}\n│ {body}\n└─");
                return Attempt::Sent { posted: None };
            }
            GithubSink::Api { client, timeout } => (client, *timeout),
        };
        let request = async {
            match method {
                Method::Post => client._post(route, Some(&body)).await,
                Method::Delete => client._delete(route, Some(&body)).await,
            }
        };
        let response = match tokio::time::timeout(timeout, request).await {
            Err(_) => {
                return Attempt::Retry {
                    reason: "GitHub did not answer in time".into(),
                    after: None,
                    maybe_sent: true,
                }
            }
            Ok(Err(e)) => {
                return Attempt::Retry {
                    reason: format!("GitHub unreachable: {}", first_line(&e.to_string())),
                    after: None,
                    maybe_sent: true,
                }
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let rate_limited = status.as_u16() == 403
            && response
                .headers()
                .get("x-ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                == Some("0");
        if status.is_success() {
            return Attempt::Sent { posted: None };
        }
        let body = client.body_to_string(response).await.unwrap_or_default();
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_default();
        let reason = format!(
            "GitHub {method} {route} answered HTTP {}: {message}",
            status.as_u16()
        );
        if status.is_server_error() || status.as_u16() == 429 || rate_limited {
            Attempt::Retry {
                reason,
                after: retry_after,
                maybe_sent: status.is_server_error(),
            }
        } else {
            Attempt::Fail { reason }
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}
