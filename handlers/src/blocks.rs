//! Block Kit building blocks. Every message also carries a plain-text
//! fallback, so notifications and screen readers read well.

use serde_json::{json, Value};

use crate::text::{truncate_chars, MAX_BLOCKS, SECTION_TEXT_LIMIT};

/// A `section` block with mrkdwn text, cut to Slack's 3,000 characters.
pub fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate_chars(text, SECTION_TEXT_LIMIT)}})
}

/// A `context` block (small grey text under a message).
pub fn context(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate_chars(text, SECTION_TEXT_LIMIT)}]})
}

/// A button for an `actions` block; `value` comes back in `block_actions`.
pub fn button(action_id: &str, label: &str, value: &str, style: Option<&str>) -> Value {
    let mut b = json!({
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": true},
        "value": value,
    });
    if let Some(style) = style {
        b["style"] = json!(style);
    }
    b
}

/// An `actions` block holding buttons.
pub fn actions(elements: Vec<Value>) -> Value {
    json!({"type": "actions", "elements": elements})
}

/// Wrap blocks into the array Slack expects, keeping at most 50.
pub fn message(mut blocks: Vec<Value>) -> Value {
    blocks.truncate(MAX_BLOCKS);
    Value::Array(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_section_is_cut_to_the_limit() {
        let block = section(&"x".repeat(10_000));
        let text = block["text"]["text"].as_str().unwrap();
        assert!(text.chars().count() <= SECTION_TEXT_LIMIT);
    }

    #[test]
    fn message_keeps_at_most_fifty_blocks() {
        let blocks = (0..80).map(|i| section(&i.to_string())).collect();
        assert_eq!(message(blocks).as_array().unwrap().len(), MAX_BLOCKS);
    }
}
