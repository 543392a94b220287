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
/// fingerprint (for `mute`, `unmute`, `resolve`), and its seen record (for
/// `resolve … next-release`).
pub fn execute(cmd: &Command, by: &Caller, snapshot: &Snapshot, now: UnixTime) -> Outcome {
    match cmd {
        Command::Subscribe {
            filters,
            digest,
            when,
        } => {
            let filters = SubscriptionFilters::from(filters);
            let in_channel = |s: &&Subscription| s.channel == by.channel;
            if let Some(same) = snapshot
                .subscriptions
                .iter()
                .filter(in_channel)
                .find(|s| s.filters == filters && s.digest == *digest && s.trigger == *when)
            {
                return Outcome::reply(format!(
                    "This channel already has that subscription (id `{}`).",
                    same.id
                ));
            }
            let id = new_subscription_id(&by.channel, &filters, *digest, snapshot.subscriptions);
            let description = filters.describe();
            let sub = Subscription {
                id: id.clone(),
                channel: by.channel.to_string(),
                filters,
                digest: *digest,
                created_by: by.user.to_string(),
                created_at: now,
                trigger: *when,
            };
            let how = how_delivered(&sub);
            let mut out = Outcome::reply(format!(
                "Subscribed this channel to error reports ({}) {how}. Id `{id}`; undo with `/baton errors unsubscribe {id}`.",
                description
            ));
            out.outbound.push(Outbound::post(
                &by.channel,
                mrkdwn!(
                    "{} subscribed this channel to error reports ({}) {}.",
                    Mrkdwn::user(&by.user),
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
                .filter(|s| s.channel == by.channel)
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
                .filter(|s| s.channel == by.channel)
                .collect();
            if mine.is_empty() {
                return Outcome::reply(
                    "This channel has no error subscriptions. Add one with `/baton errors subscribe`.",
                );
            }
            mine.sort_by_key(|s| (s.created_at, s.id.clone()));
            let mut text = mrkdwn!("*Error subscriptions of this channel*\n");
            for s in mine {
                let how = match (s.digest, s.trigger) {
                    (Some(p), _) => format!("digest every {}", format_duration(p)),
                    (None, Some(t)) => t.describe(),
                    (None, None) => "as they happen".to_string(),
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
        } => mute(fingerprint, *duration, by, snapshot, now, None),
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
        Command::Resolve { fingerprint } => resolve(fingerprint, by, now, None),
        Command::ResolveNextRelease { fingerprint } => {
            resolve_next_release(fingerprint, by, snapshot, now)
        }
        // They read and write keys, not this snapshot: see `dsn::execute`.
        Command::Dsn { .. } | Command::RevokeDsn { .. } => {
            Outcome::reply(":warning: DSN commands run through `dsn::execute`.")
        }
    }
}

fn mute(
    fingerprint: &str,
    duration: Option<i64>,
    by: &Caller,
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
        channel: by.channel.to_string(),
        text: mrkdwn!(
            "🔇 {} muted {} {}.",
            Mrkdwn::user(&by.user),
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
        by: by.user.to_string(),
        at: now,
        muted_count: previous.map_or(0, |m| m.muted_count),
    }));
    out
}

fn resolve(fingerprint: &str, by: &Caller, now: UnixTime, thread_of: Option<String>) -> Outcome {
    let mut out = Outcome::reply(format!(
        "Resolved `{fingerprint}`. If it happens again it is posted as a regression."
    ));
    out.outbound.push(Outbound::SlackPost {
        channel: by.channel.to_string(),
        text: mrkdwn!(
            "✅ {} resolved {}.",
            Mrkdwn::user(&by.user),
            Mrkdwn::code(fingerprint)
        ),
        blocks: None,
        key: None,
        thread_of,
    });
    out.put(Record::Resolved(Resolved {
        fingerprint: fingerprint.to_string(),
        by: by.user.to_string(),
        at: now,
        release: None,
    }));
    out
}

/// `errors resolve <fingerprint> next-release`: quiet for reports of the
/// release the fingerprint was last seen in, a regression from any other.
/// A fingerprint Baton never saw, or saw without a release, changes
/// nothing.
fn resolve_next_release(
    fingerprint: &str,
    by: &Caller,
    snapshot: &Snapshot,
    now: UnixTime,
) -> Outcome {
    let Some(seen) = snapshot.seen(fingerprint) else {
        return Outcome::reply(mrkdwn!(
            ":warning: Baton has seen no error with fingerprint {} (it is shown under each error message). Nothing changed.",
            Mrkdwn::code(fingerprint)
        ));
    };
    let Some(release) = &seen.release else {
        return Outcome::reply(mrkdwn!(
            ":warning: {} was last seen without a release (`tags.release`, or Sentry's `release`), so there is no next release to wait for; `/baton errors resolve {}` resolves it until it happens again. Nothing changed.",
            Mrkdwn::code(fingerprint),
            fingerprint
        ));
    };
    let mut out = Outcome::reply(mrkdwn!(
        "Resolved {} until the next release: reports from {} stay quiet; one from any other release is posted as a regression.",
        Mrkdwn::code(fingerprint),
        Mrkdwn::code(release)
    ));
    out.outbound.push(Outbound::post(
        &by.channel,
        mrkdwn!(
            "✅ {} resolved {} until the next release (quiet in {}).",
            Mrkdwn::user(&by.user),
            Mrkdwn::code(fingerprint),
            Mrkdwn::code(release)
        ),
    ));
    out.put(Record::Resolved(Resolved {
        fingerprint: fingerprint.to_string(),
        by: by.user.to_string(),
        at: now,
        release: Some(release.clone()),
    }));
    out
}

/// A press of "Mute 1h" or "Resolve" on an error message; `value` is the
/// fingerprint the button carries.
///
/// Reads from `snapshot`: the group of (`channel`, fingerprint) — to answer
/// in the message's thread — and the fingerprint's mute record.
pub fn on_button(
    button: ErrorButton,
    value: &str,
    user: &str,
    channel: &str,
    snapshot: &Snapshot,
    policy: &Policy,
    now: UnixTime,
) -> Outcome {
    if !is_fingerprint(value) {
        return Outcome::reply(":warning: That button carries no fingerprint.");
    }
    let by = Caller::new(user, channel);
    let thread = snapshot
        .group(channel, value)
        .and_then(|g| g.message_key.clone());
    match button {
        ErrorButton::Mute => mute(
            value,
            Some(policy.mute_button_secs),
            &by,
            snapshot,
            now,
            thread,
        ),
        ErrorButton::Resolve => resolve(value, &by, now, thread),
    }
}

/// A short id for a new subscription, unique among `existing`.
/// How a new subscription delivers, for its confirmation.
fn how_delivered(sub: &Subscription) -> String {
    match (sub.digest, sub.trigger) {
        (Some(period), _) => format!("as a digest every {}", format_duration(period)),
        (None, Some(trigger)) => trigger.describe(),
        (None, None) => "as they happen".to_string(),
    }
}

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
            let how = match (s.mode(), s.trigger) {
                (Mode::Digest { period }, _) => format!("digest every {}", format_duration(period)),
                (Mode::Stream, Some(t)) => t.describe(),
                (Mode::Stream, None) => "as they happen".to_string(),
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
                trigger: None,
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
            let by = Caller::new("UADMIN", "C1");
            let out = execute(&cmd, &by, &Snapshot::default(), 1_700_000_000);
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
