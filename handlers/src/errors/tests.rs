//! End-to-end tests of the errors feature's decisions, against an in-memory
//! store that applies each [`Outcome`] the way the binary applies it to redb
//! (every record goes through JSON, as it would through the database).

use crate::buttons::{Button, ErrorButton};
use crate::Caller;
use std::collections::BTreeMap;

use super::*;
use crate::command::{parse, Command as Top};
use crate::outbound::Outbound;
use crate::UnixTime;

const T0: UnixTime = 1_795_392_000; // 2026-11-23 00:00 UTC

#[derive(Default)]
struct Store {
    subscriptions: BTreeMap<String, Subscription>,
    groups: BTreeMap<String, Group>,
    rates: BTreeMap<String, ChannelRate>,
    mutes: BTreeMap<String, Mute>,
    resolved: BTreeMap<String, Resolved>,
    policy: Policy,
}

fn through_json<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

impl Store {
    fn apply<R>(&mut self, out: &crate::Outcome<Change, R>) {
        for change in &out.changes {
            match change {
                Change::PutRecord(record) => {
                    let key = record.key();
                    match through_json(record) {
                        Record::Subscription(r) => {
                            self.subscriptions.insert(key, r);
                        }
                        Record::Group(r) => {
                            self.groups.insert(key, *r);
                        }
                        Record::Rate(r) => {
                            self.rates.insert(key, r);
                        }
                        Record::Mute(r) => {
                            self.mutes.insert(key, r);
                        }
                        Record::Resolved(r) => {
                            self.resolved.insert(key, r);
                        }
                    }
                }
                Change::RemoveRecord { table, key } => {
                    match table {
                        Table::Subscriptions => self.subscriptions.remove(key).map(|_| ()),
                        Table::Groups => self.groups.remove(key).map(|_| ()),
                        Table::Rates => self.rates.remove(key).map(|_| ()),
                        Table::Mutes => self.mutes.remove(key).map(|_| ()),
                        Table::Resolved => self.resolved.remove(key).map(|_| ()),
                    };
                }
            }
        }
    }

    fn subs(&self) -> Vec<Subscription> {
        self.subscriptions.values().cloned().collect()
    }

    /// What the binary does with one report: route, load only what the
    /// route names, decide, store.
    fn report(&mut self, report: &ErrorReport, now: UnixTime) -> ReportOutcome {
        let compiled = CompiledSubscriptions::new(&self.subs());
        self.report_with(&compiled, report, now)
    }

    fn report_with(
        &mut self,
        compiled: &CompiledSubscriptions,
        report: &ErrorReport,
        now: UnixTime,
    ) -> ReportOutcome {
        let route = compiled.route(report);
        let groups: Vec<Group> = route
            .group_keys()
            .iter()
            .filter_map(|k| self.groups.get(k).cloned())
            .collect();
        let rates: Vec<ChannelRate> = route
            .rate_keys()
            .iter()
            .filter_map(|k| self.rates.get(k).cloned())
            .collect();
        let mutes: Vec<Mute> = self
            .mutes
            .get(route.fingerprint_key())
            .cloned()
            .into_iter()
            .collect();
        let resolved: Vec<Resolved> = self
            .resolved
            .get(route.fingerprint_key())
            .cloned()
            .into_iter()
            .collect();
        let snapshot = Snapshot {
            groups: &groups,
            rates: &rates,
            mutes: &mutes,
            resolved: &resolved,
            ..Snapshot::default()
        };
        let out = on_report(report, &route, &snapshot, &self.policy, now);
        self.apply(&out);
        out
    }

    fn tick(&mut self, now: UnixTime) -> Outcome {
        let groups: Vec<Group> = self
            .groups
            .values()
            .filter(|g| g.due_at() <= now)
            .cloned()
            .collect();
        let rates: Vec<ChannelRate> = self.rates.values().cloned().collect();
        let mutes: Vec<Mute> = self.mutes.values().cloned().collect();
        let snapshot = Snapshot {
            groups: &groups,
            rates: &rates,
            mutes: &mutes,
            ..Snapshot::default()
        };
        let out = tick(&snapshot, &self.policy, now);
        self.apply(&out);
        out
    }

    fn run(&mut self, text: &str, channel: &str, now: UnixTime) -> Outcome {
        let Top::Errors(cmd) = parse(text).unwrap_or_else(|e| panic!("{text}: {e}")) else {
            panic!("{text} is not an errors command");
        };
        let subs = self.subs();
        let mutes: Vec<Mute> = self.mutes.values().cloned().collect();
        let resolved: Vec<Resolved> = self.resolved.values().cloned().collect();
        let snapshot = Snapshot {
            subscriptions: &subs,
            mutes: &mutes,
            resolved: &resolved,
            ..Snapshot::default()
        };
        let by = Caller::new("U1", channel);
        let out = execute(&cmd, &by, &snapshot, now);
        self.apply(&out);
        out
    }

    fn press(&mut self, action: &str, fp: &str, channel: &str, now: UnixTime) -> Outcome {
        let groups: Vec<Group> = self.groups.values().cloned().collect();
        let mutes: Vec<Mute> = self.mutes.values().cloned().collect();
        let snapshot = Snapshot {
            groups: &groups,
            mutes: &mutes,
            ..Snapshot::default()
        };
        let Some(Button::Errors(button)) = Button::from_action_id(action) else {
            panic!("{action} is not an errors button");
        };
        let caller = Caller::new("U2", channel);
        let out = on_button(button, fp, &caller, &snapshot, &self.policy, now);
        self.apply(&out);
        out
    }
}

fn err(service: &str, message: &str) -> ErrorReport {
    ErrorReport::new(service, "production", Level::Error, message)
}

fn posts<R>(out: &crate::Outcome<Change, R>) -> Vec<(&str, &str, Option<&str>)> {
    out.outbound
        .iter()
        .filter_map(|o| match o {
            Outbound::SlackPost {
                channel, text, key, ..
            } => Some((channel.as_str(), text.as_str(), key.as_deref())),
            _ => None,
        })
        .collect()
}

fn updates<R>(out: &crate::Outcome<Change, R>) -> Vec<(&str, String)> {
    out.outbound
        .iter()
        .filter_map(|o| match o {
            Outbound::SlackUpdate { key, blocks, .. } => {
                Some((key.as_str(), blocks.as_ref().unwrap().to_string()))
            }
            _ => None,
        })
        .collect()
}

fn all_text<R>(out: &crate::Outcome<Change, R>) -> String {
    serde_json::to_string(&out.outbound).unwrap()
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
    // The process is down for an hour; the records are all in "redb".
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
fn unmute_and_mute_without_end() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    store.run(&format!("errors mute {fp}"), "C1", T0);
    assert!(store.report(&report, T0 + 86_400 * 30).outbound.is_empty());
    let out = store.run(&format!("errors unmute {fp}"), "C1", T0);
    assert!(out
        .reply
        .unwrap()
        .contains("1 report was dropped while muted"));
    assert!(store.mutes.is_empty());
    let out = store.run(&format!("errors unmute {fp}"), "C1", T0);
    assert!(out.reply.unwrap().contains("is not muted"));
    assert_eq!(posts(&store.report(&report, T0 + 1)).len(), 1);
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
fn subscribe_list_unsubscribe() {
    let mut store = Store::default();
    let out = store.run("errors subscribe service=api level=warning", "C1", T0);
    assert_eq!(store.subscriptions.len(), 1);
    let id = store.subscriptions.keys().next().unwrap().clone();
    assert!(out.reply.as_deref().unwrap().contains(&id));
    assert_eq!(posts(&out).len(), 1, "the channel is told");
    // The same again changes nothing.
    let out = store.run("errors subscribe service=api level=warning", "C1", T0);
    assert!(out.changes.is_empty());
    assert!(out.reply.unwrap().contains("already"));
    store.run("errors subscribe digest=1d", "C1", T0 + 1);
    store.run("errors subscribe", "C2", T0);
    let list = store.run("errors list", "C1", T0).reply.unwrap();
    assert!(
        list.contains(&format!(
            "`{id}` service=api level≥warning — as they happen"
        )),
        "{list}"
    );
    assert!(list.contains("digest every 1d"), "{list}");
    assert_eq!(list.matches("• ").count(), 2);
    // Another channel's id is not this channel's.
    let other = store
        .subscriptions
        .values()
        .find(|s| s.channel == "C2")
        .unwrap()
        .id
        .clone();
    let out = store.run(&format!("errors unsubscribe {other}"), "C1", T0);
    assert!(out.changes.is_empty());
    assert!(out.reply.unwrap().contains("no error subscription"));
    store.run(&format!("errors unsubscribe {id}"), "C1", T0);
    assert_eq!(store.subscriptions.len(), 2);
    store.run("errors unsubscribe all", "C1", T0);
    assert_eq!(store.subscriptions.len(), 1);
    assert!(store
        .run("errors list", "C1", T0)
        .reply
        .unwrap()
        .contains("no error subscriptions"));
}

#[test]
fn bad_filters_change_nothing() {
    for text in [
        "errors subscribe match=(oops",
        "errors subscribe level=critical",
        "errors subscribe digest=0m",
    ] {
        // A usage error never reaches `execute`, so nothing can change.
        assert!(parse(text).is_err(), "{text}");
    }
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
    let report = parse_report(include_bytes!(
        "../../../tests/fixtures/sentry/event_alert.edited.json"
    ))
    .unwrap();
    let out = store.report(&report, T0);
    let all = all_text(&out);
    assert!(all.contains("ReferenceError: heck is not defined"), "{all}");
    assert!(all.contains("renderCart (/static/js/cart.js:42)"), "{all}");
    assert!(all.contains("|open>"));
}

#[test]
fn records_keep_simple_keys() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let out = store.report(&err("api", "boom"), T0);
    let keys: Vec<(Table, String)> = out.puts().map(|r| (r.table(), r.key())).collect();
    let fp = fingerprint(&err("api", "boom"));
    assert!(keys.contains(&(Table::Groups, format!("C1/{fp}"))));
    assert!(keys.contains(&(Table::Rates, "C1".to_string())));
    // Which storage table holds each kind is the state crate's business
    // (`baton_state::errors`, tested there).
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

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reports_differing_only_in_variable_parts_group(
            a in 0u64..u64::MAX, b in 0u64..u64::MAX,
            user in "[a-z]{1,8}", host in "[a-z]{1,8}",
        ) {
            let one = err("api", &format!("user {a} <{user}@{host}.com> failed on 10.0.0.{}", a % 255));
            let two = err("api", &format!("user {b} <x@y.org> failed on 192.168.1.{}", b % 255));
            prop_assert_eq!(fingerprint(&one), fingerprint(&two));
        }

        #[test]
        fn parse_report_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_report(&body);
        }

        #[test]
        fn parse_report_never_panics_on_json_shapes(
            level in "[a-z]{0,8}", msg in any::<String>(), ts in any::<i64>(),
        ) {
            let body = serde_json::json!({
                "service": "api", "level": level, "message": msg, "occurred_at": ts,
                "stacktrace": [{"function": msg, "lineno": ts}],
            });
            let _ = parse_report(body.to_string().as_bytes());
            let sentry = serde_json::json!({
                "action": "triggered",
                "data": {"event": {"title": msg, "level": level, "timestamp": ts,
                                   "exception": {"values": [{"type": msg, "stacktrace": {"frames": [{"lineno": ts}]}}]},
                                   "tags": [[msg, level]]}}
            });
            let _ = parse_report(sentry.to_string().as_bytes());
        }
    }
}
