//! The operator's commands, one file each (`serve`, `demo`, `doctor`,
//! `backup`, `outbox`, …), and [`run`], which starts the one the command
//! line names. The flags themselves are defined in `args.rs`.

pub mod args;
pub mod backup;
pub mod config_check;
pub mod demo;
pub mod doctor;
pub mod healthcheck;
pub mod migrate;
pub mod notify;
pub mod outbox;
#[cfg(test)]
mod packaging_check;
pub mod serve;
pub mod setup;

use std::process::ExitCode;
use std::time::Instant;

use crate::cli::args::{Cli, Command, ConfigCommand, GithubCommand, NotifyCommand, SlackCommand};
use crate::config::{self, Config};

/// Runs the command `cli` names (`serve` when it names none).
/// `process_start`: when the process started, for the startup time `serve` logs.
pub fn run(cli: Cli, process_start: Instant) -> ExitCode {
    let layers = cli.layers();
    let command = cli.command.unwrap_or(Command::Serve(cli.place));
    // The commands that need no configuration.
    match &command {
        Command::Config(ConfigCommand::Example) => {
            print!("{}", config::settings::env_example());
            return ExitCode::SUCCESS;
        }
        Command::Config(ConfigCommand::Check(_)) => return config_check::run(&layers),
        Command::Demo => return run_async(demo::run()),
        Command::Slack(SlackCommand::Manifest { url, socket_mode }) => {
            return match url {
                Some(url) if !socket_mode => print_or_fail(setup::slack_manifest(url)),
                _ => print_or_fail(Ok(setup::slack_manifest_socket_mode())),
            };
        }
        Command::Github(GithubCommand::Webhook { url }) => {
            return print_or_fail(setup::github_webhook_help(url))
        }
        Command::Github(GithubCommand::AppManifest { url }) => {
            return print_or_fail(setup::github_app_manifest(url))
        }
        _ => {}
    }
    let config = match Config::load(&layers) {
        Ok((config, _)) => config,
        Err(e) => {
            for line in e.0.lines() {
                eprintln!("baton: configuration error: {line}");
            }
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Serve(_) => serve::run(config, process_start),
        Command::Healthcheck(_) => healthcheck::run(&config),
        Command::Backup { path, .. } => backup::run(&config, &path),
        Command::Doctor(_) => doctor::command(&config),
        Command::Notify(NotifyCommand::Deploy(args)) => notify::deploy(&config, &args),
        Command::Outbox(command) => outbox::run(&config, &command),
        Command::Check(_) => outbox::check(&config),
        Command::Migrate {
            from,
            to,
            into_non_empty,
        } => migrate::run(&from, &to, into_non_empty),
        _ => {
            eprintln!("baton: this subcommand is not available yet");
            ExitCode::from(2)
        }
    }
}

/// Prints a command's text, or its error with exit code 2.
fn print_or_fail(text: anyhow::Result<String>) -> ExitCode {
    match text {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("baton: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs `future` on a multi-threaded runtime; its error is printed and exits 1.
fn run_async(future: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("baton: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(future) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baton: {e:#}");
            ExitCode::FAILURE
        }
    }
}
