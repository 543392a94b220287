//! What the harness and the tests all use: the secrets and ids Baton is
//! started with, the vendored payloads (`tests/fixtures`), a free port, the clock, and waiting
//! until something is true.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const SLACK_SECRET: &str = "test-slack-signing-secret";
pub const GITHUB_SECRET: &str = "test-github-webhook-secret";
pub const HOOK_TOKEN: &str = "test-hook-token";
pub const BOT_USER: &str = "UBATONBOT";

/// The vendored payloads: `tests/fixtures` (sources and licenses in its
/// SOURCES.md).
pub fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn corpus(relative: &str) -> Vec<u8> {
    let path = corpora().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Poll `check` until it is true or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Now, in Unix seconds with a fraction (Slack's `ts` is on this scale).
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}
