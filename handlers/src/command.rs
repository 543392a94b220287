//! The `/baton` command line: one table of subcommands drives the parser,
//! the help, the admin rights and the routing, so they cannot drift apart.
//!
//! Each feature owns a `COMMANDS` table pairing its typed `Name`s with a
//! [`CommandSpec`] (words, arguments, help line, rights), and a
//! `parse_args(name, spec, args)` that matches on the typed name. [`parse`]
//! finds the longest spec whose words the text starts with and hands the
//! rest to that feature; [`Command::spec`] finds a parsed command's entry
//! again (for its admin right and whether it only reads).
//!
//! [`dispatch`] is the first decision on every command line: answer it at
//! once (help, a usage error, a refusal to someone who is not one of the
//! [`Admins`]), or hand the feature's command on to be decided over a read
//! snapshot (a query) or in a write transaction.

use crate::caller::Caller;
use crate::mrkdwn::Mrkdwn;
use crate::text::edit_distance;
use crate::{deploys, errors, reviewers};

pub use crate::subcommand::{CommandSpec, Topic, UsageError};

/// Every subcommand, by a typed name: the feature and its own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandName {
    Help,
    Reviewers(reviewers::Name),
    Deploys(deploys::Name),
    Errors(errors::Name),
}

impl CommandName {
    /// The help topic (the feature) it belongs to.
    pub fn topic(self) -> Topic {
        match self {
            CommandName::Help => Topic::General,
            CommandName::Reviewers(_) => Topic::Reviewers,
            CommandName::Deploys(_) => Topic::Deploys,
            CommandName::Errors(_) => Topic::Errors,
        }
    }
}

/// The general subcommands (help).
pub const GENERAL_COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "help",
    args: "[reviewers|deploys|errors]",
    summary: "List every subcommand, or those of one topic",
    admin_only: false,
    read_only: true,
    example: "help reviewers",
}];

/// A parsed `/baton` command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help { topic: Option<Topic> },
    Reviewers(reviewers::Command),
    Deploys(deploys::Command),
    Errors(errors::Command),
}

impl Command {
    /// Its typed name.
    pub fn name(&self) -> CommandName {
        match self {
            Command::Help { .. } => CommandName::Help,
            Command::Reviewers(c) => CommandName::Reviewers(c.name()),
            Command::Deploys(c) => CommandName::Deploys(c.name()),
            Command::Errors(c) => CommandName::Errors(c.name()),
        }
    }

    /// Its entry in the command table (`None` cannot happen: a test checks
    /// that every name has one).
    pub fn spec(&self) -> Option<&'static CommandSpec> {
        let name = self.name();
        all_commands()
            .find(|(n, _)| *n == name)
            .map(|(_, spec)| spec)
    }

    /// Does this command change configuration (and so need an admin)?
    pub fn admin_only(&self) -> bool {
        self.spec().is_none_or(|spec| spec.admin_only)
    }

    /// Does it only read state (no change, no message)?
    pub fn read_only(&self) -> bool {
        self.spec().is_some_and(|spec| spec.read_only)
    }
}

/// A feature's command: what is left to decide once [`dispatch`] has
/// answered help, usage errors and refusals.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureCommand {
    Reviewers(reviewers::Command),
    Deploys(deploys::Command),
    Errors(errors::Command),
}

/// Who may run the commands that change configuration
/// ([`CommandSpec::admin_only`]): the Slack user ids of `BATON_ADMINS`.
/// With none listed, everyone may.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admins(Vec<String>);

impl Admins {
    pub fn new(user_ids: Vec<String>) -> Admins {
        Admins(user_ids)
    }

    /// May `caller` run `command`?
    pub fn may_run(&self, caller: &Caller, command: &Command) -> bool {
        !command.admin_only() || self.may_administer(caller)
    }

    /// Is `caller` one of the admins named? (With none named, nobody is.)
    pub fn includes(&self, caller: &Caller) -> bool {
        self.0.contains(&caller.user)
    }

    /// May `caller` do what only admins may (an admin-only command, a
    /// deploy gate's approval)? With no admins named, everyone may.
    pub fn may_administer(&self, caller: &Caller) -> bool {
        self.0.is_empty() || self.includes(caller)
    }
}

/// The answer to someone who may not run an admin-only command.
pub const ADMINS_ONLY: &str =
    ":no_entry: Only Baton admins can change this (ask one of them, or see BATON_ADMINS).";

/// What to do with a `/baton` command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Dispatch {
    /// Answer this now; nothing is read or stored (help, a usage error, a
    /// command the caller may not run).
    Answer(Mrkdwn),
    /// A command that only reads ([`Command::read_only`]): decide it over
    /// one read snapshot; it changes nothing and sends nothing.
    Query(FeatureCommand),
    /// Decide it and store its outcome in one write transaction.
    Write(FeatureCommand),
}

/// The first decision on the text `caller` typed after `/baton`: parse it,
/// answer help and usage errors, refuse an admin-only command to someone
/// who is not one of `admins`, and say whether the rest reads or writes.
pub fn dispatch(text: &str, caller: &Caller, admins: &Admins) -> Dispatch {
    let command = match parse(text) {
        Ok(command) => command,
        Err(usage) => return Dispatch::Answer(usage.to_text()),
    };
    if !admins.may_run(caller, &command) {
        return Dispatch::Answer(ADMINS_ONLY.into());
    }
    let read_only = command.read_only();
    let feature = match command {
        Command::Help { topic } => return Dispatch::Answer(help_text(topic)),
        Command::Reviewers(c) => FeatureCommand::Reviewers(c),
        Command::Deploys(c) => FeatureCommand::Deploys(c),
        Command::Errors(c) => FeatureCommand::Errors(c),
    };
    if read_only {
        Dispatch::Query(feature)
    } else {
        Dispatch::Write(feature)
    }
}

/// Every subcommand Baton knows with its typed name, in help order.
pub fn all_commands() -> impl Iterator<Item = (CommandName, &'static CommandSpec)> {
    let named = |name: CommandName, spec: &'static CommandSpec| (name, spec);
    GENERAL_COMMANDS
        .iter()
        .map(move |spec| named(CommandName::Help, spec))
        .chain(
            reviewers::COMMANDS
                .iter()
                .map(|(name, spec)| (CommandName::Reviewers(*name), spec)),
        )
        .chain(
            deploys::COMMANDS
                .iter()
                .map(|(name, spec)| (CommandName::Deploys(*name), spec)),
        )
        .chain(
            errors::COMMANDS
                .iter()
                .map(|(name, spec)| (CommandName::Errors(*name), spec)),
        )
}

/// Every subcommand Baton knows, in help order.
pub fn all_specs() -> impl Iterator<Item = &'static CommandSpec> {
    all_commands().map(|(_, spec)| spec)
}

/// Parse the text after `/baton`.
pub fn parse(text: &str) -> Result<Command, UsageError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return Ok(Command::Help { topic: None });
    }
    let found = all_commands()
        .filter(|(_, spec)| {
            let name_words: Vec<&str> = spec.name.split(' ').collect();
            words.len() >= name_words.len()
                && name_words
                    .iter()
                    .zip(&words)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
        .max_by_key(|(_, spec)| spec.name.len());
    let Some((name, spec)) = found else {
        return Err(unknown_command(&words));
    };
    let args = &words[spec.name.split(' ').count()..];
    match name {
        CommandName::Help => parse_help(spec, args),
        CommandName::Reviewers(name) => {
            reviewers::parse_args(name, spec, args).map(Command::Reviewers)
        }
        CommandName::Deploys(name) => deploys::parse_args(name, spec, args).map(Command::Deploys),
        CommandName::Errors(name) => errors::parse_args(name, spec, args).map(Command::Errors),
    }
}

fn parse_help(spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    match args {
        [] => Ok(Command::Help { topic: None }),
        [topic] => Topic::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(topic))
            .map(|t| Command::Help { topic: Some(t) })
            .ok_or_else(|| UsageError::for_spec(spec, format!("there is no help topic `{topic}`"))),
        _ => Err(UsageError::for_spec(spec, "help takes at most one topic")),
    }
}

/// The error for words that match no subcommand, suggesting the nearest.
fn unknown_command(words: &[&str]) -> UsageError {
    let typed_one = words[0].to_ascii_lowercase();
    let typed_two = words
        .iter()
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let nearest = all_specs()
        .map(|spec| {
            let first = spec.name.split(' ').next().unwrap_or(spec.name);
            let whole = edit_distance(&typed_two, spec.name);
            // Ties go to the spec whose whole name is closest to what was typed.
            ((edit_distance(&typed_one, first).min(whole), whole), spec)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|((distance, _), spec)| (distance, spec));
    let mut message = format!("I don't know `{}`.", words.join(" "));
    if let Some((distance, spec)) = nearest {
        if distance <= 3 {
            message.push_str(&format!(" Did you mean `/baton {}`?", spec.name));
        }
    }
    message.push_str(" Try `/baton help`.");
    UsageError::new(message)
}

/// The help text: every subcommand with one line, or those of one topic.
/// Escaped whole, so the placeholders (`<owner/repo>`) show as written.
pub fn help_text(topic: Option<Topic>) -> Mrkdwn {
    let mut out = String::new();
    match topic {
        None => out.push_str("*Baton* — PR reviewer rotation, deploy notices and error reports.\n"),
        Some(t) => out.push_str(&format!("*Baton help: {}*\n", t.name())),
    }
    for t in Topic::ALL {
        if topic.is_some_and(|wanted| wanted != t) {
            continue;
        }
        let specs: Vec<_> = all_commands()
            .filter(|(name, _)| name.topic() == t)
            .map(|(_, spec)| spec)
            .collect();
        if specs.is_empty() {
            continue;
        }
        if topic.is_none() {
            out.push_str(&format!("\n*{}*\n", t.name()));
        }
        for spec in specs {
            out.push_str(&format!("• `{}` — {}\n", spec.usage(), spec.summary));
        }
    }
    Mrkdwn::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_parses_to_its_own_topic() {
        for (name, spec) in all_commands() {
            let parsed = parse(spec.example).unwrap_or_else(|e| {
                panic!("example `{}` of `{}` fails: {e}", spec.example, spec.name)
            });
            let topic = match parsed {
                Command::Help { .. } => Topic::General,
                Command::Reviewers(_) => Topic::Reviewers,
                Command::Deploys(_) => Topic::Deploys,
                Command::Errors(_) => Topic::Errors,
            };
            assert_eq!(topic, name.topic(), "example of `{}`", spec.name);
            assert_eq!(parsed.name(), name, "example of `{}`", spec.name);
            assert!(std::ptr::eq(parsed.spec().unwrap(), spec), "{}", spec.name);
            assert!(
                spec.example.starts_with(spec.name),
                "example of `{}` must start with its name",
                spec.name
            );
        }
    }

    #[test]
    fn help_lists_every_subcommand() {
        let help = help_text(None);
        for spec in all_specs() {
            let usage = Mrkdwn::text(&spec.usage());
            assert!(help.contains(usage.as_str()), "help misses `{}`", spec.name);
        }
    }

    #[test]
    fn topic_help_lists_only_that_topic() {
        for topic in Topic::ALL {
            let help = help_text(Some(topic));
            for (name, spec) in all_commands() {
                assert_eq!(
                    help.contains(Mrkdwn::text(&spec.usage()).as_str()),
                    name.topic() == topic,
                    "{}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn each_name_and_each_word_list_is_in_the_table_once() {
        let all: Vec<_> = all_commands().collect();
        for (i, (name, spec)) in all.iter().enumerate() {
            for (other_name, other) in &all[i + 1..] {
                assert_ne!(name, other_name, "`{}` and `{}`", spec.name, other.name);
                assert_ne!(spec.name, other.name);
            }
        }
    }

    #[test]
    fn read_only_commands_are_not_admin_only() {
        for spec in all_specs().filter(|s| s.read_only) {
            assert!(!spec.admin_only, "{}", spec.name);
        }
        let read_only: Vec<&str> = all_specs()
            .filter(|s| s.read_only)
            .map(|s| s.name)
            .collect();
        assert_eq!(
            read_only,
            [
                "help",
                "reviewers list",
                "next",
                "stats",
                "reviews",
                "deploys list",
                "locks",
                "errors list"
            ]
        );
    }

    #[test]
    fn empty_text_is_help() {
        assert_eq!(parse("  "), Ok(Command::Help { topic: None }));
        assert_eq!(
            parse("help deploys"),
            Ok(Command::Help {
                topic: Some(Topic::Deploys)
            })
        );
    }

    #[test]
    fn unknown_subcommand_suggests_nearest() {
        let err = parse("reviewer list").unwrap_err();
        assert!(
            err.message.contains("Did you mean `/baton reviewers"),
            "{}",
            err.message
        );
        let err = parse("hlep").unwrap_err();
        assert!(err.message.contains("/baton help"), "{}", err.message);
        let err = parse("xyzzy plugh").unwrap_err();
        assert!(!err.message.contains("Did you mean"), "{}", err.message);
    }

    fn alice() -> Caller {
        Caller::new("UALICE", "C1")
    }

    #[test]
    fn help_and_usage_errors_are_answered_at_once() {
        let everyone = Admins::default();
        assert_eq!(
            dispatch("", &alice(), &everyone),
            Dispatch::Answer(help_text(None))
        );
        assert_eq!(
            dispatch("help deploys", &alice(), &everyone),
            Dispatch::Answer(help_text(Some(Topic::Deploys)))
        );
        assert_eq!(
            dispatch("hlep", &alice(), &everyone),
            Dispatch::Answer(parse("hlep").unwrap_err().to_text())
        );
    }

    #[test]
    fn only_admins_run_admin_only_commands_when_admins_are_listed() {
        let admins = Admins::new(vec!["UBOSS".into()]);
        let refused = dispatch("reviewers add octocat", &alice(), &admins);
        assert_eq!(refused, Dispatch::Answer(ADMINS_ONLY.into()));
        assert!(ADMINS_ONLY.contains("Only Baton admins can change this"));
        let boss = Caller::new("UBOSS", "C1");
        assert!(matches!(
            dispatch("reviewers add octocat", &boss, &admins),
            Dispatch::Write(FeatureCommand::Reviewers(_))
        ));
        // Reading needs no right, and with no admins listed everyone may write.
        assert!(matches!(
            dispatch("locks", &alice(), &admins),
            Dispatch::Query(FeatureCommand::Deploys(_))
        ));
        assert!(matches!(
            dispatch("reviewers add octocat", &alice(), &Admins::default()),
            Dispatch::Write(FeatureCommand::Reviewers(_))
        ));
    }

    #[test]
    fn read_only_commands_are_queries_and_the_rest_writes() {
        for (name, spec) in all_commands() {
            let expected_query = spec.read_only;
            match dispatch(spec.example, &alice(), &Admins::default()) {
                Dispatch::Answer(_) => assert_eq!(name, CommandName::Help, "{}", spec.name),
                Dispatch::Query(_) => assert!(expected_query, "{}", spec.name),
                Dispatch::Write(_) => assert!(!expected_query, "{}", spec.name),
            }
        }
    }

    #[test]
    fn bad_help_topic_is_usage_error() {
        let err = parse("help nothing").unwrap_err();
        assert!(err.usage.is_some());
    }
}
