//! `baton notify deploy`: tell a running Baton about a deploy from a CI or
//! deploy script (including its failure trap). It POSTs the flags as JSON
//! to `{BATON_URL}/hooks/deploy` with `BATON_HOOK_TOKEN` as the bearer
//! token, and with `--log FILE` sends the file's last 50 lines (at most
//! 64 KiB) as the log tail shown in the deploy's thread on failure.
//!
//! Exit codes, for scripts:
//! - `0`: Baton accepted the notice (it prints which deploy and channels);
//! - `1`: Baton answered but refused it (bad field, unknown status, wrong
//!   token, endpoint disabled); its error is printed, resending will not help;
//! - `2`: usage or configuration error found before sending (a bad flag or
//!   `--status`, no token, none of `--version`/`--ref`/`--sha`, a bad `BATON_URL`);
//! - `3`: Baton could not be reached (connection refused, timeout); safe to retry.
//!
//! An unreadable `--log` file is a warning, not an error: the notice is
//! sent without a tail, because a failure trap must still report the failure.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use baton_handlers::deploys::hook::MAX_LOG_TAIL_BYTES;
use serde_json::{json, Value};

use crate::cli::args::NotifyDeploy;
use crate::config::Config;

/// How many log lines are sent.
pub const LOG_LINES: usize = 50;

/// How long to wait for Baton (it answers within milliseconds when up).
const TIMEOUT: Duration = Duration::from_secs(15);

/// Run `baton notify deploy`; the exit code follows the table above.
pub fn deploy(config: &Config, args: &NotifyDeploy) -> ExitCode {
    let Some(token) = config.hook_token.as_ref() else {
        eprintln!(
            "baton notify: BATON_HOOK_TOKEN is not set (the same token the Baton server has)"
        );
        return ExitCode::from(2);
    };
    if args.version.is_none() && args.git_ref.is_none() && args.sha.is_none() {
        eprintln!(
            "baton notify: give at least one of --version, --ref or --sha so Baton can tell deploys apart"
        );
        return ExitCode::from(2);
    }
    let log_tail = args.log.as_deref().and_then(|path| match read_tail(path) {
        Ok(tail) => tail,
        Err(e) => {
            eprintln!(
                "baton notify: warning: cannot read the log {}: {e}; sending without it",
                path.display()
            );
            None
        }
    });
    let body = json!({
        "service": args.service,
        "environment": args.environment,
        "status": args.status,
        "version": args.version,
        "ref": args.git_ref,
        "sha": args.sha,
        "url": args.url,
        "actor": args.actor,
        "deploy_id": args.deploy_id,
        "log_tail": log_tail,
    });
    let endpoint = format!("{}/hooks/deploy", config.baton_url.trim_end_matches('/'));
    let client = match reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("baton notify: cannot build an HTTP client: {e}");
            return ExitCode::from(2);
        }
    };
    let response = match client
        .post(&endpoint)
        .bearer_auth(token.expose())
        .json(&body)
        .send()
    {
        Ok(r) => r,
        Err(e) if e.is_builder() => {
            eprintln!(
                "baton notify: BATON_URL `{}` is not usable: {e}",
                config.baton_url
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!(
                "baton notify: cannot reach Baton at {endpoint}: {}",
                root_cause(&e)
            );
            return ExitCode::from(3);
        }
    };
    let status = response.status();
    let answer: Value = response.json().unwrap_or(Value::Null);
    if status.is_success() {
        println!("{}", describe_accepted(&answer));
        ExitCode::SUCCESS
    } else {
        let error = answer["error"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
        eprintln!(
            "baton notify: Baton refused the notice (HTTP {}): {error}",
            status.as_u16()
        );
        ExitCode::from(1)
    }
}

/// The deepest error in the chain (reqwest's top level says only "error
/// sending request").
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if std::ptr::eq(cause, e) {
        e.to_string()
    } else {
        format!("{e}: {cause}")
    }
}

/// `accepted: deploy hook:web:production:v1 (in_progress), posted in C1, C2`.
fn describe_accepted(answer: &Value) -> String {
    let mut out = format!(
        "accepted: deploy {} ({})",
        answer["deploy"].as_str().unwrap_or("?"),
        answer["status"].as_str().unwrap_or("?")
    );
    let channels: Vec<&str> = answer["channels"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !channels.is_empty() {
        out.push_str(&format!(", shown in {}", channels.join(", ")));
    }
    if answer["lock"]["locked"] == true {
        out.push_str(&format!(
            "\nwarning: this environment is locked by {} until {}: {}",
            answer["lock"]["by"].as_str().unwrap_or("?"),
            answer["lock"]["expires_at"].as_str().unwrap_or("?"),
            answer["lock"]["reason"]
                .as_str()
                .unwrap_or("no reason given")
        ));
    }
    if let Some(note) = answer["note"].as_str() {
        out.push_str(&format!("\nnote: {note}"));
    }
    out
}

/// The last [`LOG_LINES`] lines of the file, at most [`MAX_LOG_TAIL_BYTES`]
/// (cut at a line or character boundary); `None` for an empty file.
fn read_tail(path: &Path) -> std::io::Result<Option<String>> {
    let bytes = std::fs::read(path)?;
    Ok(tail_of(&String::from_utf8_lossy(&bytes)))
}

fn tail_of(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(LOG_LINES);
    let mut tail = lines[start..].join("\n");
    if tail.len() > MAX_LOG_TAIL_BYTES {
        let mut cut = tail.len() - MAX_LOG_TAIL_BYTES;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = tail[cut..].to_string();
    }
    (!tail.trim().is_empty()).then_some(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_fifty_lines() {
        let text: String = (1..=120).map(|i| format!("line {i}\n")).collect();
        let tail = tail_of(&text).unwrap();
        assert_eq!(tail.lines().count(), LOG_LINES);
        assert!(tail.starts_with("line 71\n") && tail.ends_with("line 120"));
        assert_eq!(tail_of("only\n").as_deref(), Some("only"));
        assert_eq!(tail_of("\n\n  \n"), None);
    }

    #[test]
    fn tail_is_capped_at_the_hook_limit_on_a_char_boundary() {
        let text = "é".repeat(MAX_LOG_TAIL_BYTES); // one long line, 2 bytes a char
        let tail = tail_of(&text).unwrap();
        assert!(tail.len() <= MAX_LOG_TAIL_BYTES);
        assert!(tail.chars().all(|c| c == 'é'));
    }

    #[test]
    fn accepted_summary_names_deploy_channels_and_note() {
        let text = describe_accepted(&json!({
            "deploy": "hook:web:production:v1", "status": "in_progress",
            "channels": ["C1", "C2"], "note": "n",
            "lock": {"locked": true, "by": "U1", "reason": null, "expires_at": "2026-11-23T15:00:00Z"}
        }));
        assert_eq!(
            text,
            "accepted: deploy hook:web:production:v1 (in_progress), shown in C1, C2\n\
             warning: this environment is locked by U1 until 2026-11-23T15:00:00Z: no reason given\n\
             note: n"
        );
    }
}
