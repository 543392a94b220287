//! The App Home tab: when a person opens it (`app_home_opened`, the Home
//! tab), Baton publishes their review queue (what waits on them to review,
//! their own pull requests waiting on them and on others, each oldest
//! first) and their settings (direct messages, working hours and zone).
//! Publishing a view is idempotent: the same view for the same person.

use super::hours::format_local;
use super::queue::{on_others_lines, on_them_lines, to_review_lines, Queue};
use super::record::TrackedPullRequest;
use super::settings::{zone_words, PersonSettings, Profile};
use crate::blocks::{self, Block};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::reviewers::change::Outcome;
use crate::reviewers::pool::People;
use crate::UnixTime;

/// Characters of list text per section (Slack allows 3,000).
const SECTION_CHARS: usize = 2_800;

/// What the Home reads.
#[derive(Debug, Clone, Copy)]
pub struct HomeInput<'a> {
    pub people: &'a People,
    /// Every open review record.
    pub open: &'a [TrackedPullRequest],
    pub persons: &'a [PersonSettings],
    pub profiles: &'a [Profile],
}

/// `user` opened Baton's `tab` (`home` or `messages`): publish their Home.
pub fn on_home_opened(user: &str, tab: &str, input: &HomeInput, now: UnixTime) -> Outcome {
    if tab != "home" {
        return Outcome::none();
    }
    Outcome {
        outbound: vec![Outbound::SlackHome {
            user: user.to_string(),
            blocks: blocks::message(home(user, input, now)),
        }],
        ..Outcome::default()
    }
}

/// Lines in sections of at most [`SECTION_CHARS`], or `empty` alone.
fn list(title: Mrkdwn, lines: Vec<Mrkdwn>, empty: &str) -> Vec<Block> {
    if lines.is_empty() {
        return vec![blocks::section(mrkdwn!("{}\n_{}_", title, empty))];
    }
    let mut out = Vec::new();
    let mut current = title;
    for line in lines {
        if current.char_count() + line.char_count() + 1 > SECTION_CHARS {
            out.push(blocks::section(current));
            current = Mrkdwn::new();
        }
        if !current.is_empty() {
            current.push("\n");
        }
        current.push(line);
    }
    out.push(blocks::section(current));
    out
}

/// The blocks of `user`'s Home.
fn home(user: &str, input: &HomeInput, now: UnixTime) -> Vec<Block> {
    let mut out = vec![blocks::header("Your reviews")];
    match input.people.login_of_slack_user(user) {
        None => out.push(blocks::section(mrkdwn!(
            "I don't know your GitHub login yet, so I can't show what waits on you. An admin can run `/baton map GITHUB-LOGIN {}`.",
            Mrkdwn::user(user)
        ))),
        Some(login) => {
            let queue = Queue::of(login, input.open);
            out.extend(list(
                Mrkdwn::from("*Waiting on you to review*"),
                to_review_lines(&queue, input.people, now),
                "Nothing waits on your review.",
            ));
            out.extend(list(
                Mrkdwn::from("*Your pull requests waiting on you*"),
                on_them_lines(&queue, now),
                "None: no changes asked for, nothing approved and left unmerged.",
            ));
            out.extend(list(
                Mrkdwn::from("*Your pull requests waiting on others*"),
                on_others_lines(&queue, input.people, now),
                "None.",
            ));
        }
    }
    let settings = PersonSettings::of(user, input.persons);
    let profile = input.profiles.iter().find(|p| p.user == user);
    out.push(blocks::header("Your settings"));
    out.push(blocks::section(mrkdwn!(
        "*Direct messages:* {}\n*Working hours:* {}, {}. Reminders come only then. `/baton hours 10:00-19:00 mon-fri` changes them.",
        if settings.direct_messages {
            Mrkdwn::from("on (`/baton dm off` stops them, reminders included)")
        } else {
            Mrkdwn::from("off (`/baton dm on` turns them back on)")
        },
        settings.working_hours().describe(),
        zone_words(profile)
    )));
    let zone = profile
        .map(Profile::zone)
        .unwrap_or(jiff::tz::TimeZone::UTC);
    out.push(blocks::context(vec![mrkdwn!(
        "As of {}. `/baton reviews` shows the same in any channel.",
        format_local(now, &zone)
    )]));
    out
}

#[cfg(test)]
mod tests;
