//! The reviewers feature's Slack text: the assignment message (its
//! plain-text fallback and Block Kit, with the review's phase and the
//! "Reassign" and "Can't review" buttons), the hand-over reply in its thread, and how a review's
//! state reads.

use super::assignment::{AssignedReviewer, Assignment, ReviewStatus};
use super::pool::People;
use crate::blocks;
use crate::blocks::Blocks;
use crate::buttons::{Button, ReviewerButton};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::text::truncate_chars;

/// Characters of a pull request's title in its message.
const TITLE_CHARS: usize = 500;

/// `action_id` of the "Reassign" button.
pub const REASSIGN_ACTION_ID: &str = Button::Reviewers(ReviewerButton::Reassign).action_id();
/// `action_id` of the "Can't review" button.
pub const PASS_ACTION_ID: &str = Button::Reviewers(ReviewerButton::CantReview).action_id();

impl Assignment {
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
