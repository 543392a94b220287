//! Tests of `deploys/watch.rs`.

use crate::deploys::hook::parse_hook;
use crate::deploys::tests::fixtures;
use crate::deploys::watch::*;
use crate::deploys::*;

fn watch(channel: &str, target: DeployTarget, env: Option<&str>, wf: Option<&str>) -> DeployWatch {
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
        &parse_hook(
            br#"{"service":"Codertocat/app","environment":"prod","sha":"abc","status":"started"}"#,
        )
        .unwrap(),
    );
    assert_eq!(channels_for(&watches, &repo_named), vec!["C5"]);
}

#[test]
fn no_watches_no_channels() {
    assert!(channels_for(&[], &deployment()).is_empty());
}

#[test]
fn key_ignores_case() {
    let a = watch("C1", repo("a/b"), Some("Prod"), None);
    let b = watch("C1", repo("a/b"), Some("prod"), None);
    assert_eq!(a.key(), b.key());
    assert_ne!(a.key(), watch("C1", repo("a/b"), None, None).key());
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
