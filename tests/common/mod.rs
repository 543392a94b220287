//! Black-box test harness: runs the real `baton` binary on loopback with a
//! throwaway data file ([`baton`]), signs requests like Slack and GitHub do
//! ([`senders`]), fakes Slack's and GitHub's APIs ([`fake_slack`],
//! [`slack_world`], [`fake_github`], [`fake_github_app`],
//! [`fake_deliveries`]), holds what Baton posts to Slack's rules
//! ([`slack_rules`]), sets up a review rotation ([`review_pool`]), and reads
//! the shared corpora. What the tests use is re-exported here, as
//! `common::Baton`, `common::hmac_hex` and so on.

#![allow(dead_code)]

pub mod baton;
pub mod fake_deliveries;
pub mod fake_github;
pub mod fake_github_app;
pub mod fake_slack;
pub mod review_pool;
pub mod senders;
pub mod slack_rules;
pub mod slack_world;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use baton::{baton_cli, client, Baton};
pub use senders::{github_signature, hmac_hex, slack_encode_typed};

pub const SLACK_SECRET: &str = "test-slack-signing-secret";
pub const GITHUB_SECRET: &str = "test-github-webhook-secret";
pub const HOOK_TOKEN: &str = "test-hook-token";
pub const BOT_USER: &str = "UBATONBOT";

/// The shared corpora folder beside the repository.
pub fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora")
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
