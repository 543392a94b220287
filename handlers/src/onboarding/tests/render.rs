//! Tests of `onboarding/render.rs`.

use crate::onboarding::*;
use crate::{Mrkdwn, Outbound};

#[test]
fn introduction_names_three_first_commands() {
    let Outbound::SlackPost { text, channel, .. } = introduction("C1") else {
        panic!()
    };
    assert_eq!(channel, "C1");
    for command in FIRST_COMMANDS {
        assert!(text.contains(Mrkdwn::text(command).as_str()), "{command}");
    }
}

#[test]
fn mention_says_what_is_and_is_not_set_up() {
    let setup = ChannelSetup {
        reviewer_repos: vec!["octo/api".into()],
        reviewers: 3,
        deploy_watches: vec![],
        error_subscriptions: vec!["level>=error".into()],
    };
    let Outbound::SlackPost { text, .. } = mention_reply("C1", &setup) else {
        panic!()
    };
    assert!(text.contains("3 reviewer(s) for octo/api"));
    assert!(text.contains("Deploys: not set up"));
    assert!(text.contains("Errors: level&gt;=error"));
}
