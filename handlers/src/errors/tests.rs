//! The errors feature's tests: one file per file they prove
//! (`tests/decide.rs` proves `decide.rs`, …), and the in-memory store most
//! of them run their decisions against: it applies each [`Outcome`] the way
//! the binary stores it (every record goes through JSON, as it would
//! through the database).

mod commands;
mod decide;
mod dsn;
mod envelope;
mod execute;
mod fingerprint;
mod records;
mod report;
mod trigger;

use crate::buttons::{Button, ErrorButton};
use crate::Caller;
use std::collections::BTreeMap;

use crate::command::{parse, Command as Top};
use crate::errors::*;
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
    seen: BTreeMap<String, Seen>,
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
                        Record::Seen(r) => {
                            self.seen.insert(key, r);
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
                        Table::Seen => self.seen.remove(key).map(|_| ()),
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
        let seen: Vec<Seen> = self
            .seen
            .get(route.fingerprint_key())
            .cloned()
            .into_iter()
            .collect();
        let snapshot = Snapshot {
            groups: &groups,
            rates: &rates,
            mutes: &mutes,
            resolved: &resolved,
            seen: &seen,
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
        let seen: Vec<Seen> = self.seen.values().cloned().collect();
        let snapshot = Snapshot {
            subscriptions: &subs,
            mutes: &mutes,
            resolved: &resolved,
            seen: &seen,
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
