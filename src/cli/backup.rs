//! `baton backup PATH`: write a consistent copy of the data file. When no
//! Baton holds the file, it is read here from one snapshot; when Baton is
//! running (the file is locked), the running process makes the copy
//! (`GET {BATON_URL}/api/backup`). Either way the copy is opened read-only
//! afterwards and its tables counted before the command says it is done.
//!
//! Exit codes: 0 copy written and checked; 1 the copy failed; 2 usage or
//! configuration error (the target exists, no token to reach a running Baton).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use baton_state::{FileState, StoreError};

use crate::config::Config;

/// A backup of a large file can take a while to make and send.
const TIMEOUT: Duration = Duration::from_secs(300);

pub fn run(config: &Config, dest: &Path) -> ExitCode {
    if config.database_url.is_some() {
        eprintln!("baton backup: the state is in PostgreSQL (BATON_DATABASE_URL); back it up with pg_dump, as any PostgreSQL database");
        return ExitCode::from(2);
    }
    if dest.exists() {
        eprintln!(
            "baton backup: {} already exists; choose a new file name",
            dest.display()
        );
        return ExitCode::from(2);
    }
    match baton_state::backup_file(&config.data, dest) {
        Ok(_) => check_copy(dest, "read from the stopped data file"),
        Err(StoreError::AlreadyOpen { .. }) => from_running_baton(config, dest),
        Err(e) => {
            eprintln!("baton backup: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ask the running Baton for the copy and write it to `dest`.
fn from_running_baton(config: &Config, dest: &Path) -> ExitCode {
    let Some(token) = &config.hook_token else {
        eprintln!("baton backup: {} is in use by a running Baton, which makes the copy itself; set BATON_HOOK_TOKEN (the server's) so this command can ask it", config.data.display());
        return ExitCode::from(2);
    };
    let endpoint = format!("{}/api/backup", config.baton_url.trim_end_matches('/'));
    let answer = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .and_then(|client| client.get(&endpoint).bearer_auth(token.expose()).send());
    let response = match answer {
        Ok(r) => r,
        Err(e) => {
            eprintln!("baton backup: {} is in use by a running Baton, but it cannot be reached at {endpoint} ({}); check BATON_URL", config.data.display(), crate::cli::notify::root_cause(&e));
            return ExitCode::FAILURE;
        }
    };
    let status = response.status();
    if !status.is_success() {
        let body = response.text().unwrap_or_default();
        eprintln!(
            "baton backup: Baton refused (HTTP {}): {body}",
            status.as_u16()
        );
        return ExitCode::FAILURE;
    }
    let bytes = match response.bytes() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("baton backup: the copy did not arrive whole: {e}");
            return ExitCode::FAILURE;
        }
    };
    let partial = dest.with_extension("partial");
    let written = std::fs::write(&partial, &bytes)
        .and_then(|()| std::fs::File::open(&partial)?.sync_all())
        .and_then(|()| std::fs::rename(&partial, dest));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        eprintln!("baton backup: cannot write {}: {e}", dest.display());
        return ExitCode::FAILURE;
    }
    check_copy(dest, "made by the running Baton")
}

/// Open the copy read-only and say what it holds.
fn check_copy(dest: &Path, how: &str) -> ExitCode {
    match baton_state::inspect(dest) {
        Ok(FileState::Readable { schema, tables }) => {
            let records: u64 = tables.iter().map(|(_, n)| n).sum();
            println!(
                "backup written to {} ({how}): schema {schema}, {} tables, {records} records",
                dest.display(),
                tables.len()
            );
            ExitCode::SUCCESS
        }
        Ok(other) => {
            eprintln!(
                "baton backup: the copy at {} does not open ({other:?})",
                dest.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!(
                "baton backup: the copy at {} does not open: {e}",
                dest.display()
            );
            ExitCode::FAILURE
        }
    }
}
