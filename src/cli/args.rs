//! The command line's flags: clap definitions of every subcommand. No logic
//! lives here beyond turning flags into config layers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Layers;

#[derive(Parser, Debug)]
#[command(
    name = "baton",
    version,
    about = "Chat-ops bot server: PR reviewer rotation, deploy notices, error reports",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Path of baton.toml (default ./baton.toml, optional).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// `--listen`/`--data` for plain `baton` (which serves).
    #[command(flatten)]
    pub place: PlaceFlags,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the server listens and keeps its data: flags that override every
/// other configuration layer, offered only by the subcommands they affect.
#[derive(Args, Debug, Clone, Default)]
pub struct PlaceFlags {
    /// Listen address (BATON_LISTEN), e.g. 127.0.0.1:3000 or localhost:3000.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Data file (BATON_DATA).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

/// Only the data file (for subcommands that do not listen).
#[derive(Args, Debug, Clone, Default)]
pub struct DataFlag {
    /// Data file (BATON_DATA).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

/// Only the listen address (for subcommands that talk to the local server).
#[derive(Args, Debug, Clone, Default)]
pub struct ListenFlag {
    /// Listen address of the local Baton (BATON_LISTEN).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

impl Cli {
    /// The configuration layers: `--config`, and the `--listen`/`--data`
    /// flags of whichever subcommand was given.
    pub fn layers(&self) -> Layers {
        let (listen, data) = match &self.command {
            None => (self.place.listen.clone(), self.place.data.clone()),
            Some(Command::Serve(p) | Command::Doctor(p))
            | Some(Command::Config(ConfigCommand::Check(p))) => (p.listen.clone(), p.data.clone()),
            Some(Command::Backup { data, .. })
            | Some(Command::Check(data))
            | Some(Command::Outbox(
                OutboxCommand::List { data, .. } | OutboxCommand::Retry { data, .. },
            )) => (None, data.data.clone()),
            Some(Command::Healthcheck(l)) => (l.listen.clone(), None),
            Some(_) => (None, None),
        };
        let mut flags = BTreeMap::new();
        if let Some(listen) = listen {
            flags.insert("BATON_LISTEN".to_string(), listen);
        }
        if let Some(data) = data {
            flags.insert("BATON_DATA".to_string(), data.display().to_string());
        }
        Layers {
            flags,
            toml_path: self.config.clone(),
            read_dotenv: true,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve(PlaceFlags),
    /// Start a throwaway server and drive a realistic scenario through it.
    Demo,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Tell a running Baton about something (for CI scripts).
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Slack app set-up helpers.
    #[command(subcommand)]
    Slack(SlackCommand),
    /// GitHub set-up helpers.
    #[command(subcommand)]
    Github(GithubCommand),
    /// Check each configured secret, token, URL and file, with a fix for each failure.
    Doctor(PlaceFlags),
    /// Write a consistent copy of the data file to PATH (safe while Baton runs).
    #[command(
        long_about = "Write a consistent copy of the data file to PATH (safe while Baton runs).\n\n\
        Copying the redb file with cp while Baton runs can catch a commit half-written. \
        This command copies one read transaction (a snapshot) table by table into a new file, \
        then opens the copy to check it. If Baton is running, the running process makes the copy \
        (GET {BATON_URL}/api/backup with BATON_HOOK_TOKEN); otherwise this command reads the file itself.\n\n\
        Exit codes: 0 copy written and checked; 1 the copy failed; 2 usage or configuration error."
    )]
    Backup {
        /// Where to write the copy (must not exist yet).
        #[arg(value_name = "PATH")]
        path: PathBuf,
        #[command(flatten)]
        data: DataFlag,
    },
    /// Exit 0 if the local Baton answers GET /readyz with 200, else 1 (for container health checks).
    Healthcheck(ListenFlag),
    /// Look at the outbox and its dead letters, and requeue them (with Baton stopped).
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Verify the data file offline: redb's integrity check and every record decoded.
    Check(DataFlag),
    /// Copy a stopped Baton's data file into PostgreSQL (to run replicas) and verify the counts.
    #[command(
        long_about = "Copy a stopped Baton's data file into PostgreSQL (to run several replicas) and verify the counts.\n\n\
        Every record is copied in one transaction of the target: rotations, mappings, subscriptions, \
        locks, open error windows, posted messages, the pending outbox and dead letters, the delivery \
        ids still kept for dedup, and the counters. A target that already holds Baton data is refused \
        unless --into-non-empty is given.\n\n\
        Exit codes: 0 copied and verified; 1 the copy failed (nothing written); 2 the target is not empty."
    )]
    Migrate {
        /// The data file to copy (Baton must be stopped).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The target: a postgres:// URL (or another data file).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Copy even if the target already holds data (same keys are overwritten).
        #[arg(long)]
        into_non_empty: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// List the items waiting to be sent (or, with --dead, the dead letters).
    List {
        /// List the dead letters instead.
        #[arg(long)]
        dead: bool,
        #[command(flatten)]
        data: DataFlag,
    },
    /// Move a dead letter (by id), or all of them, back into the outbox.
    Retry {
        /// A dead letter's id, or `all`.
        target: String,
        #[command(flatten)]
        data: DataFlag,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print every bad setting, then the effective settings (secrets redacted); exit 2 on a bad setting.
    Check(PlaceFlags),
    /// Print a .env.example with every setting, its default and meaning.
    Example,
}

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Report a deploy's progress (for a deploy script, including its failure trap).
    Deploy(NotifyDeploy),
}

/// The deploy statuses `POST /hooks/deploy` accepts.
pub const DEPLOY_STATUSES: [&str; 4] = ["started", "succeeded", "failed", "cancelled"];

#[derive(Args, Debug, Clone)]
#[command(after_long_help = "\
Environment:
  BATON_URL         where the running Baton is (default http://127.0.0.1:3000); also read from .env or baton.toml
  BATON_HOOK_TOKEN  the bearer token the Baton server has (required)

Exit codes:
  0  Baton accepted the notice (it prints which deploy and channels)
  1  Baton answered but refused it (bad field, wrong token, endpoint disabled): resending will not help
  2  usage or configuration error, found before sending (bad flag or --status, no token, none of --version/--ref/--sha)
  3  Baton could not be reached (connection refused, timeout): safe to retry

Example (a deploy script with a failure trap):
  trap 'baton notify deploy --service web --env production --sha \"$GIT_SHA\" --status failed --log deploy.log' ERR
  baton notify deploy --service web --env production --sha \"$GIT_SHA\" --status started --url \"$CI_JOB_URL\"")]
pub struct NotifyDeploy {
    /// The service deployed, e.g. checkout-api (channels watch services).
    #[arg(long)]
    pub service: String,
    /// The environment, e.g. production.
    #[arg(long = "env")]
    pub environment: String,
    /// Where the deploy is.
    #[arg(long, value_parser = DEPLOY_STATUSES)]
    pub status: String,
    /// A version label, e.g. v1.42.0 (give at least one of --version, --ref, --sha).
    #[arg(long)]
    pub version: Option<String>,
    /// The git ref deployed, e.g. main or refs/tags/v1.42.0.
    #[arg(long = "ref")]
    pub git_ref: Option<String>,
    /// The commit deployed.
    #[arg(long)]
    pub sha: Option<String>,
    /// A link to the CI run or deploy log (http or https).
    #[arg(long)]
    pub url: Option<String>,
    /// Who deployed.
    #[arg(long)]
    pub actor: Option<String>,
    /// An id that tells reruns of one version apart (e.g. the CI run number); one Slack message per id.
    #[arg(long = "deploy-id")]
    pub deploy_id: Option<String>,
    /// A log file; its last 50 lines (at most 64 KiB) are sent and shown in the thread on failure.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum SlackCommand {
    /// Print the Slack app manifest: with the request URLs filled in (--url),
    /// or for Socket Mode, with no request URLs (--socket-mode).
    Manifest {
        /// Public base URL of this Baton, e.g. https://baton.example.com
        #[arg(
            long,
            required_unless_present = "socket_mode",
            conflicts_with = "socket_mode"
        )]
        url: Option<String>,
        /// Socket Mode: Baton connects to Slack (SLACK_APP_TOKEN), so Slack needs no URL.
        #[arg(long)]
        socket_mode: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum GithubCommand {
    /// Print how to create the GitHub webhook for this Baton.
    Webhook {
        /// Public base URL of this Baton, e.g. https://baton.example.com
        #[arg(long)]
        url: String,
    },
    /// Print a GitHub App manifest for this Baton (GitHub's manifest flow; see the README).
    AppManifest {
        /// Public HTTPS base URL of this Baton, e.g. https://baton.example.com
        #[arg(long)]
        url: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn notify_accepts_exactly_the_statuses_the_hook_accepts() {
        let hook: Vec<&str> = baton_handlers::deploys::hook::HookStatus::NAMES
            .iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(DEPLOY_STATUSES.to_vec(), hook);
    }

    #[test]
    fn the_manifest_takes_a_url_or_socket_mode() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.command);
        assert!(parse(&["baton", "slack", "manifest", "--socket-mode"]).is_ok());
        assert!(parse(&["baton", "slack", "manifest", "--url", "https://x"]).is_ok());
        assert!(parse(&["baton", "slack", "manifest"]).is_err());
        assert!(parse(&[
            "baton",
            "slack",
            "manifest",
            "--url",
            "https://x",
            "--socket-mode"
        ])
        .is_err());
    }

    #[test]
    fn listen_and_data_only_where_they_mean_something() {
        let with = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.layers().flags);
        assert_eq!(
            with(&["baton", "--listen", "127.0.0.1:1"]).unwrap()["BATON_LISTEN"],
            "127.0.0.1:1"
        );
        assert_eq!(
            with(&["baton", "serve", "--data", "x.redb"]).unwrap()["BATON_DATA"],
            "x.redb"
        );
        assert!(with(&["baton", "doctor", "--listen", "127.0.0.1:1"]).is_ok());
        assert!(with(&["baton", "config", "check", "--data", "x"]).is_ok());
        assert!(with(&["baton", "backup", "copy.redb", "--data", "x"]).is_ok());
        for reads_the_file in [
            &["baton", "check", "--data", "x"][..],
            &["baton", "outbox", "list", "--dead", "--data", "x"],
            &["baton", "outbox", "retry", "all", "--data", "x"],
        ] {
            assert_eq!(with(reads_the_file).unwrap()["BATON_DATA"], "x");
        }
        for meaningless in [
            &[
                "baton",
                "slack",
                "manifest",
                "--url",
                "https://x",
                "--listen",
                "1.2.3.4:5",
            ][..],
            &[
                "baton",
                "notify",
                "deploy",
                "--service",
                "s",
                "--env",
                "e",
                "--status",
                "started",
                "--data",
                "x",
            ],
            &["baton", "demo", "--data", "x"],
            &["baton", "config", "example", "--listen", "1.2.3.4:5"],
            &["baton", "--listen", "1.2.3.4:5", "doctor"],
        ] {
            assert!(with(meaningless).is_err(), "{meaningless:?} was accepted");
        }
    }
}
