//! The record of one pull request's review assignment (its message is
//! drawn by `super::render`).
//!
//! An [`Assignment`] is written once per pull request (that is what makes
//! assignment happen at most once) and then updated as reviewers review,
//! pass or are reassigned, and when the pull request closes. The same
//! records, kept after closing, are the history `stats` reads.

use serde::{Deserialize, Serialize};

use super::phase::Phase;
use super::pool::same_login;
use crate::github::PullRequestEvent;
use crate::outbound::MessageKey;
use crate::UnixTime;

/// Where one reviewer stands on one pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Asked to review, has not yet.
    Pending,
    /// Submitted a review; `first_at` is the first one, `state` the latest
    /// (`approved`, `commented`, `changes_requested`).
    Reviewed { first_at: UnixTime, state: String },
    /// Pressed "Can't review".
    Passed { at: UnixTime },
    /// Replaced by someone pressing "Reassign".
    Reassigned { at: UnixTime },
}

/// One person asked to review one pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedReviewer {
    pub login: String,
    pub assigned_at: UnixTime,
    #[serde(flatten)]
    pub status: ReviewStatus,
}

impl AssignedReviewer {
    /// Still on the pull request (pending or reviewed, not passed or replaced).
    pub fn is_on_it(&self) -> bool {
        matches!(
            self.status,
            ReviewStatus::Pending | ReviewStatus::Reviewed { .. }
        )
    }
}

/// One pull request's review assignment (the record keyed by [`message_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Lower-cased `owner/repo`.
    pub repo: String,
    pub number: u64,
    /// The pool's channel, where the assignment message lives.
    pub channel: String,
    pub title: String,
    pub url: String,
    pub author: String,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files: u64,
    pub assigned_at: UnixTime,
    /// Everyone ever asked, in order (passed and replaced ones included).
    pub reviewers: Vec<AssignedReviewer>,
    /// Set when the pull request closes; open reviews close with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closed>,
    /// The GitHub App installation the pull request came through, so a
    /// reassignment from Slack acts with the same installation's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation: Option<u64>,
    /// The review state the message shows, as the review lifecycle last
    /// set it (see [`Assignment::phase`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
}

/// How and when a pull request closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closed {
    pub at: UnixTime,
    pub merged: bool,
}

/// The key of a pull request's assignment message and record:
/// `pr:owner/repo#12` (repository lower-cased).
pub fn message_key(repo: &str, number: u64) -> MessageKey {
    format!("pr:{}#{number}", repo.to_ascii_lowercase())
}

impl Assignment {
    /// A new assignment of `reviewers` to `pr` in `channel`.
    pub fn new(pr: &PullRequestEvent, channel: &str, reviewers: &[String], now: UnixTime) -> Self {
        Assignment {
            repo: pr.repo.to_ascii_lowercase(),
            number: pr.number,
            channel: channel.to_string(),
            title: pr.title.clone(),
            url: pr.html_url.clone(),
            author: pr.author.clone(),
            additions: pr.additions,
            deletions: pr.deletions,
            changed_files: pr.changed_files,
            assigned_at: now,
            reviewers: reviewers
                .iter()
                .map(|login| AssignedReviewer {
                    login: login.clone(),
                    assigned_at: now,
                    status: ReviewStatus::Pending,
                })
                .collect(),
            closed: None,
            installation: pr.installation,
            phase: None,
        }
    }

    pub fn key(&self) -> MessageKey {
        message_key(&self.repo, self.number)
    }

    /// The value both buttons carry: `owner/repo#12`.
    pub fn button_value(&self) -> String {
        format!("{}#{}", self.repo, self.number)
    }

    /// The reviewer entry still on the pull request for `login`, if any.
    pub fn reviewer_on_it_mut(&mut self, login: &str) -> Option<&mut AssignedReviewer> {
        self.reviewers
            .iter_mut()
            .find(|r| r.is_on_it() && same_login(&r.login, login))
    }

    /// Logins who have not reviewed yet and are still on it.
    pub fn pending_logins(&self) -> Vec<String> {
        self.reviewers
            .iter()
            .filter(|r| r.status == ReviewStatus::Pending)
            .map(|r| r.login.clone())
            .collect()
    }

    /// The review state the message shows: closed or merged once it is;
    /// else as the review lifecycle last set it, or (before it set any)
    /// what this record's own reviewers say.
    pub fn phase(&self) -> Phase {
        match self.closed {
            Some(Closed { merged: true, .. }) => return Phase::Merged,
            Some(_) => return Phase::Closed,
            None => {}
        }
        if let Some(phase) = self.phase {
            return phase;
        }
        let on_it = || self.reviewers.iter().filter(|r| r.is_on_it());
        let reviewed = |verdict: &str| {
            on_it().any(
                |r| matches!(&r.status, ReviewStatus::Reviewed { state, .. } if state == verdict),
            )
        };
        if on_it().any(|r| r.status == ReviewStatus::Pending) {
            Phase::AwaitingReview
        } else if reviewed("changes_requested") {
            Phase::ChangesRequested
        } else if reviewed("approved") {
            Phase::Approved
        } else if reviewed("commented") {
            Phase::Commented
        } else {
            Phase::NoReviewers
        }
    }

    /// Everyone ever asked (never to be picked again for this pull request).
    pub fn everyone_asked(&self) -> Vec<String> {
        self.reviewers.iter().map(|r| r.login.clone()).collect()
    }
}

/// `owner/repo#12` (as the buttons carry it) → (lower-cased repo, number).
pub fn parse_pull_request_reference(value: &str) -> Option<(String, u64)> {
    let (repo, number) = value.trim().rsplit_once('#')?;
    let repo = crate::text::parse_repo_pattern(repo).filter(|r| !r.ends_with("/*"))?;
    let number: u64 = number.parse().ok().filter(|&n| n > 0)?;
    Some((repo, number))
}
