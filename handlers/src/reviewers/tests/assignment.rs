//! Tests of `reviewers/assignment.rs`.

use super::*;
use crate::reviewers::assignment::parse_pull_request_reference;

#[test]
fn pull_request_references() {
    assert_eq!(
        parse_pull_request_reference("Octo-Org/api#42"),
        Some(("octo-org/api".into(), 42))
    );
    assert_eq!(parse_pull_request_reference("octo-org/*#42"), None);
    assert_eq!(parse_pull_request_reference("octo-org/api#0"), None);
    assert_eq!(parse_pull_request_reference("octo-org/api"), None);
    assert_eq!(parse_pull_request_reference("api#4"), None);
}

#[test]
fn assignment_survives_a_json_round_trip() {
    let mut assignment = Assignment::new(&pull_request(), "C024BE91L", &["hubot".into()], 5);
    assignment.reviewers[0].status = ReviewStatus::Reviewed {
        first_at: 90,
        state: "approved".into(),
    };
    let json = serde_json::to_string(&assignment).unwrap();
    assert!(json.contains(r#""status":"reviewed""#), "{json}");
    assert_eq!(
        serde_json::from_str::<Assignment>(&json).unwrap(),
        assignment
    );
}
