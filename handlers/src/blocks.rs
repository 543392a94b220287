//! Block Kit building blocks, made only from [`Mrkdwn`] and Baton's own
//! labels, and always inside Slack's published limits. Every message also
//! carries a plain-text fallback, so notifications and screen readers read well.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::mrkdwn::Mrkdwn;

/// Slack's limit on a section block's text.
pub const SECTION_TEXT_LIMIT: usize = 3000;
/// Slack's limit on the number of blocks in one message.
pub const MAX_BLOCKS: usize = 50;
/// Slack's limit on a header block's text.
pub const HEADER_TEXT_LIMIT: usize = 150;
/// Slack's limit on a button's text.
pub const BUTTON_TEXT_LIMIT: usize = 75;
/// Slack's limit on an `action_id`.
pub const ACTION_ID_LIMIT: usize = 255;
/// Slack's limit on a button's `value`.
pub const BUTTON_VALUE_LIMIT: usize = 2000;
/// Slack's limit on a context block's elements.
pub const CONTEXT_ELEMENTS_LIMIT: usize = 10;
/// Slack's limit on an actions block's elements.
pub const ACTIONS_ELEMENTS_LIMIT: usize = 25;
/// Slack's limit on a message's top-level `text`.
pub const MESSAGE_TEXT_LIMIT: usize = 40_000;

/// One Block Kit block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Block(Value);

/// An interactive element of an `actions` block (a button).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(Value);

/// The blocks of one message, at most [`MAX_BLOCKS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Blocks(Value);

/// Read as the JSON Slack receives.
impl std::ops::Deref for Blocks {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.0
    }
}

impl std::fmt::Display for Blocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Blocks {
    /// The JSON array Slack receives.
    pub fn as_json(&self) -> &Value {
        &self.0
    }
}

/// A `section` block with mrkdwn text, cut to Slack's 3,000 characters.
pub fn section(text: Mrkdwn) -> Block {
    Block(
        json!({"type": "section", "text": {"type": "mrkdwn", "text": text.fit(SECTION_TEXT_LIMIT)}}),
    )
}

/// A `context` block (small grey text under a message), at most ten elements.
pub fn context(elements: Vec<Mrkdwn>) -> Block {
    let elements: Vec<Value> = elements
        .into_iter()
        .take(CONTEXT_ELEMENTS_LIMIT)
        .map(|text| json!({"type": "mrkdwn", "text": text.fit(SECTION_TEXT_LIMIT)}))
        .collect();
    Block(json!({"type": "context", "elements": elements}))
}

/// A `header` block with Baton's own plain text, cut to 150 characters.
pub fn header(text: &'static str) -> Block {
    let text = crate::text::truncate_chars(text, HEADER_TEXT_LIMIT);
    Block(json!({"type": "header", "text": {"type": "plain_text", "text": text}}))
}

/// A button; `value` comes back in `block_actions`. The label is Baton's own
/// words; `action_id` and `value` must fit Slack's limits (they are names
/// and keys Baton made, so a longer one is a bug and is cut).
pub fn button(action_id: &str, label: &'static str, value: &str, style: Option<&str>) -> Element {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    debug_assert!(
        value.chars().count() <= BUTTON_VALUE_LIMIT,
        "button value too long"
    );
    let mut b = json!({
        "type": "button",
        "action_id": cut(action_id, ACTION_ID_LIMIT),
        "text": {"type": "plain_text", "text": cut(label, BUTTON_TEXT_LIMIT), "emoji": true},
        "value": cut(value, BUTTON_VALUE_LIMIT),
    });
    if let Some(style) = style {
        b["style"] = json!(style);
    }
    Element(b)
}

/// An `actions` block holding buttons (at most 25).
pub fn actions(elements: Vec<Element>) -> Block {
    let elements: Vec<Value> = elements
        .into_iter()
        .take(ACTIONS_ELEMENTS_LIMIT)
        .map(|e| e.0)
        .collect();
    Block(json!({"type": "actions", "elements": elements}))
}

/// Wrap blocks into the array Slack expects, keeping at most 50.
pub fn message(mut blocks: Vec<Block>) -> Blocks {
    blocks.truncate(MAX_BLOCKS);
    Blocks(Value::Array(blocks.into_iter().map(|b| b.0).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_section_is_cut_to_the_limit() {
        let block = section(Mrkdwn::text(&"x".repeat(10_000)));
        let text = block.0["text"]["text"].as_str().unwrap();
        assert!(text.chars().count() <= SECTION_TEXT_LIMIT);
    }

    #[test]
    fn message_keeps_at_most_fifty_blocks() {
        let blocks = (0..80)
            .map(|i| section(Mrkdwn::text(&i.to_string())))
            .collect();
        assert_eq!(message(blocks).0.as_array().unwrap().len(), MAX_BLOCKS);
    }

    #[test]
    fn context_keeps_at_most_ten_elements() {
        let block = context((0..20).map(|i| Mrkdwn::text(&i.to_string())).collect());
        assert_eq!(block.0["elements"].as_array().unwrap().len(), 10);
    }
}
