//! The `/baton` subcommands of the deploys feature: `deploys watch`,
//! `deploys unwatch`, `deploys list`, `lock`, `unlock` and `locks`. Parsing
//! ([`parse_args`]) and deciding ([`execute`]) are both pure; the caller
//! checks [`Command::admin_only`] before executing.

use super::lock::{
    active_lock, lock_key, Lock, DEFAULT_LOCK_SECS, MAX_LOCK_SECS, MAX_REASON_CHARS,
};
use super::watch::{DeployTarget, DeployWatch};
use crate::command::{CommandSpec, Topic, UsageError};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::{format_datetime, format_duration, parse_duration, parse_repo_pattern};
use crate::UnixTime;

const TARGET_ARGS: &str = "<owner/repo|owner/*|service> [environment] [workflow=<name or file>]";

/// The `/baton` subcommands of this feature.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "deploys watch",
        args: TARGET_ARGS,
        summary: "Post deploys of a repo or CI service in this channel (workflow= makes that workflow's runs deploys)",
        topic: Topic::Deploys,
        admin_only: true,
        example: "deploys watch octo-org/octo-repo production workflow=deploy.yml",
    },
    CommandSpec {
        name: "deploys unwatch",
        args: TARGET_ARGS,
        summary: "Stop posting those deploys in this channel",
        topic: Topic::Deploys,
        admin_only: true,
        example: "deploys unwatch octo-org/octo-repo production",
    },
    CommandSpec {
        name: "deploys list",
        args: "",
        summary: "Show which deploys this channel watches",
        topic: Topic::Deploys,
        admin_only: false,
        example: "deploys list",
    },
    CommandSpec {
        name: "lock",
        args: "<environment> [for <duration>] [reason…]",
        summary: "Lock an environment against deploys (default 4h; e.g. for 30m, 2h, 1d)",
        topic: Topic::Deploys,
        admin_only: false,
        example: "lock production for 2h migrating the orders table",
    },
    CommandSpec {
        name: "unlock",
        args: "<environment>",
        summary: "Release an environment's lock",
        topic: Topic::Deploys,
        admin_only: false,
        example: "unlock production",
    },
    CommandSpec {
        name: "locks",
        args: "",
        summary: "Show the environments locked now",
        topic: Topic::Deploys,
        admin_only: false,
        example: "locks",
    },
];

/// A parsed subcommand of this feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Watch {
        target: DeployTarget,
        environment: Option<String>,
        workflow: Option<String>,
    },
    Unwatch {
        target: DeployTarget,
        environment: Option<String>,
        /// `None`: every watch of that target and environment.
        workflow: Option<String>,
    },
    List,
    Lock {
        environment: String,
        /// Seconds; `None` means the configured default
        /// ([`CommandContext::lock_default_secs`]).
        duration: Option<i64>,
        reason: Option<String>,
    },
    Unlock {
        environment: String,
    },
    Locks,
}

impl Command {
    /// Does it change configuration (admins only)? Watches do; locks do not:
    /// anyone about to do risky work may lock, and anyone may release a lock
    /// whose holder is away (the release is announced, naming both).
    pub fn admin_only(&self) -> bool {
        matches!(self, Command::Watch { .. } | Command::Unwatch { .. })
    }
}

fn spec(name: &str) -> &'static CommandSpec {
    COMMANDS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or(&COMMANDS[0])
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

type TargetArgs = (DeployTarget, Option<String>, Option<String>);

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
    for word in rest {
        if let Some(name) = word.strip_prefix("workflow=") {
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
    Ok((target, environment, workflow))
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

/// Parse the arguments of the subcommand `name` (one of [`COMMANDS`]).
pub fn parse_args(name: &str, args: &[&str]) -> Result<Command, UsageError> {
    let spec = spec(name);
    match name {
        "deploys watch" => {
            let (target, environment, workflow) = parse_target_args(spec, args)?;
            Ok(Command::Watch {
                target,
                environment,
                workflow,
            })
        }
        "deploys unwatch" => {
            let (target, environment, workflow) = parse_target_args(spec, args)?;
            Ok(Command::Unwatch {
                target,
                environment,
                workflow,
            })
        }
        "deploys list" => no_args(spec, args).map(|()| Command::List),
        "locks" => no_args(spec, args).map(|()| Command::Locks),
        "unlock" => match args {
            [env] => Ok(Command::Unlock {
                environment: parse_environment(spec, env)?,
            }),
            [] => Err(UsageError::for_spec(spec, "name the environment to unlock")),
            _ => Err(UsageError::for_spec(spec, "unlock takes one environment")),
        },
        "lock" => parse_lock(spec, args),
        other => Err(UsageError::new(format!(
            "`{other}` is not a deploys command"
        ))),
    }
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

/// Who typed the command, where, and the settings a decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// Slack user id (`U…`).
    pub user_id: String,
    /// Slack channel id (`C…`).
    pub channel_id: String,
    /// How long a lock lasts without `for <duration>` (configurable).
    pub lock_default_secs: i64,
}

impl CommandContext {
    /// A context with the default lock length ([`DEFAULT_LOCK_SECS`], 4 hours).
    pub fn new(user_id: impl Into<String>, channel_id: impl Into<String>) -> Self {
        CommandContext {
            user_id: user_id.into(),
            channel_id: channel_id.into(),
            lock_default_secs: DEFAULT_LOCK_SECS,
        }
    }
}

/// The state a command reads: every watch (of every channel) and every
/// stored lock (expired ones included; they count as absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeploySnapshot<'a> {
    pub watches: &'a [DeployWatch],
    pub locks: &'a [Lock],
}

/// A change to store, keyed as the store keys it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateChange {
    /// Insert or replace the watch under [`DeployWatch::key`].
    PutWatch(DeployWatch),
    DeleteWatch {
        key: String,
    },
    /// Insert or replace the lock under [`lock_key`] of its environment.
    PutLock(Lock),
    DeleteLock {
        key: String,
    },
}

/// What a command decided: the ephemeral reply to the person who typed it,
/// the state changes, and the channel messages (announcements).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandOutcome {
    pub reply: Mrkdwn,
    pub changes: Vec<StateChange>,
    pub outbound: Vec<Outbound>,
}

impl CommandOutcome {
    fn reply(text: impl Into<Mrkdwn>) -> Self {
        CommandOutcome {
            reply: text.into(),
            ..Default::default()
        }
    }
}

/// Decide a command. The caller has already refused an admin-only command
/// to a non-admin.
pub fn execute(
    cmd: &Command,
    ctx: &CommandContext,
    snapshot: DeploySnapshot<'_>,
    now: UnixTime,
) -> CommandOutcome {
    match cmd {
        Command::Watch {
            target,
            environment,
            workflow,
        } => {
            let watch = DeployWatch {
                channel: ctx.channel_id.clone(),
                target: target.clone(),
                environment: environment.clone(),
                workflow: workflow.clone(),
            };
            if snapshot.watches.iter().any(|w| w.key() == watch.key()) {
                return CommandOutcome::reply(format!(
                    "This channel already watches {}.",
                    watch.describe()
                ));
            }
            let mut reply = format!("Watching {} in this channel.", watch.describe());
            if workflow.is_none() && matches!(target, DeployTarget::Repo(_)) {
                reply.push_str(
                    " GitHub deployments are posted here; to count a workflow's runs as deploys, add `workflow=<name>`.",
                );
            }
            CommandOutcome {
                reply: reply.into(),
                changes: vec![StateChange::PutWatch(watch)],
                outbound: Vec::new(),
            }
        }
        Command::Unwatch {
            target,
            environment,
            workflow,
        } => {
            let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            };
            let gone: Vec<&DeployWatch> = snapshot
                .watches
                .iter()
                .filter(|w| {
                    w.channel == ctx.channel_id
                        && w.target.as_str().eq_ignore_ascii_case(target.as_str())
                        && same(&w.environment, environment)
                        && (workflow.is_none() || same(&w.workflow, workflow))
                })
                .collect();
            if gone.is_empty() {
                return CommandOutcome::reply(format!(
                    "This channel does not watch `{}`{}. `/baton deploys list` shows what it watches.",
                    target.as_str(),
                    environment
                        .as_deref()
                        .map(|e| format!(" in `{e}`"))
                        .unwrap_or_default()
                ));
            }
            let lines: Vec<String> = gone.iter().map(|w| format!("• {}", w.describe())).collect();
            CommandOutcome {
                reply: format!("This channel no longer watches:\n{}", lines.join("\n")).into(),
                changes: gone
                    .iter()
                    .map(|w| StateChange::DeleteWatch { key: w.key() })
                    .collect(),
                outbound: Vec::new(),
            }
        }
        Command::List => {
            let mine: Vec<String> = snapshot
                .watches
                .iter()
                .filter(|w| w.channel == ctx.channel_id)
                .map(|w| format!("• {}", w.describe()))
                .collect();
            if mine.is_empty() {
                CommandOutcome::reply(
                    "This channel watches no deploys. Add one with `/baton deploys watch owner/repo production`.",
                )
            } else {
                CommandOutcome::reply(format!("This channel watches:\n{}", mine.join("\n")))
            }
        }
        Command::Lock {
            environment,
            duration,
            reason,
        } => lock(
            ctx,
            snapshot,
            environment,
            *duration,
            reason.as_deref(),
            now,
        ),
        Command::Unlock { environment } => unlock(ctx, snapshot, environment, now),
        Command::Locks => {
            let mut held: Vec<&Lock> = snapshot.locks.iter().filter(|l| l.is_active(now)).collect();
            if held.is_empty() {
                return CommandOutcome::reply("No environment is locked.");
            }
            held.sort_by_key(|l| lock_key(&l.environment));
            let lines = held.iter().map(|l| mrkdwn!("• {}", describe_lock(l, now)));
            CommandOutcome::reply(mrkdwn!("Locked now:\n{}", Mrkdwn::join(lines, "\n")))
        }
    }
}

fn find_lock<'a>(snapshot: DeploySnapshot<'a>, environment: &str) -> Option<&'a Lock> {
    let key = lock_key(environment);
    snapshot
        .locks
        .iter()
        .find(|l| lock_key(&l.environment) == key)
}

/// `` `production` by <@U1> since … until … (3h left): reason ``
fn describe_lock(l: &Lock, now: UnixTime) -> Mrkdwn {
    let mut out = mrkdwn!(
        "`{}` locked by {} since {} until {} ({} left)",
        l.environment,
        Mrkdwn::user(&l.by),
        format_datetime(l.since),
        format_datetime(l.expires_at),
        format_duration(l.expires_at - now)
    );
    if let Some(r) = &l.reason {
        out.push(mrkdwn!(": {}", r));
    }
    out
}

/// The current channel, then every channel watching `environment`, each once.
fn announce_to(ctx: &CommandContext, watches: &[DeployWatch], environment: &str) -> Vec<String> {
    let mut out = vec![ctx.channel_id.clone()];
    for w in watches.iter().filter(|w| w.covers_environment(environment)) {
        if !out.contains(&w.channel) {
            out.push(w.channel.clone());
        }
    }
    out
}

fn lock(
    ctx: &CommandContext,
    snapshot: DeploySnapshot<'_>,
    environment: &str,
    duration: Option<i64>,
    reason: Option<&str>,
    now: UnixTime,
) -> CommandOutcome {
    if let Some(held) = active_lock(find_lock(snapshot, environment), now) {
        let who = if held.by == ctx.user_id {
            mrkdwn!("You already hold the lock: ")
        } else {
            mrkdwn!("Already locked by {}: ", Mrkdwn::user(&held.by))
        };
        return CommandOutcome::reply(mrkdwn!(
            "{}{}. Nothing changed; `/baton unlock {}` releases it.",
            who,
            describe_lock(held, now),
            environment
        ));
    }
    let secs = duration.unwrap_or(if ctx.lock_default_secs > 0 {
        ctx.lock_default_secs
    } else {
        DEFAULT_LOCK_SECS
    });
    let new = Lock {
        environment: environment.to_string(),
        by: ctx.user_id.clone(),
        reason: reason.map(str::to_string),
        since: now,
        expires_at: now + secs,
        channel: ctx.channel_id.clone(),
    };
    let mut text = mrkdwn!(
        "🔒 {} locked `{}` for {} (until {})",
        Mrkdwn::user(&new.by),
        environment,
        format_duration(secs),
        format_datetime(new.expires_at)
    );
    if let Some(r) = reason {
        text.push(mrkdwn!(": {}", r));
    }
    let outbound = announce_to(ctx, snapshot.watches, environment)
        .into_iter()
        .map(|c| Outbound::post(c, text.clone()))
        .collect();
    CommandOutcome {
        reply: mrkdwn!(
            "Locked `{}` until {}. `/baton unlock {}` releases it early.",
            environment,
            format_datetime(new.expires_at),
            environment
        ),
        changes: vec![StateChange::PutLock(new)],
        outbound,
    }
}

fn unlock(
    ctx: &CommandContext,
    snapshot: DeploySnapshot<'_>,
    environment: &str,
    now: UnixTime,
) -> CommandOutcome {
    let stored = find_lock(snapshot, environment);
    let Some(held) = active_lock(stored, now) else {
        let mut out = CommandOutcome::reply(mrkdwn!("`{}` is not locked.", environment));
        if stored.is_some() {
            // An expired lock: tidy it away.
            out.changes.push(StateChange::DeleteLock {
                key: lock_key(environment),
            });
        }
        return out;
    };
    let mut text = mrkdwn!(
        "🔓 {} unlocked `{}`",
        Mrkdwn::user(&ctx.user_id),
        held.environment
    );
    if held.by != ctx.user_id {
        text.push(mrkdwn!(" (locked by {}", Mrkdwn::user(&held.by)));
        if let Some(r) = &held.reason {
            text.push(mrkdwn!(": {}", r));
        }
        text.push(")");
    }
    let outbound = announce_to(ctx, snapshot.watches, environment)
        .into_iter()
        .map(|c| Outbound::post(c, text.clone()))
        .collect();
    CommandOutcome {
        reply: mrkdwn!("Unlocked `{}`.", held.environment),
        changes: vec![StateChange::DeleteLock {
            key: lock_key(environment),
        }],
        outbound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{self, Command as Top};

    /// 2026-11-23 09:00 UTC.
    const NOW: UnixTime = 1_795_392_000 + 9 * 3600;

    fn parse(text: &str) -> Result<Command, UsageError> {
        match command::parse(text)? {
            Top::Deploys(c) => Ok(c),
            other => panic!("{other:?}"),
        }
    }

    fn ctx(user: &str) -> CommandContext {
        CommandContext::new(user, "C0OPS")
    }

    fn watches() -> Vec<DeployWatch> {
        vec![
            DeployWatch {
                channel: "C0PROD".into(),
                target: DeployTarget::Repo("octo-org/octo-repo".into()),
                environment: Some("production".into()),
                workflow: None,
            },
            DeployWatch {
                channel: "C0STAGE".into(),
                target: DeployTarget::Service("checkout-api".into()),
                environment: Some("staging".into()),
                workflow: None,
            },
            DeployWatch {
                channel: "C0ALL".into(),
                target: DeployTarget::Repo("octo-org/*".into()),
                environment: None,
                workflow: None,
            },
            DeployWatch {
                channel: "C0OPS".into(),
                target: DeployTarget::Repo("octo-org/octo-repo".into()),
                environment: Some("production".into()),
                workflow: Some("deploy.yml".into()),
            },
        ]
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse("deploys watch Octo-Org/Octo-Repo production workflow=deploy.yml"),
            Ok(Command::Watch {
                target: DeployTarget::Repo("octo-org/octo-repo".into()),
                environment: Some("production".into()),
                workflow: Some("deploy.yml".into()),
            })
        );
        assert_eq!(
            parse("deploys watch checkout-api"),
            Ok(Command::Watch {
                target: DeployTarget::Service("checkout-api".into()),
                environment: None,
                workflow: None,
            })
        );
        assert_eq!(
            parse("lock production for 2h migrating the orders table"),
            Ok(Command::Lock {
                environment: "production".into(),
                duration: Some(7200),
                reason: Some("migrating the orders table".into()),
            })
        );
        assert_eq!(
            parse("lock staging"),
            Ok(Command::Lock {
                environment: "staging".into(),
                duration: None,
                reason: None,
            })
        );
        assert_eq!(
            parse("lock prod hotfix in flight"),
            Ok(Command::Lock {
                environment: "prod".into(),
                duration: None,
                reason: Some("hotfix in flight".into()),
            })
        );
        assert_eq!(parse("LOCKS"), Ok(Command::Locks));
        assert_eq!(parse("deploys list"), Ok(Command::List));
        assert_eq!(
            parse("unlock production"),
            Ok(Command::Unlock {
                environment: "production".into()
            })
        );
    }

    #[test]
    fn admin_only_is_watch_and_unwatch() {
        assert!(parse("deploys watch a/b").unwrap().admin_only());
        assert!(parse("deploys unwatch a/b").unwrap().admin_only());
        for c in ["deploys list", "lock prod", "unlock prod", "locks"] {
            assert!(!parse(c).unwrap().admin_only(), "{c}");
        }
        for spec in COMMANDS {
            assert_eq!(
                spec.admin_only,
                parse(spec.example).unwrap().admin_only(),
                "{}",
                spec.name
            );
        }
    }

    /// Each bad command → a usage error whose message has this phrase.
    #[test]
    fn command_parse_errors() {
        let cases = [
            ("deploys watch", "name a repo"),
            ("deploys watch a/b/c", "is not `owner/repo`"),
            (
                "deploys watch <#C123|general>",
                "neither `owner/repo` nor a service",
            ),
            ("deploys watch a/b prod staging", "one environment at most"),
            (
                "deploys watch checkout-api workflow=deploy.yml",
                "needs a GitHub repo",
            ),
            ("deploys watch a/b workflow=", "needs a workflow name"),
            (
                "deploys watch a/b workflow=x workflow=y",
                "`workflow=` once",
            ),
            ("deploys watch a/b pro*d", "not an environment name"),
            ("deploys unwatch", "name a repo"),
            ("deploys list everything", "takes no arguments"),
            ("locks production", "takes no arguments"),
            ("lock", "name the environment"),
            ("lock for 2h", "name the environment first"),
            ("lock production for", "needs a duration"),
            ("lock production for soon", "`soon` is not a duration"),
            ("lock production for 0m", "is not a duration"),
            ("lock production for 90d", "at most 30d"),
            ("unlock", "name the environment"),
            ("unlock production staging", "one environment"),
        ];
        for (text, phrase) in cases {
            let err = parse_or_err(text);
            assert!(err.message.contains(phrase), "`{text}`: {}", err.message);
            assert!(err.usage.is_some(), "`{text}` shows usage");
        }
        let long = format!("lock production {}", "why ".repeat(200));
        assert!(parse_or_err(&long).message.contains("too long"));
    }

    fn parse_or_err(text: &str) -> UsageError {
        command::parse(text).expect_err(text)
    }

    #[test]
    fn watch_adds_once_and_unwatch_removes() {
        let ws = watches();
        let snap = DeploySnapshot {
            watches: &ws,
            locks: &[],
        };
        let out = execute(
            &parse("deploys watch octo-org/octo-repo staging").unwrap(),
            &ctx("U1"),
            snap,
            NOW,
        );
        let [StateChange::PutWatch(w)] = out.changes.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(w.channel, "C0OPS");
        assert_eq!(w.environment.as_deref(), Some("staging"));

        let again = execute(
            &parse("deploys watch octo-org/octo-repo PRODUCTION workflow=Deploy.yml").unwrap(),
            &ctx("U1"),
            snap,
            NOW,
        );
        assert!(
            again.changes.is_empty() && again.reply.contains("already watches"),
            "{again:?}"
        );

        let gone = execute(
            &parse("deploys unwatch octo-org/octo-repo production").unwrap(),
            &ctx("U1"),
            snap,
            NOW,
        );
        assert_eq!(
            gone.changes,
            vec![StateChange::DeleteWatch { key: ws[3].key() }]
        );
        let none = execute(
            &parse("deploys unwatch octo-org/octo-repo").unwrap(),
            &ctx("U1"),
            snap,
            NOW,
        );
        assert!(none.changes.is_empty() && none.reply.contains("does not watch"));

        let list = execute(&Command::List, &ctx("U1"), snap, NOW);
        assert!(
            list.reply
                .contains("`octo-org/octo-repo` in `production`, runs of workflow `deploy.yml`"),
            "{}",
            list.reply
        );
        let empty = execute(&Command::List, &ctx("U1"), DeploySnapshot::default(), NOW);
        assert!(empty.reply.contains("watches no deploys"));
    }

    #[test]
    fn lock_is_stored_and_announced_where_the_environment_is_watched() {
        let ws = watches();
        let snap = DeploySnapshot {
            watches: &ws,
            locks: &[],
        };
        let out = execute(
            &parse("lock Production for 30m db migration").unwrap(),
            &ctx("U024BE7LH"),
            snap,
            NOW,
        );
        let [StateChange::PutLock(lock)] = out.changes.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(lock.by, "U024BE7LH");
        assert_eq!(lock.since, NOW);
        assert_eq!(lock.expires_at, NOW + 1800);
        assert_eq!(lock.reason.as_deref(), Some("db migration"));
        let channels: Vec<&str> = out
            .outbound
            .iter()
            .map(|o| match o {
                Outbound::SlackPost { channel, text, .. } => {
                    assert!(
                        text.contains("🔒 <@U024BE7LH> locked `Production` for 30m"),
                        "{text}"
                    );
                    channel.as_str()
                }
                other => panic!("{other:?}"),
            })
            .collect();
        // The current channel, production watchers and all-environment watchers; not staging's.
        assert_eq!(channels, vec!["C0OPS", "C0PROD", "C0ALL"]);

        let default = execute(&parse("lock staging").unwrap(), &ctx("U1"), snap, NOW);
        let [StateChange::PutLock(l)] = default.changes.as_slice() else {
            panic!()
        };
        assert_eq!(l.expires_at - l.since, DEFAULT_LOCK_SECS);
        let configured = CommandContext {
            lock_default_secs: 3600,
            ..ctx("U1")
        };
        let short = execute(&parse("lock staging").unwrap(), &configured, snap, NOW);
        let [StateChange::PutLock(l)] = short.changes.as_slice() else {
            panic!()
        };
        assert_eq!(l.expires_at, NOW + 3600);
    }

    fn held() -> Lock {
        Lock {
            environment: "production".into(),
            by: "U024BE7LH".into(),
            reason: Some("db migration".into()),
            since: NOW,
            expires_at: NOW + 3600,
            channel: "C0OPS".into(),
        }
    }

    #[test]
    fn locking_a_held_environment_says_who_and_changes_nothing_until_it_expires() {
        let locks = vec![held()];
        let snap = DeploySnapshot {
            watches: &[],
            locks: &locks,
        };
        let out = execute(
            &parse("lock PRODUCTION for 1h").unwrap(),
            &ctx("U999"),
            snap,
            NOW + 60,
        );
        assert!(out.changes.is_empty() && out.outbound.is_empty());
        assert!(
            out.reply.contains("Already locked by <@U024BE7LH>"),
            "{}",
            out.reply
        );
        assert!(
            out.reply.contains("db migration") && out.reply.contains("59m left"),
            "{}",
            out.reply
        );
        let mine = execute(
            &parse("lock production").unwrap(),
            &ctx("U024BE7LH"),
            snap,
            NOW + 60,
        );
        assert!(
            mine.reply.starts_with("You already hold the lock"),
            "{}",
            mine.reply
        );

        // Once expired, the lock is free to take.
        let later = execute(
            &parse("lock production").unwrap(),
            &ctx("U999"),
            snap,
            NOW + 3600,
        );
        assert!(matches!(later.changes.as_slice(), [StateChange::PutLock(l)] if l.by == "U999"));
    }

    #[test]
    fn unlock_releases_and_names_the_holder() {
        let locks = vec![held()];
        let ws = watches();
        let snap = DeploySnapshot {
            watches: &ws,
            locks: &locks,
        };
        let out = execute(
            &parse("unlock production").unwrap(),
            &ctx("U999"),
            snap,
            NOW + 60,
        );
        assert_eq!(
            out.changes,
            vec![StateChange::DeleteLock {
                key: "production".into()
            }]
        );
        let Outbound::SlackPost { text, .. } = &out.outbound[0] else {
            panic!()
        };
        assert_eq!(
            text,
            "🔓 <@U999> unlocked `production` (locked by <@U024BE7LH>: db migration)"
        );
        assert_eq!(out.outbound.len(), 3);

        let free = execute(&parse("unlock staging").unwrap(), &ctx("U999"), snap, NOW);
        assert!(free.changes.is_empty() && free.reply.contains("is not locked"));
        let expired = execute(
            &parse("unlock production").unwrap(),
            &ctx("U999"),
            snap,
            NOW + 3600,
        );
        assert_eq!(
            expired.changes,
            vec![StateChange::DeleteLock {
                key: "production".into()
            }]
        );
        assert!(expired.outbound.is_empty() && expired.reply.contains("is not locked"));
    }

    #[test]
    fn locks_lists_only_active_locks() {
        let mut stale = held();
        stale.environment = "staging".into();
        stale.expires_at = NOW - 1;
        let locks = vec![held(), stale];
        let snap = DeploySnapshot {
            watches: &[],
            locks: &locks,
        };
        let out = execute(&Command::Locks, &ctx("U1"), snap, NOW);
        assert!(
            out.reply.contains("`production` locked by <@U024BE7LH>"),
            "{}",
            out.reply
        );
        assert!(!out.reply.contains("staging"));
        let none = execute(&Command::Locks, &ctx("U1"), snap, NOW + 3600);
        assert_eq!(none.reply, "No environment is locked.");
    }
}
