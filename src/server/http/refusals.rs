//! The log of refused requests: each refusal (4xx, and connections turned
//! away over the cap) is logged once at `info` with its route, status,
//! reason and client address, through a token bucket so that a flood of bad
//! requests cannot fill the disk; what the bucket drops is counted and
//! reported as one "suppressed" line per second.
//!
//! Nothing here sees a header value or a body: reasons are Baton's own
//! words, and routes are paths without their query string.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Lines a second, on average, once the burst is spent.
const LINES_PER_SECOND: f64 = 10.0;
/// Lines that may be written at once after a quiet spell.
const BURST: f64 = 20.0;
/// How often the count of suppressed refusals is reported.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(1);
/// Longest route or reason written to the log, in characters.
const MAX_FIELD_CHARS: usize = 200;

/// A token bucket over refusal log lines, with the count of those dropped.
pub struct RefusalLog {
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    refilled_at: Instant,
    suppressed: u64,
}

impl RefusalLog {
    pub fn new(now: Instant) -> Self {
        RefusalLog {
            bucket: Mutex::new(Bucket {
                tokens: BURST,
                refilled_at: now,
                suppressed: 0,
            }),
        }
    }

    /// Whether a refusal at `now` may be logged; if not, it is counted.
    pub fn admit(&self, now: Instant) -> bool {
        let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = now.saturating_duration_since(b.refilled_at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * LINES_PER_SECOND).min(BURST);
        b.refilled_at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            b.suppressed += 1;
            false
        }
    }

    /// The refusals dropped since the last call.
    pub fn take_suppressed(&self) -> u64 {
        let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut b.suppressed)
    }

    /// Log one refusal, if the bucket allows.
    pub fn refused(&self, route: &str, status: u16, reason: &str, client: Option<SocketAddr>) {
        if !self.admit(Instant::now()) {
            return;
        }
        let client = client.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        tracing::info!(
            route = %printable(route),
            status,
            reason = %printable(reason),
            client = %client,
            "request refused"
        );
    }

    /// Report the suppressed count every [`SUMMARY_EVERY`] until shutdown.
    pub async fn report_suppressed(
        self: std::sync::Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(SUMMARY_EVERY) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
            let suppressed = self.take_suppressed();
            if suppressed > 0 {
                tracing::info!(
                    suppressed,
                    "suppressed {suppressed} refusals in the last second (refusal log rate-limited)"
                );
            }
        }
    }
}

/// Outside text made safe for one log field: control characters replaced,
/// at most [`MAX_FIELD_CHARS`] characters.
fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_FIELD_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().nth(MAX_FIELD_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_cut_to_the_burst_then_the_rate_and_counted() {
        let start = Instant::now();
        let log = RefusalLog::new(start);
        let admitted = (0..1000).filter(|_| log.admit(start)).count();
        assert_eq!(admitted, BURST as usize);
        assert_eq!(log.take_suppressed(), 1000 - BURST as u64);
        assert_eq!(log.take_suppressed(), 0);
        // One second later: ten more lines, the rest counted again.
        let later = start + Duration::from_secs(1);
        let admitted = (0..1000).filter(|_| log.admit(later)).count();
        assert_eq!(admitted, LINES_PER_SECOND as usize);
        assert_eq!(log.take_suppressed(), 1000 - LINES_PER_SECOND as u64);
        // A quiet minute refills only up to the burst.
        let quiet = later + Duration::from_secs(60);
        assert_eq!(
            (0..1000).filter(|_| log.admit(quiet)).count(),
            BURST as usize
        );
    }

    #[test]
    fn fields_are_printable_and_bounded() {
        assert_eq!(printable("/a\nb\u{1b}[31m"), "/a?b?[31m");
        let long = "x".repeat(500);
        assert_eq!(printable(&long).chars().count(), MAX_FIELD_CHARS + 1);
    }
}
