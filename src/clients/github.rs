//! A thin GitHub client over octocrab with a configurable base URL, or, with
//! no credentials, an offline sink that prints each call to stdout.
//!
//! Credentials are either one token (`GITHUB_TOKEN`) or a GitHub App
//! ([`crate::clients::github_app`]): then each call is made with the installation
//! token of the installation it concerns, and App-level calls (installation
//! tokens, webhook deliveries, `GET /app`) with the App's JWT. Every call
//! carries its own `Authorization` header over one shared octocrab client.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::BodyExt as _;
use octocrab::Octocrab;
use serde_json::{json, Value};

use crate::clients::attempt::{Attempt, Effect};
use crate::clients::github_app::{App, AppKey, InstallationToken};

/// The HTTP methods of the GitHub calls Baton makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    fn http(self) -> axum::http::Method {
        match self {
            Method::Get => axum::http::Method::GET,
            Method::Post => axum::http::Method::POST,
            Method::Delete => axum::http::Method::DELETE,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where GitHub calls go. Cloning shares the client and the token cache.
#[derive(Clone)]
pub enum GithubSink {
    Api(Arc<GithubApi>),
    /// No token: print what would be called.
    Offline,
}

/// The client and what it authenticates with.
pub struct GithubApi {
    client: Octocrab,
    timeout: Duration,
    auth: Credentials,
    /// `GITHUB_API_URL`: a URL from a payload is called only on its scheme,
    /// host and port.
    api_url: String,
}

/// How Baton authenticates to GitHub.
pub enum Credentials {
    /// `GITHUB_TOKEN`: one token for every call.
    Token(String),
    /// A GitHub App: a JWT for App calls, installation tokens for the rest.
    App(Box<App>),
}

/// As whom one call is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    /// The App itself (its JWT); with a token, the token.
    App,
    /// An installation (App), or the token.
    Installation(u64),
    /// The installation of a repository (looked up once), or the token.
    Repository(&'a str),
}

/// A deployment protection rule's answer, as the outbox holds it.
#[derive(Debug, Clone, Copy)]
pub struct DeploymentReview<'a> {
    pub callback_url: &'a str,
    pub repo: &'a str,
    pub environment: &'a str,
    /// `approved` or `rejected`.
    pub state: &'a str,
    pub comment: &'a str,
}

/// An answer from GitHub: status, `Link` header, body.
pub struct Answer {
    pub status: u16,
    pub link: Option<String>,
    pub retry_after: Option<Duration>,
    pub rate_limited: bool,
    pub body: Bytes,
}

impl Answer {
    /// GitHub's `message`, if the body has one.
    pub fn message(&self) -> String {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

impl GithubSink {
    /// A client acting with one token.
    pub fn api(api_url: &str, token: &str, timeout: Duration) -> anyhow::Result<GithubSink> {
        GithubSink::with(api_url, Credentials::Token(token.to_string()), timeout)
    }

    /// A client acting as a GitHub App.
    pub fn app(api_url: &str, key: AppKey, timeout: Duration) -> anyhow::Result<GithubSink> {
        GithubSink::with(api_url, Credentials::App(Box::new(App::new(key))), timeout)
    }

    fn with(api_url: &str, auth: Credentials, timeout: Duration) -> anyhow::Result<GithubSink> {
        let client = Octocrab::builder()
            .base_uri(api_url)?
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .build()?;
        Ok(GithubSink::Api(Arc::new(GithubApi {
            client,
            timeout,
            auth,
            api_url: api_url.to_string(),
        })))
    }

    /// The App, when acting as one.
    pub fn app_auth(&self) -> Option<&App> {
        match self {
            GithubSink::Api(api) => match &api.auth {
                Credentials::App(app) => Some(app),
                Credentials::Token(_) => None,
            },
            GithubSink::Offline => None,
        }
    }

    /// One REST call as `actor`. `Err` is a failure to get any answer
    /// (network, timeout, no installation token), worded for a log line.
    pub async fn request(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
        actor: Actor<'_>,
    ) -> Result<Answer, String> {
        let GithubSink::Api(api) = self else {
            return Err("GitHub is not configured (offline mode)".into());
        };
        let authorization = api.authorization(actor).await?;
        api.send(method, route, body, &authorization).await
    }

    /// `GET /user`: the token's login, or why it failed (for `baton doctor`).
    pub async fn current_user(&self) -> Result<String, String> {
        if matches!(self, GithubSink::Offline) {
            return Err("GITHUB_TOKEN is not set (offline mode)".into());
        }
        let answer = self
            .request(Method::Get, "/user", None, Actor::App)
            .await
            .map_err(|e| first_line(&e))?;
        if !(200..300).contains(&answer.status) {
            return Err(format!("GitHub answered HTTP {}", answer.status));
        }
        let user: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        user["login"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "GitHub's answer has no login".into())
    }

    /// One reviewer call: `POST` (request) or `DELETE` (remove)
    /// `/repos/{repo}/pulls/{n}/requested_reviewers`, as `installation` or
    /// the repository's. Requesting or removing the same reviewers twice
    /// has one effect on GitHub (both are idempotent), so a call whose
    /// answer was lost is simply made again: no in-flight mark or lookup is
    /// needed.
    pub async fn requested_reviewers(
        &self,
        method: Method,
        repo: &str,
        number: u64,
        reviewers: &[String],
        installation: Option<u64>,
    ) -> Attempt {
        let route = format!("/repos/{repo}/pulls/{number}/requested_reviewers");
        let body = json!({"reviewers": reviewers});
        let actor = installation.map_or(Actor::Repository(repo), Actor::Installation);
        if matches!(self, GithubSink::Offline) {
            // Not `println!`, which panics when stdout refuses (a full disk).
            let _ = writeln!(
                std::io::stdout().lock(),
                "┌─ GitHub {method} {route}\n│ {body}\n└─"
            );
            return Attempt::Sent { posted: None };
        }
        let answer = self.request(method, &route, Some(&body), actor).await;
        self.attempt(method, &route, actor, answer).await
    }

    /// Answer a deployment protection rule: `POST` `{"environment_name",
    /// "state", "comment"}` to its callback URL, as `installation` or the
    /// repository's (or with `GITHUB_TOKEN`). Only a URL on the configured
    /// API's scheme, host and port is called; anything else fails for good
    /// without a request. An answer whose fate is unknown is sent again
    /// (GitHub takes the first review of a protection rule; a second one is
    /// refused, which is logged).
    pub async fn review_deployment(
        &self,
        review: DeploymentReview<'_>,
        installation: Option<u64>,
    ) -> Attempt {
        let body = json!({
            "environment_name": review.environment,
            "state": review.state,
            "comment": review.comment,
        });
        let GithubSink::Api(api) = self else {
            // Not `println!`, which panics when stdout refuses (a full disk).
            let _ = writeln!(
                std::io::stdout().lock(),
                "┌─ GitHub POST {}\n│ {body}\n└─",
                review.callback_url
            );
            return Attempt::Sent { posted: None };
        };
        let Some(route) =
            baton_handlers::deploys::gate::callback_route(review.callback_url, &api.api_url)
        else {
            return Attempt::Fail {
                reason: format!(
                    "the deployment callback is not on GITHUB_API_URL ({}); nothing was sent",
                    api.api_url
                ),
            };
        };
        let actor = installation.map_or(Actor::Repository(review.repo), Actor::Installation);
        let answer = self.request(Method::Post, &route, Some(&body), actor).await;
        self.attempt(Method::Post, &route, actor, answer).await
    }

    /// What one call's answer means for the outbox: sent on 2xx; tried
    /// again on no answer, 5xx, 429 or a rate limit (and on a 401 as an App,
    /// with a new installation token); failed for good otherwise.
    async fn attempt(
        &self,
        method: Method,
        route: &str,
        actor: Actor<'_>,
        answer: Result<Answer, String>,
    ) -> Attempt {
        let answer = match answer {
            Ok(answer) => answer,
            Err(reason) => {
                // No answer: GitHub may have acted, or may still.
                return Attempt::Retry {
                    reason,
                    after: None,
                    effect: Effect::PerhapsLater,
                };
            }
        };
        if (200..300).contains(&answer.status) {
            return Attempt::Sent { posted: None };
        }
        let reason = format!(
            "GitHub {method} {route} answered HTTP {}: {}",
            answer.status,
            answer.message()
        );
        if answer.status == 401 {
            // An installation token GitHub no longer takes (revoked, or our
            // clock is off): mint a new one on the next try.
            if let (Some(app), Some(installation)) = (self.app_auth(), self.installation_of(actor))
            {
                app.forget(installation).await;
                return Attempt::Retry {
                    reason,
                    after: None,
                    effect: Effect::None,
                };
            }
        }
        if answer.status >= 500 || answer.status == 429 || answer.rate_limited {
            Attempt::Retry {
                reason,
                after: answer.retry_after,
                effect: if answer.status >= 500 {
                    Effect::Perhaps
                } else {
                    Effect::None
                },
            }
        } else {
            Attempt::Fail { reason }
        }
    }

    /// Is Baton's App installed on `repo` (`GET /repos/{repo}/installation`
    /// with the App's JWT; 404 is no)? Always yes with a token.
    pub async fn repository_installed(&self, repo: &str) -> Result<bool, String> {
        let GithubSink::Api(api) = self else {
            return Err("GitHub is not configured (offline mode)".into());
        };
        let Credentials::App(app) = &api.auth else {
            return Ok(true);
        };
        if app.repository_installation(repo).is_some() {
            return Ok(true);
        }
        let jwt = format!("Bearer {}", app.key.jwt(crate::clock::wall_now()));
        let route = format!("/repos/{repo}/installation");
        let answer = api.send(Method::Get, &route, None, &jwt).await?;
        match answer.status {
            404 => Ok(false),
            200 => {
                if let Some(id) = serde_json::from_slice::<Value>(&answer.body)
                    .ok()
                    .and_then(|v| v["id"].as_u64())
                {
                    app.remember_repository(repo, id);
                }
                Ok(true)
            }
            status => Err(format!(
                "GET {route} answered HTTP {status}: {}",
                answer.message()
            )),
        }
    }

    /// The installation `actor` resolved to, if known.
    fn installation_of(&self, actor: Actor<'_>) -> Option<u64> {
        match actor {
            Actor::Installation(id) => Some(id),
            Actor::Repository(repo) => self.app_auth()?.repository_installation(repo),
            Actor::App => None,
        }
    }
}

impl GithubApi {
    /// The `Authorization` header value for `actor`.
    async fn authorization(&self, actor: Actor<'_>) -> Result<String, String> {
        let app = match &self.auth {
            Credentials::Token(token) => return Ok(format!("Bearer {token}")),
            Credentials::App(app) => app,
        };
        let installation = match actor {
            Actor::App => return Ok(format!("Bearer {}", app.key.jwt(crate::clock::wall_now()))),
            Actor::Installation(id) => id,
            Actor::Repository(repo) => match app.repository_installation(repo) {
                Some(id) => id,
                None => self.look_up_installation(app, repo).await?,
            },
        };
        Ok(format!(
            "Bearer {}",
            self.installation_token(app, installation).await?
        ))
    }

    /// `GET /repos/{repo}/installation` with the App's JWT.
    async fn look_up_installation(&self, app: &App, repo: &str) -> Result<u64, String> {
        let jwt = format!("Bearer {}", app.key.jwt(crate::clock::wall_now()));
        let answer = self
            .send(
                Method::Get,
                &format!("/repos/{repo}/installation"),
                None,
                &jwt,
            )
            .await?;
        if answer.status != 200 {
            return Err(format!(
                "the GitHub App is not installed on {repo} (GET /repos/{repo}/installation answered HTTP {}: {})",
                answer.status,
                answer.message()
            ));
        }
        let id = serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|v| v["id"].as_u64())
            .ok_or("GitHub's installation answer has no id")?;
        app.remember_repository(repo, id);
        Ok(id)
    }

    /// The cached token of `installation`, or a new one
    /// (`POST /app/installations/{id}/access_tokens`) when there is none or
    /// it is about to expire. One mint at a time per installation.
    async fn installation_token(&self, app: &App, installation: u64) -> Result<String, String> {
        let slot = app.slot(installation);
        let mut cached = slot.lock().await;
        let now = crate::clock::wall_now();
        if let Some(token) = App::usable(&cached, now) {
            return Ok(token);
        }
        let jwt = format!("Bearer {}", app.key.jwt(now));
        let route = format!("/app/installations/{installation}/access_tokens");
        let answer = self
            .send(Method::Post, &route, Some(&json!({})), &jwt)
            .await?;
        if answer.status != 201 && answer.status != 200 {
            return Err(format!(
                "minting a token for installation {installation} failed: HTTP {}: {}",
                answer.status,
                answer.message()
            ));
        }
        let minted: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        let (Some(token), Some(expires_at)) = (
            minted["token"].as_str(),
            minted["expires_at"]
                .as_str()
                .and_then(crate::clients::github_app::parse_time),
        ) else {
            return Err(format!(
                "GitHub's answer to {route} has no token or expires_at"
            ));
        };
        tracing::debug!(installation, expires_at, "minted an installation token");
        *cached = Some(InstallationToken {
            token: token.to_string(),
            minted_at: now,
            expires_at,
        });
        Ok(token.to_string())
    }

    /// Send one request with `authorization` and read the whole answer.
    async fn send(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
        authorization: &str,
    ) -> Result<Answer, String> {
        // A path on the configured API, never a URL of its own: a route
        // with a scheme or host (`https://…`, `//host/…`) would take the
        // token elsewhere.
        if !route.starts_with('/') || route.starts_with("//") {
            return Err(format!(
                "refused to call `{}`: GitHub routes are paths on GITHUB_API_URL",
                first_line(route)
            ));
        }
        let mut value = axum::http::HeaderValue::from_str(authorization)
            .map_err(|_| "the GitHub credentials are not a valid header value".to_string())?;
        value.set_sensitive(true);
        let builder = axum::http::Request::builder()
            .method(method.http())
            .uri(route)
            .header(axum::http::header::AUTHORIZATION, value);
        let exchange = async {
            let request = self
                .client
                .build_request(builder, body)
                .map_err(|e| first_line(&e.to_string()))?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| format!("GitHub unreachable: {}", first_line(&e.to_string())))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("GitHub's answer broke off: {}", first_line(&e.to_string())))?
                .to_bytes();
            Ok::<_, String>((status, headers, body))
        };
        let (status, headers, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| "GitHub did not answer in time".to_string())??;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        Ok(Answer {
            status,
            link: header("link").map(str::to_string),
            retry_after: header("retry-after")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            rate_limited: status == 403 && header("x-ratelimit-remaining") == Some("0"),
            body,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn answering(status: u16) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        server
    }

    /// Invariant 11 at send time: a callback URL off the configured API
    /// host, or a route that is a URL, is never called with the token.
    #[tokio::test]
    async fn a_token_goes_only_to_the_configured_api_host() {
        let api = answering(204).await;
        let foreign = answering(204).await;
        let sink = GithubSink::api(&api.uri(), "ghp-secret", Duration::from_secs(5)).unwrap();
        let review = |callback_url| DeploymentReview {
            callback_url,
            repo: "o/r",
            environment: "production",
            state: "approved",
            comment: "ok",
        };
        let off_host = format!(
            "{}/repos/o/r/actions/runs/1/deployment_protection_rule",
            foreign.uri()
        );
        let attempt = sink.review_deployment(review(&off_host), None).await;
        assert!(
            matches!(&attempt, Attempt::Fail { reason } if reason.contains("not on GITHUB_API_URL")),
            "{attempt:?}"
        );
        for route in [off_host.clone(), off_host.replacen("http:", "", 1)] {
            let refused = sink.request(Method::Post, &route, None, Actor::App).await;
            assert!(refused.is_err(), "{route}");
        }
        assert!(foreign.received_requests().await.unwrap().is_empty());

        let on_host = format!(
            "{}/repos/o/r/actions/runs/1/deployment_protection_rule",
            api.uri()
        );
        let attempt = sink.review_deployment(review(&on_host), None).await;
        assert!(matches!(attempt, Attempt::Sent { .. }), "{attempt:?}");
        let seen = api.received_requests().await.unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen[0].url.path(),
            "/repos/o/r/actions/runs/1/deployment_protection_rule"
        );
        assert_eq!(
            seen[0].headers.get("authorization").unwrap(),
            "Bearer ghp-secret"
        );
        let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
        assert_eq!(
            body,
            json!({"environment_name": "production", "state": "approved", "comment": "ok"})
        );
    }
}
