//! What each `/baton errors …` command decides: the subscriptions, mutes
//! and resolved marks ([`execute`]), the SDKs' keys ([`execute_dsn`], which
//! reads keys, not the snapshot), and the `@baton` help's lines of a
//! channel's subscriptions ([`channel_subscriptions`]). A button press
//! mutes and resolves as the commands do (`super::decide::on_button`).

use super::change::DsnChange;
use super::change::Outcome;
use super::commands::{Command, UnsubscribeTarget};
use super::dsn::{dsn, SentryKey};
use super::fingerprint::fnv1a_hex;
use super::records::{
    Mode, Mute, Record, Resolved, Snapshot, Subscription, SubscriptionFilters, Table,
};
use crate::caller::Caller;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::hex_lower;
use crate::text::{format_datetime, format_duration};
use crate::UnixTime;

/// Run an `errors` command.
///
/// Reads from `snapshot`: all subscriptions (for `subscribe`, `unsubscribe`
/// and `list`), and the mute and resolved records of the command's
/// fingerprint (for `mute`, `unmute`, `resolve`), and its seen record (for
/// `resolve … next-release`).
pub fn execute(cmd: &Command, caller: &Caller, snapshot: &Snapshot, now: UnixTime) -> Outcome {
    match cmd {
        Command::Subscribe {
            filters,
            digest,
            when,
        } => {
            let filters = SubscriptionFilters::from(filters);
            let in_channel = |s: &&Subscription| s.channel == caller.channel;
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
                trigger: *when,
            };
            let how = how_delivered(&sub);
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
        Command::ResolveNextRelease { fingerprint } => {
            resolve_next_release(fingerprint, caller, snapshot, now)
        }
        // They read and write keys, not this snapshot: see `execute_dsn`.
        Command::Dsn { .. } | Command::RevokeDsn { .. } => {
            Outcome::reply(":warning: DSN commands run through `execute_dsn`.")
        }
    }
}

pub(super) fn mute(
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

pub(super) fn resolve(
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
    caller: &Caller,
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
        &caller.channel,
        mrkdwn!(
            "✅ {} resolved {} until the next release (quiet in {}).",
            Mrkdwn::user(&caller.user),
            Mrkdwn::code(fingerprint),
            Mrkdwn::code(release)
        ),
    ));
    out.put(Record::Resolved(Resolved {
        fingerprint: fingerprint.to_string(),
        by: caller.user.to_string(),
        at: now,
        release: Some(release.clone()),
    }));
    out
}

/// How a new subscription delivers, for its confirmation.
fn how_delivered(sub: &Subscription) -> String {
    match (sub.digest, sub.trigger) {
        (Some(period), _) => format!("as a digest every {}", format_duration(period)),
        (None, Some(trigger)) => trigger.describe(),
        (None, None) => "as they happen".to_string(),
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
            let how = match (s.mode(), s.trigger) {
                (Mode::Digest { period }, _) => format!("digest every {}", format_duration(period)),
                (Mode::Stream, Some(t)) => t.describe(),
                (Mode::Stream, None) => "as they happen".to_string(),
            };
            format!("`{}` errors {} — {how}", s.id, s.filters.describe())
        })
        .collect()
}

/// What a new key is made of, drawn by the caller for a service that has
/// none (when [`wants_new_key`]): 16 random bytes (the key is their hex)
/// and the next project id.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub entropy: [u8; 16],
    pub project_id: u64,
}

/// Does `cmd` make a new key, so the caller must draw a [`NewKey`]? For
/// `errors dsn <service>` when the service has no key and
/// `BATON_PUBLIC_URL` is set.
pub fn wants_new_key(
    cmd: &Command,
    existing: Option<&SentryKey>,
    public_url: Option<&str>,
) -> bool {
    matches!(cmd, Command::Dsn { .. }) && existing.is_none() && public_url.is_some()
}

/// Run `errors dsn <service>` or `errors dsn revoke <service>`: the key to
/// store or forget, if any, and the ephemeral reply.
///
/// `existing` is the service's key, if it has one; `fresh` is used when it
/// has none; `public_url` is `BATON_PUBLIC_URL` (needed to show a DSN).
pub fn execute_dsn(
    cmd: &Command,
    existing: Option<&SentryKey>,
    fresh: Option<NewKey>,
    public_url: Option<&str>,
    caller: &Caller,
    now: UnixTime,
) -> crate::Outcome<DsnChange> {
    match cmd {
        Command::Dsn { service } => {
            let Some(public_url) = public_url.filter(|u| !u.is_empty()) else {
                return crate::Outcome::reply(
                    ":warning: Set BATON_PUBLIC_URL (the address your applications reach Baton at, e.g. `https://baton.example.com`) to make DSNs.",
                );
            };
            let (key, change, verb) = match (existing, fresh) {
                (Some(key), _) => (key.clone(), None, "The"),
                (None, Some(new)) => {
                    let key = SentryKey {
                        key: hex_lower(&new.entropy),
                        service: service.clone(),
                        project_id: new.project_id,
                        created_by: caller.user.to_string(),
                        created_at: now,
                    };
                    (key.clone(), Some(DsnChange::PutKey(key)), "A new")
                }
                (None, None) => return crate::Outcome::reply(":warning: No key was made; try again."),
            };
            match dsn(public_url, &key) {
                Ok(dsn) => crate::Outcome {
                    changes: change.into_iter().collect(),
                    ..crate::Outcome::reply(mrkdwn!(
                        "{} Sentry DSN for service `{}`:\n`{}`\nSet it as `SENTRY_DSN` (or the SDK's `dsn` option); its events are reported as service `{}`. Revoke it with `/baton errors dsn revoke {}`.",
                        verb,
                        key.service,
                        dsn,
                        key.service,
                        key.service
                    ))
                },
                Err(e) => crate::Outcome::reply(mrkdwn!(":warning: BATON_PUBLIC_URL is not usable: {}", e)),
            }
        }
        Command::RevokeDsn { service } => match existing {
            Some(key) => crate::Outcome::reply(mrkdwn!(
                "Revoked the Sentry DSN of service `{}`: SDKs using it are now refused (403). `/baton errors dsn {}` makes a new one.",
                key.service,
                key.service
            ))
            .with(DsnChange::RemoveKey(key.clone())),
            None => crate::Outcome::reply(mrkdwn!("Service `{}` has no Sentry DSN.", service)),
        },
        _ => crate::Outcome::reply(":warning: Not a DSN command."),
    }
}
