//! The review lifecycle's tests: one file per file they prove
//! (`tests/decide.rs` proves `decide.rs`, …), and what they share.

mod commands;
mod decide;
mod execute;
mod hours;
mod record;
mod render;
mod settings;
mod track;

use crate::reviewers::lifecycle::record::TrackedPullRequest;
use crate::UnixTime;

/// Monday 2026-11-23 00:00 UTC.
const NOW: UnixTime = 1_795_392_000;

/// Pull request `number` of `octo-org/api` by torvalds, followed in C1
/// since [`NOW`], open and waiting on no one: each test changes only the
/// fields it is about (`TrackedPullRequest { title: …, ..open_pull_request(7) }`).
fn open_pull_request(number: u64) -> TrackedPullRequest {
    TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: "C1".into(),
        title: format!("Change <{number}>"),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: "torvalds".into(),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        opened_at: NOW,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
    }
}
