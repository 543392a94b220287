//! The black-box tests: the real `baton` binary on loopback, driven over
//! HTTP and its command line, against local fakes of Slack's and GitHub's
//! APIs (`common`). One test binary for all of them, so the fakes and the
//! HTTP client are compiled and linked once, not once per file.

mod common;

mod catch_up;
mod core;
mod demo;
mod deploy_gate;
mod deploys;
mod errors;
mod full_disk;
mod github_app;
mod hostile_clients;
mod hostile_text;
mod layout;
mod lock_queue;
mod onboarding;
mod operating;
mod reliability;
mod replicas;
mod reviewer_picks;
mod reviewers;
mod reviews;
mod robustness;
mod sentry;
mod socket_mode;
