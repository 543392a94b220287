//! What is wrong with a set of values, as messages naming each setting, and
//! what the settings leave unusable (`baton config check`, `baton doctor`).

use super::settings::SETTINGS;
use super::{Config, Sources};

/// Every bad setting among `values`, one message each, naming the setting.
/// Each setting is validated on its own (the others at their defaults), so
/// one bad value does not hide the next.
pub fn problems(values: &Sources) -> Vec<String> {
    let defaults: Sources = SETTINGS
        .iter()
        .map(|s| (s.name, (s.default.to_string(), "default")))
        .collect();
    SETTINGS
        .iter()
        .filter_map(|setting| {
            let mut alone = defaults.clone();
            for name in
                std::iter::once(setting.name).chain(companions(setting.name).iter().copied())
            {
                if let Some(value) = values.get(name) {
                    alone.insert(name, value.clone());
                }
            }
            Config::from_values(&alone).err().map(|e| e.0)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .chain(
            // Settings that are fine alone but not together (GITHUB_TOKEN
            // with an App, a key without its App id…).
            Config::from_values(values).err().map(|e| e.0),
        )
        .fold(Vec::new(), |mut all, problem| {
            if !all.contains(&problem) {
                all.push(problem);
            }
            all
        })
}

/// What does not work with these settings, one sentence each (empty when
/// every feature is usable). Shown by `baton config check` and `baton doctor`.
pub fn unusable_features(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    match (&config.slack_signing_secret, &config.slack_app_token) {
        (None, None) => out.push("SLACK_SIGNING_SECRET is unset: Slack events, /baton commands and buttons are refused (503)".to_string()),
        (None, Some(_)) => out.push("SLACK_SIGNING_SECRET is unset: Slack's request URLs answer 503 (fine with Socket Mode: SLACK_APP_TOKEN carries Slack's events, commands and buttons)".to_string()),
        (Some(_), _) => {}
    }
    if config.github_webhook_secret.is_none() {
        out.push("GITHUB_WEBHOOK_SECRET is unset: GitHub webhooks are refused (503), so no reviewer rotation and no deploy messages from GitHub".to_string());
    }
    if config.hook_token.is_none() {
        out.push("BATON_HOOK_TOKEN is unset: /hooks/deploy, /hooks/errors and /api/* are refused (503), so no deploy notices from CI, no error reports, no lock checks".to_string());
    }
    if config.slack_bot_token.is_none() {
        out.push("SLACK_BOT_TOKEN is unset: offline mode, Slack messages are printed to stdout instead of posted".to_string());
    }
    if config.github_token.is_none() && config.github_app.is_none() {
        out.push("GITHUB_TOKEN (or GITHUB_APP_ID) is unset: offline mode, reviewer requests are printed instead of made on GitHub".to_string());
    }
    out
}

/// The shortest inbound secret Baton accepts without a warning. Slack's
/// signing secrets have 32 characters; the webhook secret and hook token are
/// chosen by the operator (`openssl rand -hex 32` gives 64).
pub const MIN_SECRET_CHARS: usize = 16;

/// Inbound secrets shorter than [`MIN_SECRET_CHARS`], by setting name. One
/// rule for all three, used by both `config check` and `doctor`.
pub fn short_secrets(config: &Config) -> Vec<&'static str> {
    [
        ("SLACK_SIGNING_SECRET", &config.slack_signing_secret),
        ("GITHUB_WEBHOOK_SECRET", &config.github_webhook_secret),
        ("BATON_HOOK_TOKEN", &config.hook_token),
    ]
    .into_iter()
    .filter(|(_, secret)| {
        secret
            .as_ref()
            .is_some_and(|s| s.expose().chars().count() < MIN_SECRET_CHARS)
    })
    .map(|(name, _)| name)
    .collect()
}

/// Whether no inbound endpoint can accept anything (no secret at all).
pub fn nothing_accepted(config: &Config) -> bool {
    config.slack_signing_secret.is_none()
        && config.slack_app_token.is_none()
        && config.github_webhook_secret.is_none()
        && config.hook_token.is_none()
}

/// Settings only meaningful together, validated together by [`problems`].
pub(super) fn companions(name: &str) -> &'static [&'static str] {
    const APP: &[&str] = &[
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_PRIVATE_KEY_FILE",
    ];
    match name {
        "GITHUB_APP_ID" | "GITHUB_APP_PRIVATE_KEY" | "GITHUB_APP_PRIVATE_KEY_FILE" => APP,
        "BATON_GITHUB_HOOKS" => &["GITHUB_TOKEN"],
        _ => &[],
    }
}

/// `0`, `0s`, `0m0s`…: a duration that parses but is zero.
pub(super) fn is_zero_duration(text: &str) -> bool {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !"smhdwSMHDW".contains(*c))
        .collect();
    !digits.is_empty() && digits.chars().all(|c| c == '0')
}
