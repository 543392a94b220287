//! Prometheus metrics for `/metrics`, all prefixed `baton_`: counters and
//! latency histograms updated where things happen, gauges read at each
//! scrape ([`Scrape`]). The `prometheus-client` crate keeps them and writes
//! the text exposition format 0.0.4, escaping label values itself. Every
//! label set is a typed struct; a label carrying outside text is either
//! bounded by the service (a channel id, an event kind) or cut to a short
//! code ([`reason_label`]).

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Bounds of the HTTP request-latency buckets, in seconds: a webhook waits
/// for one group commit (milliseconds); a slow disk or a large body takes
/// seconds.
const REQUEST_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Bounds of the outbox send-latency buckets, in seconds: one Slack or
/// GitHub call, up to `BATON_HTTP_TIMEOUT`.
const SEND_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Bounds of the queue-age buckets, in seconds: from sent at once to
/// delivered after a day-long outage.
const QUEUE_AGE_BUCKETS: [f64; 12] = [
    0.5,
    1.0,
    2.0,
    5.0,
    15.0,
    60.0,
    300.0,
    900.0,
    3600.0,
    4.0 * 3600.0,
    12.0 * 3600.0,
    86400.0,
];

type HistogramFamily<S> = Family<S, Histogram, Buckets>;

/// Makes each histogram of a family with these bucket bounds.
#[derive(Clone, Copy)]
struct Buckets(&'static [f64]);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceKind {
    source: &'static str,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Source {
    source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Event {
    event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Service {
    service: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceReason {
    service: &'static str,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Channel {
    channel: String,
}

/// What `/metrics` reads at each scrape, for the gauges.
pub struct Scrape {
    /// Outbox items waiting.
    pub outbox_depth: u64,
    pub dead_letters: u64,
    pub connections_open: u64,
    /// With Socket Mode: whether a connection is open and greeted.
    pub socket_connected: Option<bool>,
    /// Per service: items waiting, and the age of the oldest (0 when none).
    pub backlog: Vec<(&'static str, u64, i64)>,
    /// The store accepts writes (`Store::failure` is `None`).
    pub writer_healthy: bool,
    /// Writes sent to the writer and not yet answered.
    pub writer_pending: usize,
    /// Reviewer picks waiting for a lookup on GitHub.
    pub picks_waiting: u64,
    /// Baton's time of the last completed run of the timed work.
    pub timers_ran_at: i64,
}

/// Every metric Baton keeps, and the registry that writes them out.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<RouteStatus, Counter>,
    http_request_duration: HistogramFamily<Route>,
    events: Family<SourceKind, Counter>,
    events_duplicate: Family<Source, Counter>,
    github_caught_up: Family<Event, Counter>,
    sentry_shed: Counter,
    deliveries: Family<Service, Counter>,
    deliveries_retried: Family<Service, Counter>,
    deliveries_dead_lettered: Family<ServiceReason, Counter>,
    outbox_send_duration: HistogramFamily<Service>,
    outbox_queue_age: HistogramFamily<Service>,
    slack_posts_found_in_history: Counter,
    slack_socket_reconnects: Family<Reason, Counter>,
    slack_history_unreadable: Family<Channel, Counter>,
    outbox_depth: Gauge,
    dead_letters: Gauge,
    http_connections_open: Gauge,
    /// Registered only with Socket Mode.
    slack_socket_connected: Option<Gauge>,
    outbox_service_depth: Family<Service, Gauge>,
    outbox_oldest_pending: Family<Service, Gauge>,
    writer_healthy: Gauge,
    writer_pending: Gauge,
    reviewer_picks_waiting: Gauge,
    timers_ran_at: Gauge,
}

impl Metrics {
    /// Every metric registered; `socket_mode` adds
    /// `baton_slack_socket_connected`.
    pub fn new(socket_mode: bool) -> Metrics {
        let mut registry = Registry::with_prefix("baton");
        // Counters are registered without `_total`: the encoder adds it.
        let http_requests = Family::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            Family::clone(&http_requests),
        );
        let http_request_duration = Family::new_with_constructor(Buckets(&REQUEST_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's headers to its response's headers (reading the body included), by route (the matched route template)",
            Family::clone(&http_request_duration),
        );
        let events = Family::default();
        registry.register(
            "events",
            "Accepted events by source and kind",
            Family::clone(&events),
        );
        let events_duplicate = Family::default();
        registry.register(
            "events_duplicate",
            "Redelivered events answered without acting",
            Family::clone(&events_duplicate),
        );
        let github_caught_up = Family::default();
        registry.register(
            "github_caught_up",
            "GitHub deliveries missed while Baton was down, found in GitHub's delivery list and applied, by event",
            Family::clone(&github_caught_up),
        );
        let sentry_shed = Counter::default();
        registry.register(
            "sentry_shed",
            "Sentry SDK requests answered 429 because the store was too far behind",
            sentry_shed.clone(),
        );
        let deliveries = Family::default();
        registry.register(
            "deliveries",
            "Outbox items delivered, by service",
            Family::clone(&deliveries),
        );
        let deliveries_retried = Family::default();
        registry.register(
            "deliveries_retried",
            "Outbox deliveries that failed transiently and will be retried",
            Family::clone(&deliveries_retried),
        );
        let deliveries_dead_lettered = Family::default();
        registry.register(
            "deliveries_dead_lettered",
            "Outbox items that failed for good",
            Family::clone(&deliveries_dead_lettered),
        );
        let outbox_send_duration = Family::new_with_constructor(Buckets(&SEND_BUCKETS));
        registry.register(
            "outbox_send_duration_seconds",
            "Time to send one outbox item (the Slack or GitHub call, with the channel-history lookup when one comes first), whatever the outcome, by service",
            Family::clone(&outbox_send_duration),
        );
        let outbox_queue_age = Family::new_with_constructor(Buckets(&QUEUE_AGE_BUCKETS));
        registry.register(
            "outbox_queue_age_seconds",
            "Age of an outbox item when it was delivered (from its commit), by service",
            Family::clone(&outbox_queue_age),
        );
        let slack_posts_found_in_history = Counter::default();
        registry.register(
            "slack_posts_found_in_history",
            "Posts whose outcome was unknown, found in the channel's history and recorded instead of posted again",
            slack_posts_found_in_history.clone(),
        );
        let slack_socket_reconnects = Family::default();
        registry.register(
            "slack_socket_reconnects",
            "Slack Socket Mode connections replaced, by reason (disconnect: Slack asked; lost: silent past three pings; closed: the socket closed or failed, or could not open)",
            Family::clone(&slack_socket_reconnects),
        );
        let slack_history_unreadable = Family::default();
        registry.register(
            "slack_history_unreadable",
            "Posts whose outcome was unknown and whose channel history could not be read (may repeat), by channel",
            Family::clone(&slack_history_unreadable),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        let outbox_depth = gauge(
            &mut registry,
            "outbox_depth",
            "Outbox items waiting to be sent",
        );
        let dead_letters = gauge(
            &mut registry,
            "dead_letters",
            "Outbox items that failed for good",
        );
        let http_connections_open = gauge(
            &mut registry,
            "http_connections_open",
            "Client connections open now",
        );
        let slack_socket_connected = socket_mode.then(|| {
            gauge(
                &mut registry,
                "slack_socket_connected",
                "1 while a Slack Socket Mode connection is open and greeted",
            )
        });
        let outbox_service_depth = Family::default();
        registry.register(
            "outbox_service_depth",
            "Outbox items waiting, by service",
            Family::clone(&outbox_service_depth),
        );
        let outbox_oldest_pending = Family::default();
        registry.register(
            "outbox_oldest_pending_seconds",
            "Age of the oldest item waiting, by service (0 when none waits)",
            Family::clone(&outbox_oldest_pending),
        );
        let writer_healthy = gauge(
            &mut registry,
            "writer_healthy",
            "1 while the store accepts writes, 0 while it has failed (full or read-only disk) and Baton reopens it",
        );
        let writer_pending = gauge(
            &mut registry,
            "writer_pending",
            "Writes sent to the writer and not yet answered: how far the store is behind (the Sentry SDK routes answer 429 past BATON_INGEST_QUEUE_LIMIT)",
        );
        let reviewer_picks_waiting = gauge(
            &mut registry,
            "reviewer_picks_waiting",
            "Reviewer picks waiting for GitHub (code owners, changed files, team members) before they are made",
        );
        let timers_ran_at = gauge(
            &mut registry,
            "timers_ran_at_seconds",
            "Baton's time (Unix seconds) of the last completed run of the timed work: every review reminder and digest due by then has fired",
        );
        Metrics {
            registry,
            http_requests,
            http_request_duration,
            events,
            events_duplicate,
            github_caught_up,
            sentry_shed,
            deliveries,
            deliveries_retried,
            deliveries_dead_lettered,
            outbox_send_duration,
            outbox_queue_age,
            slack_posts_found_in_history,
            slack_socket_reconnects,
            slack_history_unreadable,
            outbox_depth,
            dead_letters,
            http_connections_open,
            slack_socket_connected,
            outbox_service_depth,
            outbox_oldest_pending,
            writer_healthy,
            writer_pending,
            reviewer_picks_waiting,
            timers_ran_at,
        }
    }

    /// One HTTP request answered: `route` is the matched route template
    /// (never the raw path), `took` the time to the response's headers.
    pub fn request(&self, route: &str, status: u16, took: Duration) {
        let route = route.to_string();
        self.http_requests
            .get_or_create(&RouteStatus {
                route: route.clone(),
                status,
            })
            .inc();
        self.http_request_duration
            .get_or_create(&Route { route })
            .observe(took.as_secs_f64());
    }

    /// An event accepted from `source` (`slack`, `github`, `hook`, `sentry`).
    pub fn event(&self, source: &'static str, kind: &str) {
        self.events
            .get_or_create(&SourceKind {
                source,
                kind: kind.to_string(),
            })
            .inc();
    }

    /// A redelivered event answered without acting.
    pub fn duplicate(&self, source: &'static str) {
        self.events_duplicate
            .get_or_create(&Source { source })
            .inc();
    }

    /// A missed GitHub delivery found and applied by the catch-up.
    pub fn caught_up(&self, event: &str) {
        self.github_caught_up
            .get_or_create(&Event {
                event: event.to_string(),
            })
            .inc();
    }

    /// A Sentry SDK request answered 429.
    pub fn sentry_shed(&self) {
        self.sentry_shed.inc();
    }

    /// One send to `service`, whatever its outcome.
    pub fn send_took(&self, service: &'static str, took: Duration) {
        self.outbox_send_duration
            .get_or_create(&Service { service })
            .observe(took.as_secs_f64());
    }

    /// An outbox item delivered and recorded, `age_secs` after it was queued.
    pub fn delivered(&self, service: &'static str, age_secs: f64) {
        self.deliveries.get_or_create(&Service { service }).inc();
        self.outbox_queue_age
            .get_or_create(&Service { service })
            .observe(age_secs.max(0.0));
    }

    /// A delivery that failed transiently and will be retried.
    pub fn retried(&self, service: &'static str) {
        self.deliveries_retried
            .get_or_create(&Service { service })
            .inc();
    }

    /// An outbox item that failed for good; `reason` is cut to its code.
    pub fn dead_lettered(&self, service: &'static str, reason: &str) {
        self.deliveries_dead_lettered
            .get_or_create(&ServiceReason {
                service,
                reason: reason_label(reason),
            })
            .inc();
    }

    /// A post found in its channel's history instead of posted again.
    pub fn found_in_history(&self) {
        self.slack_posts_found_in_history.inc();
    }

    /// A Socket Mode connection replaced (`disconnect`, `lost`, `closed`).
    pub fn socket_reconnect(&self, reason: &'static str) {
        self.slack_socket_reconnects
            .get_or_create(&Reason { reason })
            .inc();
    }

    /// A post of unknown outcome whose channel history could not be read.
    pub fn history_unreadable(&self, channel: &str) {
        self.slack_history_unreadable
            .get_or_create(&Channel {
                channel: channel.to_string(),
            })
            .inc();
    }

    /// The Prometheus text exposition, with the gauges set from `now`.
    pub fn render(&self, now: Scrape) -> String {
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        self.outbox_depth.set(gauge(now.outbox_depth));
        self.dead_letters.set(gauge(now.dead_letters));
        self.http_connections_open.set(gauge(now.connections_open));
        if let (Some(connected), Some(socket)) =
            (&self.slack_socket_connected, now.socket_connected)
        {
            connected.set(i64::from(socket));
        }
        for (service, depth, oldest_age) in now.backlog {
            self.outbox_service_depth
                .get_or_create(&Service { service })
                .set(gauge(depth));
            self.outbox_oldest_pending
                .get_or_create(&Service { service })
                .set(oldest_age.max(0));
        }
        self.writer_healthy.set(i64::from(now.writer_healthy));
        self.writer_pending
            .set(gauge(now.writer_pending.try_into().unwrap_or(u64::MAX)));
        self.reviewer_picks_waiting.set(gauge(now.picks_waiting));
        self.timers_ran_at.set(now.timers_ran_at);
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// A short, bounded label for a failure reason: the text before its first
/// `:`, without words naming a path (a GitHub route carries the repository
/// and the pull request's number), at most 60 characters.
pub fn reason_label(reason: &str) -> String {
    let code = reason.split(':').next().unwrap_or_default();
    let words: Vec<&str> = code
        .split_whitespace()
        .filter(|word| !word.contains('/'))
        .collect();
    words.join(" ").chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_labels_are_short_codes() {
        assert_eq!(
            reason_label("Slack error channel_not_found"),
            "Slack error channel_not_found"
        );
        assert_eq!(
            reason_label("chat.postMessage: Slack error invalid_auth"),
            "chat.postMessage"
        );
        assert_eq!(
            reason_label(
                "GitHub POST /repos/octo-org/api/pulls/7/requested_reviewers answered HTTP 422: Reviews may only be requested from collaborators"
            ),
            "GitHub POST answered HTTP 422"
        );
        let long = "é".repeat(100);
        assert_eq!(reason_label(&long).chars().count(), 60);
    }
}
