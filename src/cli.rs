//! The command line: clap definitions of every subcommand. No logic lives
//! here beyond turning flags into config layers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Layers;

#[derive(Parser, Debug)]
#[command(
    name = "baton",
    version,
    about = "Chat-ops bot server: PR reviewer rotation, deploy notices, error reports"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalFlags,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags that override every other configuration layer.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalFlags {
    /// Path of baton.toml (default ./baton.toml, optional).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen address (BATON_LISTEN).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Data file (BATON_DATA).
    #[arg(long, global = true, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

impl GlobalFlags {
    pub fn layers(&self) -> Layers {
        let mut flags = BTreeMap::new();
        if let Some(listen) = &self.listen {
            flags.insert("BATON_LISTEN".to_string(), listen.clone());
        }
        if let Some(data) = &self.data {
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
    Serve,
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
    Doctor,
    /// Look at the outbox and its dead letters, and requeue them (with Baton stopped).
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Verify the data file offline: redb's integrity check and every record decoded.
    Check,
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// List the items waiting to be sent (or, with --dead, the dead letters).
    List {
        /// List the dead letters instead.
        #[arg(long)]
        dead: bool,
    },
    /// Move a dead letter (by id), or all of them, back into the outbox.
    Retry {
        /// A dead letter's id, or `all`.
        target: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective settings (secrets redacted); non-zero exit on a bad setting.
    Check,
    /// Print a .env.example with every setting, its default and meaning.
    Example,
}

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Report a deploy's progress (for a deploy script, including its failure trap).
    Deploy(NotifyDeploy),
}

#[derive(Args, Debug, Clone)]
pub struct NotifyDeploy {
    #[arg(long)]
    pub service: String,
    #[arg(long = "env")]
    pub environment: String,
    /// started, succeeded, failed or cancelled.
    #[arg(long)]
    pub status: String,
    #[arg(long)]
    pub version: Option<String>,
    #[arg(long)]
    pub url: Option<String>,
    #[arg(long)]
    pub actor: Option<String>,
    #[arg(long = "deploy-id")]
    pub deploy_id: Option<String>,
    /// A log file; its last 50 lines are sent.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum SlackCommand {
    /// Print the Slack app manifest with the request URLs filled in.
    Manifest {
        /// Public base URL of this Baton, e.g. https://baton.example.com
        #[arg(long)]
        url: String,
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
}
