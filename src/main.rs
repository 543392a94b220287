//! The `baton` binary: parse the command line and run the chosen command.
//!
//! The source tree, as a map:
//! - `cli/` — the operator's commands, one file each (`serve`, `demo`,
//!   `doctor`, `backup`, `outbox`, …) and the flags (`cli/args.rs`);
//! - `server/` — the running server: HTTP routes and signatures, the
//!   writer, the outbox dispatcher, Socket Mode, catch-up, timed work;
//! - `apply/` — one accepted event: read what the decision needs, call
//!   `handlers/`, store its `Outcome` in one transaction;
//! - `clients/` — Slack's and GitHub's Web APIs;
//! - `config/` — the settings; `clock.rs` — the one place the time is read.

mod apply;
mod cli;
mod clients;
mod clock;
mod config;
mod server;

/// mimalloc instead of glibc's malloc: every webhook allocates and frees a
/// 25–30 KB body on whichever worker thread runs it, which glibc handles
/// slowly (interleaved A/B runs of `bench/ingest.sh`'s load: durable ingest
/// +7–10 %). `no_thp` keeps idle memory at glibc's level (transparent huge
/// pages doubled it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let process_start = std::time::Instant::now();
    cli::run(clap::Parser::parse(), process_start)
}
