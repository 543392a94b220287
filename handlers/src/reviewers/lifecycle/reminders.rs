//! Reminders of reviews waiting too long, pure: when each should come
//! ([`schedule`], a lower bound written with every change of a review
//! record), and what the timer does when one is due ([`remind`]): a direct
//! message inside the reviewer's working hours, in the zone of their Slack
//! profile, at most once per pull request per working day, or a later
//! time to look again.
//!
//! The record holds, per reviewer, `remind_at` (when the timer next looks)
//! and `reminded_at` (the last reminder). A wait of `remind_after` (the
//! channel's setting) is due at `since + remind_after`, and again
//! `remind_after` after each reminder; the timer then moves it to the
//! reviewer's next working instant (a later working day if they were
//! already reminded on that one). Hours and zone are read when the timer
//! fires, so a reminder lands only in the hours the person has then.

use super::direct;
use super::hours::{local_date, start_of_next_day};
use super::record::TrackedPullRequest;
use super::settings::{ChannelSettings, PersonSettings, Profile};
use crate::outcome::Outcome;
use crate::reviewers::assignment::Assignment;
use crate::reviewers::change::Change;
use crate::reviewers::pool::People;
use crate::UnixTime;

/// How long a due reminder waits for the reviewer's Slack profile (their
/// time zone) when Baton has not read it yet.
pub const PROFILE_WAIT_SECS: i64 = 300;

/// When the timer should first look at `login`'s wait: `remind_after`
/// after it began, and `remind_after` after the last reminder.
fn not_before(pr: &TrackedPullRequest, login: &str, remind_after: i64) -> Option<UnixTime> {
    let since = pr.review_wait_since(login)?;
    let reviewer = pr.reviewer(login)?;
    let mut at = since.saturating_add(remind_after);
    if let Some(last) = reviewer.reminded_at {
        at = at.max(last.saturating_add(remind_after));
    }
    Some(at)
}

/// Set each reviewer's reminder time after a change of the record: none
/// unless the pull request waits on their review and the channel reminds;
/// else the time the wait allows, or a later one the timer already chose.
pub fn schedule(pr: &mut TrackedPullRequest, remind_after: Option<i64>) {
    set_times(pr, remind_after, true);
}

/// [`schedule`], dropping times the timer chose (the channel's delay
/// changed).
pub fn reschedule(pr: &mut TrackedPullRequest, remind_after: Option<i64>) {
    set_times(pr, remind_after, false);
}

fn set_times(pr: &mut TrackedPullRequest, remind_after: Option<i64>, keep_later: bool) {
    let times: Vec<Option<UnixTime>> = pr
        .reviewers
        .iter()
        .map(|r| remind_after.and_then(|after| not_before(pr, &r.login, after)))
        .collect();
    for (reviewer, due) in pr.reviewers.iter_mut().zip(times) {
        reviewer.remind_at = match (due, reviewer.remind_at) {
            (Some(due), Some(chosen)) if keep_later && chosen > due => Some(chosen),
            (due, _) => due,
        };
    }
}

/// What the reminder timer reads: the records with a reminder due, their
/// assignments (for the buttons), and everyone's settings and profiles.
#[derive(Debug, Clone, Copy)]
pub struct ReminderInput<'a> {
    pub due: &'a [TrackedPullRequest],
    pub assignments: &'a [Assignment],
    pub people: &'a People,
    pub persons: &'a [PersonSettings],
    pub profiles: &'a [Profile],
    pub channels: &'a [ChannelSettings],
}

/// The reminders due at `now`: each sent (and the next one set), or put
/// off to when it may be sent.
pub fn remind(input: &ReminderInput, now: UnixTime) -> Outcome<Change> {
    let mut outcome = Outcome::none();
    for pr in input.due {
        let channel = ChannelSettings::of(&pr.channel, input.channels);
        let assignment = input.assignments.iter().find(|a| a.key() == pr.key());
        let mut updated = pr.clone();
        let due: Vec<String> = pr
            .reviewers
            .iter()
            .filter(|r| r.remind_at.is_some_and(|at| at <= now))
            .map(|r| r.login.clone())
            .collect();
        for login in due {
            let (next, sent) = decide(input, pr, &login, channel.remind_after, assignment, now);
            if let Some(message) = sent {
                outcome.outbound.push(message);
                if let Some(reviewer) = updated.reviewer_mut(&login) {
                    reviewer.reminded_at = Some(now);
                }
            }
            if let Some(reviewer) = updated.reviewer_mut(&login) {
                reviewer.remind_at = next;
            }
        }
        if updated != *pr {
            outcome.change(Change::PutTracked(updated));
        }
    }
    outcome
}

/// For one due wait: when to look next, and the reminder if it goes now.
fn decide(
    input: &ReminderInput,
    pr: &TrackedPullRequest,
    login: &str,
    remind_after: Option<i64>,
    assignment: Option<&Assignment>,
    now: UnixTime,
) -> (Option<UnixTime>, Option<crate::outbound::Outbound>) {
    let Some(after) = remind_after else {
        return (None, None);
    };
    let Some(allowed) = not_before(pr, login, after) else {
        return (None, None);
    };
    if allowed > now {
        return (Some(allowed), None);
    }
    let later = Some(now.saturating_add(after));
    let Some(user) = input.people.slack_user(login) else {
        return (later, None);
    };
    let settings = PersonSettings::of(user, input.persons);
    if !settings.direct_messages {
        return (later, None);
    }
    let Some(profile) = input.profiles.iter().find(|p| p.user == user) else {
        return (Some(now + PROFILE_WAIT_SECS), None);
    };
    let zone = profile.zone();
    let hours = settings.working_hours();
    let mut at = hours.next_working_instant(now, &zone);
    let last = pr.reviewer(login).and_then(|r| r.reminded_at);
    if let Some(last) = last {
        if local_date(at, &zone) <= local_date(last, &zone) {
            at = hours.next_working_instant(start_of_next_day(last, &zone).max(now), &zone);
        }
    }
    if at > now {
        return (Some(at), None);
    }
    let since = pr.review_wait_since(login).unwrap_or(now);
    let message = direct::reminder(pr, login, since, assignment, input.people, now);
    let sent = direct::to_login(login, message, input.people, input.persons);
    (Some(now.saturating_add(after)), sent)
}

#[cfg(test)]
mod tests;
