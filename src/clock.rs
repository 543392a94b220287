//! Baton's clock: the one place that reads the time of day.
//!
//! Two readings, for two purposes:
//! - [`now`]: the time decisions, records and timers run on (an assignment's
//!   time, a reminder's due time, a lock's expiry). Tests may move it with
//!   the `BATON_CLOCK_FILE` hook: while that file holds a number, that number
//!   (Unix seconds) is the time, so "tomorrow at 09:00 in Sydney" is one
//!   write away and several replicas reading the same file agree.
//! - [`wall_now`]: the real time, always, for what another party checks
//!   against its own clock: Slack's signed timestamps, GitHub App JWTs and
//!   installation tokens, GitHub's delivery times.
//!
//! The hook is installed once, when the server starts ([`install`]); without
//! it (every real deployment) [`now`] is [`wall_now`].

use std::path::PathBuf;
use std::sync::OnceLock;

/// The file whose number is the time, when the test hook is set.
static CLOCK_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Use `file` (the `BATON_CLOCK_FILE` setting) as the time from now on; the
/// first call wins.
pub fn install(file: Option<PathBuf>) {
    let _ = CLOCK_FILE.set(file);
}

/// Seconds since the Unix epoch, for decisions, records and timers.
pub fn now() -> i64 {
    now_precise() as i64
}

/// [`now`] with a fraction.
pub fn now_precise() -> f64 {
    set_by_test().unwrap_or_else(wall_precise)
}

/// The time the test hook says, when it is installed and its file holds a
/// number; `None` otherwise (then clocks that pace themselves, such as the
/// outbox's, keep their own course).
pub fn set_by_test() -> Option<f64> {
    match CLOCK_FILE.get() {
        Some(Some(file)) => from_file(file),
        _ => None,
    }
}

/// The real time, in whole seconds, whatever the test hook says.
pub fn wall_now() -> i64 {
    wall_precise() as i64
}

/// The real time with a fraction.
pub fn wall_precise() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The number in `file`; `None` while it is missing or being rewritten.
fn from_file(file: &std::path::Path) -> Option<f64> {
    std::fs::read_to_string(file)
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_file_holds_a_number_or_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clock");
        assert_eq!(from_file(&file), None, "missing");
        std::fs::write(&file, "1765440000.5\n").unwrap();
        assert_eq!(from_file(&file), Some(1_765_440_000.5));
        std::fs::write(&file, "tomorrow").unwrap();
        assert_eq!(from_file(&file), None, "not a number");
        std::fs::write(&file, "-5").unwrap();
        assert_eq!(from_file(&file), None, "before 1970");
    }
}
