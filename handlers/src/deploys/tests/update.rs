//! Tests of `deploys/update.rs`.

use crate::deploys::tests::fixtures;
use crate::deploys::update::*;
use crate::text::parse_rfc3339;

#[test]
fn corpus_deployment_becomes_a_pending_update() {
    let u = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
    assert_eq!(u.key, "gh-deploy:codertocat/hello-world:145988746");
    assert_eq!(u.status, DeployStatus::Pending);
    assert_eq!(u.environment.as_deref(), Some("production"));
    assert_eq!(
        u.sha.as_deref(),
        Some("f95f852bd8fca8fcc58a9a2d6c842781e32a215e")
    );
    assert_eq!(u.actor.as_deref(), Some("Codertocat"));
    assert_eq!(u.started_at, parse_rfc3339("2019-05-15T15:20:53Z"));
}

#[test]
fn corpus_deployment_status_shares_the_deployment_key() {
    let s = DeployUpdate::from_deployment_status(&fixtures::deployment_status("success")).unwrap();
    let d = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
    assert_eq!(s.key, d.key);
    assert_eq!(s.status, DeployStatus::Success);
    assert_eq!(s.at, parse_rfc3339("2019-05-15T15:20:55Z"));
    // The corpus has `"target_url": ""`: empty is no link.
    assert_eq!(s.log_url, None);
    assert!(
        DeployUpdate::from_deployment_status(&fixtures::deployment_status("exploded")).is_none()
    );
}

#[test]
fn corpus_workflow_runs() {
    let r = DeployUpdate::from_workflow_run(&fixtures::run_requested()).unwrap();
    assert_eq!(r.key, "gh-run:octo-org/octo-repo:289782451");
    assert_eq!(r.status, DeployStatus::Queued);
    assert_eq!(r.environment, None);
    let c = DeployUpdate::from_workflow_run(&fixtures::run_completed()).unwrap();
    assert_eq!(c.status, DeployStatus::Success);
    assert_eq!(c.key, r.key);
    assert_eq!(
        c.log_url.as_deref(),
        Some("https://github.com/octo-org/octo-repo/actions/runs/289782451")
    );
    let DeploySource::WorkflowRun {
        workflow,
        workflow_path,
        ..
    } = &c.source
    else {
        panic!()
    };
    assert_eq!(
        (workflow.as_str(), workflow_path.as_str()),
        ("test", ".github/workflows/test.yml")
    );
}

#[test]
fn a_re_run_is_keyed_apart_from_the_first_attempt() {
    let first = DeployUpdate::from_workflow_run(&fixtures::run_completed()).unwrap();
    let mut again = fixtures::run_requested();
    again.run_attempt = 2;
    let re_run = DeployUpdate::from_workflow_run(&again).unwrap();
    assert_eq!(first.key, "gh-run:octo-org/octo-repo:289782451");
    assert_eq!(re_run.key, "gh-run:octo-org/octo-repo:289782451:2");
}

#[test]
fn a_stored_run_from_before_attempts_reads_as_attempt_one() {
    let stored = r#"{"kind":"workflow_run","repo":"a/b","run_id":7,"workflow":"Deploy","workflow_path":".github/workflows/deploy.yml"}"#;
    let source: DeploySource = serde_json::from_str(stored).unwrap();
    assert!(matches!(
        source,
        DeploySource::WorkflowRun { run_attempt: 1, .. }
    ));
}

#[test]
fn workflow_conclusions_map_to_deploy_statuses() {
    let c = |s| DeployStatus::from_workflow_run("completed", Some(s));
    assert_eq!(c("failure"), Some(DeployStatus::Failure));
    assert_eq!(c("timed_out"), Some(DeployStatus::Failure));
    assert_eq!(c("cancelled"), Some(DeployStatus::Cancelled));
    assert_eq!(c("startup_failure"), Some(DeployStatus::Error));
    assert_eq!(DeployStatus::from_workflow_run("weird", None), None);
}

#[test]
fn statuses_only_climb_and_terminal_ones_are_highest() {
    use DeployStatus::*;
    assert!(Queued.rank() == Pending.rank());
    assert!(InProgress.rank() > Queued.rank());
    for t in [Success, Failure, Error, Cancelled, Inactive] {
        assert!(t.is_terminal() && t.rank() > InProgress.rank());
    }
}
