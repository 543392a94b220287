//! Requests as Slack and GitHub make them: their HMAC signatures, and
//! Slack's encoding of the text a person typed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::basics::GITHUB_SECRET;

/// Hex HMAC-SHA256 of `parts` (concatenated) under `key`, as Slack, GitHub
/// and Sentry sign.
pub fn hmac_hex(key: &str, parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-Hub-Signature-256` of `body` under the test secret.
pub fn github_signature(body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(GITHUB_SECRET, &[body]))
}

/// What Slack sends for text a person typed: `&`, `<`, `>` as entities,
/// but mentions (`<@U1|ana>`), channels (`<#C1>`) and links (`<https://…>`)
/// as Slack's own markup.
pub fn slack_encode_typed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(close) = rest.find('>') {
                let inner = &rest[1..close];
                let markup = inner.starts_with('@')
                    || inner.starts_with('#')
                    || inner.starts_with("http://")
                    || inner.starts_with("https://");
                if markup && !inner.contains('<') {
                    out.push_str(&rest[..=close]);
                    rest = &rest[close + 1..];
                    continue;
                }
            }
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}
