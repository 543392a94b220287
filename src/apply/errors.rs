//! Applying error-report inputs: a report from `POST /hooks/errors` or
//! from a Sentry SDK (`/api/{project_id}/envelope/`), an
//! `/baton errors …` command (including the DSN commands), a "Mute 1h"/"Resolve" button, and the periodic
//! tick. Each loads only the records its decision reads (see the docs of
//! `baton_handlers::errors`), calls the pure decision, and stores the
//! outcome's changes and messages in the caller's transaction.
//!
//! Cost per report (it runs on the single writer thread): the body is parsed
//! and fingerprinted before the writer sees it; inside, the subscriptions are
//! read (a small table) and routed with filters compiled once and kept in
//! [`CompiledRoutes`] (owned by the server's state) until the subscriptions
//! change; then only the matched
//! groups, the matched channels' rate records and the fingerprint's mute,
//! resolved and seen records are read (the seen record, the release it was
//! last seen in, is written only when that release changes).
//!
//! The tick reads the head of a due index (`error_due`, keyed by due time),
//! so it costs nothing while no window has ended, however many are open;
//! plus all rate records (one per channel that posted in the last minute)
//! and all mutes (made by people, few).

use baton_handlers::Mrkdwn;
use std::sync::Mutex;

use baton_handlers::buttons::ErrorButton;
use baton_handlers::errors::dsn::SentryKey;
use baton_handlers::errors::envelope::sdk_event_id;
use baton_handlers::errors::Command;
use baton_handlers::errors::{
    self as decide, CompiledSubscriptions, ErrorReport, Outcome, Policy, ReportAnswer, Snapshot,
};
use baton_handlers::slack::BlockAction;
use baton_handlers::UnixTime;
use baton_state::{Result, Tx};

use super::{Caller, Context};

/// Most due groups one tick closes (the rest wait for the next tick).
const TICK_GROUPS: usize = 5_000;

/// The subscriptions' filters, compiled once and kept (in the server's
/// state, shared through [`Context::error_routes`]) until the stored
/// subscriptions differ from those they were built from.
#[derive(Default)]
pub struct CompiledRoutes(Mutex<Option<CompiledSubscriptions>>);

impl std::fmt::Debug for CompiledRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompiledRoutes")
    }
}

impl CompiledRoutes {
    /// Route a fingerprinted report through `subscriptions`, compiling them
    /// again only if they changed since the last report.
    fn route(&self, subscriptions: &[decide::Subscription], report: &Report) -> decide::Route {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let compiled = match cache.take() {
            Some(c) if c.is_built_from(subscriptions) => c,
            _ => CompiledSubscriptions::new(subscriptions),
        };
        let route = compiled.route_fingerprinted(&report.report, report.fingerprint.clone());
        *cache = Some(compiled);
        route
    }
}

/// A validated `/hooks/errors` body, already fingerprinted.
pub struct Report {
    report: ErrorReport,
    fingerprint: String,
}

/// Parse and fingerprint a body (outside the writer); the error names the
/// offending field and is answered 400.
pub fn parse_report(body: &[u8]) -> std::result::Result<Report, String> {
    let report = decide::parse_report(body).map_err(|e| e.to_string())?;
    let fingerprint = decide::fingerprint(&report);
    Ok(Report {
        report,
        fingerprint,
    })
}

/// A Sentry SDK event, parsed and fingerprinted (outside the writer).
pub struct SdkEvent {
    report: Report,
    /// 32 lower-case hex digits; the dedup id of the event.
    pub event_id: String,
}

/// Parse and fingerprint an SDK event for the service of `key`. Its id is
/// decided by [`sdk_event_id`] (a new one from fresh entropy when the event
/// names none); an id that is not one is refused (400).
pub fn parse_sdk_event(
    payload: &[u8],
    key: &SentryKey,
    envelope_event_id: Option<&str>,
) -> std::result::Result<SdkEvent, String> {
    let (report, event_id) =
        decide::parse_sdk_event(payload, &key.service).map_err(|e| e.to_string())?;
    let event_id = sdk_event_id(event_id.as_deref(), envelope_event_id, rand::random())?;
    let fingerprint = decide::fingerprint(&report);
    Ok(SdkEvent {
        report: Report {
            report,
            fingerprint,
        },
        event_id,
    })
}

/// Decide and store the events of one SDK request. An event id already seen
/// for this project (an SDK's retry) acts not at all. Returns how many
/// events were new.
pub fn on_sdk_events(
    tx: &mut Tx<'_>,
    events: &[SdkEvent],
    project_id: u64,
    ctx: &Context,
    now: UnixTime,
) -> Result<usize> {
    let mut new = 0;
    for event in events {
        let dedup_key = format!("sentry:{project_id}:{}", event.event_id);
        if tx.first_delivery(&dedup_key, now)? {
            on_report(tx, &event.report, ctx, now)?;
            new += 1;
        }
    }
    Ok(new)
}

/// `errors dsn <service>` and `errors dsn revoke <service>`: a new key
/// draws fresh entropy and the next project id.
fn on_dsn_command(
    tx: &mut Tx<'_>,
    cmd: &Command,
    service: &str,
    caller: &Caller,
    ctx: &Context,
    now: UnixTime,
) -> Result<Mrkdwn> {
    let existing = tx.sentry_key_of_service(service)?;
    let public_url = ctx.public_url.as_deref();
    let fresh = if decide::wants_new_key(cmd, existing.as_ref(), public_url) {
        Some(decide::NewKey {
            entropy: rand::random(),
            project_id: tx.next_sentry_project_id()?,
        })
    } else {
        None
    };
    let outcome = decide::execute_dsn(cmd, existing.as_ref(), fresh, public_url, caller, now);
    super::stored_reply(tx, outcome, now)
}

fn policy(ctx: &Context) -> Policy {
    Policy {
        window_secs: ctx.error_window_secs,
        channel_cap_per_minute: ctx.error_channel_cap,
        ..Policy::default()
    }
}

/// What a report's decision reads besides its route: groups, rates, mutes
/// and resolved marks.
type Loaded = (
    Vec<decide::Group>,
    Vec<decide::ChannelRate>,
    Vec<decide::Mute>,
    Vec<decide::Resolved>,
    Vec<decide::Seen>,
);

/// Route, decide and store one report; the answer names its fingerprint and
/// the channels it went to. A report routed nowhere loads nothing.
pub fn on_report(
    tx: &mut Tx<'_>,
    report: &Report,
    ctx: &Context,
    now: UnixTime,
) -> Result<ReportAnswer> {
    let subscriptions = tx.error_subscriptions()?;
    let route = ctx.error_routes.route(&subscriptions, report);
    let (groups, rates, mutes, resolved, seen): Loaded = if route.deliveries.is_empty() {
        Loaded::default()
    } else {
        (
            tx.error_groups(&route.group_keys())?,
            tx.error_rates(&route.rate_keys())?,
            tx.error_mute(route.fingerprint_key())?
                .into_iter()
                .collect(),
            tx.error_resolved(route.fingerprint_key())?
                .into_iter()
                .collect(),
            tx.error_seen(route.fingerprint_key())?
                .into_iter()
                .collect(),
        )
    };
    let snapshot = Snapshot {
        groups: &groups,
        rates: &rates,
        mutes: &mutes,
        resolved: &resolved,
        seen: &seen,
        ..Snapshot::default()
    };
    let outcome = decide::on_report(&report.report, &route, &snapshot, &policy(ctx), now);
    tx.store_outcome(outcome, now)
}

/// Run an `/baton errors …` command; returns the ephemeral reply.
pub fn on_command(
    tx: &mut Tx<'_>,
    cmd: Command,
    caller: &Caller,
    ctx: &Context,
    now: UnixTime,
) -> Result<Mrkdwn> {
    if let Command::Dsn { service } | Command::RevokeDsn { service } = &cmd {
        return on_dsn_command(tx, &cmd, service, caller, ctx, now);
    }
    let outcome = decide_command(tx, &cmd, caller, ctx, now)?;
    super::stored_reply(tx, outcome, now)
}

/// Load what an errors command (but the DSN commands, which draw a new key
/// in [`on_command`]) reads and decide it; also the read-only path of
/// `errors list`, see `apply::query`.
pub fn decide_command(
    tx: &Tx<'_>,
    cmd: &Command,
    caller: &Caller,
    _ctx: &Context,
    now: UnixTime,
) -> Result<Outcome> {
    let subscriptions;
    let mut mutes = Vec::new();
    let mut resolved = Vec::new();
    let mut seen = Vec::new();
    match cmd {
        Command::Subscribe { .. } | Command::Unsubscribe(_) | Command::List => {
            subscriptions = tx.error_subscriptions()?;
        }
        Command::Mute { fingerprint, .. }
        | Command::Unmute { fingerprint }
        | Command::Resolve { fingerprint } => {
            subscriptions = Vec::new();
            mutes.extend(tx.error_mute(fingerprint)?);
            resolved.extend(tx.error_resolved(fingerprint)?);
        }
        Command::ResolveNextRelease { fingerprint } => {
            subscriptions = Vec::new();
            seen.extend(tx.error_seen(fingerprint)?);
        }
        Command::Dsn { .. } | Command::RevokeDsn { .. } => subscriptions = Vec::new(),
    }
    let snapshot = Snapshot {
        subscriptions: &subscriptions,
        mutes: &mutes,
        resolved: &resolved,
        seen: &seen,
        ..Snapshot::default()
    };
    Ok(decide::execute(cmd, caller, &snapshot, now))
}

/// A "Mute 1h" or "Resolve" button on an error message.
pub fn on_button(
    tx: &mut Tx<'_>,
    button: ErrorButton,
    action: &BlockAction,
    ctx: &Context,
    now: UnixTime,
) -> Result<Option<Mrkdwn>> {
    let caller = action.caller();
    let groups = tx.error_groups(&[decide::group_key(&caller.channel, &action.value)])?;
    let mutes: Vec<_> = tx.error_mute(&action.value)?.into_iter().collect();
    let snapshot = Snapshot {
        groups: &groups,
        mutes: &mutes,
        ..Snapshot::default()
    };
    let outcome = decide::on_button(button, &action.value, &caller, &snapshot, &policy(ctx), now);
    tx.store_outcome(outcome, now)
}

/// Close the windows that ended and send their updates and digests; post
/// held summaries; drop expired mutes. Called every `BATON_TICK_EVERY` (5 s,
/// `src/server/mod.rs`).
pub fn tick(tx: &mut Tx<'_>, ctx: &Context, now: UnixTime) -> Result<()> {
    let groups = tx.due_error_groups(now, TICK_GROUPS)?;
    let rates = tx.all_error_rates()?;
    let mutes = tx.all_error_mutes()?;
    if groups.is_empty() && rates.is_empty() && mutes.is_empty() {
        return Ok(());
    }
    let snapshot = Snapshot {
        groups: &groups,
        rates: &rates,
        mutes: &mutes,
        ..Snapshot::default()
    };
    let outcome = decide::tick(&snapshot, &policy(ctx), now);
    tx.store_outcome(outcome, now)?;
    Ok(())
}
