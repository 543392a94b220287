//! The `/baton` subcommands of the deploys feature: `deploys watch`,
//! `deploys unwatch`, `deploys gate`, `deploys ungate`, `deploys list`,
//! `lock`, `unlock` (and `unlock <env> --queue`) and `locks`: their
//! table ([`COMMANDS`]) and parsing ([`parse_args`]). What each decides is
//! [`mod@super::execute`].

use super::gate::GithubCheck;
use super::lock::{MAX_LOCK_SECS, MAX_REASON_CHARS};
use super::watch::DeployTarget;
use crate::subcommand::{CommandSpec, UsageError};
use crate::text::{format_duration, parse_duration, parse_repo_pattern};

const TARGET_ARGS: &str = "<owner/repo|owner/*|service> [environment] [workflow=<name or file>]";
const WATCH_ARGS: &str =
    "<owner/repo|owner/*|service> [environment] [workflow=<name or file>] [only=failures]";

/// The typed names of this feature's subcommands; [`COMMANDS`] gives each
/// its words, help and rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Name {
    Watch,
    Unwatch,
    Gate,
    Ungate,
    List,
    Lock,
    Unlock,
    Locks,
}

/// The `/baton` subcommands of this feature.
pub const COMMANDS: &[(Name, CommandSpec)] = &[
    (
        Name::Watch,
        CommandSpec {
        name: "deploys watch",
        args: WATCH_ARGS,
        summary: "Post deploys of a repo or CI service in this channel (workflow= makes that workflow's runs deploys; only=failures posts only failed ones and their fix)",
        admin_only: true,
        read_only: false,
        example: "deploys watch octo-org/octo-repo production workflow=deploy.yml",
    },
    ),
    (
        Name::Unwatch,
        CommandSpec {
        name: "deploys unwatch",
        args: TARGET_ARGS,
        summary: "Stop posting those deploys in this channel",
        admin_only: true,
        read_only: false,
        example: "deploys unwatch octo-org/octo-repo production",
    },
    ),
    (
        Name::Gate,
        CommandSpec {
        name: "deploys gate",
        args: "<owner/repo> <environment> [approval]",
        summary: "Guard deploys of a repo to an environment (Baton as its GitHub deployment protection rule): they wait while it is locked, and with `approval` for an Approve here",
        admin_only: true,
        read_only: false,
        example: "deploys gate octo-org/octo-repo production approval",
    },
    ),
    (
        Name::Ungate,
        CommandSpec {
        name: "deploys ungate",
        args: "<owner/repo> <environment>",
        summary: "Stop guarding those deploys from this channel",
        admin_only: true,
        read_only: false,
        example: "deploys ungate octo-org/octo-repo production",
    },
    ),
    (
        Name::List,
        CommandSpec {
        name: "deploys list",
        args: "",
        summary: "Show which deploys this channel watches and guards",
        admin_only: false,
        read_only: true,
        example: "deploys list",
    },
    ),
    (
        Name::Lock,
        CommandSpec {
        name: "lock",
        args: "<environment> [for <duration>] [reason…]",
        summary: "Lock an environment against deploys (default 4h; e.g. for 30m, 2h, 1d); if someone holds it, join its queue",
        admin_only: false,
        read_only: false,
        example: "lock production for 2h migrating the orders table",
    },
    ),
    (
        Name::Unlock,
        CommandSpec {
        name: "unlock",
        args: "<environment> [--queue]",
        summary: "Release an environment's lock (it passes to the first in its queue); with --queue, leave its queue",
        admin_only: false,
        read_only: false,
        example: "unlock production",
    },
    ),
    (
        Name::Locks,
        CommandSpec {
        name: "locks",
        args: "",
        summary: "Show the environments locked now and who waits for each",
        admin_only: false,
        read_only: true,
        example: "locks",
    },
    ),
];

/// A parsed subcommand of this feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Watch {
        target: DeployTarget,
        environment: Option<String>,
        workflow: Option<String>,
        /// `only=failures`.
        failures_only: bool,
    },
    Unwatch {
        target: DeployTarget,
        environment: Option<String>,
        /// `None`: every watch of that target and environment.
        workflow: Option<String>,
    },
    Gate {
        /// `owner/repo`, lower case.
        repo: String,
        environment: String,
        approval: bool,
        /// What GitHub says about them: filled in by the server before
        /// deciding (parsing leaves it unchecked).
        check: GithubCheck,
    },
    Ungate {
        repo: String,
        environment: String,
    },
    List,
    Lock {
        environment: String,
        /// Seconds; `None` means the configured default
        /// ([`Policy::lock_default_secs`](super::Policy::lock_default_secs)).
        duration: Option<i64>,
        reason: Option<String>,
    },
    Unlock {
        environment: String,
    },
    /// `unlock <environment> --queue`: leave that environment's queue.
    LeaveQueue {
        environment: String,
    },
    Locks,
}

impl Command {
    /// The subcommand's typed name (its entry in [`COMMANDS`]). Watches
    /// are admin-only; locks are not: anyone about to do risky work may
    /// lock, and anyone may release a lock whose holder is away (the
    /// release is announced, naming both).
    pub fn name(&self) -> Name {
        match self {
            Command::Watch { .. } => Name::Watch,
            Command::Unwatch { .. } => Name::Unwatch,
            Command::Gate { .. } => Name::Gate,
            Command::Ungate { .. } => Name::Ungate,
            Command::List => Name::List,
            Command::Lock { .. } => Name::Lock,
            Command::Unlock { .. } | Command::LeaveQueue { .. } => Name::Unlock,
            Command::Locks => Name::Locks,
        }
    }

    /// Its entry in [`COMMANDS`] (a test checks every name has one).
    pub fn spec(&self) -> Option<&'static CommandSpec> {
        crate::subcommand::spec_of(COMMANDS, self.name())
    }

    /// Does it change configuration (admins only)? As [`COMMANDS`] says.
    pub fn admin_only(&self) -> bool {
        self.spec().is_none_or(|spec| spec.admin_only)
    }

    /// The repository and environment GitHub must be asked about before
    /// this command is decided (`deploys gate`).
    pub fn github_lookup(&self) -> Option<(&str, &str)> {
        match self {
            Command::Gate {
                repo, environment, ..
            } => Some((repo, environment)),
            _ => None,
        }
    }

    /// This command with what GitHub said about its repository and
    /// environment.
    pub fn with_github_check(self, found: GithubCheck) -> Command {
        match self {
            Command::Gate {
                repo,
                environment,
                approval,
                ..
            } => Command::Gate {
                repo,
                environment,
                approval,
                check: found,
            },
            other => other,
        }
    }
}

/// An environment name: 1–100 of letters, digits, `-`, `_`, `.`, `/`.
fn parse_environment(spec: &CommandSpec, word: &str) -> Result<String, UsageError> {
    let ok = !word.is_empty()
        && word.chars().count() <= 100
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if !ok {
        return Err(UsageError::for_spec(
            spec,
            format!(
                "`{}` is not an environment name (letters, digits, `-`, `_`, `.`, `/`; at most 100)",
                word
            ),
        ));
    }
    if word.eq_ignore_ascii_case("for") {
        return Err(UsageError::for_spec(
            spec,
            "name the environment first, e.g. `/baton lock production for 2h`",
        ));
    }
    Ok(word.to_string())
}

fn parse_target(spec: &CommandSpec, word: &str) -> Result<DeployTarget, UsageError> {
    if word.contains('/') {
        return parse_repo_pattern(word)
            .map(DeployTarget::Repo)
            .ok_or_else(|| {
                UsageError::for_spec(spec, format!("`{}` is not `owner/repo` or `owner/*`", word))
            });
    }
    let ok = word.chars().count() <= 100
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        return Err(UsageError::for_spec(
            spec,
            format!(
                "`{}` is neither `owner/repo` nor a service name (letters, digits, `-`, `_`, `.`)",
                word
            ),
        ));
    }
    Ok(DeployTarget::Service(word.to_string()))
}

type TargetArgs = (DeployTarget, Option<String>, Option<String>, bool);

fn parse_target_args(spec: &CommandSpec, args: &[&str]) -> Result<TargetArgs, UsageError> {
    let Some((first, rest)) = args.split_first() else {
        return Err(UsageError::for_spec(
            spec,
            "name a repo (`owner/repo`) or a service",
        ));
    };
    let target = parse_target(spec, first)?;
    let mut environment = None;
    let mut workflow = None;
    let mut failures_only = false;
    for word in rest {
        if let Some(only) = word.strip_prefix("only=") {
            if spec.name != "deploys watch" {
                return Err(UsageError::for_spec(
                    spec,
                    "`only=` is for `deploys watch`; unwatching removes the watch whatever it posts",
                ));
            }
            if !only.eq_ignore_ascii_case("failures") || failures_only {
                return Err(UsageError::for_spec(
                    spec,
                    format!("`{}`: the one choice is `only=failures`, once", word),
                ));
            }
            failures_only = true;
        } else if let Some(name) = word.strip_prefix("workflow=") {
            if workflow.is_some() {
                return Err(UsageError::for_spec(spec, "give `workflow=` once"));
            }
            if name.is_empty() || name.chars().count() > 200 {
                return Err(UsageError::for_spec(
                    spec,
                    "`workflow=` needs a workflow name or file, e.g. `workflow=deploy.yml`",
                ));
            }
            workflow = Some(name.to_string());
        } else if environment.is_none() {
            environment = Some(parse_environment(spec, word)?);
        } else {
            return Err(UsageError::for_spec(
                spec,
                format!("unexpected `{}`: one environment at most", word),
            ));
        }
    }
    if workflow.is_some() && !matches!(target, DeployTarget::Repo(_)) {
        return Err(UsageError::for_spec(
            spec,
            "`workflow=` needs a GitHub repo (`owner/repo`), not a CI service",
        ));
    }
    Ok((target, environment, workflow, failures_only))
}

fn no_args(spec: &CommandSpec, args: &[&str]) -> Result<(), UsageError> {
    match args {
        [] => Ok(()),
        _ => Err(UsageError::for_spec(
            spec,
            format!("`/baton {}` takes no arguments", spec.name),
        )),
    }
}

/// Parse the arguments of the subcommand `name`, described by `spec` (its
/// entry in [`COMMANDS`]).
pub fn parse_args(name: Name, spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    match name {
        Name::Watch => {
            let (target, environment, workflow, failures_only) = parse_target_args(spec, args)?;
            Ok(Command::Watch {
                target,
                environment,
                workflow,
                failures_only,
            })
        }
        Name::Unwatch => {
            let (target, environment, workflow, _) = parse_target_args(spec, args)?;
            Ok(Command::Unwatch {
                target,
                environment,
                workflow,
            })
        }
        Name::Gate | Name::Ungate => parse_gate(name, spec, args),
        Name::List => no_args(spec, args).map(|()| Command::List),
        Name::Locks => no_args(spec, args).map(|()| Command::Locks),
        Name::Unlock => match args {
            [flag] if flag.eq_ignore_ascii_case("--queue") => Err(UsageError::for_spec(
                spec,
                "name the environment whose queue to leave, e.g. `/baton unlock production --queue`",
            )),
            [env] => Ok(Command::Unlock {
                environment: parse_environment(spec, env)?,
            }),
            [env, flag] | [flag, env] if flag.eq_ignore_ascii_case("--queue") => {
                Ok(Command::LeaveQueue {
                    environment: parse_environment(spec, env)?,
                })
            }
            [] => Err(UsageError::for_spec(spec, "name the environment to unlock")),
            _ => Err(UsageError::for_spec(
                spec,
                "unlock takes one environment (and `--queue` to leave its queue)",
            )),
        },
        Name::Lock => parse_lock(spec, args),
    }
}

fn parse_gate(name: Name, spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let (repo, environment, rest) = match args {
        [repo, environment, rest @ ..] => (repo, environment, rest),
        _ => {
            return Err(UsageError::for_spec(
                spec,
                "name the repository (`owner/repo`) and the environment",
            ))
        }
    };
    let repo = parse_repo_pattern(repo)
        .filter(|r| !r.ends_with("/*"))
        .ok_or_else(|| UsageError::for_spec(spec, format!("`{}` is not `owner/repo`", repo)))?;
    let environment = parse_environment(spec, environment)?;
    if name == Name::Ungate {
        return match rest {
            [] => Ok(Command::Ungate { repo, environment }),
            _ => Err(UsageError::for_spec(
                spec,
                "`deploys ungate` takes a repository and an environment",
            )),
        };
    }
    let approval = match rest {
        [] => false,
        [word] if word.eq_ignore_ascii_case("approval") => true,
        [word, ..] => {
            return Err(UsageError::for_spec(
                spec,
                format!("unexpected `{}`: the one option is `approval`", word),
            ))
        }
    };
    Ok(Command::Gate {
        repo,
        environment,
        approval,
        check: GithubCheck::Unchecked {
            reason: "not looked up".into(),
        },
    })
}

fn parse_lock(spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let Some((env, mut rest)) = args.split_first() else {
        return Err(UsageError::for_spec(spec, "name the environment to lock"));
    };
    let environment = parse_environment(spec, env)?;
    let mut duration = None;
    if rest.first().is_some_and(|w| w.eq_ignore_ascii_case("for")) {
        let Some(text) = rest.get(1) else {
            return Err(UsageError::for_spec(
                spec,
                "`for` needs a duration, e.g. `for 30m`, `for 2h` or `for 1d`",
            ));
        };
        let secs = parse_duration(text).ok_or_else(|| {
            UsageError::for_spec(
                spec,
                format!(
                    "`{}` is not a duration; try `30m`, `2h`, `1d` or `1h30m`",
                    text
                ),
            )
        })?;
        if secs > MAX_LOCK_SECS {
            return Err(UsageError::for_spec(
                spec,
                format!(
                    "a lock lasts at most {}; take a shorter one and renew it",
                    format_duration(MAX_LOCK_SECS)
                ),
            ));
        }
        duration = Some(secs);
        rest = &rest[2..];
    }
    let reason = rest.join(" ");
    let count = reason.chars().count();
    if count > MAX_REASON_CHARS {
        return Err(UsageError::for_spec(
            spec,
            format!("the reason is too long ({count} characters, at most {MAX_REASON_CHARS})"),
        ));
    }
    Ok(Command::Lock {
        environment,
        duration,
        reason: (!reason.is_empty()).then_some(reason),
    })
}
