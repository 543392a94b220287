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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploys::fixtures;
    use crate::deploys::hook::parse_hook;

    fn watch(
        channel: &str,
        target: DeployTarget,
        env: Option<&str>,
        wf: Option<&str>,
    ) -> DeployWatch {
        DeployWatch {
            channel: channel.into(),
            target,
            environment: env.map(Into::into),
            workflow: wf.map(Into::into),
            failures_only: false,
        }
    }

    fn repo(s: &str) -> DeployTarget {
        DeployTarget::Repo(s.into())
    }

    fn deployment() -> DeployUpdate {
        DeployUpdate::from_deployment(&fixtures::deployment()).unwrap()
    }

    #[test]
    fn github_deployments_match_repo_case_insensitively_and_by_environment() {
        let watches = vec![
            watch("C1", repo("codertocat/hello-world"), None, None),
            watch(
                "C2",
                repo("codertocat/hello-world"),
                Some("Production"),
                None,
            ),
            watch("C3", repo("codertocat/hello-world"), Some("staging"), None),
            watch("C4", repo("codertocat/*"), None, None),
            watch("C5", repo("octo-org/*"), None, None),
            watch(
                "C6",
                repo("codertocat/hello-world"),
                None,
                Some("deploy.yml"),
            ),
            watch("C1", repo("codertocat/*"), Some("production"), None),
        ];
        assert_eq!(
            channels_for(&watches, &deployment()),
            vec!["C1", "C2", "C4"]
        );
    }

    #[test]
    fn workflow_runs_match_only_watches_that_mark_the_workflow() {
        let run = DeployUpdate::from_workflow_run(&fixtures::run_completed()).unwrap();
        let watches = vec![
            watch("C1", repo("octo-org/octo-repo"), None, None),
            watch(
                "C2",
                repo("octo-org/octo-repo"),
                Some("production"),
                Some("test"),
            ),
            watch("C3", repo("octo-org/*"), None, Some("TEST.yml")),
            watch("C4", repo("octo-org/octo-repo"), None, Some("deploy.yml")),
            watch("C5", repo("other/octo-repo"), None, Some("test.yml")),
            watch(
                "C6",
                repo("octo-org/octo-repo"),
                None,
                Some(".github/workflows/test.yml"),
            ),
        ];
        assert_eq!(channels_for(&watches, &run), vec!["C2", "C3", "C6"]);
        let labelled = run.with_watch_environment(&watches);
        assert_eq!(labelled.environment.as_deref(), Some("production"));
    }

    #[test]
    fn hooks_match_by_service_and_environment() {
        let hook = parse_hook(
            br#"{"service":"Checkout-API","environment":"staging","version":"1.2","status":"started"}"#,
        )
        .unwrap();
        let u = DeployUpdate::from_hook(&hook);
        let watches = vec![
            watch(
                "C1",
                DeployTarget::Service("checkout-api".into()),
                None,
                None,
            ),
            watch(
                "C2",
                DeployTarget::Service("checkout-api".into()),
                Some("STAGING"),
                None,
            ),
            watch(
                "C3",
                DeployTarget::Service("checkout-api".into()),
                Some("production"),
                None,
            ),
            watch("C4", DeployTarget::Service("billing".into()), None, None),
            watch("C5", repo("codertocat/*"), None, None),
        ];
        assert_eq!(channels_for(&watches, &u), vec!["C1", "C2"]);
        let repo_named = DeployUpdate::from_hook(
            &parse_hook(br#"{"service":"Codertocat/app","environment":"prod","sha":"abc","status":"started"}"#)
                .unwrap(),
        );
        assert_eq!(channels_for(&watches, &repo_named), vec!["C5"]);
    }

    #[test]
    fn no_watches_no_channels() {
        assert!(channels_for(&[], &deployment()).is_empty());
    }

    #[test]
    fn failures_only_channels_are_those_without_a_full_watch() {
        let mut quiet = watch("C1", repo("codertocat/*"), None, None);
        quiet.failures_only = true;
        let mut also_quiet = watch("C2", repo("codertocat/hello-world"), None, None);
        also_quiet.failures_only = true;
        let watches = vec![
            quiet.clone(),
            also_quiet,
            watch("C2", repo("codertocat/*"), None, None),
        ];
        assert_eq!(channels_for(&watches, &deployment()), vec!["C1", "C2"]);
        assert_eq!(failure_channels_for(&watches, &deployment()), vec!["C1"]);
        assert!(!quiet.covers_environment("production"), "no lock news");
        assert!(quiet.describe().ends_with(", failures only"));
        let json = serde_json::to_string(&watch("C1", repo("a/b"), None, None)).unwrap();
        assert!(!json.contains("failures_only"), "{json}");
    }

    #[test]
    fn key_ignores_case() {
        let a = watch("C1", repo("a/b"), Some("Prod"), None);
        let b = watch("C1", repo("a/b"), Some("prod"), None);
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), watch("C1", repo("a/b"), None, None).key());
    }
}
