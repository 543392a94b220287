//! Tests of `deploys/decide.rs`.

use crate::deploys::hook::parse_hook;
use crate::deploys::tests::fixtures;
use crate::deploys::*;
use crate::outbound::Outbound;
use crate::text::parse_rfc3339;
use crate::UnixTime;

const NOW: UnixTime = 1_795_392_000;

fn channels() -> Vec<String> {
    vec!["C0DEPLOYS".to_string(), "C0PROD".to_string()]
}

fn status(state: &str) -> DeployUpdate {
    DeployUpdate::from_deployment_status(&fixtures::deployment_status(state)).unwrap()
}

fn text_of(o: &Outbound) -> &str {
    match o {
        Outbound::SlackPost { text, .. } | Outbound::SlackUpdate { text, .. } => text,
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_post_per_channel_then_updates_in_place() {
    let created = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
    let first = on_update(None, &created, &channels(), None, NOW);
    let record = first.record().unwrap();
    assert_eq!(record.status, DeployStatus::Pending);
    assert_eq!(record.channels, channels());
    assert_eq!(first.outbound.len(), 2);
    for (o, channel) in first.outbound.iter().zip(channels()) {
        let Outbound::SlackPost {
            key,
            thread_of,
            channel: c,
            blocks,
            text,
        } = o
        else {
            panic!("{o:?}")
        };
        assert_eq!(c, &channel);
        assert_eq!(
            key.as_deref(),
            Some(format!("deploy:gh-deploy:codertocat/hello-world:145988746:{channel}").as_str())
        );
        assert_eq!(thread_of, &None);
        assert!(blocks.is_some());
        assert!(text.starts_with("⏳"), "{text}");
        assert!(
            text.contains("production") && text.contains("f95f852"),
            "{text}"
        );
    }

    let running = on_update(
        Some(record),
        &status("in_progress"),
        &channels(),
        None,
        NOW + 5,
    );
    let record = running.record().unwrap();
    assert_eq!(record.status, DeployStatus::InProgress);
    assert!(running
        .outbound
        .iter()
        .all(|o| matches!(o, Outbound::SlackUpdate { .. })));
    assert!(text_of(&running.outbound[0]).starts_with("🚀"));

    let done = on_update(Some(record), &status("success"), &channels(), None, NOW + 9);
    let record = done.record().unwrap();
    assert_eq!(record.status, DeployStatus::Success);
    assert_eq!(record.started_at, parse_rfc3339("2019-05-15T15:20:53Z"));
    assert_eq!(record.finished_at, parse_rfc3339("2019-05-15T15:20:55Z"));
    assert_eq!(record.duration(), Some(2));
    assert_eq!(done.outbound.len(), 2);
    let Outbound::SlackUpdate { key, text, .. } = &done.outbound[1] else {
        panic!()
    };
    assert_eq!(
        key,
        "deploy:gh-deploy:codertocat/hello-world:145988746:C0PROD"
    );
    assert!(text.starts_with("✅") && text.contains("2s"), "{text}");
}

#[test]
fn a_channel_that_starts_watching_mid_deploy_gets_a_post() {
    let created = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
    let record = on_update(None, &created, &channels()[..1], None, NOW)
        .record()
        .cloned()
        .unwrap();
    let out = on_update(Some(&record), &status("queued"), &channels(), None, NOW);
    let kinds: Vec<_> = out
        .outbound
        .iter()
        .map(|o| matches!(o, Outbound::SlackPost { .. }))
        .collect();
    assert_eq!(kinds, vec![false, true]);
    assert_eq!(out.record().unwrap().channels, channels());
}

#[test]
fn late_in_progress_after_success_changes_nothing() {
    let done = on_update(None, &status("success"), &channels(), None, NOW)
        .record()
        .cloned()
        .unwrap();
    for late in [
        "in_progress",
        "queued",
        "pending",
        "failure",
        "error",
        "inactive",
        "success",
    ] {
        let out = on_update(Some(&done), &status(late), &channels(), None, NOW + 60);
        assert_eq!(out, Outcome::none(), "{late}");
    }
    let created = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
    assert_eq!(
        on_update(Some(&done), &created, &channels(), None, NOW),
        Outcome::none()
    );
}

#[test]
fn queued_after_in_progress_is_ignored_and_redelivery_is_silent() {
    let running = on_update(None, &status("in_progress"), &channels(), None, NOW)
        .record()
        .cloned()
        .unwrap();
    assert_eq!(
        on_update(
            Some(&running),
            &status("queued"),
            &channels(),
            None,
            NOW + 1
        ),
        Outcome::none()
    );
    assert_eq!(
        on_update(
            Some(&running),
            &status("in_progress"),
            &channels(),
            None,
            NOW + 1
        ),
        Outcome::none()
    );
}

#[test]
fn an_unknown_deploy_turning_inactive_is_not_news() {
    assert_eq!(
        on_update(None, &status("inactive"), &channels(), None, NOW),
        Outcome::none()
    );
    let running = on_update(None, &status("in_progress"), &channels(), None, NOW)
        .record()
        .cloned()
        .unwrap();
    let out = on_update(Some(&running), &status("inactive"), &channels(), None, NOW);
    assert_eq!(out.record().unwrap().status, DeployStatus::Inactive);
    assert!(text_of(&out.outbound[0]).starts_with("💤"));
}

proptest::proptest! {
    /// Over any order of statuses: the rank never drops, the first
    /// terminal status is final, and each channel gets exactly one post.
    #[test]
    fn status_never_moves_backwards(states in proptest::collection::vec(0usize..7, 1..12)) {
        const STATES: [&str; 7] =
            ["pending", "queued", "in_progress", "success", "failure", "error", "inactive"];
        let mut record: Option<DeployRecord> = None;
        let mut first_terminal: Option<DeployStatus> = None;
        let mut posts = 0;
        for (i, s) in states.iter().enumerate() {
            let u = status(STATES[*s]);
            let out = on_update(record.as_ref(), &u, &channels(), None, NOW + i as i64);
            posts += out.outbound.iter().filter(|o| matches!(o, Outbound::SlackPost { thread_of: None, .. })).count();
            if let Some(new) = out.record().cloned() {
                if let Some(old) = &record {
                    proptest::prop_assert!(new.status.rank() >= old.status.rank());
                    proptest::prop_assert!(!old.status.is_terminal());
                }
                if new.status.is_terminal() && first_terminal.is_none() {
                    first_terminal = Some(new.status);
                }
                record = Some(new);
            }
        }
        if let (Some(r), Some(t)) = (&record, first_terminal) {
            proptest::prop_assert_eq!(r.status, t);
        }
        proptest::prop_assert_eq!(posts, if record.is_some() { channels().len() } else { 0 });
    }
}

#[test]
fn nobody_watching_stores_nothing() {
    assert_eq!(
        on_update(None, &status("success"), &[], None, NOW),
        Outcome::none()
    );
}

fn failed_hook(log_tail: Option<String>) -> DeployUpdate {
    let mut body = serde_json::json!({
        "service": "checkout-api", "environment": "staging", "version": "v2.14.1",
        "status": "failed", "url": "https://ci.example.com/builds/8812", "deploy_id": "8812"
    });
    if let Some(t) = log_tail {
        body["log_tail"] = t.into();
    }
    DeployUpdate::from_hook(&parse_hook(&serde_json::to_vec(&body).unwrap()).unwrap())
}

#[test]
fn failure_replies_in_the_thread_with_the_cut_log_tail() {
    let started = {
        let mut u = failed_hook(None);
        u.status = DeployStatus::InProgress;
        u
    };
    let record = on_update(None, &started, &channels()[..1], None, NOW)
        .record()
        .cloned()
        .unwrap();
    assert_eq!(record.key, "hook:checkout-api:staging:8812");
    let log: String = (1..=400)
        .map(|i| format!("[{i:03}] npm ERR! peer <react@^18>\n"))
        .collect();
    let out = on_update(
        Some(&record),
        &failed_hook(Some(log.clone())),
        &channels()[..1],
        None,
        NOW + 95,
    );
    assert_eq!(out.outbound.len(), 2);
    assert!(text_of(&out.outbound[0]).starts_with("❌"));
    assert!(
        text_of(&out.outbound[0]).contains("1m 35s"),
        "{}",
        text_of(&out.outbound[0])
    );
    let Outbound::SlackPost {
        thread_of,
        key,
        blocks,
        ..
    } = &out.outbound[1]
    else {
        panic!()
    };
    assert_eq!(
        thread_of.as_deref(),
        Some("deploy:hook:checkout-api:staging:8812:C0DEPLOYS")
    );
    assert_eq!(
        key.as_deref(),
        Some("deploy:hook:checkout-api:staging:8812:C0DEPLOYS:log")
    );
    let blocks = blocks.as_ref().unwrap().as_array().unwrap();
    let code = blocks
        .iter()
        .find_map(|b| b["text"]["text"].as_str().filter(|t| t.starts_with("```")))
        .unwrap();
    assert!(code.chars().count() <= 3000);
    assert!(code.lines().count() <= 52, "{}", code.lines().count());
    assert!(code.contains("[400] npm ERR!"), "the last line is kept");
    assert!(code.contains("&lt;react@^18&gt;"), "log text is escaped");
    let note = serde_json::to_string(blocks).unwrap();
    assert!(note.contains("earlier characters cut"), "{note}");
    // 400 lines of 32 characters (newline included): the last 50 are kept.
    assert!(note.contains("… 11,200 earlier characters cut"), "{note}");
    // A failure seen again (redelivery) does not reply twice.
    let failed = out.record().unwrap();
    assert_eq!(
        on_update(
            Some(failed),
            &failed_hook(Some(log)),
            &channels()[..1],
            None,
            NOW + 99
        ),
        Outcome::none()
    );
}

#[test]
fn failure_without_a_log_tail_links_the_logs() {
    let out = on_update(None, &failed_hook(None), &channels()[..1], None, NOW);
    let reply = text_of(&out.outbound[1]);
    assert!(
        reply.contains("https://ci.example.com/builds/8812"),
        "{reply}"
    );
    // No tail and no link: no thread reply.
    let mut bare = failed_hook(None);
    bare.log_url = None;
    assert_eq!(
        on_update(None, &bare, &channels()[..1], None, NOW)
            .outbound
            .len(),
        1
    );
}

fn prod_lock(env: &str) -> Lock {
    Lock {
        environment: env.into(),
        by: "U024BE7LH".into(),
        reason: Some("database migration".into()),
        since: NOW - 600,
        expires_at: NOW + 3600,
        channel: "C0DEPLOYS".into(),
    }
}

#[test]
fn a_production_deploy_through_a_lock_is_flagged() {
    let lock = prod_lock("Production");
    let out = on_update(None, &status("success"), &channels(), Some(&lock), NOW);
    let record = out.record().unwrap();
    assert_eq!(
        record.locked,
        Some(LockedDeploy {
            by: "U024BE7LH".into(),
            reason: Some("database migration".into())
        })
    );
    let text = text_of(&out.outbound[0]);
    assert!(
        text.contains("⚠️ deployed while locked by <@U024BE7LH>: database migration"),
        "{text}"
    );
    let blocks = serde_json::to_string(&out.outbound[0]).unwrap();
    assert!(
        blocks.contains("deployed while locked by <@U024BE7LH>"),
        "{blocks}"
    );

    // Expired lock, a failed deploy, or another lock's environment: no flag.
    let expired = on_update(
        None,
        &status("success"),
        &channels(),
        Some(&lock),
        NOW + 3600,
    );
    assert_eq!(expired.record().unwrap().locked, None);
    let failed = on_update(None, &status("failure"), &channels(), Some(&lock), NOW);
    assert_eq!(failed.record().unwrap().locked, None);
    let other = on_update(
        None,
        &status("success"),
        &channels(),
        Some(&prod_lock("staging")),
        NOW,
    );
    assert_eq!(other.record().unwrap().locked, None);
}

#[test]
fn a_staging_deploy_through_a_staging_lock_is_not_flagged() {
    let mut u = status("success");
    u.environment = Some("staging".into());
    let out = on_update(None, &u, &channels(), Some(&prod_lock("staging")), NOW);
    assert_eq!(out.record().unwrap().locked, None);
}

#[test]
fn record_round_trips_as_json() {
    let record = on_update(None, &status("success"), &channels(), None, NOW)
        .record()
        .cloned()
        .unwrap();
    let json = serde_json::to_string(&record).unwrap();
    assert_eq!(serde_json::from_str::<DeployRecord>(&json).unwrap(), record);
}

/// Failures-only channels (`deploys watch … only=failures`): the failure,
/// then "fixed by" in its thread at the next success.
mod failures_only {
    use crate::deploys::hook::parse_hook;
    use crate::deploys::*;
    use crate::outbound::Outbound;
    use crate::UnixTime;

    const NOW: UnixTime = 1_795_392_000;

    fn hook(version: &str, status: &str) -> DeployUpdate {
        let body = format!(
            r#"{{"service":"checkout-api","environment":"production","version":"{version}","status":"{status}","deploy_id":"{version}"}}"#
        );
        DeployUpdate::from_hook(&parse_hook(body.as_bytes()).unwrap())
    }

    fn channels() -> Vec<String> {
        vec!["C0ALL".into(), "C0FAIL".into()]
    }

    fn quiet() -> Vec<String> {
        vec!["C0FAIL".into()]
    }

    fn posted_to(out: &Outcome) -> Vec<&str> {
        out.outbound
            .iter()
            .filter_map(|o| match o {
                Outbound::SlackPost {
                    channel,
                    thread_of: None,
                    ..
                } => Some(channel.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_failures_only_channel_hears_the_failure_and_then_the_fix() {
        // v1 starts and fails: the quiet channel hears only the failure.
        let started = on_update_with(
            None,
            &hook("v1", "started"),
            &channels(),
            &quiet(),
            None,
            NOW,
        );
        assert_eq!(posted_to(&started), ["C0ALL"]);
        let record = started.record().unwrap().clone();
        assert_eq!(record.channels, ["C0ALL"]);
        let failed = on_update_with(
            Some(&record),
            &hook("v1", "failed"),
            &channels(),
            &quiet(),
            None,
            NOW + 60,
        );
        assert_eq!(posted_to(&failed), ["C0FAIL"]);
        let failed_record = failed.record().unwrap().clone();
        assert_eq!(failed_record.channels, ["C0ALL", "C0FAIL"]);
        let marked = after_update(Some(&record), &failed_record, &quiet(), &[], NOW + 60);
        let [Change::PutFailureMark(mark)] = marked.changes.as_slice() else {
            panic!("{:?}", marked.changes)
        };
        assert_eq!(mark.key(), "C0FAIL|checkout-api|production");
        assert_eq!(mark.record_key, "hook:checkout-api:production:v1");
        assert_eq!(mark_keys(&failed_record, &quiet()), [mark.key()]);

        // v2 succeeds: no message of its own there, a fix in the thread.
        let ok = on_update_with(
            None,
            &hook("v2", "succeeded"),
            &channels(),
            &quiet(),
            None,
            NOW + 600,
        );
        assert_eq!(posted_to(&ok), ["C0ALL"]);
        let ok_record = ok.record().unwrap().clone();
        let fixed = after_update(
            None,
            &ok_record,
            &quiet(),
            std::slice::from_ref(mark),
            NOW + 600,
        );
        let [Outbound::SlackPost {
            channel,
            text,
            thread_of,
            key,
            ..
        }] = fixed.outbound.as_slice()
        else {
            panic!("{:?}", fixed.outbound)
        };
        assert_eq!(channel, "C0FAIL");
        assert_eq!(
            thread_of.as_deref(),
            Some("deploy:hook:checkout-api:production:v1:C0FAIL")
        );
        assert_eq!(
            key.as_deref(),
            Some("deploy:hook:checkout-api:production:v1:C0FAIL:fixed")
        );
        assert!(
            text.starts_with(
                "✅ Fixed by `v2`: the next deploy of checkout-api to production succeeded"
            ),
            "{text}"
        );
        assert_eq!(
            fixed.changes,
            vec![Change::RemoveFailureMark {
                key: "C0FAIL|checkout-api|production".into()
            }]
        );
        // Without a mark (nothing failed), a success says nothing.
        assert_eq!(
            after_update(None, &ok_record, &quiet(), &[], NOW),
            Outcome::none()
        );
        // A redelivered success (already terminal before) says nothing.
        assert_eq!(
            after_update(
                Some(&ok_record),
                &ok_record,
                &quiet(),
                std::slice::from_ref(mark),
                NOW
            ),
            Outcome::none()
        );
    }
}

/// A lock's timer: on expiry the lock passes to the first in its queue
/// (announced where it was taken and where the environment is watched) or
/// goes quietly.
mod lock_timer {
    use crate::deploys::*;

    use crate::deploys::tests::locks::*;

    #[test]
    fn expiry_passes_the_lock_on_and_announces_where_it_was_taken() {
        let lock = held();
        let q = queue(vec![queued("UBOB", None, Some("next release"))]);
        let ws = watches();
        let s = state(Some(&lock), Some(&q), &ws);
        assert_eq!(expire(&s, DEFAULT, NOW + 3599), Outcome::none(), "not yet");
        let at = NOW + 3600 + 7;
        let out = expire(&s, DEFAULT, at);
        let Change::PutLock(new) = &out.changes[0] else {
            panic!("{:?}", out.changes)
        };
        assert_eq!((new.by.as_str(), new.since), ("UBOB", at));
        assert_eq!(new.expires_at, at + DEFAULT);
        let posts = posts(&out);
        assert_eq!(posts[0].0, "UBOB");
        assert_eq!(
            posts[1..]
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>(),
            ["C0OPS", "C0PROD"]
        );
        assert!(
            posts[1].1.starts_with(
                "⌛ <@UALICE>'s lock on `production` expired; 🔒 it passes to <@UBOB>"
            ),
            "{}",
            posts[1].1
        );
        assert!(out.reply.is_none());
    }

    #[test]
    fn an_expired_lock_with_nobody_waiting_goes_quietly() {
        let lock = held();
        let out = expire(&state(Some(&lock), None, &watches()), DEFAULT, NOW + 3600);
        assert_eq!(
            out.changes,
            vec![Change::RemoveLock {
                key: "production".into()
            }]
        );
        assert!(out.outbound.is_empty());
    }
}

/// The gate's decisions, over the real protection rule payload.
mod gate_requests;
