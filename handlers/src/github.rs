//! Typed GitHub webhook events: only the fields Baton's handlers read.
//!
//! Parsing skips everything else, so a 28 KB `pull_request` payload costs a
//! scan rather than a tree. A known event lacking a needed field is a
//! [`ParseError`] naming the field's path (answered 400 by the server).

use serde::de::DeserializeOwned;
use serde::Deserialize;

mod issue_comment;
mod push;

pub use issue_comment::IssueCommentEvent;
pub use push::PushEvent;

/// A GitHub webhook delivery, by `X-GitHub-Event`.
#[derive(Debug, Clone, PartialEq)]
pub enum GithubEvent {
    Ping,
    PullRequest(PullRequestEvent),
    PullRequestReview(PullRequestReviewEvent),
    Deployment(DeploymentEvent),
    DeploymentStatus(DeploymentStatusEvent),
    WorkflowRun(WorkflowRunEvent),
    DeploymentProtectionRule(DeploymentProtectionRuleEvent),
    /// A new comment on a pull request that asks for a reviewer (`r?`).
    IssueComment(IssueCommentEvent),
    /// A push to a repository's default branch.
    Push(PushEvent),
    /// An event kind Baton does not act on (answered 202), or a delivery of
    /// a kind it reads that asks nothing of it (a comment without `r?`, a
    /// push to another branch).
    Ignored {
        kind: String,
    },
}

impl GithubEvent {
    /// The `X-GitHub-Event` name, for metrics and logs.
    pub fn kind(&self) -> &str {
        match self {
            GithubEvent::Ping => "ping",
            GithubEvent::PullRequest(_) => "pull_request",
            GithubEvent::PullRequestReview(_) => "pull_request_review",
            GithubEvent::Deployment(_) => "deployment",
            GithubEvent::DeploymentStatus(_) => "deployment_status",
            GithubEvent::WorkflowRun(_) => "workflow_run",
            GithubEvent::DeploymentProtectionRule(_) => "deployment_protection_rule",
            GithubEvent::IssueComment(_) => "issue_comment",
            GithubEvent::Push(_) => "push",
            GithubEvent::Ignored { kind } => kind,
        }
    }
}

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parse a delivery's body given its `X-GitHub-Event` header.
pub fn parse(event: &str, body: &[u8]) -> Result<GithubEvent, ParseError> {
    Ok(match event {
        "ping" => {
            // Still require a JSON object, so garbage is a 400.
            decode::<serde::de::IgnoredAny>(event, body)?;
            GithubEvent::Ping
        }
        "pull_request" => {
            GithubEvent::PullRequest(decode::<wire::PullRequestPayload>(event, body)?.into())
        }
        "pull_request_review" => GithubEvent::PullRequestReview(
            decode::<wire::PullRequestReviewPayload>(event, body)?.into(),
        ),
        "deployment" => {
            GithubEvent::Deployment(decode::<wire::DeploymentPayload>(event, body)?.into())
        }
        "deployment_status" => GithubEvent::DeploymentStatus(
            decode::<wire::DeploymentStatusPayload>(event, body)?.into(),
        ),
        "workflow_run" => {
            GithubEvent::WorkflowRun(decode::<wire::WorkflowRunPayload>(event, body)?.into())
        }
        "deployment_protection_rule" => GithubEvent::DeploymentProtectionRule(
            decode::<wire::ProtectionRulePayload>(event, body)?.try_into()?,
        ),
        "issue_comment" => decode::<issue_comment::IssueCommentPayload>(event, body)?
            .into_event()
            .filter(|c| {
                c.is_new_on_pull_request()
                    && crate::reviewers::mention::review_request(&c.body).is_some()
            })
            .map_or_else(|| ignored(event), GithubEvent::IssueComment),
        "push" => decode::<push::PushPayload>(event, body)?
            .into_event()
            .map_or_else(|| ignored(event), GithubEvent::Push),
        other => ignored(other),
    })
}

fn ignored(kind: &str) -> GithubEvent {
    GithubEvent::Ignored {
        kind: kind.to_string(),
    }
}

/// GitHub Enterprise Server 3.1 and older send `deployment` and
/// `deployment_status` without an `action`: every such delivery is a
/// creation, which is what later versions name `created`.
fn created_action() -> String {
    "created".to_string()
}

fn decode<T: DeserializeOwned>(event: &str, body: &[u8]) -> Result<T, ParseError> {
    // The fast path: plain serde, skipping every field Baton does not read.
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        // Only a bad payload pays for a second pass that finds the field's path.
        Err(_) => Err(describe_error::<T>(event, body)),
    }
}

fn describe_error<T: DeserializeOwned>(event: &str, body: &[u8]) -> ParseError {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => ParseError(format!("{event} payload: not valid JSON")),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path.is_empty() || path == "." {
                ParseError(format!("{event} payload: {inner}"))
            } else {
                ParseError(format!("{event} payload: field `{path}`: {inner}"))
            }
        }
    }
}

/// A `pull_request` delivery. (While a watched pull request waits for
/// reviewers, the store keeps a [`WaitingPullRequest`](crate::reviewers::WaitingPullRequest)
/// made from it.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub action: String,
    /// `owner/repo` as GitHub spells it.
    pub repo: String,
    pub number: u64,
    pub title: String,
    pub html_url: String,
    pub author: String,
    /// The author is a bot (`type: "Bot"`, or a login ending in `[bot]`).
    pub author_is_bot: bool,
    /// The description (empty when there is none).
    pub body: String,
    pub draft: bool,
    pub merged: bool,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files: u64,
    /// Logins already requested to review.
    pub requested_reviewers: Vec<String>,
    /// Logins assigned to the pull request.
    pub assignees: Vec<String>,
    /// The GitHub App installation that sent it (`installation.id`), whose
    /// token Baton acts with; absent for plain webhooks.
    pub installation: Option<u64>,
    /// `review_requested` / `review_request_removed`: the person asked or
    /// no longer asked (`None` for a team, and for other actions).
    pub requested_reviewer: Option<String>,
}

/// A `pull_request_review` delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestReviewEvent {
    pub action: String,
    /// GitHub's id of the review: a review delivered again under a new
    /// delivery id is recognised by it.
    pub review_id: Option<u64>,
    pub repo: String,
    pub number: u64,
    pub reviewer: String,
    /// `approved`, `changes_requested`, `commented`, `dismissed` (lower case).
    pub state: String,
    pub html_url: Option<String>,
    pub submitted_at: Option<String>,
}

impl PullRequestReviewEvent {
    /// The key that recognises this review delivered again under another
    /// delivery id (a redelivery from GitHub's UI or a script): its
    /// repository, GitHub's review id and the action. `None` without a
    /// review id.
    pub fn dedup_key(&self) -> Option<String> {
        let id = self.review_id?;
        Some(format!("github-review:{}:{id}:{}", self.repo, self.action))
    }
}

/// A `deployment` delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentEvent {
    pub action: String,
    pub repo: String,
    pub repo_url: String,
    pub deployment_id: u64,
    pub environment: String,
    pub git_ref: String,
    pub sha: String,
    pub creator: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

/// A `deployment_status` delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentStatusEvent {
    pub action: String,
    pub deployment: DeploymentEvent,
    /// `queued`, `in_progress`, `success`, `failure`, `error`, `inactive`, `pending`.
    pub state: String,
    pub target_url: Option<String>,
    pub log_url: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

/// A workflow run's attempt when none is given: its first.
pub(crate) fn first_run_attempt() -> u64 {
    1
}

/// A `workflow_run` delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRunEvent {
    pub action: String,
    pub repo: String,
    pub repo_url: String,
    pub run_id: u64,
    /// 1 for the first run, then 2, 3… for each re-run of the same `run_id`.
    pub run_attempt: u64,
    /// The workflow's name (falls back to its file path when empty).
    pub workflow: String,
    pub workflow_path: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: String,
    pub html_url: String,
    pub actor: Option<String>,
    pub run_started_at: Option<String>,
    pub updated_at: Option<String>,
}

/// A `deployment_protection_rule` delivery: GitHub asks whether a deploy
/// to an environment guarded by Baton's App may go ahead, and waits (up to
/// 30 days) for the answer at `callback_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentProtectionRuleEvent {
    /// `requested`.
    pub action: String,
    pub environment: String,
    /// What started the deploy (`push`, `workflow_dispatch`…).
    pub event: Option<String>,
    /// `deployment_callback_url`: where the answer goes. Required (a
    /// delivery without it is refused); whether it is on the configured
    /// GitHub API host is checked before anything is stored.
    pub callback_url: String,
    pub repo: String,
    pub deployment_id: Option<u64>,
    /// The deploy's ref and commit (top level, else the deployment's).
    pub git_ref: Option<String>,
    pub sha: Option<String>,
    /// Who started it: the deployment's creator, else the sender.
    pub started_by: Option<String>,
    pub installation: Option<u64>,
}

/// The wire shapes: serde structs naming only the fields Baton reads.
mod wire {
    use super::*;

    fn empty_as_none(s: Option<String>) -> Option<String> {
        s.filter(|s| !s.is_empty())
    }

    #[derive(Deserialize)]
    pub struct User {
        pub login: String,
        /// `User`, `Bot` or `Organization`.
        #[serde(rename = "type", default)]
        pub kind: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Repository {
        pub full_name: String,
        #[serde(default)]
        pub html_url: String,
    }

    #[derive(Deserialize)]
    pub struct PullRequest {
        pub number: u64,
        pub title: String,
        pub html_url: String,
        pub user: User,
        #[serde(default)]
        pub body: Option<String>,
        #[serde(default)]
        pub draft: bool,
        #[serde(default)]
        pub merged: Option<bool>,
        #[serde(default)]
        pub additions: u64,
        #[serde(default)]
        pub deletions: u64,
        #[serde(default)]
        pub changed_files: u64,
        #[serde(default)]
        pub requested_reviewers: Vec<Reviewer>,
        #[serde(default)]
        pub assignees: Vec<User>,
    }

    /// A requested reviewer is a user (with `login`) or a team (without).
    #[derive(Deserialize)]
    pub struct Reviewer {
        pub login: Option<String>,
    }

    /// `installation` of a delivery sent by a GitHub App.
    #[derive(Deserialize)]
    pub struct Installation {
        pub id: u64,
    }

    #[derive(Deserialize)]
    pub struct PullRequestPayload {
        pub action: String,
        pub pull_request: PullRequest,
        pub repository: Repository,
        #[serde(default)]
        pub installation: Option<Installation>,
        #[serde(default)]
        pub requested_reviewer: Option<User>,
    }

    impl From<PullRequestPayload> for PullRequestEvent {
        fn from(p: PullRequestPayload) -> Self {
            let pr = p.pull_request;
            PullRequestEvent {
                action: p.action,
                repo: p.repository.full_name,
                number: pr.number,
                title: pr.title,
                html_url: pr.html_url,
                author_is_bot: crate::reviewers::mention::is_bot(
                    &pr.user.login,
                    pr.user.kind.as_deref(),
                ),
                author: pr.user.login,
                body: pr.body.unwrap_or_default(),
                draft: pr.draft,
                merged: pr.merged.unwrap_or(false),
                additions: pr.additions,
                deletions: pr.deletions,
                changed_files: pr.changed_files,
                requested_reviewers: pr
                    .requested_reviewers
                    .into_iter()
                    .filter_map(|r| r.login)
                    .collect(),
                assignees: pr.assignees.into_iter().map(|u| u.login).collect(),
                installation: p.installation.map(|i| i.id),
                requested_reviewer: p.requested_reviewer.map(|u| u.login),
            }
        }
    }

    #[derive(Deserialize)]
    pub struct Review {
        #[serde(default)]
        pub id: Option<u64>,
        pub user: User,
        pub state: String,
        #[serde(default)]
        pub html_url: Option<String>,
        #[serde(default)]
        pub submitted_at: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct ReviewedPullRequest {
        pub number: u64,
    }

    #[derive(Deserialize)]
    pub struct PullRequestReviewPayload {
        pub action: String,
        pub review: Review,
        pub pull_request: ReviewedPullRequest,
        pub repository: Repository,
    }

    impl From<PullRequestReviewPayload> for PullRequestReviewEvent {
        fn from(p: PullRequestReviewPayload) -> Self {
            PullRequestReviewEvent {
                action: p.action,
                review_id: p.review.id,
                repo: p.repository.full_name,
                number: p.pull_request.number,
                reviewer: p.review.user.login,
                state: p.review.state.to_ascii_lowercase(),
                html_url: p.review.html_url,
                submitted_at: p.review.submitted_at,
            }
        }
    }

    #[derive(Deserialize)]
    pub struct Deployment {
        pub id: u64,
        pub environment: String,
        #[serde(rename = "ref", default)]
        pub git_ref: String,
        #[serde(default)]
        pub sha: String,
        #[serde(default)]
        pub creator: Option<User>,
        #[serde(default)]
        pub description: Option<String>,
        #[serde(default)]
        pub created_at: Option<String>,
    }

    fn deployment_event(action: String, d: Deployment, repo: Repository) -> DeploymentEvent {
        DeploymentEvent {
            action,
            repo: repo.full_name,
            repo_url: repo.html_url,
            deployment_id: d.id,
            environment: d.environment,
            git_ref: d.git_ref,
            sha: d.sha,
            creator: d.creator.map(|u| u.login),
            description: empty_as_none(d.description),
            created_at: d.created_at,
        }
    }

    #[derive(Deserialize)]
    pub struct DeploymentPayload {
        #[serde(default = "super::created_action")]
        pub action: String,
        pub deployment: Deployment,
        pub repository: Repository,
    }

    impl From<DeploymentPayload> for DeploymentEvent {
        fn from(p: DeploymentPayload) -> Self {
            deployment_event(p.action, p.deployment, p.repository)
        }
    }

    #[derive(Deserialize)]
    pub struct DeploymentStatus {
        pub state: String,
        #[serde(default)]
        pub target_url: Option<String>,
        #[serde(default)]
        pub log_url: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
        #[serde(default)]
        pub created_at: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct DeploymentStatusPayload {
        #[serde(default = "super::created_action")]
        pub action: String,
        pub deployment_status: DeploymentStatus,
        pub deployment: Deployment,
        pub repository: Repository,
    }

    impl From<DeploymentStatusPayload> for DeploymentStatusEvent {
        fn from(p: DeploymentStatusPayload) -> Self {
            let s = p.deployment_status;
            DeploymentStatusEvent {
                deployment: deployment_event(p.action.clone(), p.deployment, p.repository),
                action: p.action,
                state: s.state.to_ascii_lowercase(),
                target_url: empty_as_none(s.target_url),
                log_url: empty_as_none(s.log_url),
                description: empty_as_none(s.description),
                created_at: s.created_at,
            }
        }
    }

    #[derive(Deserialize)]
    pub struct WorkflowRun {
        pub id: u64,
        #[serde(default = "super::first_run_attempt")]
        pub run_attempt: u64,
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default)]
        pub path: String,
        pub status: String,
        #[serde(default)]
        pub conclusion: Option<String>,
        #[serde(default)]
        pub head_branch: Option<String>,
        #[serde(default)]
        pub head_sha: String,
        #[serde(default)]
        pub html_url: String,
        #[serde(default)]
        pub actor: Option<User>,
        #[serde(default)]
        pub run_started_at: Option<String>,
        #[serde(default)]
        pub updated_at: Option<String>,
    }

    /// The `deployment` of a protection rule request (nullable; often
    /// trimmed to its id and environment).
    #[derive(Deserialize)]
    pub struct ProtectedDeployment {
        pub id: u64,
        #[serde(default)]
        pub environment: Option<String>,
        #[serde(rename = "ref", default)]
        pub git_ref: Option<String>,
        #[serde(default)]
        pub sha: Option<String>,
        #[serde(default)]
        pub creator: Option<User>,
    }

    #[derive(Deserialize)]
    pub struct ProtectionRulePayload {
        pub action: String,
        #[serde(default)]
        pub environment: Option<String>,
        #[serde(default)]
        pub event: Option<String>,
        #[serde(default)]
        pub deployment_callback_url: Option<String>,
        #[serde(default)]
        pub deployment: Option<ProtectedDeployment>,
        #[serde(rename = "ref", default)]
        pub git_ref: Option<String>,
        #[serde(default)]
        pub sha: Option<String>,
        pub repository: Repository,
        #[serde(default)]
        pub sender: Option<User>,
        #[serde(default)]
        pub installation: Option<Installation>,
    }

    impl TryFrom<ProtectionRulePayload> for DeploymentProtectionRuleEvent {
        type Error = ParseError;

        fn try_from(p: ProtectionRulePayload) -> Result<Self, ParseError> {
            let missing = |field: &str| {
                ParseError(format!(
                    "deployment_protection_rule payload: missing field `{field}`"
                ))
            };
            let callback_url = empty_as_none(p.deployment_callback_url)
                .ok_or_else(|| missing("deployment_callback_url"))?;
            let deployment = p.deployment;
            let environment = empty_as_none(p.environment)
                .or_else(|| deployment.as_ref().and_then(|d| d.environment.clone()))
                .filter(|e| !e.is_empty())
                .ok_or_else(|| missing("environment"))?;
            let (id, git_ref, sha, creator) = match deployment {
                Some(d) => (Some(d.id), d.git_ref, d.sha, d.creator.map(|u| u.login)),
                None => (None, None, None, None),
            };
            Ok(DeploymentProtectionRuleEvent {
                action: p.action,
                environment,
                event: empty_as_none(p.event),
                callback_url,
                repo: p.repository.full_name,
                deployment_id: id,
                git_ref: empty_as_none(p.git_ref).or(empty_as_none(git_ref)),
                sha: empty_as_none(p.sha).or(empty_as_none(sha)),
                started_by: creator.or(p.sender.map(|u| u.login)),
                installation: p.installation.map(|i| i.id),
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Workflow {
        #[serde(default)]
        pub name: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct WorkflowRunPayload {
        pub action: String,
        pub workflow_run: WorkflowRun,
        #[serde(default)]
        pub workflow: Option<Workflow>,
        pub repository: Repository,
    }

    impl From<WorkflowRunPayload> for WorkflowRunEvent {
        fn from(p: WorkflowRunPayload) -> Self {
            let run = p.workflow_run;
            let workflow = empty_as_none(run.name)
                .or_else(|| p.workflow.and_then(|w| empty_as_none(w.name)))
                .unwrap_or_else(|| run.path.clone());
            WorkflowRunEvent {
                action: p.action,
                repo: p.repository.full_name,
                repo_url: p.repository.html_url,
                run_id: run.id,
                run_attempt: run.run_attempt.max(1),
                workflow,
                workflow_path: run.path,
                status: run.status,
                conclusion: empty_as_none(run.conclusion),
                head_branch: run.head_branch,
                head_sha: run.head_sha,
                html_url: run.html_url,
                actor: run.actor.map(|u| u.login),
                run_started_at: run.run_started_at,
                updated_at: run.updated_at,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_is_named_with_its_path() {
        let body = br#"{"action":"opened","pull_request":{"number":1,"title":"t","html_url":"u"},"repository":{"full_name":"a/b"}}"#;
        let err = parse("pull_request", body).unwrap_err();
        assert!(
            err.0.contains("pull_request") && err.0.contains("missing field `user`"),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_an_error_and_unknown_kinds_are_ignored() {
        assert!(parse("pull_request", b"not json").is_err());
        assert!(parse("ping", b"[").is_err());
        assert_eq!(
            parse("star", b"{}").unwrap(),
            GithubEvent::Ignored {
                kind: "star".into()
            }
        );
    }

    #[test]
    fn ghes_deployments_without_action_are_created() {
        let fixtures = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/github-ghes-3.1"
        );
        let body = std::fs::read(format!("{fixtures}/deployment.payload.json")).unwrap();
        let GithubEvent::Deployment(d) = parse("deployment", &body).unwrap() else {
            panic!("not a deployment")
        };
        assert_eq!(d.action, "created");
        assert_eq!((d.deployment_id, d.environment.as_str()), (2, "production"));
        let body = std::fs::read(format!("{fixtures}/deployment_status.payload.json")).unwrap();
        let GithubEvent::DeploymentStatus(s) = parse("deployment_status", &body).unwrap() else {
            panic!("not a deployment_status")
        };
        assert_eq!(
            (s.action.as_str(), s.deployment.action.as_str()),
            ("created", "created")
        );
        // What Baton needs is still required, and named.
        let err = parse(
            "deployment",
            br#"{"deployment":{"id":1},"repository":{"full_name":"a/b"}}"#,
        )
        .unwrap_err();
        assert!(err.0.contains("missing field `environment`"), "{err}");
        // Other events still need their action.
        let err = parse(
            "workflow_run",
            br#"{"workflow_run":{"id":1,"status":"completed"},"repository":{"full_name":"a/b"}}"#,
        )
        .unwrap_err();
        assert!(err.0.contains("missing field `action`"), "{err}");
    }

    const PROTECTION_RULE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/deployment_protection_rule/requested.payload.json"
    ));

    #[test]
    fn a_real_protection_rule_request_is_read() {
        let GithubEvent::DeploymentProtectionRule(rule) =
            parse("deployment_protection_rule", PROTECTION_RULE).unwrap()
        else {
            panic!("not a protection rule")
        };
        assert_eq!(
            rule,
            DeploymentProtectionRuleEvent {
                action: "requested".into(),
                environment: "release".into(),
                event: Some("workflow_dispatch".into()),
                callback_url: "https://api.github.com/repos/zaniebot/release-authenticator-example/actions/runs/23625057533/deployment_protection_rule".into(),
                repo: "zaniebot/release-authenticator-example".into(),
                deployment_id: Some(4_189_575_565),
                git_ref: Some("main".into()),
                sha: Some("47efb7196c2a1a2fd3f52f2c59f0e2dd3d0e4d54".into()),
                started_by: Some("zaniebot".into()),
                installation: Some(119_022_551),
            }
        );
    }

    #[test]
    fn a_protection_rule_request_without_a_callback_is_refused() {
        let mut value: serde_json::Value = serde_json::from_slice(PROTECTION_RULE).unwrap();
        value
            .as_object_mut()
            .unwrap()
            .remove("deployment_callback_url");
        let body = serde_json::to_vec(&value).unwrap();
        let err = parse("deployment_protection_rule", &body).unwrap_err();
        assert!(
            err.0.contains("missing field `deployment_callback_url`"),
            "{err}"
        );
        value["deployment_callback_url"] = "".into();
        let body = serde_json::to_vec(&value).unwrap();
        assert!(parse("deployment_protection_rule", &body).is_err());
        // The deployment's own environment, ref and creator stand in.
        let body = br#"{"action":"requested","deployment_callback_url":"https://api.github.com/x",
            "deployment":{"id":7,"environment":"prod","ref":"v1","sha":"abc","creator":{"login":"octocat"}},
            "repository":{"full_name":"o/r"},"sender":{"login":"someone"}}"#;
        let GithubEvent::DeploymentProtectionRule(rule) =
            parse("deployment_protection_rule", body).unwrap()
        else {
            panic!()
        };
        assert_eq!(rule.environment, "prod");
        assert_eq!(rule.git_ref.as_deref(), Some("v1"));
        assert_eq!(rule.started_by.as_deref(), Some("octocat"));
        assert_eq!(rule.installation, None);
        let err = parse(
            "deployment_protection_rule",
            br#"{"action":"requested","deployment_callback_url":"https://api.github.com/x","repository":{"full_name":"o/r"}}"#,
        )
        .unwrap_err();
        assert!(err.0.contains("missing field `environment`"), "{err}");
    }

    #[test]
    fn team_reviewers_are_skipped() {
        let body = br#"{"action":"opened","pull_request":{"number":1,"title":"t","html_url":"u","user":{"login":"a"},
            "requested_reviewers":[{"login":"b"},{"name":"team","slug":"t"}]},"repository":{"full_name":"a/b"}}"#;
        let GithubEvent::PullRequest(pr) = parse("pull_request", body).unwrap() else {
            panic!()
        };
        assert_eq!(pr.requested_reviewers, vec!["b".to_string()]);
        assert_eq!(pr.installation, None);
    }

    #[test]
    fn a_review_is_known_again_by_its_repository_id_and_action() {
        let body = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/github/pull_request_review/submitted.payload.json"
        ));
        let GithubEvent::PullRequestReview(mut review) =
            parse("pull_request_review", body).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            review.dedup_key().as_deref(),
            Some("github-review:Codertocat/Hello-World:237895671:submitted")
        );
        review.review_id = None;
        assert_eq!(review.dedup_key(), None);
    }

    #[test]
    fn an_app_delivery_names_its_installation() {
        let body = br#"{"action":"opened","pull_request":{"number":1,"title":"t","html_url":"u","user":{"login":"a"}},
            "repository":{"full_name":"a/b"},"installation":{"id":42,"node_id":"x"}}"#;
        let GithubEvent::PullRequest(pr) = parse("pull_request", body).unwrap() else {
            panic!()
        };
        assert_eq!(pr.installation, Some(42));
    }

    #[test]
    fn a_pull_request_names_its_description_and_whether_a_bot_wrote_it() {
        let body = br#"{"action":"opened","pull_request":{"number":1,"title":"t","html_url":"u",
            "user":{"login":"dependabot[bot]","type":"Bot"},"body":"Bumps x.\r\nr? @hubot"},
            "repository":{"full_name":"a/b"}}"#;
        let GithubEvent::PullRequest(pr) = parse("pull_request", body).unwrap() else {
            panic!()
        };
        assert!(pr.author_is_bot);
        assert_eq!(pr.body, "Bumps x.\r\nr? @hubot");
        let body = br#"{"action":"opened","pull_request":{"number":1,"title":"t","html_url":"u",
            "user":{"login":"octocat","type":"User"},"body":null},"repository":{"full_name":"a/b"}}"#;
        let GithubEvent::PullRequest(pr) = parse("pull_request", body).unwrap() else {
            panic!()
        };
        assert!(!pr.author_is_bot);
        assert_eq!(pr.body, "");
    }
}
