//! One validator for every Slack message Baton sends: Slack's published
//! limits, and the escaping rules that keep outside text from mentioning,
//! linking or pinging. Used by the black-box tests (on every call the fake
//! Slack records), the demo test, and the handlers' property tests (which
//! include this file by path), so all of them hold messages to the same rules.
//!
//! Depends on `serde_json` only.

#![allow(dead_code)]

use serde_json::Value;

/// Slack's limits (Block Kit reference and `chat.postMessage`).
pub const MESSAGE_TEXT_LIMIT: usize = 40_000;
pub const MAX_BLOCKS: usize = 50;
pub const SECTION_TEXT_LIMIT: usize = 3_000;
pub const HEADER_TEXT_LIMIT: usize = 150;
pub const BUTTON_TEXT_LIMIT: usize = 75;
pub const ACTION_ID_LIMIT: usize = 255;
pub const BUTTON_VALUE_LIMIT: usize = 2_000;
pub const CONTEXT_ELEMENTS_LIMIT: usize = 10;
pub const ACTIONS_ELEMENTS_LIMIT: usize = 25;
/// A Home tab view holds at most 100 blocks.
pub const MAX_VIEW_BLOCKS: usize = 100;

/// Check one message body (`chat.postMessage`, `chat.update`, or an
/// ephemeral answer): `Err` names every rule it breaks.
pub fn check_message(body: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    match body.get("text").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => {
            check_limit("text", text, MESSAGE_TEXT_LIMIT, &mut problems);
            check_mrkdwn("text", text, &mut problems);
        }
        _ => problems.push("top-level `text` is missing or empty".to_string()),
    }
    if let Some(blocks) = body.get("blocks").filter(|b| !b.is_null()) {
        // Some clients send blocks as a JSON string (form bodies).
        let parsed;
        let blocks = match blocks.as_str() {
            Some(s) => {
                parsed = serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
                &parsed
            }
            None => blocks,
        };
        check_blocks(blocks, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nin message: {}",
            problems.join("\n"),
            clip(&body.to_string())
        ))
    }
}

/// Check a `views.publish` view: a `home` view whose blocks follow the
/// same rules as a message's (at most 100 of them).
pub fn check_view(view: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    if view["type"].as_str() != Some("home") {
        problems.push(format!("view type {:?}, not `home`", view["type"]));
    }
    match view["blocks"].as_array() {
        Some(blocks) if blocks.len() > MAX_VIEW_BLOCKS => problems.push(format!(
            "{} blocks, over the {MAX_VIEW_BLOCKS} of a view",
            blocks.len()
        )),
        Some(blocks) if blocks.is_empty() => problems.push("a view without blocks".to_string()),
        Some(blocks) => {
            // Checked as a message of at most 50 blocks at a time.
            for chunk in blocks.chunks(MAX_BLOCKS) {
                check_blocks(&Value::Array(chunk.to_vec()), &mut problems);
            }
        }
        None => problems.push("`blocks` is not an array".to_string()),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nin view: {}",
            problems.join("\n"),
            clip(&view.to_string())
        ))
    }
}

/// Check just a mrkdwn string (for ephemeral replies given as text).
pub fn check_text(text: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    check_limit("text", text, MESSAGE_TEXT_LIMIT, &mut problems);
    check_mrkdwn("text", text, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\nin text: {}", problems.join("\n"), clip(text)))
    }
}

/// At most 600 characters of a long text, for error messages.
fn clip(text: &str) -> String {
    if text.chars().count() <= 600 {
        return text.to_string();
    }
    let head: String = text.chars().take(600).collect();
    format!("{head}… ({} characters)", text.chars().count())
}

fn check_limit(place: &str, text: &str, limit: usize, problems: &mut Vec<String>) {
    let n = text.chars().count();
    if n > limit {
        problems.push(format!("{place} has {n} characters, over Slack's {limit}"));
    }
}

fn check_blocks(blocks: &Value, problems: &mut Vec<String>) {
    let Some(blocks) = blocks.as_array() else {
        problems.push("`blocks` is not an array".to_string());
        return;
    };
    if blocks.len() > MAX_BLOCKS {
        problems.push(format!(
            "{} blocks, over Slack's {MAX_BLOCKS}",
            blocks.len()
        ));
    }
    for (i, block) in blocks.iter().enumerate() {
        let place = format!("block {i}");
        match block["type"].as_str().unwrap_or_default() {
            "section" => {
                check_text_object(&place, &block["text"], SECTION_TEXT_LIMIT, problems);
                for field in block["fields"].as_array().into_iter().flatten() {
                    check_text_object(&place, field, 2_000, problems);
                }
            }
            "header" => check_text_object(&place, &block["text"], HEADER_TEXT_LIMIT, problems),
            "context" => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                if elements.len() > CONTEXT_ELEMENTS_LIMIT {
                    problems.push(format!(
                        "{place}: {} context elements, over {CONTEXT_ELEMENTS_LIMIT}",
                        elements.len()
                    ));
                }
                for element in &elements {
                    check_text_object(&place, element, SECTION_TEXT_LIMIT, problems);
                }
            }
            "actions" => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                if elements.len() > ACTIONS_ELEMENTS_LIMIT {
                    problems.push(format!("{place}: over {ACTIONS_ELEMENTS_LIMIT} elements"));
                }
                for element in &elements {
                    check_text_object(&place, &element["text"], BUTTON_TEXT_LIMIT, problems);
                    let action_id = element["action_id"].as_str().unwrap_or_default();
                    check_limit(&place, action_id, ACTION_ID_LIMIT, problems);
                    let value = element["value"].as_str().unwrap_or_default();
                    check_limit(&place, value, BUTTON_VALUE_LIMIT, problems);
                }
            }
            "divider" => {}
            other => problems.push(format!("{place}: unexpected block type `{other}`")),
        }
    }
}

fn check_text_object(place: &str, object: &Value, limit: usize, problems: &mut Vec<String>) {
    let Some(text) = object["text"].as_str() else {
        problems.push(format!("{place}: a text object without text"));
        return;
    };
    check_limit(place, text, limit, problems);
    match object["type"].as_str() {
        Some("mrkdwn") => check_mrkdwn(place, text, problems),
        Some("plain_text") => {
            if text.contains("<!") {
                problems.push(format!("{place}: plain text holds `<!`"));
            }
        }
        other => problems.push(format!("{place}: text object of type {other:?}")),
    }
}

/// The escaping rules: no `<!…>` ever; every `&` starts `&amp;`, `&lt;` or
/// `&gt;`; every `<` opens a mention (`<@U…>`), a channel (`<#C…>`) or an
/// http(s) link, closed by `>`; no other `>`; code fences come in pairs.
fn check_mrkdwn(place: &str, text: &str, problems: &mut Vec<String>) {
    if text.contains("<!") {
        problems.push(format!(
            "{place}: `<!` (a channel-wide ping) in {:?}",
            clip(text)
        ));
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                let rest = &text[i..];
                if !(rest.starts_with("&amp;")
                    || rest.starts_with("&lt;")
                    || rest.starts_with("&gt;"))
                {
                    problems.push(format!(
                        "{place}: unescaped `&` at byte {i}: {:?}",
                        snippet(text, i)
                    ));
                }
                i += 1;
            }
            b'<' => {
                let rest = &text[i + 1..];
                let Some(close) = rest.find('>') else {
                    problems.push(format!(
                        "{place}: unescaped `<` at byte {i}: {:?}",
                        snippet(text, i)
                    ));
                    i += 1;
                    continue;
                };
                let inner = &rest[..close];
                if !is_allowed_markup(inner) {
                    problems.push(format!("{place}: markup `<{inner}>` Baton never makes"));
                }
                i += close + 2;
            }
            b'>' => {
                problems.push(format!(
                    "{place}: unescaped `>` at byte {i}: {:?}",
                    snippet(text, i)
                ));
                i += 1;
            }
            _ => i += 1,
        }
    }
    if text.matches("```").count() % 2 == 1 {
        problems.push(format!("{place}: an unclosed ``` code block"));
    }
}

fn is_allowed_markup(inner: &str) -> bool {
    let id = |s: &str, first: &[char]| {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if first.contains(&c))
            && s.len() >= 2
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if let Some(user) = inner.strip_prefix('@') {
        return id(user, &['U', 'W', 'B']);
    }
    if let Some(channel) = inner.strip_prefix('#') {
        return id(channel, &['C', 'G', 'D']);
    }
    let (url, label) = inner.split_once('|').unwrap_or((inner, ""));
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.contains(['<', ' ', '\n'])
        && !label.contains('<')
}

fn snippet(text: &str, at: usize) -> String {
    let mut start = at.saturating_sub(20);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + 20).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text[start..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_validator_catches_what_it_must() {
        assert!(check_text("ok &lt;!channel&gt; <@U1> <#C1> <https://x.y/z|a>").is_ok());
        assert!(check_text("<!channel>").is_err());
        assert!(check_text("a & b").is_err());
        assert!(check_text("a > b").is_err());
        assert!(check_text("<javascript:x|y>").is_err());
        assert!(check_text("```open").is_err());
        assert!(check_message(&json!({"text": ""})).is_err());
        assert!(check_view(&json!({"type": "home", "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}
        ]}))
        .is_ok());
        assert!(check_view(&json!({"type": "modal", "blocks": []})).is_err());
        let long = "x".repeat(3_001);
        assert!(check_message(&json!({"text": "t", "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": long}}
        ]}))
        .is_err());
    }
}
