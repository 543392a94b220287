//! The review lifecycle's `/baton` subcommands (their entries are in the
//! reviewers feature's table, `crate::reviewers::commands::COMMANDS`):
//! `reviews [<@U…>]`, `dm on|off` and `hours …` for oneself, and the
//! channel settings `reviewers remind <duration>|off` and `reviewers digest
//! <HH:MM> <zone>|off`. Parsing ([`parse_args`]) refuses bad input with the
//! reason and the valid form; [`execute`] decides.

use super::hours::{format_minute, parse_clock, parse_hours, parse_zone, zone_name, WorkingHours};
use super::queue::{reviews_text, Queue};
use super::record::TrackedPullRequest;
use super::reminders;
use super::settings::{zone_words, ChannelSettings, DigestSchedule, PersonSettings, Profile};
use crate::caller::Caller;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::pool::{People, Pool};
use crate::subcommand::{CommandSpec, UsageError};
use crate::text::{format_duration, parse_duration, parse_user_mention};
use crate::UnixTime;

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

/// What these commands read besides the rotation's records.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewsInput<'a> {
    /// Every open review record (`reviews`; `remind` reschedules this
    /// channel's).
    pub open: &'a [TrackedPullRequest],
    pub persons: &'a [PersonSettings],
    pub profiles: &'a [Profile],
    pub channels: &'a [ChannelSettings],
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

/// What running a lifecycle subcommand reads.
#[derive(Debug, Clone, Copy)]
pub struct CommandContext<'a> {
    pub caller: &'a Caller,
    pub now: UnixTime,
    /// Every pool (a channel setting needs a rotation in the channel).
    pub pools: &'a [Pool],
    pub people: &'a People,
    pub reviews: ReviewsInput<'a>,
}

/// Run a lifecycle subcommand.
pub fn execute(command: &Command, input: &CommandContext) -> Outcome {
    let caller = &input.caller.user;
    let reviews = &input.reviews;
    match command {
        Command::Reviews { user } => {
            let whom = user.as_deref().unwrap_or(caller);
            let yours = whom == caller;
            let Some(login) = input.people.login_of_slack_user(whom) else {
                return Outcome::reply(mrkdwn!(
                    "I don't know {} GitHub login. An admin can run `/baton map GITHUB-LOGIN {}`.",
                    if yours {
                        Mrkdwn::from("your")
                    } else {
                        mrkdwn!("{}'s", Mrkdwn::user(whom))
                    },
                    Mrkdwn::user(whom)
                ));
            };
            let queue = Queue::of(login, reviews.open);
            let who = if yours {
                Mrkdwn::from("you")
            } else {
                Mrkdwn::user(whom)
            };
            Outcome::reply(reviews_text(&queue, &who, yours, input.people, input.now))
        }
        Command::DirectMessages { on } => {
            let mut settings = PersonSettings::of(caller, reviews.persons);
            settings.direct_messages = *on;
            let reply = if *on {
                "Direct messages are on: I'll write to you when you're asked to review, asked again, reminded, and when your pull requests are approved or need changes."
            } else {
                "Direct messages are off: I won't write to you (no reminders either). `/baton dm on` turns them back on."
            };
            Outcome::reply(reply).with(Change::PutPersonSettings(settings))
        }
        Command::Hours { hours } => {
            let mut settings = PersonSettings::of(caller, reviews.persons);
            let zone = zone_words(reviews.profiles.iter().find(|p| p.user == *caller));
            match hours {
                None => Outcome::reply(mrkdwn!(
                    "Your working hours are {}, {}. Reminders come only then. Change them with `/baton hours 10:00-19:00 mon-fri`.",
                    settings.working_hours().describe(),
                    zone
                )),
                Some(hours) => {
                    settings.hours = Some(*hours);
                    Outcome::reply(mrkdwn!(
                        "Your working hours are now {}, {}. Reminders come only then.",
                        hours.describe(),
                        zone
                    ))
                    .with(Change::PutPersonSettings(settings))
                }
            }
        }
        Command::Remind { after } => remind(*after, input),
        Command::Digest { schedule } => digest(schedule.as_ref(), input),
    }
}

const NO_POOL: &str =
    "This channel has no review rotation yet. Start one with `/baton reviewers watch owner/repo`.";

/// `reviewers remind`: the channel's delay, and every open review of the
/// channel rescheduled by it.
fn remind(after: Option<i64>, input: &CommandContext) -> Outcome {
    let channel = &input.caller.channel;
    if !input.pools.iter().any(|p| p.channel == *channel) {
        return Outcome::reply(NO_POOL);
    }
    let mut settings = ChannelSettings::of(channel, input.reviews.channels);
    settings.remind_after = after;
    let announcement = match after {
        Some(after) => mrkdwn!(
            "{} set review reminders: a review still waiting after {} gets one direct message, in the reviewer's working hours.",
            Mrkdwn::user(&input.caller.user),
            format_duration(after)
        ),
        None => mrkdwn!("{} turned review reminders off.", Mrkdwn::user(&input.caller.user)),
    };
    let mut outcome = Outcome::announce(channel, mrkdwn!("Done. {}", announcement), announcement)
        .with(Change::PutChannelSettings(settings));
    for pr in input
        .reviews
        .open
        .iter()
        .filter(|pr| pr.channel == *channel)
    {
        let mut rescheduled = pr.clone();
        reminders::reschedule(&mut rescheduled, after);
        if rescheduled != *pr {
            outcome.change(Change::PutTracked(rescheduled));
        }
    }
    outcome
}

/// `reviewers digest`: the channel's digest time, and its next one.
fn digest(schedule: Option<&DigestSchedule>, input: &CommandContext) -> Outcome {
    let channel = &input.caller.channel;
    if !input.pools.iter().any(|p| p.channel == *channel) {
        return Outcome::reply(NO_POOL);
    }
    let mut settings = ChannelSettings::of(channel, input.reviews.channels);
    settings.digest = schedule.cloned();
    settings.digest_at = schedule.map(|s| s.next_after(input.now));
    let by = Mrkdwn::user(&input.caller.user);
    let announcement = match schedule {
        Some(schedule) => mrkdwn!(
            "{} set a daily review digest: at {} {}, Monday to Friday, this channel hears which pull requests wait on whom.",
            by,
            format_minute(schedule.minute),
            schedule.zone.as_str()
        ),
        None => mrkdwn!("{} turned the review digest off.", by),
    };
    Outcome::announce(channel, mrkdwn!("Done. {}", announcement), announcement)
        .with(Change::PutChannelSettings(settings))
}

#[cfg(test)]
mod tests;
