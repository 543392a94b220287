//! One subcommand's description and the usage error: what every feature's
//! command table is made of. The table of each feature (its `COMMANDS`)
//! pairs a typed name with a [`CommandSpec`]; `crate::command` puts the
//! tables together to parse, to write the help and to check admin rights.

use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;

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

/// One subcommand: its words, its arguments, one line of help, who may run
/// it, and a full example that must parse (checked by a test). Its words
/// are written here and nowhere else: parsers match on the typed name the
/// table pairs with it.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The words that name it, e.g. `"reviewers add"`.
    pub name: &'static str,
    /// The argument synopsis, e.g. `"<github-login> [<@U…>]"`.
    pub args: &'static str,
    pub summary: &'static str,
    /// Only `BATON_ADMINS` may run it (when that list is not empty).
    pub admin_only: bool,
    /// It only reads state (a list, a preview, numbers): it changes nothing
    /// and sends nothing, so it needs no write transaction.
    pub read_only: bool,
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

/// The entry of `name` in a feature's table of subcommands.
pub fn spec_of<N: PartialEq>(
    table: &'static [(N, CommandSpec)],
    name: N,
) -> Option<&'static CommandSpec> {
    table.iter().find(|(n, _)| *n == name).map(|(_, spec)| spec)
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
