//! The dispatcher: drains the outbox in order, sends each item through the
//! Slack or GitHub sink, and records each attempt's outcome in redb. It does
//! not know what a message means.
//!
//! Exactly once, for Slack posts: before a post leaves, its item is marked in
//! flight (durably, several marks in one commit) and the post carries the
//! item's reference in its `metadata`. An item tried again while it still
//! carries the mark (after a restart, a timeout, a 5xx) may be in the channel
//! already: the channel's history is searched for it first, and a message
//! found there is recorded instead of posting again. `chat.update` of a
//! stored `ts` and GitHub's reviewer requests are idempotent, so repeating
//! them is harmless. A send whose record fails (the disk is full) is recorded
//! again later, never sent again.
//!
//! Late commits: Slack may commit a post it has not answered (a timeout, a
//! gateway's 504) seconds later, so such a post is neither looked for nor
//! sent again before its grace (`late_grace_secs`) has passed; meanwhile its
//! request still runs, and an answer that comes late is recorded as it is.
//! A post marked in flight by someone else (a process killed mid-send,
//! another replica) gets the same grace from the moment it is first seen.
//! Later items on the same message wait behind it; other items go on.
//!
//! Outages: retries are paced per service, not per item. A failure pauses
//! that service (`Retry-After` exactly, else doubling pauses with jitter,
//! at most `probe_secs`, 5 s by default); while it is down one item probes
//! it per pause, whatever the items' own backoff; the first answer ends the
//! pause for every waiting item, so the backlog drains within a few seconds
//! of the service's return. An item is dead-lettered only after
//! `give_up_after` (24 h by default) of failures. Time comes from a
//! [`Clock`] whose speed tests can raise.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton_handlers::Outbound;
use baton_state::{OutboxItem, Store, StoredMessage};
use rand::RngExt;
use tokio::sync::watch;

pub use crate::clients::attempt::{Attempt, Effect};
use crate::clients::github::{DeploymentReview, GithubSink, Method};
use crate::clients::slack::{LateAnswer, Lookup, Posting, SlackSink};
use crate::server::metrics::Metrics;
use crate::server::writer::Writer;

/// Items read from one service's queue per pass.
const PASS_SIZE: usize = 200;
/// Slack posts marked in flight together, in one commit.
const MARK_BATCH: usize = 32;
/// The services, in the order a pass serves them.
const SERVICES: [&str; 2] = ["slack", "github"];
/// Consecutive failures after which a service counts as down: one item
/// probes it per pause (at most `probe_secs`), and its return releases
/// every waiting item.
const DOWN_AFTER_FAILURES: u32 = 2;
/// Longest `Retry-After` honoured as given.
const MAX_RETRY_AFTER_SECS: f64 = 3600.0;

/// The dispatcher's time: wall-clock Unix seconds, optionally running
/// faster (a test hook, so a 24-hour outage runs in seconds).
#[derive(Debug, Clone)]
pub struct Clock {
    origin_unix: f64,
    origin: std::time::Instant,
    speed: f64,
}

impl Clock {
    pub fn new(speed: f64) -> Clock {
        Clock {
            origin_unix: crate::clock::wall_precise(),
            origin: std::time::Instant::now(),
            speed: speed.max(1.0),
        }
    }

    /// Now, in (possibly fast) Unix seconds; the test clock's time when
    /// `BATON_CLOCK_FILE` is set (see [`crate::clock`]).
    pub fn now(&self) -> f64 {
        if let Some(now) = crate::clock::set_by_test() {
            return now;
        }
        self.origin_unix + self.origin.elapsed().as_secs_f64() * self.speed
    }

    /// How long to really sleep for `secs` of this clock's time.
    pub fn real(&self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.speed).clamp(0.0, 86_400.0))
    }
}

/// When to retry and when to give up.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// First delay; doubles each failure.
    pub first_secs: f64,
    /// Longest delay of one item (while its service answers others).
    pub max_secs: f64,
    /// Longest pause of a failing service: while it is down, one item
    /// tries it at least this often, whatever the items' own delays.
    pub probe_secs: f64,
    /// How long after a call Slack did not answer (in time) its post may
    /// still be committed: not looked for, nor sent again, before then.
    pub late_grace_secs: f64,
    /// An item failing for longer than this since it was queued becomes a
    /// dead letter.
    pub give_up_after_secs: f64,
    /// How long this process's claim on the head of a queue lasts (renewed
    /// every pass); when it dies, another replica takes the items over
    /// after this long.
    pub lease: Duration,
}

impl RetryPolicy {
    /// The delay after `failures` failures (0 = the first): doubling, with
    /// ±25 % jitter, capped.
    pub fn backoff(&self, failures: u32) -> f64 {
        let exp = self.first_secs * 2f64.powi(failures.min(30) as i32);
        let jitter = rand::rng().random_range(0.75..1.25);
        (exp.min(self.max_secs) * jitter).min(self.max_secs)
    }

    /// How long a service rests after `failures` (≥ 1) failures in a row
    /// before it is tried again: doubling from the first delay, at most
    /// `probe_secs`, less up to a quarter (jitter, so that replicas'
    /// probes spread).
    pub fn probe_pause(&self, failures: u32) -> f64 {
        let exp = self.first_secs * 2f64.powi(failures.saturating_sub(1).min(30) as i32);
        exp.min(self.probe_secs) * rand::rng().random_range(0.75..=1.0)
    }
}

/// One service's pacing, in memory.
#[derive(Debug, Default, Clone)]
struct Gate {
    /// No call to this service before this time.
    paused_until: f64,
    /// Transient failures in a row.
    failures: u32,
    /// When the service last answered after being down: items that failed
    /// before then are due at once.
    recovered_at: f64,
}

impl Gate {
    fn is_down(&self) -> bool {
        self.failures >= DOWN_AFTER_FAILURES
    }

    /// Whether `item` may be tried at `now`.
    fn admits(&self, item: &OutboxItem, now: f64) -> bool {
        if now < self.paused_until {
            return false;
        }
        // While the service is down, the gate paces the probes, not the
        // items' own timers.
        self.is_down()
            || now >= item.not_before
            || item.last_attempt_at.is_some_and(|t| t < self.recovered_at)
    }
}

/// Everything the dispatcher needs.
pub struct Dispatcher {
    pub store: Arc<Store>,
    pub writer: Writer,
    pub slack: SlackSink,
    pub github: GithubSink,
    pub metrics: Arc<Metrics>,
    pub policy: RetryPolicy,
    pub clock: Clock,
    /// Set while the dispatcher loop runs (for `/readyz`).
    pub running: Arc<AtomicBool>,
    /// This process's name as an outbox claimer (unique per start).
    owner: String,
    state: Mutex<DispatchState>,
}

/// What the dispatcher keeps in memory between passes.
#[derive(Default)]
struct DispatchState {
    gates: HashMap<&'static str, Gate>,
    /// Items this process marked in flight but has not tried yet: their mark
    /// needs no history lookup.
    marked_untried: HashSet<u64>,
    /// Items whose outcome is unknown, and from when (clock time) a look at
    /// the history can tell: the end of the grace after a call Slack did not
    /// answer, or after first seeing an item someone else marked.
    settles_at: HashMap<u64, f64>,
    /// Posts not answered in time whose request still runs.
    late_answers: HashMap<u64, LateAnswer>,
    /// Outcomes sent but not yet recorded (the store failed): recorded
    /// again, never sent again.
    unrecorded: HashMap<u64, Attempt>,
    /// Channels whose history could not be read (said once in the log).
    unreadable_channels: HashSet<String>,
    /// The data file's id, read once.
    install_id: Option<u64>,
}

impl Dispatcher {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<Store>,
        writer: Writer,
        slack: SlackSink,
        github: GithubSink,
        metrics: Arc<Metrics>,
        policy: RetryPolicy,
        clock: Clock,
        running: Arc<AtomicBool>,
    ) -> Dispatcher {
        Dispatcher {
            store,
            writer,
            slack,
            github,
            metrics,
            policy,
            clock,
            running,
            owner: format!(
                "{}-{}",
                std::process::id(),
                rand::rng().random_range(0..u64::MAX)
            ),
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, DispatchState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run until `shutdown` turns true. Finishes the item in hand first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        self.running.store(true, Ordering::SeqCst);
        let committed = self.writer.committed();
        let answered_late = self.slack.answered_late();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let wait = if let Some(reason) = self.store.failure() {
                // The store cannot record outcomes: send nothing until it
                // is reopened (the server retries that every few seconds).
                tracing::debug!(%reason, "store unavailable; dispatching paused");
                Duration::from_secs(1)
            } else {
                match self.pass(&shutdown).await {
                    Ok(wait) => wait,
                    Err(e) => {
                        tracing::error!(error = %e, "outbox pass failed; retrying in 1s");
                        Duration::from_secs(1)
                    }
                }
            };
            tokio::select! {
                _ = committed.notified() => {}
                _ = answered_late.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
        self.running.store(false, Ordering::SeqCst);
        tracing::info!("outbox dispatcher stopped");
    }

    /// One pass over each service's pending items, oldest first. Returns how
    /// long to sleep before the next pass if nothing new is committed.
    async fn pass(&self, shutdown: &watch::Receiver<bool>) -> anyhow::Result<Duration> {
        let mut next_wake = f64::INFINITY;
        let mut more = false;
        for service in SERVICES {
            let now = self.clock.now();
            let paused_until = self.gate(service).paused_until;
            if now < paused_until {
                next_wake = next_wake.min(paused_until - now);
                continue;
            }
            let store = self.store.clone();
            let owner = self.owner.clone();
            let lease = self.policy.lease;
            let items = tokio::task::spawn_blocking(move || {
                store.claim_outbox(service, &owner, lease, PASS_SIZE)
            })
            .await??;
            more |= items.len() == PASS_SIZE;
            next_wake = next_wake.min(self.serve(service, &items, shutdown).await?);
        }
        let wait = if more { 0.0 } else { next_wake.min(5.0) };
        Ok(self.clock.real(wait))
    }

    /// Try `service`'s due items in order. Returns how long until the next
    /// one is due (clock seconds).
    async fn serve(
        &self,
        service: &'static str,
        items: &[OutboxItem],
        shutdown: &watch::Receiver<bool>,
    ) -> anyhow::Result<f64> {
        let mut next_wake = f64::INFINITY;
        // A message key whose earlier item is still waiting: later items
        // touching the same message wait too, so updates keep their order.
        let mut blocked_keys: HashSet<String> = HashSet::new();
        if service == "slack" && items.len() < PASS_SIZE {
            self.forget_all_but(items);
        }
        for (index, item) in items.iter().enumerate() {
            // A store that cannot record: send nothing more (see `run`).
            if *shutdown.borrow() || self.store.failure().is_some() {
                break;
            }
            let keys = message_keys(&item.action);
            let unrecorded = self.state().unrecorded.get(&item.id).cloned();
            if let Some(outcome) = unrecorded {
                // Sent already; only its record failed. Record it again.
                self.record(item, outcome).await?;
                continue;
            }
            if let Some(outcome) = self.late_answer(item.id) {
                // Slack answered the post after its timeout: that answer
                // says where it is (or why not), no lookup needed.
                tracing::info!(
                    id = item.id,
                    "Slack answered a post late; recording its answer"
                );
                self.pace(service, &outcome);
                self.note_outcome(item, &outcome);
                self.record(item, outcome).await?;
                continue;
            }
            if keys.iter().any(|k| blocked_keys.contains(*k)) {
                continue;
            }
            let now = self.clock.now();
            let gate = self.gate(service);
            if now < gate.paused_until {
                next_wake = next_wake.min(gate.paused_until - now);
                break;
            }
            // A post Slack may still commit waits out its grace, even as
            // the probe of a service that is down.
            let settles_at = self.settles_at(item, now);
            if !gate.admits(item, now) || now < settles_at {
                let due = match gate.admits(item, now) {
                    true => settles_at,
                    false => item.not_before.max(settles_at),
                };
                next_wake = next_wake.min(due - now);
                blocked_keys.extend(keys.iter().map(|k| k.to_string()));
                continue;
            }
            if service == "slack" {
                self.mark_in_flight(&items[index..], &gate, now).await?;
            }
            let started = std::time::Instant::now();
            let outcome = self.deliver(item).await;
            self.metrics.send_took(service, started.elapsed());
            self.note_outcome(item, &outcome);
            if !matches!(outcome, Attempt::Sent { .. }) {
                blocked_keys.extend(keys.iter().map(|k| k.to_string()));
            }
            self.pace(service, &outcome);
            if let Some(wait) = self.record(item, outcome).await? {
                next_wake = next_wake.min(wait);
            }
        }
        Ok(next_wake)
    }

    fn gate(&self, service: &'static str) -> Gate {
        self.state().gates.get(service).cloned().unwrap_or_default()
    }

    /// From when (clock time) a look at the history can tell whether `item`
    /// arrived; `-inf` when its outcome is known or it has not left. An
    /// item marked in flight by someone else (a process killed mid-send,
    /// a replica that died) may have left just before: its grace starts
    /// when it is first seen here.
    fn settles_at(&self, item: &OutboxItem, now: f64) -> f64 {
        let mut state = self.state();
        if item.in_flight_since.is_none() || state.marked_untried.contains(&item.id) {
            return f64::NEG_INFINITY;
        }
        let grace = self.policy.late_grace_secs;
        *state.settles_at.entry(item.id).or_insert_with(|| {
            tracing::debug!(
                id = item.id,
                "found marked in flight; waiting out its grace"
            );
            now + grace
        })
    }

    /// Keep what an attempt says about whether the item may yet show in
    /// Slack.
    fn note_outcome(&self, item: &OutboxItem, outcome: &Attempt) {
        let now = self.clock.now();
        let grace = self.policy.late_grace_secs;
        let mut state = self.state();
        state.marked_untried.remove(&item.id);
        if item.action.service() != "slack" {
            return;
        }
        match outcome {
            Attempt::Retry {
                effect: Effect::PerhapsLater,
                ..
            } => {
                state.settles_at.insert(item.id, now + grace);
            }
            Attempt::Retry {
                effect: Effect::Perhaps,
                ..
            } => {
                state.settles_at.insert(item.id, now);
            }
            _ => {
                state.settles_at.remove(&item.id);
                state.late_answers.remove(&item.id);
            }
        }
    }

    /// The late answer to `id`'s post, if it has come and settles the item:
    /// where the post is, or a failure for good. Any other answer ends the
    /// grace (Slack is done with the request) but leaves the item to the
    /// history lookup; a gateway's 504 leaves the grace as it is.
    fn late_answer(&self, id: u64) -> Option<Attempt> {
        let now = self.clock.now();
        let mut state = self.state();
        let answer = state.late_answers.get_mut(&id)?.answer()?;
        state.late_answers.remove(&id);
        match answer {
            Attempt::Sent { .. } | Attempt::Fail { .. } => Some(answer),
            Attempt::Retry {
                effect: Effect::PerhapsLater,
                ..
            } => None,
            Attempt::Retry { .. } => {
                state.settles_at.insert(id, now);
                None
            }
        }
    }

    /// Drop what is kept in memory about Slack items no longer queued here
    /// (sent by another replica, or requeued as dead letters).
    fn forget_all_but(&self, items: &[OutboxItem]) {
        let queued: HashSet<u64> = items.iter().map(|i| i.id).collect();
        let mut state = self.state();
        state.settles_at.retain(|id, _| queued.contains(id));
        state.late_answers.retain(|id, _| queued.contains(id));
    }

    /// Update the service's gate after an attempt.
    fn pace(&self, service: &'static str, outcome: &Attempt) {
        let now = self.clock.now();
        let mut state = self.state();
        let gate = state.gates.entry(service).or_default();
        match outcome {
            // The service answered (even a permanent "no" is an answer).
            Attempt::Sent { .. } | Attempt::Fail { .. } => {
                if gate.is_down() {
                    tracing::info!(
                        service,
                        failures = gate.failures,
                        "service answers again; sending the backlog"
                    );
                    gate.recovered_at = now;
                }
                gate.failures = 0;
                gate.paused_until = 0.0;
            }
            // Rate limited: pause this service exactly as long as asked.
            Attempt::Retry {
                after: Some(after), ..
            } => {
                gate.paused_until = now + after.as_secs_f64().min(MAX_RETRY_AFTER_SECS);
            }
            Attempt::Retry { .. } => {
                gate.failures += 1;
                gate.paused_until = now + self.policy.probe_pause(gate.failures);
            }
        }
    }

    /// Whether an earlier attempt at `item` may have reached Slack: it was
    /// marked in flight before this attempt (by this process, which tried
    /// it, or by another).
    fn tried_before(&self, item: &OutboxItem) -> bool {
        item.in_flight_since.is_some() && !self.state().marked_untried.contains(&item.id)
    }

    /// Mark the Slack post in hand, and the next unmarked due ones, in
    /// flight in one commit, before the first of them leaves.
    async fn mark_in_flight(
        &self,
        items: &[OutboxItem],
        gate: &Gate,
        now: f64,
    ) -> anyhow::Result<()> {
        let first = &items[0];
        if first.in_flight_since.is_some() || self.state().marked_untried.contains(&first.id) {
            return Ok(());
        }
        let ids: Vec<u64> = {
            let state = self.state();
            items
                .iter()
                .filter(|i| {
                    i.in_flight_since.is_none()
                        && !state.marked_untried.contains(&i.id)
                        && gate.admits(i, now)
                })
                .take(MARK_BATCH)
                .map(|i| i.id)
                .collect()
        };
        let at = crate::clock::wall_precise();
        let marked = ids.clone();
        self.writer
            .run(move |tx| tx.mark_in_flight(&marked, at))
            .await?;
        self.state().marked_untried.extend(ids);
        Ok(())
    }

    /// Send one item.
    async fn deliver(&self, item: &OutboxItem) -> Attempt {
        match &item.action {
            Outbound::SlackPost {
                channel,
                text,
                blocks,
                key,
                thread_of,
            } => {
                // Posted before (a repeated key): update that message
                // instead of posting a second one (`chat.update` of a stored
                // `ts` is idempotent).
                if let Some(key) = key {
                    if let Some(existing) = self.stored_message(key).await {
                        return self
                            .slack
                            .update(&existing.channel, &existing.ts, text, blocks.as_deref())
                            .await;
                    }
                }
                let thread_ts = match thread_of {
                    Some(parent) => self.stored_message(parent).await.map(|m| m.ts),
                    None => None,
                };
                self.post_once(item, channel, text, blocks.as_deref(), thread_ts.as_deref())
                    .await
            }
            Outbound::SlackUpdate {
                key,
                channel,
                text,
                blocks,
            } => match self.stored_message(key).await {
                // Idempotent: the same text and blocks on the same message.
                Some(existing) => {
                    self.slack
                        .update(&existing.channel, &existing.ts, text, blocks.as_deref())
                        .await
                }
                // The original was never posted (dead-lettered): post it now.
                None => {
                    self.post_once(item, channel, text, blocks.as_deref(), None)
                        .await
                }
            },
            // A direct message: into the app's conversation with the
            // person, guarded like a channel post (the in-flight mark, and
            // that conversation's history when the outcome is unknown).
            Outbound::SlackDirect { user, text, blocks } => {
                match self.slack.open_direct(user).await {
                    Ok(channel) => {
                        self.post_once(item, &channel, text, blocks.as_deref(), None)
                            .await
                    }
                    // Nothing was posted this time; an earlier attempt may
                    // have been, so its in-flight mark stays (and the next
                    // attempt looks in the conversation's history first).
                    Err(Attempt::Retry { reason, after, .. }) => Attempt::Retry {
                        reason,
                        after,
                        effect: match self.tried_before(item) {
                            true => Effect::Perhaps,
                            false => Effect::None,
                        },
                    },
                    Err(outcome) => outcome,
                }
            }
            // The same view published again changes nothing.
            Outbound::SlackHome { user, blocks } => {
                self.slack.publish_home(user, blocks.as_json()).await
            }
            // Requesting the same reviewers twice has one effect on GitHub.
            Outbound::GithubRequestReviewers {
                repo,
                number,
                reviewers,
                installation,
            } => {
                self.github
                    .requested_reviewers(Method::Post, repo, *number, reviewers, *installation)
                    .await
            }
            Outbound::GithubRemoveReviewers {
                repo,
                number,
                reviewers,
                installation,
            } => {
                self.github
                    .requested_reviewers(Method::Delete, repo, *number, reviewers, *installation)
                    .await
            }
            Outbound::GithubDeploymentReview {
                callback_url,
                repo,
                environment,
                state,
                comment,
                installation,
            } => {
                let review = DeploymentReview {
                    callback_url,
                    repo,
                    environment,
                    state: state.as_str(),
                    comment,
                };
                self.github.review_deployment(review, *installation).await
            }
        }
    }

    /// `chat.postMessage`, unless the item may have been posted already and
    /// the channel's history shows it was.
    async fn post_once(
        &self,
        item: &OutboxItem,
        channel: &str,
        text: &str,
        blocks: Option<&serde_json::Value>,
        thread_ts: Option<&str>,
    ) -> Attempt {
        let Some(outbox_ref) = self.outbox_ref(item.id).await else {
            return Attempt::Retry {
                reason: "the data file cannot be read".into(),
                after: None,
                // Keep any earlier mark: nothing is known about this post.
                effect: Effect::Perhaps,
            };
        };
        // Past its grace, an earlier request's answer is no longer awaited
        // (unless it is here): the history tells.
        let late = self.state().late_answers.remove(&item.id);
        if let Some(sent @ Attempt::Sent { .. }) = late.and_then(|mut late| late.answer()) {
            return sent;
        }
        let marked_untried = self.state().marked_untried.contains(&item.id);
        if let (Some(since), false) = (item.in_flight_since, marked_untried) {
            match self
                .slack
                .find_posted(channel, thread_ts, since, &outbox_ref)
                .await
            {
                Lookup::Found(message) => {
                    tracing::info!(
                        id = item.id,
                        channel,
                        ts = %message.ts,
                        "the post had arrived before; recording it instead of posting again"
                    );
                    self.metrics.found_in_history();
                    return Attempt::Sent {
                        posted: Some(message),
                    };
                }
                Lookup::NotFound => {}
                Lookup::Unreadable(reason) => {
                    let first = self.state().unreadable_channels.insert(channel.to_string());
                    if first {
                        tracing::warn!(
                            channel,
                            %reason,
                            "cannot read this channel's history, so a post whose outcome is unknown is posted again and may repeat; add the channels:history and groups:history scopes"
                        );
                    }
                    self.metrics.history_unreadable(channel);
                }
                Lookup::Failed(outcome) => return outcome,
            }
        }
        let keep_waiting = self.clock.real(self.policy.late_grace_secs);
        match self
            .slack
            .post(
                channel,
                text,
                blocks,
                thread_ts,
                Some(&outbox_ref),
                keep_waiting,
            )
            .await
        {
            Posting::Answered(outcome) => outcome,
            Posting::Late(late) => {
                self.state().late_answers.insert(item.id, late);
                Attempt::Retry {
                    reason: "Slack did not answer in time".into(),
                    after: None,
                    effect: Effect::PerhapsLater,
                }
            }
        }
    }

    /// The reference carried in a post's metadata: this data file's id and
    /// the item's id.
    async fn outbox_ref(&self, id: u64) -> Option<String> {
        let known = self.state().install_id;
        let install = match known {
            Some(install) => install,
            None => {
                let store = self.store.clone();
                let install = tokio::task::spawn_blocking(move || store.install_id())
                    .await
                    .ok()?
                    .ok()?;
                self.state().install_id = Some(install);
                install
            }
        };
        Some(format!("{install:016x}-{id}"))
    }

    async fn stored_message(&self, key: &str) -> Option<StoredMessage> {
        let store = self.store.clone();
        let key = key.to_string();
        tokio::task::spawn_blocking(move || store.message(&key))
            .await
            .ok()?
            .ok()?
    }

    /// Store an attempt's outcome. Returns the retry delay, if any. If a
    /// successful send cannot be recorded, the outcome is kept in memory and
    /// recorded later: the item is not sent again.
    async fn record(&self, item: &OutboxItem, outcome: Attempt) -> anyhow::Result<Option<f64>> {
        let id = item.id;
        let service = item.action.service();
        let now = self.clock.now();
        match outcome {
            Attempt::Sent { posted } => {
                let key = match &item.action {
                    Outbound::SlackPost { key, .. } => key.clone(),
                    Outbound::SlackUpdate { key, .. } => Some(key.clone()),
                    _ => None,
                };
                let remembered = key.zip(posted.clone());
                let written = self
                    .writer
                    .run(move |tx| {
                        let remembered = remembered.as_ref().map(|(k, m)| (k.as_str(), m.clone()));
                        tx.complete_delivery(id, remembered)
                    })
                    .await;
                if let Err(e) = written {
                    self.state().unrecorded.insert(id, Attempt::Sent { posted });
                    return Err(anyhow::anyhow!(
                        "item {id} was sent but its record failed (it will be recorded, not sent, again): {e}"
                    ));
                }
                self.state().unrecorded.remove(&id);
                self.metrics
                    .delivered(service, now - item.created_at as f64);
                Ok(None)
            }
            Attempt::Retry {
                reason,
                after,
                effect,
            } if now - (item.created_at as f64) < self.policy.give_up_after_secs => {
                let backoff = self.policy.backoff(item.attempts);
                let wait = after.map(|a| a.as_secs_f64()).unwrap_or(backoff);
                let not_before = now + wait;
                tracing::warn!(id, service, attempt = item.attempts + 1, retry_in_secs = format!("{wait:.3}"), %reason, "delivery failed; will retry");
                self.metrics.retried(service);
                let maybe_sent = effect.possible() && service == "slack";
                self.writer
                    .run(move |tx| tx.reschedule_delivery(id, not_before, &reason, now, maybe_sent))
                    .await?;
                Ok(Some(wait))
            }
            Attempt::Retry { reason, .. } | Attempt::Fail { reason } => {
                tracing::error!(id, service, attempts = item.attempts + 1, %reason, "delivery failed for good; moved to dead letters (`baton outbox list --dead`, `baton outbox retry`)");
                self.metrics.dead_lettered(service, &reason);
                let at = now as i64;
                self.writer
                    .run(move |tx| tx.dead_letter(id, &reason, at))
                    .await?;
                Ok(None)
            }
        }
    }
}

/// The message keys an action reads or writes, for ordering.
fn message_keys(action: &Outbound) -> Vec<&str> {
    match action {
        Outbound::SlackPost { key, thread_of, .. } => key
            .iter()
            .chain(thread_of.iter())
            .map(String::as_str)
            .collect(),
        Outbound::SlackUpdate { key, .. } => vec![key.as_str()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
