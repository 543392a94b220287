//! Tests of `errors/decide.rs`.

use super::*;
use crate::errors::decide::*;
use crate::errors::records::Mute;
use crate::errors::report::Level;
use crate::errors::*;
use crate::outbound::Outbound;
use crate::{Caller, UnixTime};

use serde_json::{json, Value};

const NOW: UnixTime = 1_795_392_000;

/// The answer as its sender reads it.
fn answer_json(out: &ReportOutcome) -> Value {
    serde_json::to_value(&out.reply).unwrap()
}

fn routed(channels: &[&str]) -> Route {
    Route {
        fingerprint: "85944171f73967e8".into(),
        deliveries: channels
            .iter()
            .map(|c| Delivery {
                channel: c.to_string(),
                mode: Mode::Stream,
                trigger: None,
            })
            .collect(),
    }
}

#[test]
fn a_report_answer_names_fingerprint_channels_mute_and_posts() {
    let nowhere = routed(&[]);
    let report = ErrorReport::new("api", "production", Level::Error, "boom");
    assert_eq!(
        answer_json(&on_report(
            &report,
            &nowhere,
            &Snapshot::default(),
            &Policy::default(),
            NOW
        )),
        json!({"ok": true, "fingerprint": "85944171f73967e8", "channels": []})
    );

    let route = routed(&["C1", "C2"]);
    let snapshot = Snapshot::default();
    let out = on_report(&report, &route, &snapshot, &Policy::default(), NOW);
    assert_eq!(
        answer_json(&out),
        json!({
            "ok": true,
            "fingerprint": "85944171f73967e8",
            "channels": ["C1", "C2"],
            "muted": false,
            "posted": 2,
        })
    );

    let mute = |until| Mute {
        fingerprint: "85944171f73967e8".into(),
        until,
        by: "U1".into(),
        at: NOW - 10,
        muted_count: 0,
    };
    for (mutes, muted) in [(vec![mute(None)], true), (vec![mute(Some(NOW))], false)] {
        let snapshot = Snapshot {
            mutes: &mutes,
            ..Snapshot::default()
        };
        let out = on_report(&report, &route, &snapshot, &Policy::default(), NOW);
        let answer = answer_json(&out);
        assert_eq!(answer["muted"], json!(muted), "{answer}");
        assert_eq!(
            answer["posted"],
            json!(if muted { 0 } else { 2 }),
            "{answer}"
        );
    }
}

#[test]
fn a_burst_of_identical_reports_posts_once_and_digests_once() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let compiled = CompiledSubscriptions::new(&store.subs());
    let report = err("api", "user 42 not found");
    let fp = fingerprint(&report);
    let mut posted = Vec::new();
    for i in 0..1000 {
        let report = err("api", &format!("user {i} not found"));
        let out = store.report_with(&compiled, &report, T0 + 10 + i / 10);
        posted.extend(out.outbound);
    }
    assert_eq!(posted.len(), 1, "exactly one post");
    let Outbound::SlackPost { key, blocks, .. } = &posted[0] else {
        panic!("{posted:?}")
    };
    assert_eq!(key.as_deref(), Some(&*format!("error:{fp}:C1:{}", T0 + 10)));
    let blocks = blocks.as_ref().unwrap().to_string();
    assert!(blocks.contains("errors_mute") && blocks.contains("errors_resolve"));
    assert!(blocks.contains(&fp));

    // Nothing happens before the window ends…
    assert!(store.tick(T0 + 10 + 599).outbound.is_empty());
    // …then one update with the count.
    let out = store.tick(T0 + 10 + 600);
    let ups = updates(&out);
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].0, format!("error:{fp}:C1:{}", T0 + 10));
    assert!(
        ups[0]
            .1
            .contains("seen 1000 times in 10m, last at 00:01 UTC"),
        "{}",
        ups[0].1
    );
    let fallback = out
        .outbound
        .iter()
        .find_map(|o| match o {
            Outbound::SlackUpdate { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .unwrap();
    assert!(
        fallback.contains("seen 1000 times"),
        "the plain-text fallback carries the count too: {fallback}"
    );
    assert!(store.groups.is_empty(), "the window is gone");
    assert!(store.tick(T0 + 2000).outbound.is_empty(), "and never again");
    // The next report starts a new window with a new post.
    let out = store.report(&report, T0 + 2000);
    assert_eq!(posts(&out).len(), 1);
}

#[test]
fn a_single_report_gets_no_update() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    store.report(&err("api", "boom"), T0);
    let out = store.tick(T0 + 600);
    assert!(out.outbound.is_empty());
    assert!(store.groups.is_empty());
}

#[test]
fn a_late_tick_after_restart_still_updates_and_does_not_repost() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    store.report(&err("api", "boom"), T0);
    store.report(&err("api", "boom"), T0 + 1);
    // The process is down for an hour; the records are all in the store.
    // A report arriving before the first tick closes the old window itself.
    let out = store.report(&err("api", "boom"), T0 + 3600);
    assert_eq!(updates(&out).len(), 1, "old window's count");
    assert_eq!(posts(&out).len(), 1, "new window's post");
    assert!(updates(&out)[0].1.contains("seen 2 times"));
}

#[test]
fn a_channel_with_two_matching_subscriptions_gets_a_report_once() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    store.run("errors subscribe service=api", "C1", T0);
    store.run("errors subscribe service=api digest=1h", "C1", T0);
    store.run("errors subscribe service=api", "C2", T0);
    let out = store.report(&err("api", "boom"), T0);
    let channels: Vec<&str> = posts(&out).iter().map(|p| p.0).collect();
    assert_eq!(channels, ["C1", "C2"]);
}

#[test]
fn each_filter_routes() {
    let mut store = Store::default();
    store.run("errors subscribe service=api", "Csvc", T0);
    store.run("errors subscribe env=staging", "Cenv", T0);
    store.run("errors subscribe level=warning", "Cwarn", T0);
    store.run("errors subscribe level=fatal", "Cfatal", T0);
    store.run("errors subscribe match=time.?out", "Cmatch", T0);
    store.run("errors subscribe digest=1h", "Cdigest", T0);
    let compiled = CompiledSubscriptions::new(&store.subs());
    let channels = |r: &ErrorReport| -> Vec<String> {
        compiled
            .route(r)
            .deliveries
            .into_iter()
            .map(|d| d.channel)
            .collect()
    };
    assert_eq!(channels(&err("api", "boom")), ["Cdigest", "Csvc", "Cwarn"]);
    assert_eq!(
        channels(&ErrorReport::new("web", "staging", Level::Error, "x")),
        ["Cdigest", "Cenv", "Cwarn"]
    );
    assert_eq!(
        channels(&ErrorReport::new("web", "production", Level::Warning, "x")),
        ["Cwarn"]
    );
    assert_eq!(
        channels(&ErrorReport::new("web", "production", Level::Fatal, "x")),
        ["Cdigest", "Cfatal", "Cwarn"]
    );
    assert_eq!(
        channels(&err("web", "Read TIMEOUT on socket")),
        ["Cdigest", "Cmatch", "Cwarn"]
    );
    assert!(channels(&ErrorReport::new("api", "production", Level::Info, "x")).is_empty());
    let route = compiled.route(&err("web", "x"));
    assert_eq!(route.deliveries[0].mode, Mode::Digest { period: 3600 });
    assert_eq!(route.rate_keys(), ["Cwarn"], "digests are not rate-limited");
}

#[test]
fn digest_subscriptions_post_one_line_per_fingerprint_per_period() {
    let mut store = Store::default();
    store.run("errors subscribe digest=1h", "C1", T0);
    for i in 0..37 {
        let out = store.report(&err("api", &format!("user {i} not found")), T0 + 60 + i);
        assert!(out.outbound.is_empty(), "no stream");
    }
    store.report(&err("web", "disk full"), T0 + 120);
    assert!(store.tick(T0 + 3599).outbound.is_empty());
    let out = store.tick(T0 + 3600);
    let p = posts(&out);
    assert_eq!(p.len(), 1, "one post for the channel: {p:?}");
    assert_eq!(p[0].0, "C1");
    assert!(p[0].1.contains("2 errors, 38 reports"), "{}", p[0].1);
    let text = all_text(&out);
    assert!(text.contains("*37×* in 1h"), "{text}");
    assert!(text.contains("*1×* in 1h"), "{text}");
    assert!(
        text.find("user").unwrap() < text.find("disk full").unwrap(),
        "most frequent first"
    );
    assert!(store.groups.is_empty());
}

#[test]
fn a_digest_window_rolled_over_by_a_report_is_posted_with_the_others() {
    let mut store = Store::default();
    store.run("errors subscribe digest=1h", "C1", T0);
    store.report(&err("api", "a"), T0 + 10);
    store.report(&err("api", "b"), T0 + 10);
    // A report of `a` in the next hour, before the tick ran.
    let out = store.report(&err("api", "a"), T0 + 3605);
    assert!(out.outbound.is_empty());
    let out = store.tick(T0 + 3610);
    let p = posts(&out);
    assert_eq!(p.len(), 1);
    assert!(p[0].1.contains("2 errors, 2 reports"), "{}", p[0].1);
    // The new hour's window of `a` survives, cleared of the old line.
    assert_eq!(store.groups.len(), 1);
    let g = store.groups.values().next().unwrap();
    assert!(g.closed.is_none());
    assert_eq!((g.window_start, g.count), (T0 + 3600, 1));
}

#[test]
fn muted_fingerprints_are_counted_not_posted_until_the_mute_ends() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    let out = store.run(&format!("errors mute {fp} for 1h"), "C1", T0);
    assert!(out.reply.unwrap().contains("for 1h"));
    for i in 0..5 {
        assert!(store.report(&report, T0 + i).outbound.is_empty());
    }
    assert_eq!(store.mutes[&fp].muted_count, 5);
    assert!(
        store.groups.is_empty(),
        "muted reports are not counted into digests"
    );
    // After the hour it is posted again and the mute is dropped.
    let out = store.report(&report, T0 + 3600);
    assert_eq!(posts(&out).len(), 1);
    assert!(store.mutes.is_empty());
}

#[test]
fn expired_mutes_are_dropped_by_the_tick() {
    let mut store = Store::default();
    let fp = "0123456789abcdef";
    store.run(&format!("errors mute {fp} for 30m"), "C1", T0);
    assert!(store.tick(T0 + 1799).changes.is_empty());
    store.tick(T0 + 1800);
    assert!(store.mutes.is_empty());
}

#[test]
fn resolved_fingerprints_come_back_as_regressions() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    store.report(&report, T0);
    store.report(&report, T0 + 5);
    let out = store.press(ACTION_RESOLVE, &fp, "C1", T0 + 10);
    assert!(out.reply.unwrap().contains("Resolved"));
    // Answered in the thread of the error's message.
    assert!(matches!(
        &out.outbound[0],
        Outbound::SlackPost { thread_of: Some(k), .. } if k.starts_with("error:")
    ));
    assert!(store.resolved.contains_key(&fp));
    // It happens again inside the same window: posted at once, as a regression.
    let out = store.report(&report, T0 + 60);
    let p = posts(&out);
    assert_eq!(p.len(), 1);
    assert!(p[0].1.starts_with("🔁 Regression: "), "{}", p[0].1);
    assert_eq!(updates(&out).len(), 1, "the old window got its count");
    assert!(store.resolved.is_empty(), "no longer resolved");
    // And after that it is an ordinary repeat again.
    assert!(store.report(&report, T0 + 61).outbound.is_empty());
}

fn in_release(release: &str) -> ErrorReport {
    let mut report = err("api", "boom");
    report.tags.insert("release".into(), release.into());
    report
}

#[test]
fn resolved_until_the_next_release_is_quiet_in_its_release_and_a_regression_in_the_next() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let fp = fingerprint(&in_release("shop@1.4.2"));
    // A fingerprint never seen, or seen without a release: nothing changes.
    let out = store.run("errors resolve 0123456789abcdef next-release", "C1", T0);
    assert!(out.changes.is_empty() && out.outbound.is_empty());
    assert!(out
        .reply_text()
        .contains("has seen no error with fingerprint"));
    store.report(&err("api", "boom"), T0 + 1);
    assert_eq!(store.seen[&fp].release, None);
    let out = store.run(&format!("errors resolve {fp} next-release"), "C1", T0 + 2);
    assert!(out.changes.is_empty(), "{:?}", out.changes);
    assert!(out.reply_text().contains("last seen without a release"));

    assert!(!posts(&store.report(&in_release("shop@1.4.2"), T0 + 700)).is_empty());
    assert_eq!(store.seen[&fp].release.as_deref(), Some("shop@1.4.2"));
    let out = store.run(&format!("errors resolve {fp} next-release"), "C1", T0 + 710);
    assert!(
        out.reply_text()
            .contains("reports from `shop@1.4.2` stay quiet"),
        "{}",
        out.reply_text()
    );
    assert_eq!(store.resolved[&fp].release.as_deref(), Some("shop@1.4.2"));

    // The same release, even after the window: quiet, and still resolved.
    for at in [T0 + 720, T0 + 5_000] {
        let out = store.report(&in_release("shop@1.4.2"), at);
        assert!(out.outbound.is_empty(), "{:?}", out.outbound);
    }
    assert!(store.resolved.contains_key(&fp));
    // The next release: a regression, posted as such, no longer resolved.
    let out = store.report(&in_release("shop@1.5.0"), T0 + 6_000);
    let p = posts(&out);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].1.starts_with("🔁 Regression in `shop@1.5.0`: "),
        "{}",
        p[0].1
    );
    assert!(store.resolved.is_empty());
    assert_eq!(store.seen[&fp].release.as_deref(), Some("shop@1.5.0"));
}

#[test]
fn a_regression_in_the_same_second_gets_a_message_of_its_own() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    let key_of = |out: &ReportOutcome| match &out.outbound[0] {
        Outbound::SlackPost { key: Some(k), .. } => k.clone(),
        other => panic!("{other:?}"),
    };
    let first = key_of(&store.report(&report, T0));
    let mut keys = vec![first];
    for _ in 0..2 {
        store.press(ACTION_RESOLVE, &fp, "C1", T0);
        let out = store.report(&report, T0);
        let post = out
            .outbound
            .iter()
            .find(|o| matches!(o, Outbound::SlackPost { .. }))
            .expect("a regression post");
        let Outbound::SlackPost { key: Some(k), .. } = post else {
            panic!("{post:?}");
        };
        keys.push(k.clone());
    }
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        3,
        "a reused key would update the old message: {keys:?}"
    );
}

#[test]
fn resolve_command_and_regression_in_a_digest() {
    let mut store = Store::default();
    store.run("errors subscribe digest=1h", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    store.run(&format!("errors resolve {fp}"), "C1", T0);
    store.report(&report, T0 + 1);
    let out = store.tick(T0 + 3600);
    assert!(all_text(&out).contains("🔁"), "{}", all_text(&out));
}

#[test]
fn the_mute_button_mutes_for_an_hour() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    store.report(&report, T0);
    let out = store.press(ACTION_MUTE, &fp, "C1", T0 + 1);
    assert!(out.reply.unwrap().contains("for 1h"));
    assert_eq!(store.mutes[&fp].until, Some(T0 + 1 + 3600));
    // A press of a button that is not this feature's never reaches it.
    assert!(Button::from_action_id("other").is_none());
    let bad = on_button(
        ErrorButton::Mute,
        "nope",
        &Caller::new("U", "C1"),
        &Snapshot::default(),
        &Policy::default(),
        T0,
    );
    assert!(bad.changes.is_empty());
}

#[test]
fn the_channel_cap_holds_reports_and_summarises_them() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    store.run("errors subscribe", "C2", T0);
    let mut posted = 0;
    for i in 0..25 {
        // Distinct errors: each would be a first post.
        let out = store.report(
            &err("api", &format!("failure kind {}", "x".repeat(i + 1))),
            T0 + 1,
        );
        posted += posts(&out).iter().filter(|p| p.0 == "C1").count();
    }
    for _ in 0..32 {
        store.report(&err("api", "the same flood"), T0 + 2);
    }
    assert_eq!(posted, 20, "the cap");
    assert_eq!(store.rates["C1"].held, 5 + 32);
    assert!(
        store.tick(T0 + 60).outbound.is_empty(),
        "the minute is not over"
    );
    let out = store.tick(T0 + 61);
    let p = posts(&out);
    assert_eq!(p.len(), 2, "one summary per channel: {p:?}");
    assert!(
        p[0].1
            .starts_with(":hourglass: held 37 more error reports in the last minute"),
        "{}",
        p[0].1
    );
    assert!(p[0].1.contains("top fingerprints"));
    let flood = fingerprint(&err("api", "the same flood"));
    assert!(
        p[0].1.contains(&format!("`{flood}` the same flood ×32")),
        "{}",
        p[0].1
    );
    assert!(store.rates.is_empty());
    // The next minute posts again.
    assert_eq!(
        posts(&store.report(&err("api", "the same flood"), T0 + 62)).len(),
        2
    );
}

#[test]
fn over_long_messages_and_stacks_are_cut_to_slack_limits() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let mut report = err("api", &"x".repeat(20_000));
    report.exception = Some(Exception {
        kind: "E".into(),
        value: "v".repeat(5_000),
    });
    report.stack = Stack::Text(
        (0..200)
            .map(|i| format!("line {i} {}\n", "y".repeat(500)))
            .collect(),
    );
    let out = store.report(&report, T0);
    let Outbound::SlackPost { text, blocks, .. } = &out.outbound[0] else {
        panic!()
    };
    assert!(text.chars().count() <= 3_000);
    let blocks = blocks.as_ref().unwrap().as_array().unwrap();
    for b in blocks {
        if let Some(t) = b["text"]["text"].as_str() {
            assert!(t.chars().count() <= 3_000);
        }
    }
    let all = serde_json::to_string(blocks).unwrap();
    assert!(all.contains("characters cut"), "says so");
    assert!(all.contains("more frames"));
}

#[test]
fn sentry_payload_end_to_end() {
    let mut store = Store::default();
    store.run("errors subscribe service=front-end env=prod", "C1", T0);
    let report = parse_report(include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/sentry/event_alert.edited.json"
    )))
    .unwrap();
    let out = store.report(&report, T0);
    let all = all_text(&out);
    assert!(all.contains("ReferenceError: heck is not defined"), "{all}");
    assert!(all.contains("renderCart (/static/js/cart.js:42)"), "{all}");
    assert!(all.contains("|open>"));
}

#[test]
fn a_compiled_cache_knows_when_it_is_stale() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let compiled = CompiledSubscriptions::new(&store.subs());
    assert!(compiled.is_built_from(&store.subs()));
    store.run("errors subscribe service=x", "C1", T0);
    assert!(!compiled.is_built_from(&store.subs()));
}

/// Subscriptions with `when=N/duration`: a report is posted once seen N
/// times within the window, and a plain subscription in the same channel
/// posts at once.
mod triggers {
    use crate::errors::decide::*;
    use crate::errors::report::{ErrorReport, Level};
    use crate::errors::*;
    use crate::outbound::Outbound;
    use crate::UnixTime;

    const NOW: UnixTime = 1_795_392_000;
    const FIVE_IN_TEN: Trigger = Trigger {
        count: 5,
        window_secs: 600,
    };

    #[test]
    fn a_report_is_posted_at_the_fifth_sighting_with_its_count() {
        let route = Route {
            fingerprint: "85944171f73967e8".into(),
            deliveries: vec![Delivery {
                channel: "C1".into(),
                mode: Mode::Stream,
                trigger: Some(FIVE_IN_TEN),
            }],
        };
        let report = ErrorReport::new("api", "production", Level::Error, "boom");
        let mut groups: Vec<Group> = Vec::new();
        for i in 0..5 {
            let snapshot = Snapshot {
                groups: &groups,
                ..Snapshot::default()
            };
            let out = on_report(&report, &route, &snapshot, &Policy::default(), NOW + i * 60);
            let stored: Vec<Group> = out
                .puts()
                .filter_map(|r| match r {
                    Record::Group(g) => Some((**g).clone()),
                    _ => None,
                })
                .collect();
            if i < 4 {
                assert!(out.outbound.is_empty(), "sighting {}", i + 1);
                assert_eq!(stored[0].sightings.len(), i as usize + 1);
            } else {
                let [Outbound::SlackPost { text, .. }] = out.outbound.as_slice() else {
                    panic!("{:?}", out.outbound)
                };
                assert!(text.contains("seen 5 times in 10m"), "{text}");
                assert_eq!(stored[0].count, 5);
                assert!(stored[0].message_key.is_some() && stored[0].sightings.is_empty());
            }
            groups = stored;
        }
        // The sixth is grouped as usual.
        let snapshot = Snapshot {
            groups: &groups,
            ..Snapshot::default()
        };
        let sixth = on_report(&report, &route, &snapshot, &Policy::default(), NOW + 400);
        assert!(sixth.outbound.is_empty());
    }

    #[test]
    fn a_plain_subscription_in_the_same_channel_posts_at_once() {
        let sub = |id: &str, trigger| Subscription {
            id: id.into(),
            channel: "C1".into(),
            filters: SubscriptionFilters::default(),
            digest: None,
            created_by: "U1".into(),
            created_at: NOW,
            trigger,
        };
        let report = ErrorReport::new("api", "production", Level::Error, "boom");
        let only = route(&report, &[sub("a", Some(FIVE_IN_TEN))]);
        assert_eq!(only.deliveries[0].trigger, Some(FIVE_IN_TEN));
        let both = route(&report, &[sub("a", Some(FIVE_IN_TEN)), sub("b", None)]);
        assert_eq!(both.deliveries[0].trigger, None);
    }
}
