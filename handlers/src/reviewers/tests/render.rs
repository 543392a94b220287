//! Tests of `reviewers/render.rs`.

use super::*;
use crate::reviewers::*;

#[test]
fn message_mentions_mapped_reviewers_and_bolds_the_rest() {
    let mut people = People::default();
    people
        .slack_users
        .insert("octocat".into(), "U0G9QF9C6".into());
    let assignment = Assignment::new(
        &pull_request(),
        "C024BE91L",
        &["OctoCat".into(), "hubot".into()],
        0,
    );
    assert_eq!(assignment.key(), "pr:octo-org/api#1347");
    let (text, blocks) = assignment.render(&people, None);
    assert!(
        text.contains("<@U0G9QF9C6>") && text.contains("*hubot*"),
        "{text}"
    );
    let json = blocks.to_string();
    assert!(json.contains("<https://github.com/Octo-Org/API/pull/1347|Retry webhook delivery on 5xx &lt;fast&gt;>"), "{json}");
    assert!(json.contains("+120 / −31 in 4 files"), "{json}");
    assert!(json.contains("by monalisa"), "{json}");
    let buttons = &blocks.as_array().unwrap().last().unwrap()["elements"];
    assert_eq!(buttons[0]["action_id"], REASSIGN_ACTION_ID);
    assert_eq!(buttons[0]["text"]["text"], "Reassign");
    assert_eq!(buttons[1]["action_id"], PASS_ACTION_ID);
    assert_eq!(buttons[1]["text"]["text"], "Can't review");
    assert_eq!(buttons[1]["value"], "octo-org/api#1347");
}

#[test]
fn closed_message_has_no_buttons() {
    let mut assignment = Assignment::new(&pull_request(), "C024BE91L", &["hubot".into()], 0);
    assignment.closed = Some(Closed {
        at: 10,
        merged: true,
    });
    let (_, blocks) = assignment.render(&People::default(), None);
    let json = blocks.to_string();
    assert!(!json.contains(PASS_ACTION_ID));
    assert!(json.contains("Merged"));
}
