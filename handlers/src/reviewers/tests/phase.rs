//! Tests of `reviewers/phase.rs`.

use crate::reviewers::phase::Phase;

#[test]
fn phases_are_stored_by_name() {
    let json = serde_json::to_string(&Phase::ChangesRequested).unwrap();
    assert_eq!(json, r#""changes_requested""#);
    assert_eq!(
        serde_json::from_str::<Phase>(r#""awaiting_review""#).unwrap(),
        Phase::AwaitingReview
    );
    assert!(Phase::Merged.is_closed() && !Phase::Approved.is_closed());
}
