//! `baton serve` (the default command): set up logging, start the server,
//! and on SIGTERM or Ctrl-C shut it down cleanly.

use std::process::ExitCode;
use std::time::Instant;

use crate::config::{Config, LogFormat};
use crate::server;

/// Serves until a termination signal; `process_start` is when the process
/// started, for the startup time logged with "ready".
pub fn run(config: Config, process_start: Instant) -> ExitCode {
    init_logging(&config);
    super::run_async(async move {
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

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.rust_log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: escape codes do not belong in a log file.
    // A log line stderr refuses is dropped and counted, never a panic
    // (`log_output`); tracing-subscriber's own report of it would panic.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(server::log_output::Stderr)
        .log_internal_errors(false);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}
