//! The `/baton` command line: one table of subcommands drives both the
//! parser and the help, so the two cannot drift apart.
//!
//! Each feature module owns a `COMMANDS` table of [`CommandSpec`]s and a
//! `parse_args(name, args)` function. [`parse`] finds the longest spec name
//! that the typed words start with and hands the rest to that feature.

use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::text::edit_distance;
use crate::{deploys, errors, reviewers};

/// Which part of Baton a subcommand belongs to (also the help topics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    General,
    Reviewers,
    Deploys,
    Errors,
}

impl Topic {
    pub const ALL: [Topic; 4] = [
        Topic::General,
        Topic::Reviewers,
        Topic::Deploys,
        Topic::Errors,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Topic::General => "general",
            Topic::Reviewers => "reviewers",
            Topic::Deploys => "deploys",
            Topic::Errors => "errors",
        }
    }
}

/// One subcommand: its words, its arguments, one line of help, and a full
/// example that must parse (checked by a test).
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The words that name it, e.g. `"reviewers add"`.
    pub name: &'static str,
    /// The argument synopsis, e.g. `"<github-login> [<@U…>]"`.
    pub args: &'static str,
    pub summary: &'static str,
    pub topic: Topic,
    /// Only `BATON_ADMINS` may run it (when that list is not empty).
    pub admin_only: bool,
    /// A complete, valid invocation (without the leading `/baton`).
    pub example: &'static str,
}

impl CommandSpec {
    /// `"/baton reviewers add <github-login> [<@U…>]"`.
    pub fn usage(&self) -> String {
        if self.args.is_empty() {
            format!("/baton {}", self.name)
        } else {
            format!("/baton {} {}", self.name, self.args)
        }
    }
}

/// A malformed command: what was wrong, and the usage line to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    pub usage: Option<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            usage: None,
        }
    }

    pub fn for_spec(spec: &CommandSpec, message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            usage: Some(spec.usage()),
        }
    }

    /// The ephemeral text shown to the person who typed the command. The
    /// message may quote their words: all of it is escaped, so a usage
    /// placeholder like `<environment>` shows as written.
    pub fn to_text(&self) -> Mrkdwn {
        let message = Mrkdwn::text_cut(&self.message, 1_000);
        match &self.usage {
            Some(usage) => mrkdwn!(":warning: {}\nUsage: `{}`", message, usage),
            None => mrkdwn!(":warning: {}", message),
        }
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.to_text().as_str())
    }
}

/// The general subcommands (help).
pub const GENERAL_COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "help",
    args: "[reviewers|deploys|errors]",
    summary: "List every subcommand, or those of one topic",
    topic: Topic::General,
    admin_only: false,
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
    /// Does this command change configuration (and so need an admin)?
    pub fn admin_only(&self) -> bool {
        match self {
            Command::Help { .. } => false,
            Command::Reviewers(c) => c.admin_only(),
            Command::Deploys(c) => c.admin_only(),
            Command::Errors(c) => c.admin_only(),
        }
    }
}

/// Every subcommand Baton knows, in help order.
pub fn all_specs() -> impl Iterator<Item = &'static CommandSpec> {
    GENERAL_COMMANDS
        .iter()
        .chain(reviewers::COMMANDS)
        .chain(deploys::COMMANDS)
        .chain(errors::COMMANDS)
}

/// Parse the text after `/baton`.
pub fn parse(text: &str) -> Result<Command, UsageError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return Ok(Command::Help { topic: None });
    }
    let spec = all_specs()
        .filter(|spec| {
            let name_words: Vec<&str> = spec.name.split(' ').collect();
            words.len() >= name_words.len()
                && name_words
                    .iter()
                    .zip(&words)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
        .max_by_key(|spec| spec.name.len());
    let Some(spec) = spec else {
        return Err(unknown_command(&words));
    };
    let args = &words[spec.name.split(' ').count()..];
    match spec.topic {
        Topic::General => parse_help(spec, args),
        Topic::Reviewers => reviewers::parse_args(spec.name, args).map(Command::Reviewers),
        Topic::Deploys => deploys::parse_args(spec.name, args).map(Command::Deploys),
        Topic::Errors => errors::parse_args(spec.name, args).map(Command::Errors),
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
        let specs: Vec<_> = all_specs().filter(|s| s.topic == t).collect();
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
        for spec in all_specs() {
            let parsed = parse(spec.example).unwrap_or_else(|e| {
                panic!("example `{}` of `{}` fails: {e}", spec.example, spec.name)
            });
            let topic = match parsed {
                Command::Help { .. } => Topic::General,
                Command::Reviewers(_) => Topic::Reviewers,
                Command::Deploys(_) => Topic::Deploys,
                Command::Errors(_) => Topic::Errors,
            };
            assert_eq!(topic, spec.topic, "example of `{}`", spec.name);
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
            for spec in all_specs() {
                assert_eq!(
                    help.contains(Mrkdwn::text(&spec.usage()).as_str()),
                    spec.topic == topic,
                    "{}",
                    spec.name
                );
            }
        }
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

    #[test]
    fn bad_help_topic_is_usage_error() {
        let err = parse("help nothing").unwrap_err();
        assert!(err.usage.is_some());
    }
}
