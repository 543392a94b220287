//! The review lifecycle's decisions besides its commands: GitHub's
//! `pull_request` and `pull_request_review` deliveries and the assignment
//! message's buttons ([`on_pull_request`], [`on_review`], [`on_button`]),
//! the reminder timer ([`remind`]), the digest timer ([`digest`]), the App
//! Home being opened ([`on_home_opened`]), and Slack profiles to read and
//! read ([`profiles_to_read`], [`profile_read`]). Picks made outside a
//! `pull_request` delivery are followed the same way ([`follow_pick`]):
//! `r?` in a comment ([`on_comment`]), a pick that waited for GitHub
//! ([`on_lookup_done`]) and `/baton assign`.
//!
//! On an event, the rotation's own decision (`crate::reviewers::decide`:
//! assign, close, announce a review, hand a review on) runs first; then
//! the pull request's review record follows the event and Baton's own
//! requests (`super::track`), its reminder times are set, the direct
//! messages it calls for are queued (to people Baton can map to Slack who
//! did not turn them off: [`for_happenings`]), and the channel's
//! assignment message is brought to the record's state.
//!
//! The timers' decisions post and set the next time in one outcome, so the
//! store's due indexes move with the messages: a restart neither loses nor
//! repeats a reminder or a digest. A reminder goes inside the reviewer's
//! working hours, in the zone of their Slack profile, at most once per pull
//! request per working day; else the timer sets a later time to look again.
//! A digest of nothing is not posted (the next time is set either way).

use super::hours::{local_date, start_of_next_day};
use super::record::{Queue, TrackedPullRequest};
use super::render::{asked, digest_message, home_view, reminder, reviewed, Ask, Message};
use super::settings::{ChannelSettings, PersonSettings, Profile, PROFILE_MAX_AGE};
use super::track::Happened;
use crate::blocks;
use crate::buttons::ReviewerButton;
use crate::caller::Caller;
use crate::github::{IssueCommentEvent, PullRequestEvent, PullRequestReviewEvent};
use crate::outbound::Outbound;
use crate::reviewers::assignment::{Assignment, ReviewStatus};
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::decide as rotation;
use crate::reviewers::lookup::{self, LookupFacts, PendingPick};
use crate::reviewers::pool::{same_login, People, Pool};
use crate::reviewers::requests;
use crate::reviewers::waiting::WaitingPullRequest;
use crate::UnixTime;

/// What a decision on an event reads: the rotation's records and the
/// pull request's review record, as loaded.
#[derive(Debug, Clone, Copy)]
pub struct EventInput<'a> {
    /// The pool the pull request belongs to (its assignment's channel, or
    /// the one watching its repository), if any.
    pub pool: Option<&'a Pool>,
    pub assignment: Option<&'a Assignment>,
    pub tracked: Option<&'a TrackedPullRequest>,
    pub people: &'a People,
    /// Everyone's own settings (direct messages on or off).
    pub persons: &'a [PersonSettings],
    /// The review settings of the pull request's channel.
    pub channel: &'a ChannelSettings,
}

impl EventInput<'_> {
    /// The review record as loaded, or one made from the assignment of a
    /// pull request assigned before Baton followed reviews.
    fn tracked(&self) -> Option<TrackedPullRequest> {
        self.tracked
            .cloned()
            .or_else(|| self.assignment.map(TrackedPullRequest::from_assignment))
    }
}

/// A `pull_request` delivery for a repository a pool watches, or for a
/// pull request Baton follows.
pub fn on_pull_request(input: &EventInput, pr: &PullRequestEvent, now: UnixTime) -> Outcome {
    let outcome = match input.pool {
        Some(pool) => rotation::on_pull_request(pool, input.assignment, pr, input.people, now),
        None => Outcome::none(),
    };
    let (tracked, mut happened) = match input.tracked() {
        Some(mut tracked) => {
            let happened = tracked.on_pull_request(pr, now);
            (tracked, happened)
        }
        // Never followed and already closed: nothing to follow.
        None if pr.action == "closed" => return outcome,
        None => match input.pool {
            Some(pool) => TrackedPullRequest::start(pr, &pool.channel, now),
            None => return outcome,
        },
    };
    let mut tracked = tracked;
    happened.extend(follow_assignment(
        &mut tracked,
        input.assignment,
        outcome.assignment(),
        now,
    ));
    finish(input, outcome, tracked, &happened)
}

/// A `pull_request_review` delivery for a pull request Baton follows (or
/// assigned).
pub fn on_review(input: &EventInput, review: &PullRequestReviewEvent, now: UnixTime) -> Outcome {
    let outcome = match input.assignment {
        Some(assignment) => {
            let pool = Pool::of_channel(input.pool.cloned(), &assignment.channel);
            rotation::on_pull_request_review(&pool, assignment, review, input.people, now)
        }
        None => Outcome::none(),
    };
    let Some(mut tracked) = input.tracked() else {
        return outcome;
    };
    let happened = tracked.on_review(review, now);
    finish(input, outcome, tracked, &happened)
}

/// "Reassign" or "Can't review" pressed by `caller` on an assignment's
/// message (in the channel or in a direct message).
pub fn on_button(
    input: &EventInput,
    button: ReviewerButton,
    caller: &Caller,
    now: UnixTime,
) -> Outcome {
    let Some(assignment) = input.assignment else {
        return Outcome::none();
    };
    let pool = Pool::of_channel(input.pool.cloned(), &assignment.channel);
    let outcome = rotation::on_button(&pool, assignment, button, caller, input.people, now);
    let Some(mut tracked) = input.tracked() else {
        return outcome;
    };
    let happened = follow_assignment(&mut tracked, input.assignment, outcome.assignment(), now);
    finish(input, outcome, tracked, &happened)
}

/// `r?` in a new comment on a pull request (`crate::reviewers::requests`),
/// the reviewer it asks followed by the review record.
pub fn on_comment(
    input: &EventInput,
    waiting: Option<&WaitingPullRequest>,
    comment: &IssueCommentEvent,
    refused_before: bool,
    now: UnixTime,
) -> Outcome {
    let Some(pool) = input.pool else {
        return Outcome::none();
    };
    let outcome = requests::on_comment(
        pool,
        input.assignment,
        waiting,
        comment,
        refused_before,
        input.people,
        now,
    );
    follow_pick(input, outcome, now)
}

/// A pick that waited for GitHub's facts, made (`crate::reviewers::lookup`)
/// and followed by the review record.
pub fn on_lookup_done(
    input: &EventInput,
    waiting: Option<&WaitingPullRequest>,
    pending: &PendingPick,
    facts: &LookupFacts,
    now: UnixTime,
) -> Outcome {
    let Some(pool) = input.pool else {
        return Outcome::none();
    };
    let outcome = lookup::on_lookup_done(
        pool,
        input.assignment,
        waiting,
        pending,
        facts,
        input.people,
        now,
    );
    follow_pick(input, outcome, now)
}

/// A pick of the rotation's made outside a `pull_request` delivery (a
/// button, a pick that waited for GitHub, `r?` in a comment, `/baton
/// assign`): the review record follows the reviewers it asked and took
/// off, as on an event, in the same outcome, so the open reviews the next
/// pick counts include it. A pull request without a record starts one
/// from the assignment the pick made. An outcome that assigns no one is
/// left as it is.
pub fn follow_pick(input: &EventInput, outcome: Outcome, now: UnixTime) -> Outcome {
    if outcome.assignment().is_none() {
        return outcome;
    }
    let tracked = input.tracked().or_else(|| {
        let mut unasked = outcome.assignment()?.clone();
        unasked.reviewers.clear();
        Some(TrackedPullRequest::from_assignment(&unasked))
    });
    let Some(mut tracked) = tracked else {
        return outcome;
    };
    let happened = follow_assignment(&mut tracked, input.assignment, outcome.assignment(), now);
    finish(input, outcome, tracked, &happened)
}

/// Baton's own requests, read from the assignment it writes: reviewers it
/// picked are asked, reviewers it took off (passed, reassigned) are not.
fn follow_assignment(
    tracked: &mut TrackedPullRequest,
    before: Option<&Assignment>,
    after: Option<&Assignment>,
    now: UnixTime,
) -> Vec<Happened> {
    let Some(after) = after else {
        return Vec::new();
    };
    let was_pending = |login: &str| {
        before.is_some_and(|b| {
            b.reviewers
                .iter()
                .any(|r| r.status == ReviewStatus::Pending && same_login(&r.login, login))
        })
    };
    let mut happened = Vec::new();
    for reviewer in &after.reviewers {
        match reviewer.status {
            ReviewStatus::Pending if !was_pending(&reviewer.login) => {
                happened.extend(tracked.ask(&reviewer.login, now));
            }
            ReviewStatus::Passed { .. } | ReviewStatus::Reassigned { .. }
                if was_pending(&reviewer.login) =>
            {
                happened.extend(tracked.withdraw(&reviewer.login));
            }
            _ => {}
        }
    }
    happened
}

/// The common end of every decision: reminders set, direct messages
/// queued, the channel message brought to the record's state, the record
/// written if it changed.
fn finish(
    input: &EventInput,
    mut outcome: Outcome,
    mut tracked: TrackedPullRequest,
    happened: &[Happened],
) -> Outcome {
    tracked.schedule_reminders(input.channel.remind_after);
    let assignment = outcome.assignment().or(input.assignment).cloned();
    outcome.outbound.extend(for_happenings(
        happened,
        &tracked,
        assignment.as_ref(),
        input.people,
        input.persons,
    ));
    if let Some(assignment) = assignment {
        restate(&mut outcome, assignment, &tracked, input.people);
    }
    if input.tracked != Some(&tracked) {
        outcome.change(Change::PutTracked(tracked));
    }
    outcome
}

/// Make the assignment message show `tracked`'s state. The state the
/// message shows is the one stored on the assignment; when it differs,
/// store the new one and render the message again, in the post or update
/// already queued for it, or in a new update. A message rendered in this
/// very outcome with the right state only needs the state stored.
fn restate(
    outcome: &mut Outcome,
    mut assignment: Assignment,
    tracked: &TrackedPullRequest,
    people: &People,
) {
    let phase = tracked.phase();
    if assignment.phase == Some(phase) || assignment.closed.is_some() {
        return;
    }
    let key = assignment.key();
    let queued = |item: &Outbound| match item {
        Outbound::SlackPost { key: Some(k), .. } | Outbound::SlackUpdate { key: k, .. } => {
            *k == key
        }
        _ => false,
    };
    let rendered_right = assignment.phase() == phase && outcome.outbound.iter().any(queued);
    assignment.phase = Some(phase);
    if !rendered_right {
        let (text, blocks) = assignment.render(people, None);
        let mut rendered = false;
        for item in outcome.outbound.iter_mut().filter(|item| queued(item)) {
            if let Outbound::SlackPost {
                text: t, blocks: b, ..
            }
            | Outbound::SlackUpdate {
                text: t, blocks: b, ..
            } = item
            {
                *t = text.clone();
                *b = Some(blocks.clone());
                rendered = true;
            }
        }
        if !rendered {
            outcome.outbound.push(Outbound::SlackUpdate {
                key: key.clone(),
                channel: assignment.channel.clone(),
                text,
                blocks: Some(blocks),
            });
        }
    }
    let written = outcome.changes.iter_mut().find_map(|c| match c {
        Change::PutAssignment(a) if a.key() == key => Some(a),
        _ => None,
    });
    match written {
        Some(a) => *a = assignment,
        None => outcome.change(Change::PutAssignment(assignment)),
    }
}

/// The Slack user to write to about `login`, if they may be written to.
fn recipient<'p>(login: &str, people: &'p People, persons: &[PersonSettings]) -> Option<&'p str> {
    let user = people.slack_user(login)?;
    PersonSettings::of(user, persons)
        .direct_messages
        .then_some(user)
}

/// The direct messages that what happened calls for. `assignment` is the
/// pull request's assignment as it now stands, if Baton assigned it: its
/// reviewers get its buttons.
pub fn for_happenings(
    happened: &[Happened],
    pr: &TrackedPullRequest,
    assignment: Option<&Assignment>,
    people: &People,
    persons: &[PersonSettings],
) -> Vec<Outbound> {
    let mut out = Vec::new();
    for happening in happened {
        let message = match happening {
            Happened::Asked { login } => asked(pr, login, Ask::First, assignment, people),
            Happened::AskedAgain { login } => asked(pr, login, Ask::Again, assignment, people),
            Happened::Dismissed { login } => asked(pr, login, Ask::Dismissed, assignment, people),
            Happened::Reviewed { login, verdict } => {
                reviewed(pr, login, *verdict, people).map(|m| (pr.author.clone(), m))
            }
            _ => None,
        };
        let Some((to, (text, blocks))) = message else {
            continue;
        };
        if let Some(user) = recipient(&to, people, persons) {
            out.push(Outbound::SlackDirect {
                user: user.to_string(),
                text,
                blocks,
            });
        }
    }
    out
}

/// Write `message` to `login` if they may be written to.
pub fn to_login(
    login: &str,
    message: Message,
    people: &People,
    persons: &[PersonSettings],
) -> Option<Outbound> {
    let user = recipient(login, people, persons)?;
    Some(Outbound::SlackDirect {
        user: user.to_string(),
        text: message.0,
        blocks: message.1,
    })
}

/// How long a due reminder waits for the reviewer's Slack profile (their
/// time zone) when Baton has not read it yet.
pub const PROFILE_WAIT_SECS: i64 = 300;

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
pub fn remind(input: &ReminderInput, now: UnixTime) -> Outcome {
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
            let (next, sent) = remind_one(input, pr, &login, channel.remind_after, assignment, now);
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
fn remind_one(
    input: &ReminderInput,
    pr: &TrackedPullRequest,
    login: &str,
    remind_after: Option<i64>,
    assignment: Option<&Assignment>,
    now: UnixTime,
) -> (Option<UnixTime>, Option<Outbound>) {
    let Some(after) = remind_after else {
        return (None, None);
    };
    let Some(allowed) = pr.reminder_not_before(login, after) else {
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
    let message = reminder(pr, login, since, assignment, input.people, now);
    let sent = to_login(login, message, input.people, input.persons);
    (Some(now.saturating_add(after)), sent)
}

/// What the digest timer reads.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// The channels whose digest is due.
    pub due: &'a [ChannelSettings],
    /// Every open review record.
    pub open: &'a [TrackedPullRequest],
    pub people: &'a People,
}

/// The digests due at `now`: each channel's message (if anything is open)
/// and its next time.
pub fn digest(input: &DigestInput, now: UnixTime) -> Outcome {
    let mut outcome = Outcome::none();
    for settings in input.due {
        let mut next = settings.clone();
        next.digest_at = settings.digest.as_ref().map(|d| d.next_after(now));
        outcome.change(Change::PutChannelSettings(next));
        if settings.digest.is_none() {
            continue;
        }
        let pulls: Vec<&TrackedPullRequest> = input
            .open
            .iter()
            .filter(|pr| pr.channel == settings.channel && pr.is_live())
            .collect();
        if let Some((text, blocks)) = digest_message(&pulls, input.people, now) {
            outcome.outbound.push(Outbound::SlackPost {
                channel: settings.channel.clone(),
                text,
                blocks: Some(blocks),
                key: None,
                thread_of: None,
            });
        }
    }
    outcome
}

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
    let queue = input
        .people
        .login_of_slack_user(user)
        .map(|login| Queue::of(login, input.open));
    let settings = PersonSettings::of(user, input.persons);
    let profile = input.profiles.iter().find(|p| p.user == user);
    let view = home_view(user, queue.as_ref(), input.people, &settings, profile, now);
    Outcome {
        outbound: vec![Outbound::SlackHome {
            user: user.to_string(),
            blocks: blocks::message(view),
        }],
        ..Outcome::default()
    }
}

/// The Slack users whose profile (time zone) should be read at `now`:
/// everyone mapped to a GitHub login or with settings of their own, never
/// read, or read [`PROFILE_MAX_AGE`] ago or more; at most `limit`, those
/// never read first.
pub fn profiles_to_read(
    people: &People,
    persons: &[PersonSettings],
    profiles: &[Profile],
    now: UnixTime,
    limit: usize,
) -> Vec<String> {
    let mut users: Vec<&str> = people
        .slack_users
        .values()
        .map(String::as_str)
        .chain(persons.iter().map(|p| p.user.as_str()))
        .collect();
    users.sort_unstable();
    users.dedup();
    let read_at = |user: &str| profiles.iter().find(|p| p.user == user).map(|p| p.read_at);
    let mut wanted: Vec<(Option<UnixTime>, &str)> = users
        .into_iter()
        .map(|user| (read_at(user), user))
        .filter(|(read, _)| read.is_none_or(|at| now - at >= PROFILE_MAX_AGE))
        .collect();
    wanted.sort_unstable();
    wanted
        .into_iter()
        .take(limit)
        .map(|(_, user)| user.to_string())
        .collect()
}

/// Slack's profile of `user` was read at `now`: keep its zone.
pub fn profile_read(user: &str, tz: Option<String>, now: UnixTime) -> Outcome {
    Outcome::none().with(Change::PutProfile(Profile {
        user: user.to_string(),
        tz: tz.filter(|tz| !tz.is_empty()),
        read_at: now,
    }))
}
