//! The `baton` binary: parse the command line, load the configuration, set
//! up logging, and run the chosen subcommand.

mod app_state;
mod apply;
mod attempt;
mod backup;
mod catch_up;
mod cli;
mod clock;
mod config;
mod demo;
mod doctor;
mod github;
mod github_app;
mod healthcheck;
mod http;
mod log_output;
mod lookups;
mod metrics;
mod migrate;
mod notify;
mod outbox;
mod outbox_cli;
#[cfg(test)]
mod packaging_check;
mod profiles;
mod server;
mod setup;
mod slack;
mod slack_inbound;
mod socket_mode;
mod writer;

/// mimalloc instead of glibc's malloc: every webhook allocates and frees a
/// 25–30 KB body on whichever worker thread runs it, which glibc handles
/// slowly (interleaved A/B runs of `bench/ingest.sh`'s load: durable ingest
/// +7–10 %). `no_thp` keeps idle memory at glibc's level (transparent huge
/// pages doubled it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, ConfigCommand, GithubCommand, SlackCommand};
use crate::config::{Config, LogFormat};

/// Seconds since the Unix epoch, for decisions and records: [`clock::now`].
pub fn unix_now() -> i64 {
    clock::now()
}

fn main() -> ExitCode {
    let process_start = std::time::Instant::now();
    let cli = Cli::parse();
    let layers = cli.layers();
    let command = cli.command.unwrap_or(Command::Serve(cli.place));
    if let Command::Config(ConfigCommand::Example) = command {
        print!("{}", config::env_example());
        return ExitCode::SUCCESS;
    }
    if let Command::Demo = command {
        return run_async(demo::run());
    }
    if let Command::Slack(SlackCommand::Manifest { url, socket_mode }) = &command {
        return match url {
            Some(url) if !socket_mode => print_or_fail(setup::slack_manifest(url)),
            _ => print_or_fail(Ok(setup::slack_manifest_socket_mode())),
        };
    }
    if let Command::Github(GithubCommand::Webhook { url }) = &command {
        return print_or_fail(setup::github_webhook_help(url));
    }
    if let Command::Github(GithubCommand::AppManifest { url }) = &command {
        return print_or_fail(setup::github_app_manifest(url));
    }
    if let Command::Config(ConfigCommand::Check(_)) = command {
        return config_check(&layers);
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
        Command::Healthcheck(_) => healthcheck::run(&config),
        Command::Backup { path, .. } => backup::run(&config, &path),
        Command::Serve(_) => {
            init_logging(&config);
            run_async(async move {
                let server = server::start(config).await?;
                tracing::info!(
                    startup_ms = process_start.elapsed().as_millis() as u64,
                    "ready"
                );
                server::termination_signal().await;
                tracing::info!("shutting down: finishing requests in flight");
                server.shutdown();
                server.wait().await
            })
        }
        Command::Doctor(_) => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("baton: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let (checks, ok) = runtime.block_on(doctor::run(&config));
            doctor::print(&checks);
            let off = config::unusable_features(&config);
            if !off.is_empty() {
                println!("Not usable with these settings:");
                for feature in &off {
                    println!("  - {feature}");
                }
            }
            if !ok {
                println!("Some checks failed: see the fixes above.");
                ExitCode::FAILURE
            } else if config::nothing_accepted(&config) {
                println!("Baton would start, but every endpoint would answer 503: set at least one of SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, GITHUB_WEBHOOK_SECRET, BATON_HOOK_TOKEN.");
                ExitCode::FAILURE
            } else if off.is_empty() {
                println!("All checks passed.");
                ExitCode::SUCCESS
            } else {
                println!("All checks passed for what is configured.");
                ExitCode::SUCCESS
            }
        }
        Command::Notify(cli::NotifyCommand::Deploy(args)) => notify::deploy(&config, &args),
        Command::Outbox(command) => outbox_cli::run(&config, &command),
        Command::Check(_) => outbox_cli::check(&config),
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

/// `baton config check`: every bad setting on stderr, then the table of
/// effective settings; exit 2 if any setting is bad.
fn config_check(layers: &config::Layers) -> ExitCode {
    let sources = match Config::load_values(layers) {
        Ok(values) => values,
        Err(e) => {
            eprintln!("baton: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let problems = config::problems(&sources);
    for problem in &problems {
        eprintln!("baton: configuration error: {problem}");
    }
    print!("{}", config::describe(&sources));
    if !problems.is_empty() {
        println!(
            "configuration has {} bad setting{}: see the errors above",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        return ExitCode::from(2);
    }
    let config = match Config::from_values(&sources) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("baton: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    for name in config::short_secrets(&config) {
        println!(
            "warning: {name} is shorter than {} characters; use a long random value, e.g. `openssl rand -hex 32`",
            config::MIN_SECRET_CHARS
        );
    }
    let off = config::unusable_features(&config);
    if off.is_empty() {
        println!("configuration OK");
    } else {
        println!("configuration OK, but not usable with these settings:");
        for feature in &off {
            println!("  - {feature}");
        }
    }
    ExitCode::SUCCESS
}

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

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.rust_log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: escape codes do not belong in a log file.
    // A log line stderr refuses is dropped and counted, never a panic
    // (`log_output`); tracing-subscriber's own report of it would panic.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(log_output::Stderr)
        .log_internal_errors(false);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

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
