//! Prometheus counters for `/metrics`, all prefixed `baton_`.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counters by name and label set.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
}

/// The help line of each counter.
const HELP: &[(&str, &str)] = &[
    (
        "baton_http_requests_total",
        "HTTP requests by route and status",
    ),
    ("baton_events_total", "Accepted events by source and kind"),
    (
        "baton_events_duplicate_total",
        "Redelivered events answered without acting",
    ),
    (
        "baton_github_caught_up_total",
        "GitHub deliveries missed while Baton was down, found in GitHub's delivery list and applied, by event",
    ),
    (
        "baton_sentry_shed_total",
        "Sentry SDK requests answered 429 because the store was too far behind",
    ),
    (
        "baton_deliveries_total",
        "Outbox items delivered, by service",
    ),
    (
        "baton_deliveries_retried_total",
        "Outbox deliveries that failed transiently and will be retried",
    ),
    (
        "baton_deliveries_dead_lettered_total",
        "Outbox items that failed for good",
    ),
    (
        "baton_slack_posts_found_in_history_total",
        "Posts whose outcome was unknown, found in the channel's history and recorded instead of posted again",
    ),
    (
        "baton_slack_socket_reconnects_total",
        "Slack Socket Mode connections replaced, by reason (disconnect: Slack asked; lost: silent past three pings; closed: the socket closed or failed, or could not open)",
    ),
    (
        "baton_slack_history_unreadable_total",
        "Posts whose outcome was unknown and whose channel history could not be read (may repeat), by channel",
    ),
];

impl Metrics {
    /// Add one to a counter with labels written as `key="value",…`.
    pub fn inc(&self, name: &'static str, labels: String) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *counters.entry((name, labels)).or_insert(0) += 1;
    }

    /// The Prometheus text exposition, with the gauges passed in.
    pub fn render(&self, gauges: &[(&str, &str, u64)]) -> String {
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for (name, help) in HELP {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
            for ((counter, labels), value) in counters.iter().filter(|((n, _), _)| n == name) {
                if labels.is_empty() {
                    out.push_str(&format!("{counter} {value}\n"));
                } else {
                    out.push_str(&format!("{counter}{{{labels}}} {value}\n"));
                }
            }
        }
        for (name, help, value) in gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            ));
        }
        out
    }
}

/// Append a gauge with one sample per label set to a Prometheus text.
pub fn render_gauge(
    out: &mut String,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (String, f64)>,
) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
    for (labels, value) in samples {
        if labels.is_empty() {
            out.push_str(&format!("{name} {value}\n"));
        } else {
            out.push_str(&format!("{name}{{{labels}}} {value}\n"));
        }
    }
}

/// Quote a label value for Prometheus.
pub fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
