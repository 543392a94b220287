//! Every button Baton puts on a Slack message, by a typed name: the one
//! table of `action_id`s, used both to render a button and to route its
//! press to the feature that owns it.
//!
//! The `action_id`s are part of messages already posted in Slack (a press
//! on an old message still arrives with them), so they never change.

/// The buttons of the reviewers feature's assignment message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewerButton {
    /// Anyone: hand every pending review to someone else.
    Reassign,
    /// The reviewer: hand their own review on, without it counting
    /// against them.
    CantReview,
}

/// The buttons of the errors feature's report message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorButton {
    /// "Mute 1h" (its value is the fingerprint).
    Mute,
    /// "Resolve" (its value is the fingerprint).
    Resolve,
}

/// The buttons of a deploy gate's message (their value is the gate
/// request's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GateButton {
    /// "Approve" (or "Approve anyway" while the environment is locked).
    Approve,
    /// "Reject".
    Reject,
}

/// A button, by the feature that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Button {
    Reviewers(ReviewerButton),
    Errors(ErrorButton),
    Deploys(GateButton),
}

impl Button {
    /// Every button, so the table below is checked whole by a test.
    pub const ALL: [Button; 6] = [
        Button::Reviewers(ReviewerButton::Reassign),
        Button::Reviewers(ReviewerButton::CantReview),
        Button::Errors(ErrorButton::Mute),
        Button::Errors(ErrorButton::Resolve),
        Button::Deploys(GateButton::Approve),
        Button::Deploys(GateButton::Reject),
    ];

    /// The `action_id` Slack sends back when it is pressed.
    pub const fn action_id(self) -> &'static str {
        match self {
            Button::Reviewers(ReviewerButton::Reassign) => "reviewers_reassign",
            Button::Reviewers(ReviewerButton::CantReview) => "reviewers_pass",
            Button::Errors(ErrorButton::Mute) => "errors_mute",
            Button::Errors(ErrorButton::Resolve) => "errors_resolve",
            Button::Deploys(GateButton::Approve) => "deploys_gate_approve",
            Button::Deploys(GateButton::Reject) => "deploys_gate_reject",
        }
    }

    /// The button an `action_id` names; `None` for one Baton never made.
    pub fn from_action_id(action_id: &str) -> Option<Button> {
        Button::ALL.into_iter().find(|b| b.action_id() == action_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_ids_are_those_of_messages_already_posted() {
        let ids: Vec<&str> = Button::ALL.iter().map(|b| b.action_id()).collect();
        assert_eq!(
            ids,
            [
                "reviewers_reassign",
                "reviewers_pass",
                "errors_mute",
                "errors_resolve",
                "deploys_gate_approve",
                "deploys_gate_reject"
            ]
        );
        for button in Button::ALL {
            assert_eq!(Button::from_action_id(button.action_id()), Some(button));
        }
        assert_eq!(Button::from_action_id("reviewers"), None);
        assert_eq!(Button::from_action_id("reviewers_reassign_x"), None);
        assert_eq!(Button::from_action_id(""), None);
    }
}
