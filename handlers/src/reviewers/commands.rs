//! The reviewers feature's `/baton` subcommands: their table and their
//! parsing.
//!
//! What running each one decides is in `super::execute`.

use super::assignment::parse_pull_request_reference;
use super::lifecycle::commands as lifecycle;
use super::picking;
use super::pool::{Mode, MAX_REVIEWERS_PER_PR};
use crate::subcommand::{CommandSpec, UsageError};
use crate::text::{parse_date, parse_github_login, parse_repo_pattern, parse_user_mention};
use crate::UnixTime;

/// The typed names of this feature's subcommands; [`COMMANDS`] gives each
/// its words, help and rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Name {
    Watch,
    Unwatch,
    Add,
    Remove,
    List,
    Count,
    Mode,
    Drafts,
    Cap,
    Bots,
    Owners,
    Map,
    Away,
    Back,
    Next,
    Assign,
    Stats,
    Reviews,
    Dm,
    Hours,
    Remind,
    Digest,
}

/// The `/baton` subcommands of this feature.
pub const COMMANDS: &[(Name, CommandSpec)] = &[
    (
        Name::Watch,
        CommandSpec {
            name: "reviewers watch",
            args: "<owner/repo|owner/*>",
            summary:
                "Assign reviewers from this channel's pool for a repository or a whole organisation",
            admin_only: true,
            read_only: false,
            example: "reviewers watch octo-org/api",
        },
    ),
    (
        Name::Unwatch,
        CommandSpec {
            name: "reviewers unwatch",
            args: "<owner/repo|owner/*>",
            summary: "Stop assigning reviewers for a repository",
            admin_only: true,
            read_only: false,
            example: "reviewers unwatch octo-org/*",
        },
    ),
    (
        Name::Add,
        CommandSpec {
            name: "reviewers add",
            args: "<github-login> [<@U…>]",
            summary: "Add a reviewer at the end of this channel's rotation",
            admin_only: true,
            read_only: false,
            example: "reviewers add octocat <@U0G9QF9C6>",
        },
    ),
    (
        Name::Remove,
        CommandSpec {
            name: "reviewers remove",
            args: "<github-login>",
            summary: "Take a reviewer out of this channel's rotation",
            admin_only: true,
            read_only: false,
            example: "reviewers remove octocat",
        },
    ),
    (
        Name::List,
        CommandSpec {
            name: "reviewers list",
            args: "",
            summary: "Show the rotation: order, who is next, who is away, mode and repositories",
            admin_only: false,
            read_only: true,
            example: "reviewers list",
        },
    ),
    (
        Name::Count,
        CommandSpec {
            name: "reviewers count",
            args: "<1-10>",
            summary: "How many reviewers each pull request gets",
            admin_only: true,
            read_only: false,
            example: "reviewers count 2",
        },
    ),
    (
        Name::Mode,
        CommandSpec {
            name: "reviewers mode",
            args: "<round-robin|load-balance>",
            summary: "Rotate in turn, or favour whoever has the fewest open reviews",
            admin_only: true,
            read_only: false,
            example: "reviewers mode load-balance",
        },
    ),
    (
        Name::Drafts,
        CommandSpec {
            name: "reviewers drafts",
            args: "<on|off>",
            summary: "Assign reviewers to draft pull requests too (off: wait until ready)",
            admin_only: true,
            read_only: false,
            example: "reviewers drafts on",
        },
    ),
    (
        Name::Cap,
        CommandSpec {
            name: "reviewers cap",
            args: "<n|off>",
            summary: "Skip a member who already has this many open reviews (off: no cap)",
            admin_only: true,
            read_only: false,
            example: "reviewers cap 3",
        },
    ),
    (
        Name::Bots,
        CommandSpec {
            name: "reviewers bots",
            args: "<on|off>",
            summary: "Assign reviewers to bots' pull requests (dependabot…) too (off: leave them)",
            admin_only: true,
            read_only: false,
            example: "reviewers bots on",
        },
    ),
    (
        Name::Owners,
        CommandSpec {
            name: "reviewers owners",
            args: "<on|off>",
            summary: "Pick the members who own a changed path (the repository's CODEOWNERS) first",
            admin_only: true,
            read_only: false,
            example: "reviewers owners on",
        },
    ),
    (
        Name::Map,
        CommandSpec {
            name: "map",
            args: "<github-login> <@U…>",
            summary: "Tell Baton which Slack user a GitHub login belongs to",
            admin_only: true,
            read_only: false,
            example: "map octocat <@U0G9QF9C6>",
        },
    ),
    (
        Name::Away,
        CommandSpec {
            name: "away",
            args: "[<github-login>] [until YYYY-MM-DD]",
            summary: "Take yourself (or someone) off every rotation, until a date or until `back`",
            admin_only: false,
            read_only: false,
            example: "away octocat until 2026-12-01",
        },
    ),
    (
        Name::Back,
        CommandSpec {
            name: "back",
            args: "[<github-login>]",
            summary: "Put yourself (or someone) back on the rotations",
            admin_only: false,
            read_only: false,
            example: "back octocat",
        },
    ),
    (
        Name::Next,
        CommandSpec {
            name: "next",
            args: "<owner/repo>",
            summary: "Who would review a pull request there now (changes nothing)",
            admin_only: false,
            read_only: true,
            example: "next octo-org/api",
        },
    ),
    (
        Name::Assign,
        CommandSpec {
            name: "assign",
            args: "<owner/repo#number>",
            summary: "Assign reviewers to a pull request now",
            admin_only: true,
            read_only: false,
            example: "assign octo-org/api#1347",
        },
    ),
    (
        Name::Stats,
        CommandSpec {
            name: "stats",
            args: "[days]",
            summary:
                "Assignments, passes and median time to first review per person (default 30 days)",
            admin_only: false,
            read_only: true,
            example: "stats 14",
        },
    ),
    (
        Name::Reviews,
        CommandSpec {
            name: "reviews",
            args: "[<@U…>]",
            summary: "Pull requests waiting on you (or on someone) to review, and your own waiting on you, oldest first",
            admin_only: false,
            read_only: true,
            example: "reviews <@U0G9QF9C6>",
        },
    ),
    (
        Name::Dm,
        CommandSpec {
            name: "dm",
            args: "<on|off>",
            summary: "Direct messages about your reviews: when you're asked, reminders, approvals of yours (default on)",
            admin_only: false,
            read_only: false,
            example: "dm off",
        },
    ),
    (
        Name::Hours,
        CommandSpec {
            name: "hours",
            args: "[<HH:MM-HH:MM> [mon-fri]]",
            summary: "Your working hours, in your Slack profile's time zone: reminders come only then (default 09:00-18:00 mon-fri)",
            admin_only: false,
            read_only: false,
            example: "hours 10:00-19:00 mon-fri",
        },
    ),
    (
        Name::Remind,
        CommandSpec {
            name: "reviewers remind",
            args: "<duration|off>",
            summary: "Remind a reviewer by direct message once a review has waited this long, in their working hours (default 1d)",
            admin_only: true,
            read_only: false,
            example: "reviewers remind 4h",
        },
    ),
    (
        Name::Digest,
        CommandSpec {
            name: "reviewers digest",
            args: "<HH:MM> <time-zone>|off",
            summary: "Post this channel's open pull requests and whom they wait on, Monday to Friday at this time",
            admin_only: true,
            read_only: false,
            example: "reviewers digest 09:30 Europe/Paris",
        },
    ),
];

/// The days `stats` covers when none are given.
pub const DEFAULT_STATS_DAYS: u32 = 30;
/// The longest `stats` window.
pub const MAX_STATS_DAYS: u32 = 365;

/// A parsed subcommand of this feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Lower-cased `owner/repo` or `owner/*`.
    Watch {
        pattern: String,
    },
    Unwatch {
        pattern: String,
    },
    Add {
        login: String,
        slack_user: Option<String>,
    },
    Remove {
        login: String,
    },
    List,
    Count {
        reviewers_per_pr: u8,
    },
    Mode {
        mode: Mode,
    },
    Drafts {
        include: bool,
    },
    /// `reviewers cap`, `reviewers bots`, `reviewers owners`.
    Picking(picking::Command),
    Map {
        login: String,
        slack_user: String,
    },
    /// `login: None` means the caller; `until: None` means until `back`.
    Away {
        login: Option<String>,
        until: Option<UnixTime>,
    },
    Back {
        login: Option<String>,
    },
    /// Lower-cased `owner/repo`.
    Next {
        repo: String,
    },
    Assign {
        repo: String,
        number: u64,
    },
    Stats {
        days: u32,
    },
    /// `reviews`, `dm`, `hours`, `reviewers remind`, `reviewers digest`.
    Lifecycle(lifecycle::Command),
}

impl Command {
    /// The subcommand's typed name (its entry in [`COMMANDS`]).
    pub fn name(&self) -> Name {
        match self {
            Command::Watch { .. } => Name::Watch,
            Command::Unwatch { .. } => Name::Unwatch,
            Command::Add { .. } => Name::Add,
            Command::Remove { .. } => Name::Remove,
            Command::List => Name::List,
            Command::Count { .. } => Name::Count,
            Command::Mode { .. } => Name::Mode,
            Command::Drafts { .. } => Name::Drafts,
            Command::Picking(command) => match command.which() {
                picking::Which::Cap => Name::Cap,
                picking::Which::Bots => Name::Bots,
                picking::Which::Owners => Name::Owners,
            },
            Command::Map { .. } => Name::Map,
            Command::Away { .. } => Name::Away,
            Command::Back { .. } => Name::Back,
            Command::Next { .. } => Name::Next,
            Command::Assign { .. } => Name::Assign,
            Command::Stats { .. } => Name::Stats,
            Command::Lifecycle(command) => match command.which() {
                lifecycle::Which::Reviews => Name::Reviews,
                lifecycle::Which::DirectMessages => Name::Dm,
                lifecycle::Which::Hours => Name::Hours,
                lifecycle::Which::Remind => Name::Remind,
                lifecycle::Which::Digest => Name::Digest,
            },
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
}

/// Parse the arguments of the subcommand `name`, described by `spec` (its
/// entry in [`COMMANDS`]).
pub fn parse_args(name: Name, spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let fail = |message: String| Err(UsageError::for_spec(spec, message));
    let login = |word: &str| {
        parse_github_login(word)
            .ok_or_else(|| UsageError::for_spec(spec, format!("`{word}` is not a GitHub login")))
    };
    let mention = |word: &str| {
        parse_user_mention(word).ok_or_else(|| {
            UsageError::for_spec(
                spec,
                format!("`{word}` is not a Slack user: mention them, like `@ana`"),
            )
        })
    };
    let pattern = |word: &str| {
        parse_repo_pattern(word).ok_or_else(|| {
            UsageError::for_spec(
                spec,
                format!("`{word}` is not a repository: write `owner/repo` or `owner/*`"),
            )
        })
    };
    match (name, args) {
        (Name::Watch, [word]) => Ok(Command::Watch {
            pattern: pattern(word)?,
        }),
        (Name::Unwatch, [word]) => Ok(Command::Unwatch {
            pattern: pattern(word)?,
        }),
        (Name::Watch | Name::Unwatch, _) => {
            fail("give exactly one repository, `owner/repo` or `owner/*`".into())
        }
        (Name::Add, [who]) => Ok(Command::Add {
            login: login(who)?,
            slack_user: None,
        }),
        (Name::Add, [who, slack]) => Ok(Command::Add {
            login: login(who)?,
            slack_user: Some(mention(slack)?),
        }),
        (Name::Add, _) => fail("give a GitHub login, and optionally their Slack mention".into()),
        (Name::Remove, [who]) => Ok(Command::Remove { login: login(who)? }),
        (Name::Remove, _) => fail("give exactly one GitHub login".into()),
        (Name::List, []) => Ok(Command::List),
        (Name::List, _) => fail("`list` takes no arguments".into()),
        (Name::Count, [n]) => match n.parse::<u8>() {
            Ok(n @ 1..=MAX_REVIEWERS_PER_PR) => Ok(Command::Count {
                reviewers_per_pr: n,
            }),
            _ => fail(format!(
                "`count` must be a whole number from 1 to {MAX_REVIEWERS_PER_PR}, not `{n}`"
            )),
        },
        (Name::Count, _) => fail(format!(
            "`count` must be a whole number from 1 to {MAX_REVIEWERS_PER_PR}"
        )),
        (Name::Mode, [word]) => match Mode::from_name(word) {
            Some(mode) => Ok(Command::Mode { mode }),
            None => fail(format!(
                "`mode` is `round-robin` or `load-balance`, not `{word}`"
            )),
        },
        (Name::Mode, _) => fail("`mode` is `round-robin` or `load-balance`".into()),
        (Name::Drafts, [word]) => match word.to_ascii_lowercase().as_str() {
            "on" | "yes" | "include" => Ok(Command::Drafts { include: true }),
            "off" | "no" | "skip" => Ok(Command::Drafts { include: false }),
            _ => fail(format!("`drafts` is `on` or `off`, not `{word}`")),
        },
        (Name::Drafts, _) => fail("`drafts` is `on` or `off`".into()),
        (Name::Cap, _) => {
            picking::parse_args(picking::Which::Cap, spec, args).map(Command::Picking)
        }
        (Name::Bots, _) => {
            picking::parse_args(picking::Which::Bots, spec, args).map(Command::Picking)
        }
        (Name::Owners, _) => {
            picking::parse_args(picking::Which::Owners, spec, args).map(Command::Picking)
        }
        (Name::Map, [who, slack]) => Ok(Command::Map {
            login: login(who)?,
            slack_user: mention(slack)?,
        }),
        (Name::Map, _) => fail("give a GitHub login and a Slack mention".into()),
        (Name::Away, _) => parse_away(spec, args),
        (Name::Back, []) => Ok(Command::Back { login: None }),
        (Name::Back, [who]) => Ok(Command::Back {
            login: Some(login(who)?),
        }),
        (Name::Back, _) => fail("give at most one GitHub login".into()),
        (Name::Next, [word]) => match parse_repo_pattern(word) {
            Some(repo) if !repo.ends_with("/*") => Ok(Command::Next { repo }),
            _ => fail(format!("`{word}` is not a repository: write `owner/repo`")),
        },
        (Name::Next, _) => fail("give exactly one repository, `owner/repo`".into()),
        (Name::Assign, [word]) => {
            match parse_pull_request_reference(word).or_else(|| parse_pull_request_url(word)) {
                Some((repo, number)) => Ok(Command::Assign { repo, number }),
                None => fail(format!(
                    "`{word}` is not a pull request: write `owner/repo#number`"
                )),
            }
        }
        (Name::Assign, _) => fail("give exactly one pull request, `owner/repo#number`".into()),
        (Name::Stats, []) => Ok(Command::Stats {
            days: DEFAULT_STATS_DAYS,
        }),
        (Name::Stats, [n]) => match n.parse::<u32>() {
            Ok(days @ 1..=MAX_STATS_DAYS) => Ok(Command::Stats { days }),
            _ => fail(format!(
                "`days` must be a whole number from 1 to {MAX_STATS_DAYS}, not `{n}`"
            )),
        },
        (Name::Stats, _) => fail("give at most one number of days".into()),
        (Name::Reviews, _) => {
            lifecycle::parse_args(lifecycle::Which::Reviews, spec, args).map(Command::Lifecycle)
        }
        (Name::Dm, _) => lifecycle::parse_args(lifecycle::Which::DirectMessages, spec, args)
            .map(Command::Lifecycle),
        (Name::Hours, _) => {
            lifecycle::parse_args(lifecycle::Which::Hours, spec, args).map(Command::Lifecycle)
        }
        (Name::Remind, _) => {
            lifecycle::parse_args(lifecycle::Which::Remind, spec, args).map(Command::Lifecycle)
        }
        (Name::Digest, _) => {
            lifecycle::parse_args(lifecycle::Which::Digest, spec, args).map(Command::Lifecycle)
        }
    }
}

/// `away [<login>] [until YYYY-MM-DD]`.
fn parse_away(spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let fail = |message: String| Err(UsageError::for_spec(spec, message));
    let (login_word, rest) = match args {
        [first, rest @ ..] if !first.eq_ignore_ascii_case("until") => (Some(*first), rest),
        _ => (None, args),
    };
    let login = match login_word {
        Some(word) => match parse_github_login(word) {
            Some(login) => Some(login),
            None => return fail(format!("`{word}` is not a GitHub login")),
        },
        None => None,
    };
    let until = match rest {
        [] => None,
        [until, date] if until.eq_ignore_ascii_case("until") => match parse_date(date) {
            Some(time) => Some(time),
            None => return fail(format!("`{date}` is not a date: write YYYY-MM-DD")),
        },
        [until] if until.eq_ignore_ascii_case("until") => {
            return fail("`until` needs a date, YYYY-MM-DD".into())
        }
        _ => {
            return fail(
                "write `away`, `away <github-login>`, optionally `until YYYY-MM-DD`".into(),
            )
        }
    };
    Ok(Command::Away { login, until })
}

/// `https://github.com/owner/repo/pull/12` → (`owner/repo`, 12).
fn parse_pull_request_url(word: &str) -> Option<(String, u64)> {
    let path = word
        .trim_start_matches('<')
        .trim_end_matches('>')
        .strip_prefix("https://github.com/")?;
    let mut parts = path.split('/');
    let (owner, repo, pull, number) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if pull != "pull" {
        return None;
    }
    parse_pull_request_reference(&format!("{owner}/{repo}#{number}"))
}
