//! One person's review queue, worked out from the open review records
//! ([`Queue::of`]): what waits on them to review, their own pull requests
//! waiting on them (changes requested, comments, approved and not merged),
//! and their own waiting on others; each list oldest first. Shown by
//! `/baton reviews` and on the App Home.

use super::direct::{reference, TITLE_CHARS};
use super::record::{AuthorTurn, TrackedPullRequest};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::reviewers::pool::{same_login, People};
use crate::text::{format_duration, truncate_chars};
use crate::UnixTime;

/// Lines shown per list at most (the rest are counted).
pub const MAX_LINES: usize = 25;

/// One person's queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queue<'a> {
    /// Waiting on their review, since when.
    pub to_review: Vec<(&'a TrackedPullRequest, UnixTime)>,
    /// Their own, waiting on them: why, since when.
    pub on_them: Vec<(&'a TrackedPullRequest, AuthorTurn, UnixTime)>,
    /// Their own, waiting on reviewers: who, and since when (the oldest).
    pub on_others: Vec<(&'a TrackedPullRequest, Vec<String>, UnixTime)>,
}

impl<'a> Queue<'a> {
    /// The queue of GitHub login `login` among `open` review records.
    pub fn of(login: &str, open: &'a [TrackedPullRequest]) -> Queue<'a> {
        let mut queue = Queue::default();
        for pr in open {
            if let Some(since) = pr.review_wait_since(login) {
                queue.to_review.push((pr, since));
            }
            if !same_login(&pr.author, login) {
                continue;
            }
            if let Some((turn, since)) = pr.author_turn() {
                queue.on_them.push((pr, turn, since));
            }
            let reviewers = pr.review_waits();
            if let Some(since) = reviewers.iter().map(|(_, since)| *since).min() {
                let logins = reviewers.into_iter().map(|(login, _)| login).collect();
                queue.on_others.push((pr, logins, since));
            }
        }
        queue
            .to_review
            .sort_by_key(|(pr, since)| (*since, pr.key()));
        queue
            .on_them
            .sort_by_key(|(pr, _, since)| (*since, pr.key()));
        queue
            .on_others
            .sort_by_key(|(pr, _, since)| (*since, pr.key()));
        queue
    }

    pub fn is_empty(&self) -> bool {
        self.to_review.is_empty() && self.on_them.is_empty() && self.on_others.is_empty()
    }
}

/// `• <url|owner/repo#12> Title — rest`.
fn line(pr: &TrackedPullRequest, rest: Mrkdwn) -> Mrkdwn {
    mrkdwn!(
        "• {} {} — {}",
        reference(pr),
        truncate_chars(&pr.title, TITLE_CHARS / 2),
        rest
    )
}

/// At most [`MAX_LINES`] lines, then how many more.
fn capped(lines: Vec<Mrkdwn>) -> Vec<Mrkdwn> {
    let more = lines.len().saturating_sub(MAX_LINES);
    let mut out: Vec<Mrkdwn> = lines.into_iter().take(MAX_LINES).collect();
    if more > 0 {
        out.push(mrkdwn!("…and {} more", more));
    }
    out
}

/// The lines of "to review": `by author, waiting 2d 3h`.
pub fn to_review_lines(queue: &Queue, people: &People, now: UnixTime) -> Vec<Mrkdwn> {
    capped(
        queue
            .to_review
            .iter()
            .map(|(pr, since)| {
                line(
                    pr,
                    mrkdwn!(
                        "by {}, waiting {}",
                        people.mention(&pr.author),
                        format_duration(now - since)
                    ),
                )
            })
            .collect(),
    )
}

/// The lines of "yours, waiting on you": `changes requested, 5h ago`.
pub fn on_them_lines(queue: &Queue, now: UnixTime) -> Vec<Mrkdwn> {
    capped(
        queue
            .on_them
            .iter()
            .map(|(pr, turn, since)| {
                line(
                    pr,
                    mrkdwn!("{}, {} ago", turn.words(), format_duration(now - since)),
                )
            })
            .collect(),
    )
}

/// The lines of "yours, waiting on others": `waiting on @hubot for 1d`.
pub fn on_others_lines(queue: &Queue, people: &People, now: UnixTime) -> Vec<Mrkdwn> {
    capped(
        queue
            .on_others
            .iter()
            .map(|(pr, logins, since)| {
                let who = Mrkdwn::join(logins.iter().map(|l| people.mention(l)), ", ");
                line(
                    pr,
                    mrkdwn!("waiting on {} for {}", who, format_duration(now - since)),
                )
            })
            .collect(),
    )
}

/// The answer to `/baton reviews`: `whose` is "you" or a mention.
pub fn reviews_text(
    queue: &Queue,
    whose: &Mrkdwn,
    yours: bool,
    people: &People,
    now: UnixTime,
) -> Mrkdwn {
    let mut out = Mrkdwn::new();
    let to_review = to_review_lines(queue, people, now);
    if to_review.is_empty() {
        out.push(mrkdwn!("*Nothing waits on {} to review.*\n", whose));
    } else {
        out.push(mrkdwn!("*Waiting on {} to review* (oldest first)\n", whose));
        out.push(Mrkdwn::join(to_review, "\n"));
        out.push("\n");
    }
    let on_them = on_them_lines(queue, now);
    let own = if yours { "Your" } else { "Their" };
    if on_them.is_empty() {
        out.push(mrkdwn!("*{} pull requests: none waits on {}.*", own, whose));
    } else {
        out.push(mrkdwn!("*{} pull requests waiting on {}*\n", own, whose));
        out.push(Mrkdwn::join(on_them, "\n"));
    }
    out
}

#[cfg(test)]
mod tests;
