//! The review record of one pull request ([`TrackedPullRequest`]): the
//! facts GitHub's events gave (who is asked since when, each reviewer's
//! latest review, draft, closed), and what follows from them, worked out
//! each time and never stored: whom it waits on ([`Wait`]), its [`Phase`],
//! and the reviews open per person that rotation caps count
//! ([`open_reviews_per_member`]).
//!
//! The rules: a review request waits on the reviewer; a review answers it
//! (`changes_requested` hands the pull request to its author, `approved`
//! by everyone asked leaves it waiting on its author to merge, comments
//! alone give the author the turn); a re-request waits on that reviewer
//! again; a draft waits on no one; closed or merged leaves every queue.
//!
//! Also worked out from the records: one person's [`Queue`] (what waits
//! on them to review, their own pull requests waiting on them and on
//! others, each oldest first; `/baton reviews` and the App Home show it),
//! and when each waiting review may be reminded of
//! ([`TrackedPullRequest::schedule_reminders`]: `remind_after` after the
//! wait began, and after the last reminder; the timer in `super::decide`
//! moves it on to the reviewer's working hours).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::reviewers::assignment::{message_key, Closed};
use crate::reviewers::phase::Phase;
use crate::reviewers::pool::same_login;
use crate::MessageKey;
use crate::UnixTime;

/// What a reviewer's latest review said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approved,
    ChangesRequested,
    Commented,
}

impl Verdict {
    /// From a review's `state` (`approved`, `changes_requested`,
    /// `commented`); `None` for anything else (`dismissed`, `pending`).
    pub fn from_state(state: &str) -> Option<Verdict> {
        match state {
            "approved" => Some(Verdict::Approved),
            "changes_requested" => Some(Verdict::ChangesRequested),
            "commented" => Some(Verdict::Commented),
            _ => None,
        }
    }
}

/// A reviewer's latest review that counts, and when it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub verdict: Verdict,
    pub at: UnixTime,
}

/// One person asked to review, or who reviewed, one pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedReviewer {
    /// GitHub login, as GitHub spelled it first.
    pub login: String,
    /// Asked to review and not answered since: when they were asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<UnixTime>,
    /// Their latest review that counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// When they were last reminded of this pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<UnixTime>,
    /// When the reminder timer next looks at this wait (the store keeps a
    /// due index of it); `None` when there is nothing to remind of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_at: Option<UnixTime>,
}

impl TrackedReviewer {
    pub fn new(login: &str) -> Self {
        TrackedReviewer {
            login: login.to_string(),
            requested_at: None,
            review: None,
            reminded_at: None,
            remind_at: None,
        }
    }
}

/// Why a pull request waits on its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorTurn {
    /// A reviewer asked for changes (and was not asked again since).
    ChangesRequested,
    /// Reviewed with comments only; nobody is asked.
    Commented,
    /// Approved; nobody is asked; not merged.
    Approved,
}

impl AuthorTurn {
    pub fn words(self) -> &'static str {
        match self {
            AuthorTurn::ChangesRequested => "changes requested",
            AuthorTurn::Commented => "reviewed with comments",
            AuthorTurn::Approved => "approved, not merged",
        }
    }
}

/// Whom a pull request waits on, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// On `login` to review.
    Review { login: String, since: UnixTime },
    /// On its author.
    Author { turn: AuthorTurn, since: UnixTime },
}

impl Wait {
    pub fn since(&self) -> UnixTime {
        match self {
            Wait::Review { since, .. } | Wait::Author { since, .. } => *since,
        }
    }
}

/// A pull request of a watched repository, followed through its review
/// (the record keyed by [`message_key`], like its assignment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedPullRequest {
    /// Lower-cased `owner/repo`.
    pub repo: String,
    pub number: u64,
    /// The channel of the rotation watching it (digest, reminder setting).
    pub channel: String,
    pub title: String,
    pub url: String,
    pub author: String,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files: u64,
    /// When Baton started following it.
    pub opened_at: UnixTime,
    #[serde(default)]
    pub draft: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closed>,
    /// When it last left draft or was reopened: no wait counts from before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_at: Option<UnixTime>,
    /// Everyone asked or who reviewed, in the order they came.
    #[serde(default)]
    pub reviewers: Vec<TrackedReviewer>,
}

impl TrackedPullRequest {
    pub fn key(&self) -> MessageKey {
        message_key(&self.repo, self.number)
    }

    /// `owner/repo#12`.
    pub fn reference(&self) -> String {
        format!("{}#{}", self.repo, self.number)
    }

    /// Open and not a draft: the only state in which it waits on anyone.
    pub fn is_live(&self) -> bool {
        self.closed.is_none() && !self.draft
    }

    pub fn reviewer(&self, login: &str) -> Option<&TrackedReviewer> {
        self.reviewers.iter().find(|r| same_login(&r.login, login))
    }

    pub fn reviewer_mut(&mut self, login: &str) -> Option<&mut TrackedReviewer> {
        self.reviewers
            .iter_mut()
            .find(|r| same_login(&r.login, login))
    }

    /// The entry of `login`, added if they have none.
    pub fn reviewer_entry(&mut self, login: &str) -> &mut TrackedReviewer {
        let index = match self
            .reviewers
            .iter()
            .position(|r| same_login(&r.login, login))
        {
            Some(index) => index,
            None => {
                self.reviewers.push(TrackedReviewer::new(login));
                self.reviewers.len() - 1
            }
        };
        &mut self.reviewers[index]
    }

    /// When a wait that began at `at` counts from: not before the pull
    /// request last left draft or was reopened.
    fn counted_from(&self, at: UnixTime) -> UnixTime {
        self.resumed_at.map_or(at, |resumed| at.max(resumed))
    }

    /// Since when `login` has been waited on to review, if they are.
    pub fn review_wait_since(&self, login: &str) -> Option<UnixTime> {
        if !self.is_live() {
            return None;
        }
        let asked = self.reviewer(login)?.requested_at?;
        Some(self.counted_from(asked))
    }

    /// Does it wait on `login`'s review now (open, not a draft, asked and
    /// not answered)? What "an open review" of a member means.
    pub fn waits_on_review_of(&self, login: &str) -> bool {
        self.review_wait_since(login).is_some()
    }

    /// Everyone and everything it waits on now, reviewers in the order
    /// they came, then its author.
    pub fn waits(&self) -> Vec<Wait> {
        if !self.is_live() {
            return Vec::new();
        }
        let mut waits: Vec<Wait> = self
            .reviewers
            .iter()
            .filter_map(|r| {
                let since = self.counted_from(r.requested_at?);
                Some(Wait::Review {
                    login: r.login.clone(),
                    since,
                })
            })
            .collect();
        let anyone_asked = !waits.is_empty();
        // Reviews that stand: from reviewers not asked again since.
        let standing = |verdict: Verdict| {
            self.reviewers
                .iter()
                .filter(|r| r.requested_at.is_none())
                .filter_map(|r| r.review)
                .filter(|review| review.verdict == verdict)
                .map(|review| review.at)
                .max()
        };
        let author = if let Some(at) = standing(Verdict::ChangesRequested) {
            Some((AuthorTurn::ChangesRequested, at))
        } else if anyone_asked {
            None
        } else if let Some(at) = standing(Verdict::Approved) {
            Some((AuthorTurn::Approved, at))
        } else {
            standing(Verdict::Commented).map(|at| (AuthorTurn::Commented, at))
        };
        if let Some((turn, at)) = author {
            waits.push(Wait::Author {
                turn,
                since: self.counted_from(at),
            });
        }
        waits
    }

    /// What it waits on its author for, and since when, if it does.
    pub fn author_turn(&self) -> Option<(AuthorTurn, UnixTime)> {
        self.waits().into_iter().find_map(|wait| match wait {
            Wait::Author { turn, since } => Some((turn, since)),
            Wait::Review { .. } => None,
        })
    }

    /// The reviewers it waits on, with since when.
    pub fn review_waits(&self) -> Vec<(String, UnixTime)> {
        self.waits()
            .into_iter()
            .filter_map(|wait| match wait {
                Wait::Review { login, since } => Some((login, since)),
                Wait::Author { .. } => None,
            })
            .collect()
    }

    /// Its review state in one word (what the channel message shows).
    pub fn phase(&self) -> Phase {
        match self.closed {
            Some(Closed { merged: true, .. }) => return Phase::Merged,
            Some(_) => return Phase::Closed,
            None if self.draft => return Phase::Draft,
            None => {}
        }
        let waits = self.waits();
        let turn = waits.iter().find_map(|w| match w {
            Wait::Author { turn, .. } => Some(*turn),
            Wait::Review { .. } => None,
        });
        let reviewing = waits.iter().any(|w| matches!(w, Wait::Review { .. }));
        match (turn, reviewing) {
            (Some(AuthorTurn::ChangesRequested), _) => Phase::ChangesRequested,
            (_, true) => Phase::AwaitingReview,
            (Some(AuthorTurn::Approved), false) => Phase::Approved,
            (Some(AuthorTurn::Commented), false) => Phase::Commented,
            (None, false) => Phase::NoReviewers,
        }
    }

    /// The oldest wait's start, for ordering lists (oldest first).
    pub fn oldest_wait(&self) -> Option<UnixTime> {
        self.waits().iter().map(Wait::since).min()
    }
}

/// How many open reviews each person has (lower-cased login → count): the
/// pull requests open, not drafts, waiting on their review. Worked out from
/// the review records each time, so it cannot drift from them.
pub fn open_reviews_per_member(pulls: &[TrackedPullRequest]) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for pull in pulls {
        for (login, _) in pull.review_waits() {
            *counts.entry(login.to_ascii_lowercase()).or_default() += 1;
        }
    }
    counts
}

/// The reminder times of a record's reviewers: a lower bound written with
/// every change of the record (the store keeps a due index of them).
impl TrackedPullRequest {
    /// When the timer should first look at `login`'s wait: `remind_after`
    /// after it began, and `remind_after` after the last reminder.
    pub fn reminder_not_before(&self, login: &str, remind_after: i64) -> Option<UnixTime> {
        let since = self.review_wait_since(login)?;
        let reviewer = self.reviewer(login)?;
        let mut at = since.saturating_add(remind_after);
        if let Some(last) = reviewer.reminded_at {
            at = at.max(last.saturating_add(remind_after));
        }
        Some(at)
    }

    /// Set each reviewer's reminder time after a change of the record: none
    /// unless the pull request waits on their review and the channel
    /// reminds; else the time the wait allows, or a later one the timer
    /// already chose.
    pub fn schedule_reminders(&mut self, remind_after: Option<i64>) {
        self.set_reminder_times(remind_after, true);
    }

    /// [`TrackedPullRequest::schedule_reminders`], dropping times the timer
    /// chose (the channel's delay changed).
    pub fn reschedule_reminders(&mut self, remind_after: Option<i64>) {
        self.set_reminder_times(remind_after, false);
    }

    fn set_reminder_times(&mut self, remind_after: Option<i64>, keep_later: bool) {
        let times: Vec<Option<UnixTime>> = self
            .reviewers
            .iter()
            .map(|r| remind_after.and_then(|after| self.reminder_not_before(&r.login, after)))
            .collect();
        for (reviewer, due) in self.reviewers.iter_mut().zip(times) {
            reviewer.remind_at = match (due, reviewer.remind_at) {
                (Some(due), Some(chosen)) if keep_later && chosen > due => Some(chosen),
                (due, _) => due,
            };
        }
    }
}

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
