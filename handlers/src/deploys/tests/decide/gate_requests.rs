//! The gate's decisions over the real `deployment_protection_rule`
//! payload (`tests/fixtures/github/deployment_protection_rule`), with
//! variations built here: approved at once, waiting on a lock, asking for
//! approval, redelivered, a foreign callback host, the buttons and their
//! rights, and the release of waiting deploys when the lock goes or passes
//! on.

use crate::buttons::GateButton;
use crate::caller::Caller;
use crate::command::Admins;
use crate::deploys::gate::Decider;
use crate::deploys::*;
use crate::github::{self, DeploymentProtectionRuleEvent, GithubEvent};
use crate::outbound::{Outbound, ReviewState};
use crate::UnixTime;

/// 2026-11-23 00:00 UTC.
const NOW: UnixTime = 1_795_392_000;
const API: &str = "https://api.github.com";
const DEFAULT: i64 = 4 * 3600;
const REPO: &str = "zaniebot/release-authenticator-example";

const PAYLOAD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/github/deployment_protection_rule/requested.payload.json"
));

fn event() -> DeploymentProtectionRuleEvent {
    match github::parse("deployment_protection_rule", PAYLOAD).unwrap() {
        GithubEvent::DeploymentProtectionRule(e) => e,
        other => panic!("{other:?}"),
    }
}

fn gate(channel: &str, approval: bool) -> DeployGate {
    DeployGate {
        channel: channel.into(),
        repo: REPO.into(),
        environment: "release".into(),
        approval,
        created_by: "UADMIN".into(),
        created_at: NOW - 86_400,
    }
}

fn held(by: &str) -> Lock {
    Lock {
        environment: "release".into(),
        by: by.into(),
        reason: Some("freeze for the audit".into()),
        since: NOW - 60,
        expires_at: NOW + 3600,
        channel: "C0OPS".into(),
    }
}

fn state<'a>(
    lock: Option<&'a Lock>,
    queue: Option<&'a LockQueue>,
    waiting: &'a [GateRequest],
) -> LockState<'a> {
    LockState {
        environment: "release",
        lock,
        queue,
        waiting,
        watches: &[],
    }
}

/// `UADMIN` is the one Baton admin.
fn admin() -> Admins {
    Admins::new(vec!["UADMIN".to_string()])
}

fn request_of(out: &Outcome) -> &GateRequest {
    out.changes
        .iter()
        .find_map(|c| match c {
            Change::PutGateRequest(r) => Some(&**r),
            _ => None,
        })
        .expect("a stored request")
}

/// The callbacks an outcome sends: (state, comment).
fn reviews(out: &Outcome) -> Vec<(ReviewState, String)> {
    out.outbound
        .iter()
        .filter_map(|o| match o {
            Outbound::GithubDeploymentReview {
                state,
                comment,
                callback_url,
                environment,
                installation,
                ..
            } => {
                assert_eq!(callback_url, &event().callback_url);
                assert_eq!(environment, "release");
                assert_eq!(*installation, Some(119_022_551));
                Some((*state, comment.clone()))
            }
            _ => None,
        })
        .collect()
}

fn slack(out: &Outcome) -> Vec<&Outbound> {
    out.outbound
        .iter()
        .filter(|o| !matches!(o, Outbound::GithubDeploymentReview { .. }))
        .collect()
}

#[test]
fn an_unlocked_environment_without_approval_is_approved_at_once() {
    for gates in [vec![], vec![gate("C0REL", false)]] {
        let out = on_protection_rule(
            &event(),
            None,
            &gates,
            &state(None, None, &[]),
            API,
            DEFAULT,
            NOW,
        );
        assert_eq!(
            reviews(&out),
            [(
                ReviewState::Approved,
                "Approved by Baton: release is not locked.".to_string()
            )]
        );
        assert!(slack(&out).is_empty(), "{:?}", out.outbound);
        let r = request_of(&out);
        assert_eq!(
            r.key,
            "release|zaniebot/release-authenticator-example|4189575565"
        );
        assert!(matches!(
            r.state,
            GateState::Decided {
                approved: true,
                by: Decider::NotLocked,
                ..
            }
        ));
    }
}

#[test]
fn a_locked_environment_waits_and_says_who_holds_it() {
    let lock = held("UALICE");
    let out = on_protection_rule(
        &event(),
        None,
        &[gate("C0REL", false), gate("C0OTHER", false)],
        &state(Some(&lock), None, &[]),
        API,
        DEFAULT,
        NOW,
    );
    assert!(reviews(&out).is_empty(), "nobody answers GitHub yet");
    let r = request_of(&out);
    assert_eq!(r.state, GateState::WaitingOnLock);
    assert_eq!(r.channels, ["C0REL", "C0OTHER"]);
    let posts = slack(&out);
    assert_eq!(posts.len(), 2);
    let Outbound::SlackPost {
        channel,
        text,
        blocks,
        key,
        ..
    } = posts[0]
    else {
        panic!()
    };
    assert_eq!(channel, "C0REL");
    assert_eq!(key.as_deref(), Some(r.message_key("C0REL").as_str()));
    assert!(
        text.contains("waits on the lock held by <@UALICE>"),
        "{text}"
    );
    let blocks = blocks.as_ref().unwrap().to_string();
    for part in [
        "freeze for the audit",
        "Approve anyway",
        "Reject",
        "deploys_gate_approve",
        "deploys_gate_reject",
        "47efb71",
        "zaniebot",
    ] {
        assert!(blocks.contains(part), "{part}: {blocks}");
    }

    // Nobody gates it: the notice goes where the lock was taken.
    let out = on_protection_rule(
        &event(),
        None,
        &[],
        &state(Some(&lock), None, &[]),
        API,
        DEFAULT,
        NOW,
    );
    assert_eq!(request_of(&out).channels, ["C0OPS"]);
}

#[test]
fn an_approval_gate_asks_and_a_redelivery_or_a_foreign_callback_does_nothing() {
    let out = on_protection_rule(
        &event(),
        None,
        &[gate("C0REL", true)],
        &state(None, None, &[]),
        API,
        DEFAULT,
        NOW,
    );
    let r = request_of(&out);
    assert_eq!(r.state, GateState::AwaitingApproval);
    assert!(r.approval);
    assert!(reviews(&out).is_empty());
    let Outbound::SlackPost { text, .. } = slack(&out)[0] else {
        panic!()
    };
    assert!(text.contains("needs approval"), "{text}");

    let again = on_protection_rule(
        &event(),
        Some(r),
        &[gate("C0REL", true)],
        &state(None, None, &[]),
        API,
        DEFAULT,
        NOW + 5,
    );
    assert_eq!(again, Outcome::none());

    let mut foreign = event();
    foreign.callback_url =
        "https://evil.example/repos/o/r/actions/runs/1/deployment_protection_rule".into();
    let out = on_protection_rule(
        &foreign,
        None,
        &[],
        &state(None, None, &[]),
        API,
        DEFAULT,
        NOW,
    );
    assert_eq!(out, Outcome::none());
}

fn waiting_request(approval: bool) -> GateRequest {
    let lock = held("UALICE");
    let gates = [gate("C0REL", approval)];
    let out = on_protection_rule(
        &event(),
        None,
        &gates,
        &state(Some(&lock), None, &[]),
        API,
        DEFAULT,
        NOW,
    );
    request_of(&out).clone()
}

#[test]
fn approve_anyway_is_for_the_lock_holder_or_an_admin() {
    let r = waiting_request(false);
    let lock = held("UALICE");
    let press = |user: &str, admins: &Admins, button| {
        on_button(
            button,
            Some(&r),
            Some(&lock),
            &Caller::new(user, "C0REL"),
            admins,
            NOW + 30,
        )
    };
    let refused = press("UBOB", &Admins::default(), GateButton::Approve);
    assert!(refused.changes.is_empty() && refused.outbound.is_empty());
    assert!(
        refused
            .reply_text()
            .contains("Only the lock holder (<@UALICE>)"),
        "{}",
        refused.reply_text()
    );
    let refused = press("UBOB", &admin(), GateButton::Reject);
    assert!(refused.changes.is_empty());

    let out = press("UALICE", &Admins::default(), GateButton::Approve);
    assert_eq!(
        reviews(&out),
        [(
            ReviewState::Approved,
            "Approved in Slack by UALICE while release was locked by UALICE (Baton).".to_string()
        )]
    );
    let decided = request_of(&out);
    assert!(
        matches!(&decided.state, GateState::Decided { approved: true, by: Decider::Person { user, over_lock: Some(h) }, .. } if user == "UALICE" && h == "UALICE")
    );
    let [Outbound::SlackUpdate {
        key, text, blocks, ..
    }] = slack(&out).as_slice()
    else {
        panic!("{:?}", out.outbound)
    };
    assert_eq!(key, &r.message_key("C0REL"));
    assert!(
        text.contains("approved by <@UALICE> while locked by <@UALICE>"),
        "{text}"
    );
    assert!(
        !blocks
            .as_ref()
            .unwrap()
            .to_string()
            .contains("deploys_gate"),
        "no buttons once decided"
    );

    let admin = press("UADMIN", &admin(), GateButton::Reject);
    assert_eq!(
        reviews(&admin),
        [(
            ReviewState::Rejected,
            "Rejected in Slack by UADMIN (Baton).".to_string()
        )]
    );

    // The first press decides: a second one changes nothing.
    let second = on_button(
        GateButton::Reject,
        Some(decided),
        Some(&lock),
        &Caller::new("UALICE", "C0REL"),
        &Admins::default(),
        NOW + 40,
    );
    assert!(second.changes.is_empty() && second.outbound.is_empty());
    assert!(
        second.reply_text().starts_with("Already decided"),
        "{}",
        second.reply_text()
    );
    // A press from another channel, or on a forgotten request, does nothing.
    let elsewhere = on_button(
        GateButton::Approve,
        Some(&r),
        Some(&lock),
        &Caller::new("UALICE", "C0ELSE"),
        &Admins::default(),
        NOW,
    );
    assert!(elsewhere.changes.is_empty());
    let gone = on_button(
        GateButton::Approve,
        None,
        None,
        &Caller::new("UALICE", "C0REL"),
        &Admins::default(),
        NOW,
    );
    assert!(gone.changes.is_empty() && gone.reply_text().contains("no longer knows"));
}

#[test]
fn an_approval_is_anyones_unless_admins_are_named() {
    let gates = [gate("C0REL", true)];
    let out = on_protection_rule(
        &event(),
        None,
        &gates,
        &state(None, None, &[]),
        API,
        DEFAULT,
        NOW,
    );
    let r = request_of(&out).clone();
    let anyone = on_button(
        GateButton::Approve,
        Some(&r),
        None,
        &Caller::new("UBOB", "C0REL"),
        &Admins::default(),
        NOW,
    );
    assert_eq!(
        reviews(&anyone),
        [(
            ReviewState::Approved,
            "Approved in Slack by UBOB (Baton).".to_string()
        )]
    );
    assert!(
        anyone.reply_text().contains("You approved"),
        "{}",
        anyone.reply_text()
    );
    let admins = admin();
    let refused = on_button(
        GateButton::Approve,
        Some(&r),
        None,
        &Caller::new("UBOB", "C0REL"),
        &admins,
        NOW,
    );
    assert!(refused.changes.is_empty());
    assert!(refused.reply_text().contains("Only Baton admins"));
    let admin = on_button(
        GateButton::Reject,
        Some(&r),
        None,
        &Caller::new("UADMIN", "C0REL"),
        &admins,
        NOW,
    );
    assert_eq!(reviews(&admin)[0].0, ReviewState::Rejected);
}

#[test]
fn waiting_deploys_are_approved_when_the_lock_goes_and_asked_when_a_gate_wants_it() {
    let plain = waiting_request(false);
    let mut asks = waiting_request(true);
    asks.key = format!("{}-2", asks.key);
    let lock = held("UALICE");
    let waiting = [plain.clone(), asks.clone()];
    let out = execute::unlock(
        &Caller::new("UBOB", "C0OPS"),
        &state(Some(&lock), None, &waiting),
        DEFAULT,
        NOW + 100,
    );
    assert_eq!(
        reviews(&out),
        [(
            ReviewState::Approved,
            "Approved by Baton: UBOB released the lock on release.".to_string()
        )]
    );
    let asked = out
        .changes
        .iter()
        .find_map(|c| match c {
            Change::PutGateRequest(r) if r.key == asks.key => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(asked.state, GateState::AwaitingApproval);
    let updates: Vec<&str> = out
        .outbound
        .iter()
        .filter_map(|o| match o {
            Outbound::SlackUpdate { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert!(
        updates[0].contains("<@UBOB> released the lock"),
        "{updates:?}"
    );
    assert!(updates[1].contains("needs approval"), "{updates:?}");

    // Expiry approves as well, naming the holder.
    let expired = expire(
        &state(Some(&lock), None, &waiting[..1]),
        DEFAULT,
        NOW + 3600,
    );
    assert_eq!(
        reviews(&expired),
        [(
            ReviewState::Approved,
            "Approved by Baton: UALICE's lock on release expired.".to_string()
        )]
    );
}

#[test]
fn a_lock_that_passes_on_keeps_the_deploy_waiting_with_the_new_holder() {
    let r = waiting_request(false);
    let lock = held("UALICE");
    let queue = LockQueue {
        environment: "release".into(),
        waiting: vec![QueuedLock {
            user: "UBOB".into(),
            channel: "C0OPS".into(),
            reason: Some("next deploy".into()),
            duration: None,
            asked_at: NOW,
        }],
    };
    let waiting = [r.clone()];
    let out = execute::unlock(
        &Caller::new("UALICE", "C0OPS"),
        &state(Some(&lock), Some(&queue), &waiting),
        DEFAULT,
        NOW + 100,
    );
    assert!(reviews(&out).is_empty(), "still locked (by Bob)");
    assert!(!out
        .changes
        .iter()
        .any(|c| matches!(c, Change::PutGateRequest(_))));
    let update = out
        .outbound
        .iter()
        .find_map(|o| match o {
            Outbound::SlackUpdate { key, text, .. } if *key == r.message_key("C0REL") => {
                Some(text.as_str())
            }
            _ => None,
        })
        .unwrap();
    assert!(update.contains("held by <@UBOB>"), "{update}");
}
