//! The review lifecycle's `/baton` subcommands, parsed (their entries
//! are in the reviewers feature's table,
//! `crate::reviewers::commands::COMMANDS`): `reviews [<@U…>]`, `dm on|off`
//! and `hours …` for oneself, and the channel settings `reviewers remind
//! <duration>|off` and `reviewers digest <HH:MM> <zone>|off`.
//! [`parse_args`] refuses bad input with the reason and the valid form;
//! `super::execute` decides.

use super::hours::{parse_clock, parse_hours, parse_zone, zone_name, WorkingHours};
use super::settings::DigestSchedule;
use crate::subcommand::{CommandSpec, UsageError};
use crate::text::{parse_duration, parse_user_mention};

/// The longest wait before a reminder.
pub const MAX_REMIND_AFTER: i64 = 30 * 86_400;

/// A parsed lifecycle subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Whose queue: the caller's, or this Slack user's.
    Reviews {
        user: Option<String>,
    },
    DirectMessages {
        on: bool,
    },
    /// `None`: show the caller's hours.
    Hours {
        hours: Option<WorkingHours>,
    },
    /// `None`: no reminders in this channel.
    Remind {
        after: Option<i64>,
    },
    /// `None`: no digest.
    Digest {
        schedule: Option<DigestSchedule>,
    },
}

/// Which of these commands (the reviewers feature's table names each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Reviews,
    DirectMessages,
    Hours,
    Remind,
    Digest,
}

impl Command {
    pub fn which(&self) -> Which {
        match self {
            Command::Reviews { .. } => Which::Reviews,
            Command::DirectMessages { .. } => Which::DirectMessages,
            Command::Hours { .. } => Which::Hours,
            Command::Remind { .. } => Which::Remind,
            Command::Digest { .. } => Which::Digest,
        }
    }
}

/// Parse the arguments of lifecycle subcommand `name`, described by `spec`.
pub fn parse_args(name: Which, spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let fail = |message: String| Err(UsageError::for_spec(spec, message));
    let off = |word: &str| word.eq_ignore_ascii_case("off");
    match (name, args) {
        (Which::Reviews, []) => Ok(Command::Reviews { user: None }),
        (Which::Reviews, [who]) => match parse_user_mention(who) {
            Some(user) => Ok(Command::Reviews { user: Some(user) }),
            None => fail(format!(
                "`{who}` is not a Slack user: mention them, like `@ana`"
            )),
        },
        (Which::Reviews, _) => fail("give at most one person, as a mention".into()),
        (Which::DirectMessages, [word]) if word.eq_ignore_ascii_case("on") => {
            Ok(Command::DirectMessages { on: true })
        }
        (Which::DirectMessages, [word]) if off(word) => Ok(Command::DirectMessages { on: false }),
        (Which::DirectMessages, _) => fail("`dm` is `on` or `off`".into()),
        (Which::Hours, []) => Ok(Command::Hours { hours: None }),
        (Which::Hours, [span]) => parse_hours(span, None)
            .map(|hours| Command::Hours { hours: Some(hours) })
            .or_else(fail),
        (Which::Hours, [span, days]) => parse_hours(span, Some(days))
            .map(|hours| Command::Hours { hours: Some(hours) })
            .or_else(fail),
        (Which::Hours, _) => fail("give hours like `09:00-18:00`, then optionally days like `mon-fri`".into()),
        (Which::Remind, [word]) if off(word) => Ok(Command::Remind { after: None }),
        (Which::Remind, [word]) => match parse_duration(word) {
            Some(after) if after <= MAX_REMIND_AFTER => Ok(Command::Remind { after: Some(after) }),
            Some(_) => fail(format!("`{word}` is too long: at most 30d")),
            None => fail(format!(
                "`{word}` is not a duration: write one like `30m`, `4h` or `1d` (more than zero), or `off`"
            )),
        },
        (Which::Remind, _) => fail("give one duration like `4h`, or `off`".into()),
        (Which::Digest, [word]) if off(word) => Ok(Command::Digest { schedule: None }),
        (Which::Digest, [at, zone]) => {
            let Some(minute) = parse_clock(at).filter(|m| *m < 24 * 60) else {
                return fail(format!(
                    "`{at}` is not a time of day: write HH:MM, from 00:00 to 23:59"
                ));
            };
            let Some(zone) = parse_zone(zone) else {
                return fail(format!(
                    "`{zone}` is not a time zone: give an IANA name such as `Europe/Paris`, `America/New_York` or `UTC`"
                ));
            };
            Ok(Command::Digest {
                schedule: Some(DigestSchedule {
                    minute,
                    zone: zone_name(&zone),
                }),
            })
        }
        (Which::Digest, _) => fail(
            "give a time and a time zone, like `09:30 Europe/Paris`, or `off`".into(),
        ),
    }
}
