//! How a channel's rotation picks beyond taking turns, and the three
//! subcommands that set it, stored on the channel's [`Pool`]:
//!
//! * `reviewers cap <n>|off`: a member with `n` open reviews is skipped;
//! * `reviewers bots on|off`: whether bots' pull requests get reviewers;
//! * `reviewers owners on|off`: whether code owners of a changed path are
//!   picked first.
//!
//! Their entries are in the feature's `COMMANDS` table; parsing and running
//! them is here, so the rest of the feature only routes to [`parse_args`]
//! and [`apply`].

use super::pool::Pool;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::subcommand::{CommandSpec, UsageError};

/// The largest cap.
pub const MAX_CAP: u32 = 100;

/// Which of the three settings a command sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Cap,
    Bots,
    Owners,
}

/// A parsed setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `None`: no cap.
    Cap {
        cap: Option<u32>,
    },
    Bots {
        include: bool,
    },
    Owners {
        first: bool,
    },
}

/// Parse `reviewers cap|bots|owners` arguments.
pub fn parse_args(which: Which, spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let fail = |message: String| Err(UsageError::for_spec(spec, message));
    let word = match args {
        [word] => word.to_ascii_lowercase(),
        _ => return fail(format!("give one of: {}", spec.args)),
    };
    match which {
        Which::Cap => match word.as_str() {
            "off" | "none" => Ok(Command::Cap { cap: None }),
            n => match n.parse::<u32>() {
                Ok(cap @ 1..=MAX_CAP) => Ok(Command::Cap { cap: Some(cap) }),
                _ => fail(format!(
                    "`cap` is a whole number of open reviews from 1 to {MAX_CAP}, or `off`; not `{n}`"
                )),
            },
        },
        Which::Bots | Which::Owners => {
            let on = match word.as_str() {
                "on" | "yes" => true,
                "off" | "no" => false,
                other => return fail(format!("write `on` or `off`, not `{other}`")),
            };
            Ok(match which {
                Which::Bots => Command::Bots { include: on },
                _ => Command::Owners { first: on },
            })
        }
    }
}

impl Command {
    /// Which setting this is.
    pub fn which(&self) -> Which {
        match self {
            Command::Cap { .. } => Which::Cap,
            Command::Bots { .. } => Which::Bots,
            Command::Owners { .. } => Which::Owners,
        }
    }
}

/// Set the setting on `pool`; the announcement (`Err` when it was already
/// so, with nothing changed).
pub fn apply(command: Command, pool: &mut Pool, caller: &Mrkdwn) -> Result<Mrkdwn, Mrkdwn> {
    match command {
        Command::Cap { cap } => {
            if pool.review_cap == cap {
                return Err(match cap {
                    Some(cap) => mrkdwn!("The cap is already {} open reviews.", cap),
                    None => mrkdwn!("This rotation has no cap already."),
                });
            }
            pool.review_cap = cap;
            Ok(match cap {
                Some(cap) => mrkdwn!(
                    "{} capped reviews: a member with {} open review{} is skipped.",
                    caller,
                    cap,
                    if cap == 1 { "" } else { "s" }
                ),
                None => mrkdwn!("{} removed the cap on open reviews.", caller),
            })
        }
        Command::Bots { include } => {
            if pool.include_bots == include {
                return Err(mrkdwn!(
                    "Bots' pull requests are already {}.",
                    bots_words(include)
                ));
            }
            pool.include_bots = include;
            Ok(mrkdwn!(
                "{} set bots' pull requests (dependabot and the like) to be {}.",
                caller,
                bots_words(include)
            ))
        }
        Command::Owners { first } => {
            if pool.owners_first == first {
                return Err(mrkdwn!(
                    "Code owners first is already {}.",
                    if first { "on" } else { "off" }
                ));
            }
            pool.owners_first = first;
            Ok(if first {
                mrkdwn!(
                    "{} turned on code owners first: members who own a changed path \
                     (the repository's CODEOWNERS) are picked before the rest.",
                    caller
                )
            } else {
                mrkdwn!("{} turned off code owners first.", caller)
            })
        }
    }
}

fn bots_words(include: bool) -> &'static str {
    if include {
        "given reviewers"
    } else {
        "left without reviewers"
    }
}

/// The line of `reviewers list` that shows the three settings.
pub fn settings_line(pool: &Pool) -> Mrkdwn {
    let cap = match pool.review_cap {
        Some(cap) => mrkdwn!("cap {} open review{}", cap, if cap == 1 { "" } else { "s" }),
        None => mrkdwn!("no cap"),
    };
    mrkdwn!(
        "{} · bots' pull requests {} · code owners first {}\n",
        cap,
        if pool.include_bots {
            "assigned"
        } else {
            "skipped"
        },
        if pool.owners_first { "on" } else { "off" }
    )
}
