//! How GitHub's events and Baton's own review requests change a
//! [`TrackedPullRequest`]: each step records the fact and says what
//! [`Happened`], which the decisions turn into direct messages. A pull
//! request Baton assigned before it followed reviews starts its record
//! from the assignment ([`TrackedPullRequest::from_assignment`]).
//!
//! | event | effect |
//! | --- | --- |
//! | `pull_request` `review_requested` | the reviewer is asked (again, if they reviewed) |
//! | `pull_request` `review_request_removed` | the reviewer is no longer asked |
//! | `pull_request` `converted_to_draft` / `ready_for_review` | draft on / off (waits count again from ready) |
//! | `pull_request` `closed` / `reopened` | leaves / rejoins every queue |
//! | `pull_request` `synchronize`, `edited`, … | title and size refreshed; whom it waits on is unchanged (the author asks again when ready) |
//! | `pull_request_review` `submitted` | answers the reviewer's request; the verdict stands until they are asked again |
//! | `pull_request_review` `dismissed` | the verdict no longer stands: it waits on that reviewer again |

use super::record::{Review, TrackedPullRequest, Verdict};
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::reviewers::assignment::{Assignment, Closed, ReviewStatus};
use crate::reviewers::pool::same_login;
use crate::UnixTime;

/// What one step did, for the messages that follow from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    /// `login` was asked to review, for the first time.
    Asked {
        login: String,
    },
    /// `login` was asked to review again after reviewing.
    AskedAgain {
        login: String,
    },
    /// `login`'s review was dismissed: it waits on them again.
    Dismissed {
        login: String,
    },
    /// `login` is no longer asked.
    Withdrawn {
        login: String,
    },
    /// `login` submitted a review.
    Reviewed {
        login: String,
        verdict: Verdict,
    },
    Closed {
        merged: bool,
    },
    Reopened,
    Drafted,
    Ready,
}

impl TrackedPullRequest {
    /// Start following `pr` for the rotation of `channel`: everyone its
    /// payload already names as requested is asked from now.
    pub fn start(pr: &PullRequestEvent, channel: &str, now: UnixTime) -> (Self, Vec<Happened>) {
        let mut tracked = TrackedPullRequest {
            repo: pr.repo.to_ascii_lowercase(),
            number: pr.number,
            channel: channel.to_string(),
            title: pr.title.clone(),
            url: pr.html_url.clone(),
            author: pr.author.clone(),
            additions: pr.additions,
            deletions: pr.deletions,
            changed_files: pr.changed_files,
            opened_at: now,
            draft: pr.draft,
            closed: pr.action.eq("closed").then_some(Closed {
                at: now,
                merged: pr.merged,
            }),
            resumed_at: None,
            reviewers: Vec::new(),
        };
        let happened = pr
            .requested_reviewers
            .iter()
            .filter_map(|login| tracked.ask(login, now))
            .collect();
        (tracked, happened)
    }

    /// Ask `login` to review now. Nothing happens if they are already
    /// asked, or are the author (GitHub refuses that request).
    pub fn ask(&mut self, login: &str, now: UnixTime) -> Option<Happened> {
        if same_login(login, &self.author) {
            return None;
        }
        let entry = self.reviewer_entry(login);
        if entry.requested_at.is_some() {
            return None;
        }
        entry.requested_at = Some(now);
        let login = entry.login.clone();
        Some(match entry.review {
            Some(_) => Happened::AskedAgain { login },
            None => Happened::Asked { login },
        })
    }

    /// `login` is no longer asked to review.
    pub fn withdraw(&mut self, login: &str) -> Option<Happened> {
        let entry = self.reviewer_mut(login)?;
        entry.requested_at.take()?;
        entry.remind_at = None;
        Some(Happened::Withdrawn {
            login: entry.login.clone(),
        })
    }

    /// A `pull_request` delivery about this pull request.
    pub fn on_pull_request(&mut self, pr: &PullRequestEvent, now: UnixTime) -> Vec<Happened> {
        self.title.clone_from(&pr.title);
        self.url.clone_from(&pr.html_url);
        self.additions = pr.additions;
        self.deletions = pr.deletions;
        self.changed_files = pr.changed_files;
        let happened = match pr.action.as_str() {
            "closed" if self.closed.is_none() => {
                self.closed = Some(Closed {
                    at: now,
                    merged: pr.merged,
                });
                Some(Happened::Closed { merged: pr.merged })
            }
            "reopened" if self.closed.is_some() => {
                self.closed = None;
                self.draft = pr.draft;
                self.resumed_at = Some(now);
                Some(Happened::Reopened)
            }
            "converted_to_draft" if !self.draft => {
                self.draft = true;
                Some(Happened::Drafted)
            }
            "ready_for_review" if self.draft => {
                self.draft = false;
                self.resumed_at = Some(now);
                Some(Happened::Ready)
            }
            "review_requested" => pr
                .requested_reviewer
                .as_deref()
                .and_then(|login| self.ask(login, now)),
            "review_request_removed" => pr
                .requested_reviewer
                .as_deref()
                .and_then(|login| self.withdraw(login)),
            _ => None,
        };
        happened.into_iter().collect()
    }

    /// A `pull_request_review` delivery about this pull request.
    pub fn on_review(&mut self, review: &PullRequestReviewEvent, now: UnixTime) -> Vec<Happened> {
        if same_login(&review.reviewer, &self.author) {
            return Vec::new();
        }
        match review.action.as_str() {
            "submitted" => {
                let Some(verdict) = Verdict::from_state(&review.state) else {
                    return Vec::new();
                };
                let entry = self.reviewer_entry(&review.reviewer);
                entry.requested_at = None;
                entry.remind_at = None;
                // A comment after an approval or a request for changes
                // leaves that verdict standing, as on GitHub.
                let keeps_verdict = verdict == Verdict::Commented
                    && entry
                        .review
                        .is_some_and(|r| r.verdict != Verdict::Commented);
                if !keeps_verdict {
                    entry.review = Some(Review { verdict, at: now });
                }
                vec![Happened::Reviewed {
                    login: entry.login.clone(),
                    verdict,
                }]
            }
            "dismissed" => {
                let Some(entry) = self.reviewer_mut(&review.reviewer) else {
                    return Vec::new();
                };
                if entry.review.take().is_none() {
                    return Vec::new();
                }
                entry.requested_at.get_or_insert(now);
                vec![Happened::Dismissed {
                    login: entry.login.clone(),
                }]
            }
            _ => Vec::new(),
        }
    }
}

impl TrackedPullRequest {
    /// A review record for a pull request Baton assigned before it
    /// followed reviews: its reviewers still to review are asked since
    /// they were assigned.
    pub fn from_assignment(assignment: &Assignment) -> TrackedPullRequest {
        let mut tracked = TrackedPullRequest {
            repo: assignment.repo.clone(),
            number: assignment.number,
            channel: assignment.channel.clone(),
            title: assignment.title.clone(),
            url: assignment.url.clone(),
            author: assignment.author.clone(),
            additions: assignment.additions,
            deletions: assignment.deletions,
            changed_files: assignment.changed_files,
            opened_at: assignment.assigned_at,
            draft: false,
            closed: assignment.closed,
            resumed_at: None,
            reviewers: Vec::new(),
        };
        for reviewer in &assignment.reviewers {
            if reviewer.status == ReviewStatus::Pending {
                tracked.ask(&reviewer.login, reviewer.assigned_at);
            }
        }
        tracked
    }
}
