//! What each of the review lifecycle's subcommands decides
//! ([`execute`]): one's own queue (`reviews`), direct messages on or off
//! (`dm`), one's working hours (`hours`), and a channel's reminder delay
//! (`reviewers remind`, which reschedules the channel's open reviews) and
//! daily digest (`reviewers digest`).

use super::commands::Command;
use super::hours::format_minute;
use super::record::{Queue, TrackedPullRequest};
use super::render::{reviews_text, zone_words};
use super::settings::{ChannelSettings, DigestSchedule, PersonSettings, Profile};
use crate::caller::Caller;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::pool::{People, Pool};
use crate::text::format_duration;
use crate::UnixTime;

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
        rescheduled.reschedule_reminders(after);
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
