//! The reviewers feature's tests: one file per file they prove
//! (`tests/decide.rs` proves `decide.rs`, …), and the records and helpers
//! they share.

mod assignment;
mod codeowners;
mod commands;
mod decide;
mod execute;
mod lookup;
mod mention;
mod phase;
mod picking;
mod pool;
mod render;
mod requests;
mod waiting;

use crate::command::{self, Command as AnyCommand};
use crate::github::PullRequestEvent;
use crate::reviewers::assignment::AssignedReviewer;
use crate::reviewers::assignment::{Assignment, ReviewStatus};
use crate::reviewers::pool::{Away, People, Pool};
use crate::reviewers::*;
use crate::subcommand::UsageError;
use crate::Caller;
use crate::UnixTime;

const NOW: UnixTime = 1_795_392_000; // 2026-11-23 00:00 UTC
const CHANNEL: &str = "C024BE91L";
const ADMIN: &str = "U0ADMIN01";

fn parse(text: &str) -> Result<Command, UsageError> {
    match command::parse(text)? {
        AnyCommand::Reviewers(command) => Ok(command),
        other => panic!("`{text}` parsed as {other:?}"),
    }
}

fn parse_error(text: &str) -> UsageError {
    let error = parse(text).unwrap_err();
    assert!(
        error.usage.is_some(),
        "`{text}` error lacks usage: {error:?}"
    );
    error
}

fn people() -> People {
    let mut people = People::default();
    people
        .slack_users
        .insert("octocat".into(), "U0G9QF9C6".into());
    people
        .slack_users
        .insert("hubot".into(), "U024BE7LH".into());
    people
}

fn api_pool() -> Pool {
    let mut pool = Pool::new(CHANNEL);
    pool.repos.push("octo-org/api".into());
    for login in ["octocat", "hubot", "monalisa"] {
        pool.add_member(login, &People::default(), NOW);
    }
    pool
}

/// The admin typing in the pool's channel.
static CALLER: std::sync::LazyLock<Caller> =
    std::sync::LazyLock::new(|| Caller::new(ADMIN, CHANNEL));

fn input<'a>(pools: &'a [Pool], people: &'a People) -> CommandInput<'a> {
    CommandInput {
        caller: &CALLER,
        now: NOW,
        pools,
        people,
        pull_request: None,
        existing_assignment: None,
        history: &[],
        reviews: Default::default(),
    }
}

/// A pull request as GitHub describes it when it opens.
fn pull_request() -> PullRequestEvent {
    PullRequestEvent {
        action: "opened".into(),
        repo: "Octo-Org/API".into(),
        number: 1347,
        title: "Retry webhook delivery on 5xx <fast>".into(),
        html_url: "https://github.com/Octo-Org/API/pull/1347".into(),
        author: "monalisa".into(),
        author_is_bot: false,
        body: String::new(),
        draft: false,
        merged: false,
        additions: 120,
        deletions: 31,
        changed_files: 4,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    }
}
