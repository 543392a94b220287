//! Black-box test harness: runs the real `baton` binary on loopback with a
//! throwaway data file ([`baton`]), signs requests like Slack and GitHub do
//! ([`senders`]), fakes Slack's and GitHub's APIs ([`fake_slack`],
//! [`slack_world`], [`fake_github`], [`fake_github_app`], [`fake_github_repo`],
//! [`fake_deliveries`]), holds what Baton posts to Slack's rules
//! ([`slack_rules`]) and sets up a review rotation ([`review_pool`]);
//! [`basics`] holds the secrets, the corpora, the clock and `eventually`;
//! [`test_clock`] moves Baton's time through `BATON_CLOCK_FILE`.
//! What the tests use is re-exported here, as `common::Baton`,
//! `common::hmac_hex` and so on.

#![allow(dead_code)]

pub mod basics;
pub mod baton;
pub mod fake_deliveries;
pub mod fake_github;
pub mod fake_github_app;
pub mod fake_github_repo;
pub mod fake_slack;
pub mod review_pool;
pub mod senders;
pub mod slack_rules;
pub mod slack_world;
pub mod test_clock;

pub use basics::{
    corpora, corpus, eventually, free_port, now, BOT_USER, GITHUB_SECRET, HOOK_TOKEN, SLACK_SECRET,
};
pub use baton::{baton_cli, client, Baton};
pub use senders::{github_signature, hmac_hex, slack_encode_typed};
pub use test_clock::TestClock;
