//! The channel digest: on working days (Monday to Friday) at the time and
//! in the zone a channel chose (`/baton reviewers digest 09:30
//! Europe/Paris`), one message listing the channel's open pull requests
//! (drafts left out), each with whom it waits on and for how long, the
//! oldest first. When nothing is open, no message is posted (a digest of
//! nothing is noise); the next time is set either way.
//!
//! The timer's decision ([`digest`]) posts and sets the next time in the
//! same outcome, so the store's due index moves with the post: a restart
//! neither loses nor repeats a digest, and a digest due while Baton was
//! down is posted once, late.

use super::direct::{reference, TITLE_CHARS};
use super::record::{TrackedPullRequest, Wait};
use super::settings::ChannelSettings;
use crate::blocks;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::pool::People;
use crate::text::{format_duration, truncate_chars};
use crate::UnixTime;

/// Characters of section text per block (Slack allows 3,000).
const SECTION_CHARS: usize = 2_800;
/// Sections of pull requests per digest at most (a message holds 50 blocks).
const MAX_SECTIONS: usize = 45;

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
        if let Some((text, blocks)) = message(&pulls, input.people, now) {
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

/// `on <@U…> to review (2d 3h)`, `on its author *torvalds* (changes requested, 5h)`.
fn wait_words(pr: &TrackedPullRequest, wait: &Wait, people: &People, now: UnixTime) -> Mrkdwn {
    match wait {
        Wait::Review { login, since } => mrkdwn!(
            "on {} to review ({})",
            people.mention(login),
            format_duration(now - since)
        ),
        Wait::Author { turn, since } => mrkdwn!(
            "on its author {} ({}, {})",
            people.mention(&pr.author),
            turn.words(),
            format_duration(now - since)
        ),
    }
}

/// One line per pull request, the oldest wait first (those waiting on no
/// one, by when Baton started following them, last).
fn lines(pulls: &[&TrackedPullRequest], people: &People, now: UnixTime) -> Vec<Mrkdwn> {
    let mut ordered: Vec<(bool, UnixTime, &TrackedPullRequest)> = pulls
        .iter()
        .map(|pr| match pr.oldest_wait() {
            Some(since) => (false, since, *pr),
            None => (true, pr.opened_at, *pr),
        })
        .collect();
    ordered.sort_by_key(|(nobody, since, pr)| (*nobody, *since, pr.key()));
    ordered
        .into_iter()
        .map(|(_, _, pr)| {
            let waits = pr.waits();
            let whom = if waits.is_empty() {
                mrkdwn!(
                    "no reviewer asked ({})",
                    format_duration(now - pr.opened_at)
                )
            } else {
                mrkdwn!(
                    "waiting {}",
                    Mrkdwn::join(waits.iter().map(|w| wait_words(pr, w, people, now)), "; ")
                )
            };
            mrkdwn!(
                "• {} {} — {}",
                reference(pr),
                truncate_chars(&pr.title, TITLE_CHARS / 2),
                whom
            )
        })
        .collect()
}

/// The digest message, or `None` when nothing is open.
fn message(
    pulls: &[&TrackedPullRequest],
    people: &People,
    now: UnixTime,
) -> Option<(Mrkdwn, blocks::Blocks)> {
    if pulls.is_empty() {
        return None;
    }
    let count = pulls.len();
    let head = mrkdwn!(
        ":clipboard: *Review digest*: {} open pull request{}, whom {} on, the oldest first",
        count,
        if count == 1 { "" } else { "s" },
        if count == 1 { "it waits" } else { "they wait" }
    );
    let mut sections: Vec<Vec<Mrkdwn>> = vec![Vec::new()];
    let mut size = 0;
    let mut shown = 0;
    for line in lines(pulls, people, now) {
        let length = line.char_count() + 1;
        if size + length > SECTION_CHARS && !sections.last().is_some_and(Vec::is_empty) {
            if sections.len() == MAX_SECTIONS {
                break;
            }
            sections.push(Vec::new());
            size = 0;
        }
        size += length;
        shown += 1;
        if let Some(section) = sections.last_mut() {
            section.push(line);
        }
    }
    let mut message = vec![blocks::section(head.clone())];
    message.extend(
        sections
            .into_iter()
            .map(|lines| blocks::section(Mrkdwn::join(lines, "\n"))),
    );
    if shown < count {
        message.push(blocks::context(vec![mrkdwn!(
            "…and {} more",
            count - shown
        )]));
    }
    Some((head, blocks::message(message)))
}

#[cfg(test)]
mod tests;
