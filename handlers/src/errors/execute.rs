//! The command and button half of the decisions: what each
//! `/baton errors …` command does to the subscriptions, mutes and resolved
//! marks ([`execute`]; the DSN commands are [`super::dsn::execute`]), a
//! press of "Mute 1h" or "Resolve" on an error message ([`on_button`]),
//! and the `@baton` help's lines of a channel's subscriptions
//! ([`channel_subscriptions`]).

use super::commands::{Command, UnsubscribeTarget};
use super::fingerprint::{fnv1a_hex, is_fingerprint};
use super::state::{
    Mode, Mute, Outcome, Policy, Record, Resolved, Snapshot, Subscription, SubscriptionFilters,
    Table,
};
use crate::buttons::ErrorButton;
use crate::caller::Caller;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::{format_datetime, format_duration};
use crate::UnixTime;

/// Run an `errors` command.
///
/// Reads from `snapshot`: all subscriptions (for `subscribe`, `unsubscribe`
/// and `list`), and the mute and resolved records of the command's
/// fingerprint (for `mute`, `unmute`, `resolve`).
pub fn execute(cmd: &Command, caller: &Caller, snapshot: &Snapshot, now: UnixTime) -> Outcome {
    match cmd {
        Command::Subscribe { filters, digest } => {
            let filters = SubscriptionFilters::from(filters);
            let in_channel = |s: &&Subscription| s.channel == caller.channel;
            if let Some(same) = snapshot
                .subscriptions
                .iter()
                .filter(in_channel)
                .find(|s| s.filters == filters && s.digest == *digest)
            {
                return Outcome::reply(format!(
                    "This channel already has that subscription (id `{}`).",
                    same.id
                ));
            }
            let id =
                new_subscription_id(&caller.channel, &filters, *digest, snapshot.subscriptions);
            let description = filters.describe();
            let sub = Subscription {
                id: id.clone(),
                channel: caller.channel.to_string(),
                filters,
                digest: *digest,
                created_by: caller.user.to_string(),
                created_at: now,
            };
            let how = match digest {
                Some(period) => format!("as a digest every {}", format_duration(*period)),
                None => "as they happen".to_string(),
            };
            let mut out = Outcome::reply(format!(
                "Subscribed this channel to error reports ({}) {how}. Id `{id}`; undo with `/baton errors unsubscribe {id}`.",
                description
            ));
            out.outbound.push(Outbound::post(
                &caller.channel,
                mrkdwn!(
                    "{} subscribed this channel to error reports ({}) {}.",
                    Mrkdwn::user(&caller.user),
                    description,
                    how
                ),
            ));
            out.put(Record::Subscription(sub));
            out
        }
        Command::Unsubscribe(target) => {
            let mine: Vec<&Subscription> = snapshot
                .subscriptions
                .iter()
                .filter(|s| s.channel == caller.channel)
                .collect();
            let chosen: Vec<&Subscription> = match target {
                UnsubscribeTarget::All => mine,
                UnsubscribeTarget::One(id) => mine.into_iter().filter(|s| s.id == *id).collect(),
            };
            if chosen.is_empty() {
                return Outcome::reply(match target {
                    UnsubscribeTarget::All => {
                        "This channel has no error subscriptions.".to_string()
                    }
                    UnsubscribeTarget::One(id) => format!(
                        ":warning: This channel has no error subscription `{id}`. See `/baton errors list`."
                    ),
                });
            }
            let mut out = Outcome::reply(format!(
                "Removed {} error {}: {}.",
                chosen.len(),
                if chosen.len() == 1 {
                    "subscription"
                } else {
                    "subscriptions"
                },
                chosen
                    .iter()
                    .map(|s| format!("`{}`", s.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for s in chosen {
                out.remove(Table::Subscriptions, s.key());
            }
            out
        }
        Command::List => {
            let mut mine: Vec<&Subscription> = snapshot
                .subscriptions
                .iter()
                .filter(|s| s.channel == caller.channel)
                .collect();
            if mine.is_empty() {
                return Outcome::reply(
                    "This channel has no error subscriptions. Add one with `/baton errors subscribe`.",
                );
            }
            mine.sort_by_key(|s| (s.created_at, s.id.clone()));
            let mut text = mrkdwn!("*Error subscriptions of this channel*\n");
            for s in mine {
                let how = match s.digest {
                    Some(p) => format!("digest every {}", format_duration(p)),
                    None => "as they happen".to_string(),
                };
                text.push(mrkdwn!(
                    "• {} {} — {} (by {})\n",
                    Mrkdwn::code(&s.id),
                    s.filters.describe(),
                    how,
                    Mrkdwn::user(&s.created_by)
                ));
            }
            Outcome::reply(text)
        }
        Command::Mute {
            fingerprint,
            duration,
        } => mute(fingerprint, *duration, caller, snapshot, now, None),
        Command::Unmute { fingerprint } => match snapshot.mute(fingerprint) {
            Some(m) => {
                let mut out = Outcome::reply(format!(
                    "Unmuted `{fingerprint}` ({} {} dropped while muted).",
                    m.muted_count,
                    if m.muted_count == 1 {
                        "report was"
                    } else {
                        "reports were"
                    }
                ));
                out.remove(Table::Mutes, m.key());
                out
            }
            None => Outcome::reply(format!("`{fingerprint}` is not muted.")),
        },
        Command::Resolve { fingerprint } => resolve(fingerprint, caller, now, None),
        // They read and write keys, not this snapshot: see `dsn::execute`.
        Command::Dsn { .. } | Command::RevokeDsn { .. } => {
            Outcome::reply(":warning: DSN commands run through `dsn::execute`.")
        }
    }
}

fn mute(
    fingerprint: &str,
    duration: Option<i64>,
    caller: &Caller,
    snapshot: &Snapshot,
    now: UnixTime,
    thread_of: Option<String>,
) -> Outcome {
    let until = duration.map(|d| now + d);
    let previous = snapshot.mute(fingerprint).filter(|m| m.is_active(now));
    let how_long = match (duration, until) {
        (Some(d), Some(u)) => format!("for {} (until {})", format_duration(d), format_datetime(u)),
        _ => "until unmuted".to_string(),
    };
    let mut out = Outcome::reply(format!(
        "Muted `{fingerprint}` in every channel {how_long}. Undo with `/baton errors unmute {fingerprint}`."
    ));
    out.outbound.push(Outbound::SlackPost {
        channel: caller.channel.to_string(),
        text: mrkdwn!(
            "🔇 {} muted {} {}.",
            Mrkdwn::user(&caller.user),
            Mrkdwn::code(fingerprint),
            how_long
        ),
        blocks: None,
        key: None,
        thread_of,
    });
    out.put(Record::Mute(Mute {
        fingerprint: fingerprint.to_string(),
        until,
        by: caller.user.to_string(),
        at: now,
        muted_count: previous.map_or(0, |m| m.muted_count),
    }));
    out
}

fn resolve(
    fingerprint: &str,
    caller: &Caller,
    now: UnixTime,
    thread_of: Option<String>,
) -> Outcome {
    let mut out = Outcome::reply(format!(
        "Resolved `{fingerprint}`. If it happens again it is posted as a regression."
    ));
    out.outbound.push(Outbound::SlackPost {
        channel: caller.channel.to_string(),
        text: mrkdwn!(
            "✅ {} resolved {}.",
            Mrkdwn::user(&caller.user),
            Mrkdwn::code(fingerprint)
        ),
        blocks: None,
        key: None,
        thread_of,
    });
    out.put(Record::Resolved(Resolved {
        fingerprint: fingerprint.to_string(),
        by: caller.user.to_string(),
        at: now,
    }));
    out
}

/// A press of "Mute 1h" or "Resolve" on an error message by `caller` (in
/// the channel the message is in: a press that does not say which is
/// answered, nothing changes); `value` is the fingerprint the button
/// carries.
///
/// Reads from `snapshot`: the group of (the caller's channel, fingerprint)
/// — to answer in the message's thread — and the fingerprint's mute record.
pub fn on_button(
    button: ErrorButton,
    value: &str,
    caller: &Caller,
    snapshot: &Snapshot,
    policy: &Policy,
    now: UnixTime,
) -> Outcome {
    if caller.channel.is_empty() {
        return Outcome::reply(
            ":warning: That button press did not say which channel it came from.",
        );
    }
    if !is_fingerprint(value) {
        return Outcome::reply(":warning: That button carries no fingerprint.");
    }
    let thread = snapshot
        .group(&caller.channel, value)
        .and_then(|g| g.message_key.clone());
    match button {
        ErrorButton::Mute => mute(
            value,
            Some(policy.mute_button_secs),
            caller,
            snapshot,
            now,
            thread,
        ),
        ErrorButton::Resolve => resolve(value, caller, now, thread),
    }
}

/// A short id for a new subscription, unique among `existing`.
fn new_subscription_id(
    channel: &str,
    filters: &SubscriptionFilters,
    digest: Option<i64>,
    existing: &[Subscription],
) -> String {
    let base = format!(
        "{channel}\u{1f}{}\u{1f}{digest:?}",
        serde_json::to_string(filters).unwrap_or_default()
    );
    (0u32..)
        .map(|salt| fnv1a_hex(format!("{base}\u{1f}{salt}").as_bytes())[..8].to_string())
        .find(|id| existing.iter().all(|s| s.id != *id))
        .expect("some id is free")
}

/// The subscriptions of `channel`, oldest first, one line each, for the
/// `@baton` help: `` `id` errors <filters> — <how> ``.
///
/// Reads all subscriptions (those of other channels are skipped).
pub fn channel_subscriptions(subscriptions: &[Subscription], channel: &str) -> Vec<String> {
    let mut mine: Vec<&Subscription> = subscriptions
        .iter()
        .filter(|s| s.channel == channel)
        .collect();
    mine.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    mine.iter()
        .map(|s| {
            let how = match s.mode() {
                Mode::Digest { period } => format!("digest every {}", format_duration(period)),
                Mode::Stream => "as they happen".to_string(),
            };
            format!("`{}` errors {} — {how}", s.id, s.filters.describe())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::report::Level;
    use super::*;

    const NOW: UnixTime = 1_795_392_000;

    #[test]
    fn a_channels_subscriptions_are_listed_oldest_first_for_the_help() {
        let sub = |id: &str, channel: &str, filters: SubscriptionFilters, digest, created_at| {
            Subscription {
                id: id.into(),
                channel: channel.into(),
                filters,
                digest,
                created_by: "U1".into(),
                created_at,
            }
        };
        let subs = [
            sub(
                "aaaa0001",
                "C1",
                SubscriptionFilters {
                    service: Some("api".into()),
                    min_level: Some(Level::Warning),
                    pattern: Some("time<out>".into()),
                    ..SubscriptionFilters::default()
                },
                Some(3600),
                NOW,
            ),
            sub(
                "bbbb0002",
                "C2",
                SubscriptionFilters::default(),
                None,
                NOW - 5,
            ),
            sub(
                "cccc0003",
                "C1",
                SubscriptionFilters::default(),
                None,
                NOW - 5,
            ),
        ];
        assert_eq!(
            channel_subscriptions(&subs, "C1"),
            [
                "`cccc0003` errors level≥error — as they happen",
                "`aaaa0001` errors service=api level≥warning match=`time<out>` — digest every 1h",
            ]
        );
        assert!(channel_subscriptions(&subs, "C3").is_empty());
    }

    /// `errors subscribe` writes the record the data file has always held
    /// (same JSON, same id), though it now converts the parser's `Filters`.
    #[test]
    fn a_new_subscription_is_written_as_before() {
        use crate::command::{parse, Command as Top};
        let made = |text: &str| {
            let Ok(Top::Errors(cmd)) = parse(text) else {
                panic!("{text}")
            };
            let caller = Caller::new("UADMIN", "C1");
            let out = execute(&cmd, &caller, &Snapshot::default(), 1_700_000_000);
            let records: Vec<String> = out
                .puts()
                .map(|r| serde_json::to_string(r).unwrap())
                .collect();
            (records, out.reply_text().to_string())
        };
        assert_eq!(
            made("errors subscribe service=api env=production level=warning match=(?i)time.?out digest=1h"),
            (
                vec![r#"{"record":"subscription","id":"7e066fdc","channel":"C1","filters":{"service":"api","environment":"production","min_level":"warning","pattern":"(?i)time.?out"},"digest":3600,"created_by":"UADMIN","created_at":1700000000}"#.to_string()],
                "Subscribed this channel to error reports (service=api env=production level≥warning match=`(?i)time.?out`) as a digest every 1h. Id `7e066fdc`; undo with `/baton errors unsubscribe 7e066fdc`.".to_string()
            )
        );
        assert_eq!(
            made("errors subscribe"),
            (
                vec![r#"{"record":"subscription","id":"69d36039","channel":"C1","filters":{"service":null,"environment":null,"min_level":null,"pattern":null},"digest":null,"created_by":"UADMIN","created_at":1700000000}"#.to_string()],
                "Subscribed this channel to error reports (level≥error) as they happen. Id `69d36039`; undo with `/baton errors unsubscribe 69d36039`.".to_string()
            )
        );
    }
}
