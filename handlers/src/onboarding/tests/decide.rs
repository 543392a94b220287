//! Tests of `onboarding/decide.rs`.

use crate::deploys::DeployWatch;
use crate::onboarding::*;
use crate::reviewers::Pool;

#[test]
fn introduces_itself_only_for_its_own_join_and_once() {
    assert!(wants_introduction("UBOT", Some("UBOT"), false));
    assert!(!wants_introduction("UBOT", Some("UBOT"), true));
    assert!(!wants_introduction("U123", Some("UBOT"), false));
    assert!(!wants_introduction("UBOT", None, false));
}

#[test]
fn joining_decides_the_introduction_and_remembers_it() {
    let joined = on_member_joined("UBOT", Some("UBOT"), "C1", false, 100);
    assert_eq!(
        joined.changes,
        [Change::PutIntroduction {
            channel: "C1".into(),
            at: 100
        }]
    );
    assert_eq!(joined.outbound, [introduction("C1")]);
    assert_eq!(
        on_member_joined("UBOT", Some("UBOT"), "C1", true, 200),
        Outcome::none()
    );
    assert_eq!(
        on_member_joined("U123", Some("UBOT"), "C1", false, 200),
        Outcome::none()
    );
}

#[test]
fn a_channels_setup_comes_from_its_own_records_only() {
    use crate::deploys::DeployTarget;
    let mut pool = Pool::new("C1");
    pool.repos.push("octo-org/api".into());
    pool.add_member("octocat", &crate::reviewers::People::default(), 0);
    let watch = |channel: &str| DeployWatch {
        channel: channel.into(),
        target: DeployTarget::Service("api".into()),
        environment: Some("production".into()),
        workflow: None,
        failures_only: false,
    };
    let setup = ChannelSetup::of("C1", Some(&pool), &[watch("C1"), watch("C2")], &[]);
    assert_eq!(setup.reviewer_repos, ["octo-org/api"]);
    assert_eq!(setup.reviewers, 1);
    assert_eq!(setup.deploy_watches, [watch("C1").describe()]);
    assert!(setup.error_subscriptions.is_empty());
    assert_eq!(
        ChannelSetup::of("C3", None, &[], &[]),
        ChannelSetup::default()
    );
    let reply = on_mention("C1", &setup);
    assert_eq!(reply.outbound, [mention_reply("C1", &setup)]);
    assert!(reply.changes.is_empty());
}
