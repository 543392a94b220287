//! The record of one pull request's review assignment, and the Slack
//! message that shows it.
//!
//! An [`Assignment`] is written once per pull request (that is what makes
//! assignment happen at most once) and then updated as reviewers review,
//! pass or are reassigned, and when the pull request closes. The same
//! records, kept after closing, are the history `stats` reads.

use serde::{Deserialize, Serialize};

use super::phase::Phase;
use super::pool::{same_login, People};
use crate::blocks;
use crate::blocks::Blocks;
use crate::buttons::{Button, ReviewerButton};
use crate::github::PullRequestEvent;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::MessageKey;
use crate::text::truncate_chars;

/// Characters of a pull request's title in its message.
const TITLE_CHARS: usize = 500;
use crate::UnixTime;

/// `action_id` of the "Reassign" button.
pub const REASSIGN_ACTION_ID: &str = Button::Reviewers(ReviewerButton::Reassign).action_id();
/// `action_id` of the "Can't review" button.
pub const PASS_ACTION_ID: &str = Button::Reviewers(ReviewerButton::CantReview).action_id();

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

    /// `owner/repo#12`, linked to the pull request.
    fn linked_reference(&self) -> Mrkdwn {
        Mrkdwn::link(&self.url, format!("{}#{}", self.repo, self.number))
    }

    /// The plain-text fallback and Block Kit blocks of the assignment message.
    pub fn render(&self, people: &People, shortfall: Option<usize>) -> (Mrkdwn, Blocks) {
        let on_it: Vec<&AssignedReviewer> =
            self.reviewers.iter().filter(|r| r.is_on_it()).collect();
        let names: Vec<Mrkdwn> = on_it
            .iter()
            .map(|r| {
                let mention = people.mention(&r.login);
                match &r.status {
                    ReviewStatus::Reviewed { state, .. } => {
                        mrkdwn!("{} {}", mention, review_emoji(state))
                    }
                    _ => mention,
                }
            })
            .collect();
        let names = Mrkdwn::join(names.iter(), ", ");
        let title = truncate_chars(&self.title, TITLE_CHARS);
        let text = mrkdwn!(
            "Review requested from {}: {} ({}#{} by {})",
            names,
            title,
            self.repo,
            self.number,
            self.author
        );
        let noun = if on_it.len() == 1 {
            "Reviewer"
        } else {
            "Reviewers"
        };
        let mut message = vec![
            blocks::section(mrkdwn!(
                "*{}*\n:eyes: {}: {}",
                Mrkdwn::link(&self.url, title.as_str()),
                noun,
                names
            )),
            blocks::context(vec![mrkdwn!(
                "{} · by {} · +{} / −{} in {} {}",
                Mrkdwn::code(&format!("{}#{}", self.repo, self.number)),
                self.author,
                self.additions,
                self.deletions,
                self.changed_files,
                if self.changed_files == 1 {
                    "file"
                } else {
                    "files"
                }
            )]),
        ];
        let handed_over: Vec<Mrkdwn> = self
            .reviewers
            .iter()
            .filter_map(|r| match r.status {
                ReviewStatus::Passed { .. } => Some(mrkdwn!("*{}* couldn't review", r.login)),
                ReviewStatus::Reassigned { .. } => Some(mrkdwn!("*{}* was reassigned", r.login)),
                _ => None,
            })
            .collect();
        if !handed_over.is_empty() {
            message.push(blocks::context(vec![Mrkdwn::join(handed_over, " · ")]));
        }
        if let Some(missing) = shortfall.filter(|&n| n > 0) {
            message.push(blocks::context(vec![mrkdwn!(
                ":warning: {} more reviewer{} wanted, but no one else in the rotation is free.",
                missing,
                if missing == 1 { " was" } else { "s were" }
            )]));
        }
        message.push(blocks::context(vec![self.phase().status_line()]));
        if self.closed.is_none() {
            message.push(self.buttons());
        }
        (text.fit(3_000), blocks::message(message))
    }

    /// The message's "Reassign" and "Can't review" buttons (also on the
    /// reviewers' direct messages).
    pub fn buttons(&self) -> blocks::Block {
        blocks::actions(vec![
            blocks::button(REASSIGN_ACTION_ID, "Reassign", &self.button_value(), None),
            blocks::button(PASS_ACTION_ID, "Can't review", &self.button_value(), None),
        ])
    }

    /// The thread reply announcing who took over from whom.
    pub fn handover_text(
        &self,
        people: &People,
        leaving: &[String],
        joining: &[String],
        why: &Mrkdwn,
    ) -> Mrkdwn {
        let list = |logins: &[String]| Mrkdwn::join(logins.iter().map(|l| people.mention(l)), ", ");
        mrkdwn!(
            ":arrows_counterclockwise: {} will review {} instead of {} ({}).",
            list(joining),
            self.linked_reference(),
            list(leaving),
            why
        )
    }
}

/// The emoji shown for a review state.
pub fn review_emoji(state: &str) -> &'static str {
    match state {
        "approved" => "✅",
        "changes_requested" => "🔁",
        _ => "💬",
    }
}

/// The words for a review state: "approved", "requested changes", "commented".
pub fn review_verb(state: &str) -> &'static str {
    match state {
        "approved" => "approved",
        "changes_requested" => "requested changes",
        _ => "commented",
    }
}

/// `owner/repo#12` (as the buttons carry it) → (lower-cased repo, number).
pub fn parse_pull_request_reference(value: &str) -> Option<(String, u64)> {
    let (repo, number) = value.trim().rsplit_once('#')?;
    let repo = crate::text::parse_repo_pattern(repo).filter(|r| !r.ends_with("/*"))?;
    let number: u64 = number.parse().ok().filter(|&n| n > 0)?;
    Some((repo, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull_request() -> PullRequestEvent {
        PullRequestEvent {
            action: "opened".into(),
            repo: "Octo-Org/API".into(),
            number: 1347,
            title: "Retry webhook delivery on 5xx <fast>".into(),
            html_url: "https://github.com/Octo-Org/API/pull/1347".into(),
            author: "monalisa".into(),
            draft: false,
            merged: false,
            additions: 120,
            deletions: 31,
            changed_files: 4,
            requested_reviewers: vec![],
            assignees: vec![],
            installation: None,
            requested_reviewer: None,
        }
    }

    #[test]
    fn message_mentions_mapped_reviewers_and_bolds_the_rest() {
        let mut people = People::default();
        people
            .slack_users
            .insert("octocat".into(), "U0G9QF9C6".into());
        let assignment = Assignment::new(
            &pull_request(),
            "C024BE91L",
            &["OctoCat".into(), "hubot".into()],
            0,
        );
        assert_eq!(assignment.key(), "pr:octo-org/api#1347");
        let (text, blocks) = assignment.render(&people, None);
        assert!(
            text.contains("<@U0G9QF9C6>") && text.contains("*hubot*"),
            "{text}"
        );
        let json = blocks.to_string();
        assert!(json.contains("<https://github.com/Octo-Org/API/pull/1347|Retry webhook delivery on 5xx &lt;fast&gt;>"), "{json}");
        assert!(json.contains("+120 / −31 in 4 files"), "{json}");
        assert!(json.contains("by monalisa"), "{json}");
        let buttons = &blocks.as_array().unwrap().last().unwrap()["elements"];
        assert_eq!(buttons[0]["action_id"], REASSIGN_ACTION_ID);
        assert_eq!(buttons[0]["text"]["text"], "Reassign");
        assert_eq!(buttons[1]["action_id"], PASS_ACTION_ID);
        assert_eq!(buttons[1]["text"]["text"], "Can't review");
        assert_eq!(buttons[1]["value"], "octo-org/api#1347");
    }

    #[test]
    fn closed_message_has_no_buttons() {
        let mut assignment = Assignment::new(&pull_request(), "C024BE91L", &["hubot".into()], 0);
        assignment.closed = Some(Closed {
            at: 10,
            merged: true,
        });
        let (_, blocks) = assignment.render(&People::default(), None);
        let json = blocks.to_string();
        assert!(!json.contains(PASS_ACTION_ID));
        assert!(json.contains("Merged"));
    }

    #[test]
    fn pull_request_references() {
        assert_eq!(
            parse_pull_request_reference("Octo-Org/api#42"),
            Some(("octo-org/api".into(), 42))
        );
        assert_eq!(parse_pull_request_reference("octo-org/*#42"), None);
        assert_eq!(parse_pull_request_reference("octo-org/api#0"), None);
        assert_eq!(parse_pull_request_reference("octo-org/api"), None);
        assert_eq!(parse_pull_request_reference("api#4"), None);
    }

    #[test]
    fn assignment_survives_a_json_round_trip() {
        let mut assignment = Assignment::new(&pull_request(), "C024BE91L", &["hubot".into()], 5);
        assignment.reviewers[0].status = ReviewStatus::Reviewed {
            first_at: 90,
            state: "approved".into(),
        };
        let json = serde_json::to_string(&assignment).unwrap();
        assert!(json.contains(r#""status":"reviewed""#), "{json}");
        assert_eq!(
            serde_json::from_str::<Assignment>(&json).unwrap(),
            assignment
        );
    }
}
