//! The reviewers feature's `/baton` subcommands: their table, their
//! parsing, and what running each one decides.
//!
//! [`execute`] takes a parsed [`Command`] and a [`CommandInput`] (the
//! records the caller loaded) and returns a [`CommandOutcome`]: the
//! ephemeral reply, the records to write, and the channel announcements.

use super::assignment::{parse_pull_request_reference, Assignment, ReviewStatus};
use super::events::assign_pull_request;
use super::pool::{login_key, pool_for_repo, Away, Mode, People, Pool, MAX_REVIEWERS_PER_PR};
use crate::command::{CommandSpec, Topic, UsageError};
use crate::github::PullRequestEvent;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::{
    format_date, format_duration, parse_date, parse_github_login, parse_repo_pattern,
    parse_user_mention,
};
use crate::UnixTime;

/// The `/baton` subcommands of this feature.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "reviewers watch",
        args: "<owner/repo|owner/*>",
        summary:
            "Assign reviewers from this channel's pool for a repository or a whole organisation",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers watch octo-org/api",
    },
    CommandSpec {
        name: "reviewers unwatch",
        args: "<owner/repo|owner/*>",
        summary: "Stop assigning reviewers for a repository",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers unwatch octo-org/*",
    },
    CommandSpec {
        name: "reviewers add",
        args: "<github-login> [<@U…>]",
        summary: "Add a reviewer at the end of this channel's rotation",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers add octocat <@U0G9QF9C6>",
    },
    CommandSpec {
        name: "reviewers remove",
        args: "<github-login>",
        summary: "Take a reviewer out of this channel's rotation",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers remove octocat",
    },
    CommandSpec {
        name: "reviewers list",
        args: "",
        summary: "Show the rotation: order, who is next, who is away, mode and repositories",
        topic: Topic::Reviewers,
        admin_only: false,
        example: "reviewers list",
    },
    CommandSpec {
        name: "reviewers count",
        args: "<1-10>",
        summary: "How many reviewers each pull request gets",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers count 2",
    },
    CommandSpec {
        name: "reviewers mode",
        args: "<round-robin|load-balance>",
        summary: "Rotate in turn, or favour whoever has the fewest open reviews",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers mode load-balance",
    },
    CommandSpec {
        name: "reviewers drafts",
        args: "<on|off>",
        summary: "Assign reviewers to draft pull requests too (off: wait until ready)",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "reviewers drafts on",
    },
    CommandSpec {
        name: "map",
        args: "<github-login> <@U…>",
        summary: "Tell Baton which Slack user a GitHub login belongs to",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "map octocat <@U0G9QF9C6>",
    },
    CommandSpec {
        name: "away",
        args: "[<github-login>] [until YYYY-MM-DD]",
        summary: "Take yourself (or someone) off every rotation, until a date or until `back`",
        topic: Topic::Reviewers,
        admin_only: false,
        example: "away octocat until 2026-12-01",
    },
    CommandSpec {
        name: "back",
        args: "[<github-login>]",
        summary: "Put yourself (or someone) back on the rotations",
        topic: Topic::Reviewers,
        admin_only: false,
        example: "back octocat",
    },
    CommandSpec {
        name: "next",
        args: "<owner/repo>",
        summary: "Who would review a pull request there now (changes nothing)",
        topic: Topic::Reviewers,
        admin_only: false,
        example: "next octo-org/api",
    },
    CommandSpec {
        name: "assign",
        args: "<owner/repo#number>",
        summary: "Assign reviewers to a pull request now",
        topic: Topic::Reviewers,
        admin_only: true,
        example: "assign octo-org/api#1347",
    },
    CommandSpec {
        name: "stats",
        args: "[days]",
        summary: "Assignments, passes and median time to first review per person (default 30 days)",
        topic: Topic::Reviewers,
        admin_only: false,
        example: "stats 14",
    },
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
}

impl Command {
    /// Does it change configuration (admins only)?
    pub fn admin_only(&self) -> bool {
        match self {
            Command::Watch { .. }
            | Command::Unwatch { .. }
            | Command::Add { .. }
            | Command::Remove { .. }
            | Command::Count { .. }
            | Command::Mode { .. }
            | Command::Drafts { .. }
            | Command::Map { .. }
            | Command::Assign { .. } => true,
            Command::List
            | Command::Away { .. }
            | Command::Back { .. }
            | Command::Next { .. }
            | Command::Stats { .. } => false,
        }
    }
}

/// Parse the arguments of the subcommand `name` (one of [`COMMANDS`]).
pub fn parse_args(name: &str, args: &[&str]) -> Result<Command, UsageError> {
    let Some(spec) = COMMANDS.iter().find(|s| s.name == name) else {
        return Err(UsageError::new(format!(
            "`{name}` is not a reviewers command"
        )));
    };
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
        ("reviewers watch", [word]) => Ok(Command::Watch {
            pattern: pattern(word)?,
        }),
        ("reviewers unwatch", [word]) => Ok(Command::Unwatch {
            pattern: pattern(word)?,
        }),
        ("reviewers watch" | "reviewers unwatch", _) => {
            fail("give exactly one repository, `owner/repo` or `owner/*`".into())
        }
        ("reviewers add", [who]) => Ok(Command::Add {
            login: login(who)?,
            slack_user: None,
        }),
        ("reviewers add", [who, slack]) => Ok(Command::Add {
            login: login(who)?,
            slack_user: Some(mention(slack)?),
        }),
        ("reviewers add", _) => {
            fail("give a GitHub login, and optionally their Slack mention".into())
        }
        ("reviewers remove", [who]) => Ok(Command::Remove { login: login(who)? }),
        ("reviewers remove", _) => fail("give exactly one GitHub login".into()),
        ("reviewers list", []) => Ok(Command::List),
        ("reviewers list", _) => fail("`list` takes no arguments".into()),
        ("reviewers count", [n]) => match n.parse::<u8>() {
            Ok(n @ 1..=MAX_REVIEWERS_PER_PR) => Ok(Command::Count {
                reviewers_per_pr: n,
            }),
            _ => fail(format!(
                "`count` must be a whole number from 1 to {MAX_REVIEWERS_PER_PR}, not `{n}`"
            )),
        },
        ("reviewers count", _) => fail(format!(
            "`count` must be a whole number from 1 to {MAX_REVIEWERS_PER_PR}"
        )),
        ("reviewers mode", [word]) => match Mode::from_name(word) {
            Some(mode) => Ok(Command::Mode { mode }),
            None => fail(format!(
                "`mode` is `round-robin` or `load-balance`, not `{word}`"
            )),
        },
        ("reviewers mode", _) => fail("`mode` is `round-robin` or `load-balance`".into()),
        ("reviewers drafts", [word]) => match word.to_ascii_lowercase().as_str() {
            "on" | "yes" | "include" => Ok(Command::Drafts { include: true }),
            "off" | "no" | "skip" => Ok(Command::Drafts { include: false }),
            _ => fail(format!("`drafts` is `on` or `off`, not `{word}`")),
        },
        ("reviewers drafts", _) => fail("`drafts` is `on` or `off`".into()),
        ("map", [who, slack]) => Ok(Command::Map {
            login: login(who)?,
            slack_user: mention(slack)?,
        }),
        ("map", _) => fail("give a GitHub login and a Slack mention".into()),
        ("away", _) => parse_away(spec, args),
        ("back", []) => Ok(Command::Back { login: None }),
        ("back", [who]) => Ok(Command::Back {
            login: Some(login(who)?),
        }),
        ("back", _) => fail("give at most one GitHub login".into()),
        ("next", [word]) => match parse_repo_pattern(word) {
            Some(repo) if !repo.ends_with("/*") => Ok(Command::Next { repo }),
            _ => fail(format!("`{word}` is not a repository: write `owner/repo`")),
        },
        ("next", _) => fail("give exactly one repository, `owner/repo`".into()),
        ("assign", [word]) => {
            match parse_pull_request_reference(word).or_else(|| parse_pull_request_url(word)) {
                Some((repo, number)) => Ok(Command::Assign { repo, number }),
                None => fail(format!(
                    "`{word}` is not a pull request: write `owner/repo#number`"
                )),
            }
        }
        ("assign", _) => fail("give exactly one pull request, `owner/repo#number`".into()),
        ("stats", []) => Ok(Command::Stats {
            days: DEFAULT_STATS_DAYS,
        }),
        ("stats", [n]) => match n.parse::<u32>() {
            Ok(days @ 1..=MAX_STATS_DAYS) => Ok(Command::Stats { days }),
            _ => fail(format!(
                "`days` must be a whole number from 1 to {MAX_STATS_DAYS}, not `{n}`"
            )),
        },
        ("stats", _) => fail("give at most one number of days".into()),
        _ => Err(UsageError::new(format!(
            "`{name}` is not a reviewers command"
        ))),
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

/// What a command needs from the store. Load everything the command's
/// kind needs; the rest may be left empty.
#[derive(Debug, Clone, Copy)]
pub struct CommandInput<'a> {
    /// The Slack user who typed the command.
    pub caller: &'a str,
    /// The channel it was typed in.
    pub channel: &'a str,
    pub now: UnixTime,
    /// Every pool (for `watch` conflicts, `next`, `assign`), this channel's included.
    pub pools: &'a [Pool],
    pub people: &'a People,
    /// `assign`: the pull request as GitHub or a stored event describes it.
    pub pull_request: Option<&'a PullRequestEvent>,
    /// `assign`: the pull request's existing assignment record, if any.
    pub existing_assignment: Option<&'a Assignment>,
    /// `stats`: assignment records (those older than the window are ignored).
    pub history: &'a [Assignment],
}

impl CommandInput<'_> {
    fn channel_pool(&self) -> Option<&Pool> {
        self.pools.iter().find(|p| p.channel == self.channel)
    }
}

/// A change to the global login → Slack user mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingChange {
    /// Key: lower-cased login (see [`login_key`]).
    pub login: String,
    pub slack_user: String,
}

/// A change to who is away (keyed by lower-cased login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwayChange {
    Set { login: String, away: Away },
    Clear { login: String },
}

/// What running a command decided. `None` fields are unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandOutcome {
    /// The ephemeral answer to the caller.
    pub reply: Mrkdwn,
    /// A pool to write (keyed by its `channel`).
    pub pool: Option<Pool>,
    pub mapping: Option<MappingChange>,
    pub away: Option<AwayChange>,
    /// An assignment record to write (`assign`).
    pub assignment: Option<Assignment>,
    /// Announcements and any GitHub requests.
    pub outbound: Vec<Outbound>,
}

impl CommandOutcome {
    fn reply(text: impl Into<Mrkdwn>) -> Self {
        CommandOutcome {
            reply: text.into(),
            ..CommandOutcome::default()
        }
    }

    /// Reply to the caller and tell the channel.
    fn announce(channel: &str, reply: Mrkdwn, announcement: Mrkdwn) -> Self {
        CommandOutcome {
            reply,
            outbound: vec![Outbound::post(channel, announcement)],
            ..CommandOutcome::default()
        }
    }
}

const NO_POOL: &str =
    "This channel has no review rotation yet. Start one with `/baton reviewers watch owner/repo`.";

/// Run a parsed command against the loaded records.
pub fn execute(command: &Command, input: &CommandInput) -> CommandOutcome {
    let caller = Mrkdwn::user(input.caller);
    match command {
        Command::Watch { pattern } => watch(pattern, input, &caller),
        Command::Unwatch { pattern } => change_pool(input, |pool| {
            let before = pool.repos.len();
            pool.repos.retain(|p| !p.eq_ignore_ascii_case(pattern));
            if pool.repos.len() == before {
                return Err(mrkdwn!("This channel does not watch `{}`.", pattern));
            }
            Ok(mrkdwn!(
                "{} stopped reviewer rotation for `{}`.",
                caller,
                pattern
            ))
        }),
        Command::Add { login, slack_user } => {
            let mut outcome = change_pool(input, |pool| {
                if !pool.add_member(login, input.people, input.now) {
                    return Err(mrkdwn!("*{}* is already in this rotation.", login));
                }
                Ok(mrkdwn!(
                    "{} added *{}* to the review rotation.",
                    caller,
                    login
                ))
            });
            if outcome.pool.is_some() {
                outcome.mapping = slack_user.as_ref().map(|user| MappingChange {
                    login: login_key(login),
                    slack_user: user.clone(),
                });
            }
            outcome
        }
        Command::Remove { login } => change_pool(input, |pool| match pool.remove_member(login) {
            Some(removed) => Ok(mrkdwn!(
                "{} removed *{}* from the review rotation.",
                caller,
                removed.login
            )),
            None => Err(mrkdwn!("*{}* is not in this rotation.", login)),
        }),
        Command::List => match input.channel_pool() {
            Some(pool) => CommandOutcome::reply(list_text(pool, input.people, input.now)),
            None => CommandOutcome::reply(NO_POOL),
        },
        Command::Count { reviewers_per_pr } => change_pool(input, |pool| {
            pool.reviewers_per_pr = *reviewers_per_pr;
            let noun = if *reviewers_per_pr == 1 {
                "reviewer"
            } else {
                "reviewers"
            };
            Ok(mrkdwn!(
                "{} set {} {} per pull request.",
                caller,
                *reviewers_per_pr,
                noun
            ))
        }),
        Command::Mode { mode } => change_pool(input, |pool| {
            pool.mode = *mode;
            Ok(mrkdwn!(
                "{} switched the rotation to {}.",
                caller,
                mode.name()
            ))
        }),
        Command::Drafts { include } => change_pool(input, |pool| {
            pool.include_drafts = *include;
            Ok(if *include {
                mrkdwn!(
                    "{} turned on reviewer assignment for draft pull requests.",
                    caller
                )
            } else {
                mrkdwn!(
                    "{} made draft pull requests wait for reviewers until they are ready.",
                    caller
                )
            })
        }),
        Command::Map { login, slack_user } => {
            let mut outcome = CommandOutcome::announce(
                input.channel,
                mrkdwn!("*{}* is {} from now on.", login, Mrkdwn::user(slack_user)),
                mrkdwn!(
                    "{} mapped GitHub *{}* to {}.",
                    caller,
                    login,
                    Mrkdwn::user(slack_user)
                ),
            );
            outcome.mapping = Some(MappingChange {
                login: login_key(login),
                slack_user: slack_user.clone(),
            });
            outcome
        }
        Command::Away { login, until } => away(login.as_deref(), *until, input, &caller),
        Command::Back { login } => back(login.as_deref(), input, &caller),
        Command::Next { repo } => next(repo, input),
        Command::Assign { repo, number } => assign(repo, *number, input),
        Command::Stats { days } => CommandOutcome::reply(stats_text(*days, input)),
    }
}

/// Apply `change` to this channel's pool; `Ok` is the announcement, `Err`
/// the reason nothing changed.
fn change_pool(
    input: &CommandInput,
    change: impl FnOnce(&mut Pool) -> Result<Mrkdwn, Mrkdwn>,
) -> CommandOutcome {
    let Some(pool) = input.channel_pool() else {
        return CommandOutcome::reply(NO_POOL);
    };
    let mut pool = pool.clone();
    match change(&mut pool) {
        Ok(announcement) => {
            let mut outcome = CommandOutcome::announce(
                input.channel,
                mrkdwn!("Done. {}", announcement),
                announcement,
            );
            outcome.pool = Some(pool);
            outcome
        }
        Err(reason) => CommandOutcome::reply(reason),
    }
}

fn watch(pattern: &str, input: &CommandInput, caller: &Mrkdwn) -> CommandOutcome {
    if let Some(owner) = input
        .pools
        .iter()
        .find(|p| p.channel != input.channel && p.watches_pattern(pattern))
    {
        return CommandOutcome::reply(mrkdwn!(
            "`{}` is already watched by {}; unwatch it there first.",
            pattern,
            Mrkdwn::channel(&owner.channel)
        ));
    }
    let mut pool = input
        .channel_pool()
        .cloned()
        .unwrap_or_else(|| Pool::new(input.channel));
    if pool.watches_pattern(pattern) {
        return CommandOutcome::reply(mrkdwn!("This channel already watches `{}`.", pattern));
    }
    pool.repos.push(pattern.to_string());
    let mut reply = mrkdwn!(
        "Done. This channel now assigns reviewers for `{}`.",
        pattern
    );
    if pool.members.is_empty() {
        reply.push(" Add reviewers with `/baton reviewers add GITHUB-LOGIN [@slack-user]`.");
    }
    let mut outcome = CommandOutcome::announce(
        input.channel,
        reply,
        mrkdwn!(
            "{} set this channel to assign reviewers for `{}`.",
            caller,
            pattern
        ),
    );
    outcome.pool = Some(pool);
    outcome
}

/// The login the command is about: the one given, or the caller's own.
/// `verb` names the command in the hint (`away` or `back`).
fn subject_login(login: Option<&str>, input: &CommandInput, verb: &str) -> Result<String, Mrkdwn> {
    match login {
        Some(login) => Ok(login.to_string()),
        None => input
            .people
            .login_of_slack_user(input.caller)
            .map(str::to_string)
            .ok_or_else(|| {
                mrkdwn!(
                    "I don't know your GitHub login. Name it (`/baton {} GITHUB-LOGIN`), \
                     or ask an admin to run `/baton map GITHUB-LOGIN @you`.",
                    verb
                )
            }),
    }
}

fn away(
    login: Option<&str>,
    until: Option<UnixTime>,
    input: &CommandInput,
    caller: &Mrkdwn,
) -> CommandOutcome {
    let login = match subject_login(login, input, "away") {
        Ok(login) => login,
        Err(reason) => return CommandOutcome::reply(reason),
    };
    if until.is_some_and(|until| until <= input.now) {
        return CommandOutcome::reply(mrkdwn!(
            "{} is not in the future; give a later date.",
            format_date(until.unwrap_or_default())
        ));
    }
    let how_long = match until {
        Some(until) => format!("until {}", format_date(until)),
        None => "until `/baton back`".to_string(),
    };
    let mut outcome = CommandOutcome::announce(
        input.channel,
        mrkdwn!(
            "Done. *{}* is off every review rotation {}.",
            login,
            how_long
        ),
        mrkdwn!("{} marked *{}* away {}.", caller, login, how_long),
    );
    outcome.away = Some(AwayChange::Set {
        login: login_key(&login),
        away: Away { until },
    });
    outcome
}

fn back(login: Option<&str>, input: &CommandInput, caller: &Mrkdwn) -> CommandOutcome {
    let login = match subject_login(login, input, "back") {
        Ok(login) => login,
        Err(reason) => return CommandOutcome::reply(reason),
    };
    if !input.people.is_away(&login, input.now) {
        return CommandOutcome::reply(mrkdwn!("*{}* is not away.", login));
    }
    let mut outcome = CommandOutcome::announce(
        input.channel,
        mrkdwn!(
            "Welcome back! *{}* is on the review rotations again.",
            login
        ),
        mrkdwn!("{} put *{}* back on the review rotation.", caller, login),
    );
    outcome.away = Some(AwayChange::Clear {
        login: login_key(&login),
    });
    outcome
}

fn next(repo: &str, input: &CommandInput) -> CommandOutcome {
    let Some(pool) = pool_for_repo(input.pools.iter(), repo) else {
        return CommandOutcome::reply(mrkdwn!("No channel watches `{}`.", repo));
    };
    let picks = pool.preview("", input.people, input.now);
    CommandOutcome::reply(if picks.is_empty() {
        mrkdwn!(
            "No one in {}'s rotation is free right now.",
            Mrkdwn::channel(&pool.channel)
        )
    } else {
        mrkdwn!(
            "The next pull request in `{}` would go to {} ({}'s rotation).",
            repo,
            mention_list(&picks, input.people),
            Mrkdwn::channel(&pool.channel)
        )
    })
}

fn assign(repo: &str, number: u64, input: &CommandInput) -> CommandOutcome {
    let reference = format!("{repo}#{number}");
    let Some(pool) = pool_for_repo(input.pools.iter(), repo) else {
        return CommandOutcome::reply(mrkdwn!(
            "No channel watches `{}`; run `/baton reviewers watch {}` first.",
            repo,
            repo
        ));
    };
    if let Some(existing) = input.existing_assignment {
        let on_it: Vec<String> = existing
            .reviewers
            .iter()
            .filter(|r| r.is_on_it())
            .map(|r| r.login.clone())
            .collect();
        return CommandOutcome::reply(mrkdwn!(
            "`{}` already has reviewers: {}. Use the message's *Reassign* button to change them.",
            reference,
            mention_list(&on_it, input.people)
        ));
    }
    let Some(pr) = input.pull_request else {
        return CommandOutcome::reply(mrkdwn!("I couldn't find pull request `{}`.", reference));
    };
    let decided = assign_pull_request(pool, pr, input.people, input.now);
    let reply = match &decided.assignment {
        Some(assignment) => mrkdwn!(
            "Done. `{}` goes to {}.",
            reference,
            mention_list(&assignment.pending_logins(), input.people)
        ),
        None => mrkdwn!(
            "No one in {}'s rotation is free to review `{}`.",
            Mrkdwn::channel(&pool.channel),
            reference
        ),
    };
    CommandOutcome {
        reply,
        pool: decided.pool,
        assignment: decided.assignment,
        outbound: decided.outbound,
        ..CommandOutcome::default()
    }
}

fn mention_list(logins: &[String], people: &People) -> Mrkdwn {
    Mrkdwn::join(logins.iter().map(|login| people.mention(login)), ", ")
}

/// `reviewers list`: rotation order, next, away, mode, count, repositories.
fn list_text(pool: &Pool, people: &People, now: UnixTime) -> Mrkdwn {
    let next = pool.preview("", people, now);
    let noun = if pool.reviewers_per_pr == 1 {
        "reviewer"
    } else {
        "reviewers"
    };
    let mut out = mrkdwn!(
        "*Review rotation* — {}, {} {} per pull request, drafts {}\n",
        pool.mode.name(),
        pool.reviewers_per_pr,
        noun,
        if pool.include_drafts {
            "included"
        } else {
            "wait until ready"
        }
    );
    if pool.members.is_empty() {
        out.push("No reviewers yet: `/baton reviewers add GITHUB-LOGIN [@slack-user]`.\n");
    }
    for (position, member) in pool.members.iter().enumerate() {
        let mut line = mrkdwn!(
            "{}. {} — {} assigned",
            position + 1,
            people.mention(&member.login),
            member.assigned
        );
        if people.slack_user(&member.login).is_some() {
            line.push(mrkdwn!(" (`{}`)", member.login));
        }
        if pool.mode == Mode::LoadBalance {
            line.push(mrkdwn!(", {} open", member.open_reviews));
        }
        if member.passes > 0 {
            line.push(mrkdwn!(", {} passed", member.passes));
        }
        if let Some(away) = people
            .away
            .get(&login_key(&member.login))
            .filter(|a| a.is_active(now))
        {
            match away.until {
                Some(until) => {
                    line.push(mrkdwn!(" · :palm_tree: away until {}", format_date(until)))
                }
                None => line.push(" · :palm_tree: away"),
            }
        }
        if next.iter().any(|n| n == &member.login) {
            line.push(" · *next*");
        }
        out.push(line);
        out.push("\n");
    }
    if pool.repos.is_empty() {
        out.push("Watching no repositories.");
    } else {
        let repos = pool.repos.iter().map(|r| mrkdwn!("`{}`", r));
        out.push(mrkdwn!("Watching {}.", Mrkdwn::join(repos, ", ")));
    }
    out
}

/// One person's numbers in `stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PersonStats {
    assignments: u32,
    passes: u32,
    /// Seconds from assignment to first review, one per reviewed assignment.
    review_delays: Vec<i64>,
}

/// The median of some durations (the mean of the middle two for an even count).
fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let mid = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[mid]),
        _ => Some((values[mid - 1] + values[mid]) / 2),
    }
}

/// `stats [days]`: this channel's assignments made in the last `days`.
fn stats_text(days: u32, input: &CommandInput) -> Mrkdwn {
    let since = input.now - i64::from(days) * 86_400;
    let mut people: std::collections::BTreeMap<String, (String, PersonStats)> =
        std::collections::BTreeMap::new();
    for assignment in input.history.iter().filter(|a| a.channel == input.channel) {
        for reviewer in assignment
            .reviewers
            .iter()
            .filter(|r| r.assigned_at >= since)
        {
            let (_, stats) = people
                .entry(login_key(&reviewer.login))
                .or_insert_with(|| (reviewer.login.clone(), PersonStats::default()));
            stats.assignments += 1;
            match reviewer.status {
                ReviewStatus::Passed { .. } => stats.passes += 1,
                ReviewStatus::Reviewed { first_at, .. } => {
                    stats.review_delays.push(first_at - reviewer.assigned_at)
                }
                ReviewStatus::Pending | ReviewStatus::Reassigned { .. } => {}
            }
        }
    }
    if people.is_empty() {
        return mrkdwn!(
            "No review assignments in this channel in the last {} days.",
            days
        );
    }
    let mut rows: Vec<(String, PersonStats)> = people.into_values().collect();
    rows.sort_by(|a, b| b.1.assignments.cmp(&a.1.assignments).then(a.0.cmp(&b.0)));
    let mut out = mrkdwn!("*Reviews in the last {} days*\n", days);
    for (login, mut stats) in rows {
        let median = median(&mut stats.review_delays).map_or_else(
            || "no reviews yet".to_string(),
            |m| format!("median {} to first review", format_duration(m)),
        );
        out.push(mrkdwn!(
            "• {} — {} assigned, {} passed, {}\n",
            login,
            stats.assignments,
            stats.passes,
            median
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{self, Command as AnyCommand};
    use crate::reviewers::assignment::AssignedReviewer;

    const NOW: UnixTime = 1_795_392_000; // 2026-11-23 00:00 UTC
    const CHANNEL: &str = "C024BE91L";
    const ADMIN: &str = "U0ADMIN01";

    fn parse(text: &str) -> Result<Command, UsageError> {
        match command::parse(text)? {
            AnyCommand::Reviewers(command) => Ok(command),
            other => panic!("`{text}` parsed as {other:?}"),
        }
    }

    fn parse_error(text: &str) -> UsageError {
        let error = parse(text).unwrap_err();
        assert!(
            error.usage.is_some(),
            "`{text}` error lacks usage: {error:?}"
        );
        error
    }

    fn people() -> People {
        let mut people = People::default();
        people
            .slack_users
            .insert("octocat".into(), "U0G9QF9C6".into());
        people
            .slack_users
            .insert("hubot".into(), "U024BE7LH".into());
        people
    }

    fn api_pool() -> Pool {
        let mut pool = Pool::new(CHANNEL);
        pool.repos.push("octo-org/api".into());
        for login in ["octocat", "hubot", "monalisa"] {
            pool.add_member(login, &People::default(), NOW);
        }
        pool
    }

    fn input<'a>(pools: &'a [Pool], people: &'a People) -> CommandInput<'a> {
        CommandInput {
            caller: ADMIN,
            channel: CHANNEL,
            now: NOW,
            pools,
            people,
            pull_request: None,
            existing_assignment: None,
            history: &[],
        }
    }

    #[test]
    fn every_command_parses_its_arguments() {
        assert_eq!(
            parse("reviewers watch Octo-Org/*"),
            Ok(Command::Watch {
                pattern: "octo-org/*".into()
            })
        );
        assert_eq!(
            parse("reviewers unwatch octo-org/api"),
            Ok(Command::Unwatch {
                pattern: "octo-org/api".into()
            })
        );
        assert_eq!(
            parse("reviewers add @octocat <@U0G9QF9C6|octocat>"),
            Ok(Command::Add {
                login: "octocat".into(),
                slack_user: Some("U0G9QF9C6".into())
            })
        );
        assert_eq!(
            parse("reviewers add hubot"),
            Ok(Command::Add {
                login: "hubot".into(),
                slack_user: None
            })
        );
        assert_eq!(
            parse("reviewers remove hubot"),
            Ok(Command::Remove {
                login: "hubot".into()
            })
        );
        assert_eq!(parse("reviewers list"), Ok(Command::List));
        assert_eq!(
            parse("reviewers count 10"),
            Ok(Command::Count {
                reviewers_per_pr: 10
            })
        );
        assert_eq!(
            parse("Reviewers Mode Round-Robin"),
            Ok(Command::Mode {
                mode: Mode::RoundRobin
            })
        );
        assert_eq!(
            parse("reviewers drafts off"),
            Ok(Command::Drafts { include: false })
        );
        assert_eq!(
            parse("map hubot <@U024BE7LH>"),
            Ok(Command::Map {
                login: "hubot".into(),
                slack_user: "U024BE7LH".into()
            })
        );
        assert_eq!(
            parse("away"),
            Ok(Command::Away {
                login: None,
                until: None
            })
        );
        assert_eq!(
            parse("away until 2026-12-01"),
            Ok(Command::Away {
                login: None,
                until: Some(NOW + 8 * 86_400)
            })
        );
        assert_eq!(
            parse("away hubot"),
            Ok(Command::Away {
                login: Some("hubot".into()),
                until: None
            })
        );
        assert_eq!(parse("back"), Ok(Command::Back { login: None }));
        assert_eq!(
            parse("back hubot"),
            Ok(Command::Back {
                login: Some("hubot".into())
            })
        );
        assert_eq!(
            parse("next Octo-Org/API"),
            Ok(Command::Next {
                repo: "octo-org/api".into()
            })
        );
        assert_eq!(
            parse("assign octo-org/api#1347"),
            Ok(Command::Assign {
                repo: "octo-org/api".into(),
                number: 1347
            })
        );
        assert_eq!(
            parse("assign https://github.com/octo-org/api/pull/1347"),
            Ok(Command::Assign {
                repo: "octo-org/api".into(),
                number: 1347
            })
        );
        assert_eq!(parse("stats"), Ok(Command::Stats { days: 30 }));
        assert_eq!(parse("stats 7"), Ok(Command::Stats { days: 7 }));
    }

    #[test]
    fn every_command_names_what_was_wrong() {
        let cases = [
            ("reviewers watch octo-org", "`octo-org` is not a repository"),
            ("reviewers watch", "give exactly one repository"),
            ("reviewers unwatch a/b c/d", "give exactly one repository"),
            ("reviewers add", "give a GitHub login"),
            ("reviewers add -octocat", "`-octocat` is not a GitHub login"),
            (
                "reviewers add octocat @octocat",
                "`@octocat` is not a Slack user",
            ),
            ("reviewers remove", "give exactly one GitHub login"),
            ("reviewers remove a--b", "`a--b` is not a GitHub login"),
            ("reviewers list everything", "`list` takes no arguments"),
            (
                "reviewers count 0",
                "`count` must be a whole number from 1 to 10, not `0`",
            ),
            (
                "reviewers count 11",
                "`count` must be a whole number from 1 to 10, not `11`",
            ),
            (
                "reviewers count two",
                "`count` must be a whole number from 1 to 10, not `two`",
            ),
            (
                "reviewers count",
                "`count` must be a whole number from 1 to 10",
            ),
            (
                "reviewers mode fastest",
                "`mode` is `round-robin` or `load-balance`, not `fastest`",
            ),
            (
                "reviewers mode",
                "`mode` is `round-robin` or `load-balance`",
            ),
            (
                "reviewers drafts maybe",
                "`drafts` is `on` or `off`, not `maybe`",
            ),
            ("reviewers drafts", "`drafts` is `on` or `off`"),
            ("map octocat", "give a GitHub login and a Slack mention"),
            ("map octocat #general", "`#general` is not a Slack user"),
            (
                "map <@U0G9QF9C6> octocat",
                "`<@U0G9QF9C6>` is not a GitHub login",
            ),
            ("away until", "`until` needs a date"),
            (
                "away octocat until 2026-02-30",
                "`2026-02-30` is not a date",
            ),
            (
                "away octocat tomorrow",
                "write `away`, `away <github-login>`",
            ),
            ("away <@U0G9QF9C6>", "`<@U0G9QF9C6>` is not a GitHub login"),
            ("back octocat hubot", "give at most one GitHub login"),
            ("back <@U0G9QF9C6>", "`<@U0G9QF9C6>` is not a GitHub login"),
            (
                "next octo-org/*",
                "`octo-org/*` is not a repository: write `owner/repo`",
            ),
            ("next", "give exactly one repository"),
            (
                "assign octo-org/api",
                "`octo-org/api` is not a pull request",
            ),
            (
                "assign octo-org/api#x",
                "`octo-org/api#x` is not a pull request",
            ),
            ("assign", "give exactly one pull request"),
            (
                "stats 0",
                "`days` must be a whole number from 1 to 365, not `0`",
            ),
            (
                "stats month",
                "`days` must be a whole number from 1 to 365, not `month`",
            ),
            ("stats 1 2", "give at most one number of days"),
        ];
        for (text, expected) in cases {
            let error = parse_error(text);
            assert!(
                error.message.contains(expected),
                "`{text}`: {}",
                error.message
            );
            let spec = COMMANDS
                .iter()
                .filter(|s| text == s.name || text.starts_with(&format!("{} ", s.name)))
                .max_by_key(|s| s.name.len())
                .unwrap();
            assert_eq!(error.usage, Some(spec.usage()), "`{text}`");
        }
    }

    #[test]
    fn configuration_commands_are_admin_only() {
        for (text, admin) in [
            ("reviewers watch octo-org/api", true),
            ("reviewers add octocat", true),
            ("reviewers count 2", true),
            ("map octocat <@U0G9QF9C6>", true),
            ("assign octo-org/api#1", true),
            ("reviewers list", false),
            ("away", false),
            ("back hubot", false),
            ("next octo-org/api", false),
            ("stats", false),
        ] {
            assert_eq!(parse(text).unwrap().admin_only(), admin, "{text}");
            let spec = COMMANDS.iter().find(|s| text.starts_with(s.name)).unwrap();
            assert_eq!(spec.admin_only, admin, "spec of {text}");
        }
    }

    #[test]
    fn watch_creates_the_pool_and_refuses_another_channels_pattern() {
        let people = People::default();
        let outcome = execute(
            &Command::Watch {
                pattern: "octo-org/*".into(),
            },
            &input(&[], &people),
        );
        let pool = outcome.pool.unwrap();
        assert_eq!(
            (pool.channel.as_str(), pool.repos.as_slice()),
            (CHANNEL, &["octo-org/*".to_string()][..])
        );
        assert_eq!(pool.reviewers_per_pr, 1);
        assert!(!pool.include_drafts);
        assert_eq!(
            outcome.outbound,
            [Outbound::post(
                CHANNEL,
                Mrkdwn::expected(&format!(
                    "<@{ADMIN}> set this channel to assign reviewers for `octo-org/*`."
                ))
            )]
        );

        let mut elsewhere = Pool::new("C0OTHER");
        elsewhere.repos.push("octo-org/api".into());
        let pools = [elsewhere];
        let refused = execute(
            &Command::Watch {
                pattern: "octo-org/api".into(),
            },
            &input(&pools, &people),
        );
        assert_eq!(refused.pool, None);
        assert!(refused.outbound.is_empty());
        assert!(
            refused.reply.contains("already watched by <#C0OTHER>"),
            "{}",
            refused.reply
        );
    }

    #[test]
    fn commands_needing_a_pool_say_how_to_start_one() {
        let people = People::default();
        for command in [
            Command::List,
            Command::Remove {
                login: "hubot".into(),
            },
            Command::Count {
                reviewers_per_pr: 2,
            },
        ] {
            let outcome = execute(&command, &input(&[], &people));
            assert!(outcome.reply.contains("reviewers watch"), "{command:?}");
            assert_eq!(outcome.pool, None);
        }
    }

    #[test]
    fn add_with_mention_maps_the_login_and_starts_level() {
        let mut pool = api_pool();
        for member in &mut pool.members {
            member.assigned = 4;
        }
        let pools = [pool];
        let people = People::default();
        let outcome = execute(
            &Command::Add {
                login: "Defunkt".into(),
                slack_user: Some("U0DEFUNKT".into()),
            },
            &input(&pools, &people),
        );
        let pool = outcome.pool.unwrap();
        assert_eq!(pool.members.last().unwrap().login, "Defunkt");
        assert_eq!(pool.members.last().unwrap().assigned, 4);
        assert_eq!(
            outcome.mapping,
            Some(MappingChange {
                login: "defunkt".into(),
                slack_user: "U0DEFUNKT".into()
            })
        );
        let again = execute(
            &Command::Add {
                login: "octocat".into(),
                slack_user: None,
            },
            &input(&pools, &people),
        );
        assert_eq!((again.pool, again.mapping), (None, None));
        assert!(again.reply.contains("already in this rotation"));
    }

    #[test]
    fn count_mode_drafts_remove_and_unwatch_change_the_pool_and_announce() {
        let pools = [api_pool()];
        let people = People::default();
        let run = |command: Command| execute(&command, &input(&pools, &people));
        let counted = run(Command::Count {
            reviewers_per_pr: 2,
        });
        assert_eq!(counted.pool.unwrap().reviewers_per_pr, 2);
        assert_eq!(counted.outbound.len(), 1);
        assert_eq!(
            run(Command::Mode {
                mode: Mode::LoadBalance
            })
            .pool
            .unwrap()
            .mode,
            Mode::LoadBalance
        );
        assert!(
            run(Command::Drafts { include: true })
                .pool
                .unwrap()
                .include_drafts
        );
        let removed = run(Command::Remove {
            login: "HUBOT".into(),
        })
        .pool
        .unwrap();
        assert_eq!(
            removed
                .members
                .iter()
                .map(|m| m.login.as_str())
                .collect::<Vec<_>>(),
            ["octocat", "monalisa"]
        );
        assert!(run(Command::Remove {
            login: "torvalds".into()
        })
        .reply
        .contains("not in this rotation"));
        assert!(run(Command::Unwatch {
            pattern: "octo-org/api".into()
        })
        .pool
        .unwrap()
        .repos
        .is_empty());
        let missing = run(Command::Unwatch {
            pattern: "octo-org/web".into(),
        });
        assert_eq!(missing.pool, None);
        assert!(missing.reply.contains("does not watch `octo-org/web`"));
    }

    #[test]
    fn list_shows_order_next_away_mode_count_and_repositories() {
        let mut pool = api_pool();
        pool.reviewers_per_pr = 1;
        let mut people = people();
        people.away.insert(
            "hubot".into(),
            Away {
                until: Some(NOW + 8 * 86_400),
            },
        );
        people.away.insert(
            "monalisa".into(),
            Away {
                until: Some(NOW - 1),
            },
        );
        let pools = [pool];
        let reply = execute(&Command::List, &input(&pools, &people)).reply;
        assert!(
            reply.contains("round-robin, 1 reviewer per pull request, drafts wait until ready"),
            "{reply}"
        );
        assert!(
            reply.contains("1. <@U0G9QF9C6> — 0 assigned (`octocat`) · *next*"),
            "{reply}"
        );
        assert!(
            reply.contains(
                "2. <@U024BE7LH> — 0 assigned (`hubot`) · :palm_tree: away until 2026-12-01"
            ),
            "{reply}"
        );
        assert!(
            reply.contains("3. *monalisa* — 0 assigned\n"),
            "an expired away is not shown: {reply}"
        );
        assert!(reply.contains("Watching `octo-org/api`."), "{reply}");
    }

    #[test]
    fn next_previews_without_advancing() {
        let pools = [api_pool()];
        let people = people();
        let outcome = execute(
            &Command::Next {
                repo: "octo-org/api".into(),
            },
            &input(&pools, &people),
        );
        assert_eq!(outcome.pool, None);
        assert!(
            outcome.reply.contains("would go to <@U0G9QF9C6>"),
            "{}",
            outcome.reply
        );
        let unwatched = execute(
            &Command::Next {
                repo: "octo-org/web".into(),
            },
            &input(&pools, &people),
        );
        assert!(unwatched
            .reply
            .contains("No channel watches `octo-org/web`"));
    }

    #[test]
    fn map_away_and_back_change_global_records() {
        let people = people();
        let pools = [api_pool()];
        let mapped = execute(
            &Command::Map {
                login: "Defunkt".into(),
                slack_user: "U0DEFUNKT".into(),
            },
            &input(&pools, &people),
        );
        assert_eq!(
            mapped.mapping,
            Some(MappingChange {
                login: "defunkt".into(),
                slack_user: "U0DEFUNKT".into()
            })
        );
        assert_eq!(mapped.outbound.len(), 1);

        // `away` without a login is the caller's own mapped login.
        let mut as_octocat = input(&pools, &people);
        as_octocat.caller = "U0G9QF9C6";
        let away = execute(
            &Command::Away {
                login: None,
                until: Some(NOW + 86_400),
            },
            &as_octocat,
        );
        assert_eq!(
            away.away,
            Some(AwayChange::Set {
                login: "octocat".into(),
                away: Away {
                    until: Some(NOW + 86_400)
                }
            })
        );
        assert!(away.reply.contains("until 2026-11-24"), "{}", away.reply);

        let past = execute(
            &Command::Away {
                login: Some("hubot".into()),
                until: Some(NOW),
            },
            &as_octocat,
        );
        assert_eq!(past.away, None);
        assert!(past.reply.contains("not in the future"));

        let unknown = execute(
            &Command::Away {
                login: None,
                until: None,
            },
            &input(&pools, &people),
        );
        assert_eq!(unknown.away, None);
        assert!(unknown.reply.contains("I don't know your GitHub login"));

        let mut away_people = people.clone();
        away_people
            .away
            .insert("octocat".into(), Away { until: None });
        let mut as_octocat = input(&pools, &away_people);
        as_octocat.caller = "U0G9QF9C6";
        let back = execute(&Command::Back { login: None }, &as_octocat);
        assert_eq!(
            back.away,
            Some(AwayChange::Clear {
                login: "octocat".into()
            })
        );
        let not_away = execute(
            &Command::Back {
                login: Some("hubot".into()),
            },
            &as_octocat,
        );
        assert_eq!(not_away.away, None);
        assert!(not_away.reply.contains("not away"));
    }

    fn pull_request() -> PullRequestEvent {
        PullRequestEvent {
            action: "opened".into(),
            repo: "octo-org/api".into(),
            number: 1347,
            title: "Retry webhook delivery on 5xx".into(),
            html_url: "https://github.com/octo-org/api/pull/1347".into(),
            author: "monalisa".into(),
            draft: true,
            merged: false,
            additions: 12,
            deletions: 3,
            changed_files: 1,
            requested_reviewers: vec![],
            assignees: vec![],
            installation: None,
        }
    }

    #[test]
    fn assign_assigns_now_even_a_draft_but_only_once() {
        let pools = [api_pool()];
        let people = people();
        let pr = pull_request();
        let mut with_pr = input(&pools, &people);
        with_pr.pull_request = Some(&pr);
        let command = Command::Assign {
            repo: "octo-org/api".into(),
            number: 1347,
        };
        let outcome = execute(&command, &with_pr);
        let assignment = outcome.assignment.unwrap();
        assert_eq!(assignment.pending_logins(), ["octocat"]);
        assert_eq!(outcome.pool.unwrap().member("octocat").unwrap().assigned, 1);
        assert!(outcome.outbound.iter().any(|o| matches!(o, Outbound::GithubRequestReviewers { reviewers, .. } if reviewers == &["octocat"])));
        assert!(
            outcome.reply.contains("goes to <@U0G9QF9C6>"),
            "{}",
            outcome.reply
        );

        with_pr.existing_assignment = Some(&assignment);
        let again = execute(&command, &with_pr);
        assert_eq!((again.pool, again.assignment), (None, None));
        assert!(again.outbound.is_empty());
        assert!(
            again.reply.contains("already has reviewers: <@U0G9QF9C6>"),
            "{}",
            again.reply
        );

        let not_found = execute(&command, &input(&pools, &people));
        assert!(not_found
            .reply
            .contains("couldn't find pull request `octo-org/api#1347`"));
    }

    #[test]
    fn stats_counts_assignments_passes_and_median_time_to_first_review() {
        let reviewer =
            |login: &str, assigned_at: UnixTime, status: ReviewStatus| AssignedReviewer {
                login: login.into(),
                assigned_at,
                status,
            };
        let record = |number: u64, channel: &str, reviewers: Vec<AssignedReviewer>| {
            let mut pr = pull_request();
            pr.number = number;
            let mut assignment = Assignment::new(&pr, channel, &[], NOW);
            assignment.reviewers = reviewers;
            assignment
        };
        let day = 86_400;
        let reviewed = |at: UnixTime| ReviewStatus::Reviewed {
            first_at: at,
            state: "approved".into(),
        };
        let history = [
            record(
                1,
                CHANNEL,
                vec![reviewer(
                    "octocat",
                    NOW - 2 * day,
                    reviewed(NOW - 2 * day + 3600),
                )],
            ),
            record(
                2,
                CHANNEL,
                vec![reviewer(
                    "octocat",
                    NOW - day,
                    reviewed(NOW - day + 3 * 3600),
                )],
            ),
            record(
                3,
                CHANNEL,
                vec![
                    reviewer(
                        "hubot",
                        NOW - day,
                        ReviewStatus::Passed { at: NOW - day + 60 },
                    ),
                    reviewer("octocat", NOW - day + 60, ReviewStatus::Pending),
                ],
            ),
            // Too old for the window, and another channel's: ignored.
            record(
                4,
                CHANNEL,
                vec![reviewer(
                    "hubot",
                    NOW - 40 * day,
                    reviewed(NOW - 40 * day + 60),
                )],
            ),
            record(
                5,
                "C0OTHER",
                vec![reviewer("hubot", NOW - day, reviewed(NOW - day + 60))],
            ),
        ];
        let pools = [api_pool()];
        let people = people();
        let mut with_history = input(&pools, &people);
        with_history.history = &history;
        let reply = execute(&Command::Stats { days: 30 }, &with_history).reply;
        assert!(
            reply.contains("• octocat — 3 assigned, 0 passed, median 2h to first review"),
            "{reply}"
        );
        assert!(
            reply.contains("• hubot — 1 assigned, 1 passed, no reviews yet"),
            "{reply}"
        );
        let short = execute(&Command::Stats { days: 1 }, &with_history).reply;
        assert!(short.contains("octocat — 2 assigned"), "{short}");
        with_history.history = &[];
        assert!(execute(&Command::Stats { days: 30 }, &with_history)
            .reply
            .contains("No review assignments"));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [30, 10, 20]), Some(20));
        assert_eq!(median(&mut [40, 10, 20, 30]), Some(25));
    }
}
