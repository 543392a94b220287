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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reviewers::commands::{Name, COMMANDS};
    use crate::subcommand::spec_of;

    fn parse(which: Which, name: Name, args: &[&str]) -> Result<Command, UsageError> {
        parse_args(which, spec_of(COMMANDS, name).unwrap(), args)
    }

    #[test]
    fn arguments_parse_or_say_why_not() {
        assert_eq!(
            parse(Which::Cap, Name::Cap, &["3"]),
            Ok(Command::Cap { cap: Some(3) })
        );
        assert_eq!(
            parse(Which::Cap, Name::Cap, &["OFF"]),
            Ok(Command::Cap { cap: None })
        );
        for bad in ["0", "-1", "101", "two"] {
            let error = parse(Which::Cap, Name::Cap, &[bad]).unwrap_err();
            assert!(error.message.contains(bad), "{error:?}");
        }
        assert_eq!(
            parse(Which::Bots, Name::Bots, &["on"]),
            Ok(Command::Bots { include: true })
        );
        assert_eq!(
            parse(Which::Owners, Name::Owners, &["off"]),
            Ok(Command::Owners { first: false })
        );
        assert!(parse(Which::Owners, Name::Owners, &["maybe"]).is_err());
        assert!(parse(Which::Bots, Name::Bots, &[]).is_err());
    }

    #[test]
    fn settings_change_once_and_show_in_the_list_line() {
        let mut pool = Pool::new("C1");
        let who = Mrkdwn::user("U1");
        assert!(settings_line(&pool).contains("no cap"));
        assert!(apply(Command::Cap { cap: Some(2) }, &mut pool, &who).is_ok());
        assert!(apply(Command::Cap { cap: Some(2) }, &mut pool, &who).is_err());
        assert!(apply(Command::Bots { include: true }, &mut pool, &who).is_ok());
        assert!(apply(Command::Owners { first: true }, &mut pool, &who).is_ok());
        assert_eq!(
            (pool.review_cap, pool.include_bots, pool.owners_first),
            (Some(2), true, true)
        );
        let line = settings_line(&pool);
        assert!(line.contains("cap 2 open reviews"), "{line}");
        assert!(line.contains("bots' pull requests assigned"), "{line}");
        assert!(line.contains("code owners first on"), "{line}");
    }

    #[test]
    fn stored_pools_without_the_settings_read_as_before() {
        let old = r#"{"channel":"C1","members":[],"reviewers_per_pr":1,"mode":"round-robin","include_drafts":false,"repos":["a/b"]}"#;
        let pool: Pool = serde_json::from_str(old).unwrap();
        assert_eq!(
            (pool.review_cap, pool.include_bots, pool.owners_first),
            (None, false, false)
        );
        // Written back unchanged while the settings are at their defaults.
        assert_eq!(serde_json::to_string(&pool).unwrap(), old);
        let mut set = pool.clone();
        set.review_cap = Some(1);
        set.owners_first = true;
        let json = serde_json::to_string(&set).unwrap();
        assert!(json.contains(r#""review_cap":1"#) && json.contains(r#""owners_first":true"#));
        assert_eq!(serde_json::from_str::<Pool>(&json).unwrap(), set);
    }
}
