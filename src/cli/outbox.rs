//! `baton outbox list|retry` and `baton check`: the operator's view of the
//! outbox and the data file, run against the file with Baton stopped (redb
//! lets one process open it; a running Baton is named in the error).

use std::process::ExitCode;

use baton_handlers::Outbound;
use baton_state::{OutboxItem, Store};

use crate::cli::args::OutboxCommand;
use crate::config::Config;

/// `baton outbox …`: exit 0 done, 1 the store failed, 2 usage.
pub fn run(config: &Config, command: &OutboxCommand) -> ExitCode {
    let store = match crate::server::open_store(config) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("baton: {e}");
            return ExitCode::FAILURE;
        }
    };
    let now = crate::clock::now();
    match command {
        OutboxCommand::List { dead: false, .. } => match store.pending_outbox(usize::MAX) {
            Ok(items) => {
                println!("{} item(s) waiting", items.len());
                for item in &items {
                    println!("{}", describe(item, now));
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        OutboxCommand::List { dead: true, .. } => match store.dead_letters() {
            Ok(letters) => {
                println!("{} dead letter(s)", letters.len());
                for letter in &letters {
                    println!(
                        "{}\n    failed for good: {}",
                        describe(&letter.item, now),
                        letter.reason
                    );
                }
                if !letters.is_empty() {
                    println!("Requeue with `baton outbox retry <id>` or `baton outbox retry all`.");
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        OutboxCommand::Retry { target, .. } => {
            let id = match target.as_str() {
                "all" => None,
                other => match other.parse::<u64>() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        eprintln!("baton: `{other}` is neither a dead letter's id nor `all`");
                        return ExitCode::from(2);
                    }
                },
            };
            match store.write(|tx| tx.requeue_dead_letters(id, now)) {
                Ok(ids) if ids.is_empty() => {
                    match id {
                        Some(id) => eprintln!(
                            "baton: no dead letter has id {id} (see `baton outbox list --dead`)"
                        ),
                        None => println!("No dead letters to requeue."),
                    }
                    if id.is_some() {
                        ExitCode::FAILURE
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Ok(ids) => {
                    println!(
                        "Requeued {} item(s): {}. They are sent when Baton next runs.",
                        ids.len(),
                        ids.iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

/// `baton check`: exit 0 sound, 1 damaged or unreadable.
pub fn check(config: &Config) -> ExitCode {
    let path = &config.data;
    match Store::check(path) {
        Ok(report) => {
            println!("Data file {}", path.display());
            for (table, count) in &report.tables {
                println!("  {table:<24} {count} record(s)");
            }
            if report.is_ok() {
                println!("OK: redb's integrity check passed and every record decodes.");
                ExitCode::SUCCESS
            } else {
                for problem in &report.problems {
                    println!("  problem: {problem}");
                }
                println!("{} problem(s) found.", report.problems.len());
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("baton: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fail(e: baton_state::StoreError) -> ExitCode {
    eprintln!("baton: {e}");
    ExitCode::FAILURE
}

/// One line about an item: id, service, what, age, attempts, last error.
fn describe(item: &OutboxItem, now: i64) -> String {
    let what = match &item.action {
        Outbound::SlackPost { channel, key, .. } => match key {
            Some(key) => format!("post in {channel} ({key})"),
            None => format!("post in {channel}"),
        },
        Outbound::SlackUpdate { channel, key, .. } => format!("update in {channel} ({key})"),
        Outbound::SlackDirect { user, .. } => format!("direct message to {user}"),
        Outbound::SlackHome { user, .. } => format!("App Home of {user}"),
        Outbound::GithubRequestReviewers {
            repo,
            number,
            reviewers,
            ..
        } => {
            format!("request {} on {repo}#{number}", reviewers.join(", "))
        }
        Outbound::GithubRemoveReviewers {
            repo,
            number,
            reviewers,
            ..
        } => {
            format!("remove {} from {repo}#{number}", reviewers.join(", "))
        }
        Outbound::GithubDeploymentReview {
            repo,
            environment,
            state,
            ..
        } => format!(
            "answer {} the deploy of {repo} to {environment}",
            state.as_str()
        ),
    };
    let mut line = format!(
        "#{:<6} {:<6} {what}; queued {}s ago, {} attempt(s)",
        item.id,
        item.action.service(),
        (now - item.created_at).max(0),
        item.attempts
    );
    if let Some(error) = &item.last_error {
        line.push_str(&format!("; last error: {error}"));
    }
    if item.in_flight_since.is_some() {
        line.push_str("; may have been posted (looked for in the channel before posting again)");
    }
    line
}
