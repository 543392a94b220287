//! The review lifecycle's Slack text: the direct messages (asked, asked
//! again, dismissed, reviewed, reminded: [`asked`], [`reviewed`],
//! [`reminder`]), one person's queue (`/baton reviews`: [`reviews_text`],
//! and its lines), the channel's daily digest ([`digest_message`]), the
//! App Home view ([`home_view`]), and how a person's time zone reads
//! ([`zone_words`]). Outside text (titles, logins) goes through
//! [`Mrkdwn`] and is cut to fit Slack's limits.

use super::hours::format_local;
use super::record::{Queue, TrackedPullRequest, Verdict, Wait};
use super::settings::{PersonSettings, Profile};
use crate::blocks::{self, Block};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
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

/// Why a reviewer is asked.
#[derive(Clone, Copy)]
pub enum Ask {
    First,
    Again,
    Dismissed,
}

/// A message's fallback text and blocks.
pub type Message = (Mrkdwn, Option<blocks::Blocks>);

/// To `login`, asked to review `pr` (nothing while it is a draft or closed).
pub fn asked(
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
pub fn reviewed(
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

/// Lines shown per list at most (the rest are counted).
pub const MAX_LINES: usize = 25;

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

/// Characters of section text per block (Slack allows 3,000), in the
/// digest and on the App Home.
const SECTION_CHARS: usize = 2_800;
/// Sections of pull requests per digest at most (a message holds 50 blocks).
const MAX_SECTIONS: usize = 45;

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
fn digest_lines(pulls: &[&TrackedPullRequest], people: &People, now: UnixTime) -> Vec<Mrkdwn> {
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
pub fn digest_message(
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
    for line in digest_lines(pulls, people, now) {
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

/// The blocks of `user`'s App Home: their queue (`None`: their GitHub
/// login is not known) and their settings.
pub fn home_view(
    user: &str,
    queue: Option<&Queue>,
    people: &People,
    settings: &PersonSettings,
    profile: Option<&Profile>,
    now: UnixTime,
) -> Vec<Block> {
    let mut out = vec![blocks::header("Your reviews")];
    match queue {
        None => out.push(blocks::section(mrkdwn!(
            "I don't know your GitHub login yet, so I can't show what waits on you. An admin can run `/baton map GITHUB-LOGIN {}`.",
            Mrkdwn::user(user)
        ))),
        Some(queue) => {
            out.extend(list(
                Mrkdwn::from("*Waiting on you to review*"),
                to_review_lines(queue, people, now),
                "Nothing waits on your review.",
            ));
            out.extend(list(
                Mrkdwn::from("*Your pull requests waiting on you*"),
                on_them_lines(queue, now),
                "None: no changes asked for, nothing approved and left unmerged.",
            ));
            out.extend(list(
                Mrkdwn::from("*Your pull requests waiting on others*"),
                on_others_lines(queue, people, now),
                "None.",
            ));
        }
    }
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

/// "in Australia/Sydney (from your Slack profile)", or why not yet.
pub fn zone_words(profile: Option<&Profile>) -> Mrkdwn {
    match profile.and_then(|p| p.tz.as_deref()) {
        Some(zone) => mrkdwn!("in {} (from your Slack profile)", zone),
        None if profile.is_some() => {
            Mrkdwn::from("in UTC (your Slack profile gives no time zone)")
        }
        None => Mrkdwn::from(
            "in the time zone of your Slack profile (I read it within a few minutes; UTC until then)",
        ),
    }
}
