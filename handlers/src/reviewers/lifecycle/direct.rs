//! The direct messages of the review lifecycle, as [`Outbound`] items:
//! to a reviewer when asked (for the first time, again, or after a
//! dismissed review) and when reminded; to an author when a review
//! approves or asks for changes. Who gets one, and who does not: people
//! Baton cannot map to Slack, people who turned direct messages off
//! (`/baton dm off`), and anyone about their own action.

use super::record::{TrackedPullRequest, Verdict};
use super::settings::PersonSettings;
use super::track::Happened;
use crate::blocks;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::reviewers::assignment::{Assignment, ReviewStatus};
use crate::reviewers::phase::Phase;
use crate::reviewers::pool::{same_login, People};
use crate::text::{format_duration, truncate_chars};
use crate::UnixTime;

/// Characters of a title in a direct message or a list line.
pub const TITLE_CHARS: usize = 200;

/// `<url|owner/repo#12>`.
pub fn reference(pr: &TrackedPullRequest) -> Mrkdwn {
    Mrkdwn::link(&pr.url, pr.reference())
}

/// `*<url|Title>*` (cut to [`TITLE_CHARS`]).
pub fn linked_title(pr: &TrackedPullRequest) -> Mrkdwn {
    mrkdwn!(
        "*{}*",
        Mrkdwn::link(&pr.url, truncate_chars(&pr.title, TITLE_CHARS))
    )
}

/// `owner/repo#12 · by monalisa · +120 / −31 in 4 files · in #channel`.
fn facts(pr: &TrackedPullRequest) -> Mrkdwn {
    mrkdwn!(
        "{} · by {} · +{} / −{} in {} {} · in {}",
        Mrkdwn::code(&pr.reference()),
        pr.author,
        pr.additions,
        pr.deletions,
        pr.changed_files,
        if pr.changed_files == 1 {
            "file"
        } else {
            "files"
        },
        Mrkdwn::channel(&pr.channel)
    )
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

/// Why a reviewer is asked.
#[derive(Clone, Copy)]
enum Ask {
    First,
    Again,
    Dismissed,
}

/// A message's fallback text and blocks.
pub type Message = (Mrkdwn, Option<blocks::Blocks>);

/// To `login`, asked to review `pr` (nothing while it is a draft or closed).
fn asked(
    pr: &TrackedPullRequest,
    login: &str,
    why: Ask,
    assignment: Option<&Assignment>,
    people: &People,
) -> Option<(String, Message)> {
    if !pr.is_live() {
        return None;
    }
    let author = people.mention(&pr.author);
    let head = match why {
        Ask::First => mrkdwn!(
            ":eyes: You are asked to review this pull request by {}",
            author
        ),
        Ask::Again => mrkdwn!(
            ":arrows_counterclockwise: {} asks for your review again",
            author
        ),
        Ask::Dismissed => mrkdwn!(
            ":arrows_counterclockwise: Your review was dismissed: it waits on your review again"
        ),
    };
    let text = mrkdwn!(
        "{}: {} {}",
        head,
        reference(pr),
        truncate_chars(&pr.title, TITLE_CHARS)
    );
    Some((
        login.to_string(),
        (text, Some(card(pr, head, assignment, login))),
    ))
}

/// The blocks of a message to reviewer `login` about `pr`: `head`, the
/// title, the facts, and the assignment's buttons when `login` is one of
/// its reviewers still to review.
fn card(
    pr: &TrackedPullRequest,
    head: Mrkdwn,
    assignment: Option<&Assignment>,
    login: &str,
) -> blocks::Blocks {
    let mut message = vec![
        blocks::section(mrkdwn!("{}\n{}", head, linked_title(pr))),
        blocks::context(vec![facts(pr)]),
    ];
    let on_it = assignment.filter(|a| {
        a.closed.is_none()
            && a.reviewers
                .iter()
                .any(|r| r.status == ReviewStatus::Pending && same_login(&r.login, login))
    });
    if let Some(assignment) = on_it {
        message.push(assignment.buttons());
    }
    blocks::message(message)
}

/// To the author, about `login`'s review (approvals and requests for
/// changes only; comments are for GitHub's own notifications).
fn reviewed(
    pr: &TrackedPullRequest,
    login: &str,
    verdict: Verdict,
    people: &People,
) -> Option<Message> {
    let reviewer = people.mention(login);
    let text = match verdict {
        Verdict::Approved if pr.phase() == Phase::Approved => mrkdwn!(
            ":white_check_mark: {} approved {} {}: it is ready to merge.",
            reviewer,
            reference(pr),
            truncate_chars(&pr.title, TITLE_CHARS)
        ),
        Verdict::Approved => mrkdwn!(
            ":white_check_mark: {} approved {} {}; it still waits on other reviews.",
            reviewer,
            reference(pr),
            truncate_chars(&pr.title, TITLE_CHARS)
        ),
        Verdict::ChangesRequested => mrkdwn!(
            ":repeat: {} requested changes on {} {}. When it is ready, ask them again on GitHub.",
            reviewer,
            reference(pr),
            truncate_chars(&pr.title, TITLE_CHARS)
        ),
        Verdict::Commented => return None,
    };
    Some((text, None))
}

/// The reminder to `login` that `pr` has waited for their review since
/// `since`.
pub fn reminder(
    pr: &TrackedPullRequest,
    login: &str,
    since: UnixTime,
    assignment: Option<&Assignment>,
    people: &People,
    now: UnixTime,
) -> Message {
    let waited = format_duration(now - since);
    let head = mrkdwn!(
        ":alarm_clock: Reminder: this pull request by {} has waited {} for your review",
        people.mention(&pr.author),
        waited
    );
    let text = mrkdwn!(
        "{}: {} {}",
        head,
        reference(pr),
        truncate_chars(&pr.title, TITLE_CHARS)
    );
    (text, Some(card(pr, head, assignment, login)))
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

#[cfg(test)]
mod tests;
