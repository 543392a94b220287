//! Set-up helpers for operators: the Slack app manifest with this Baton's
//! URLs filled in, and how to create the GitHub webhook.

use anyhow::bail;

use crate::clients::github_app::GITHUB_APP_EVENTS;

/// The manifest in the repository, with `YOUR-HOST` as the placeholder.
pub const MANIFEST_TEMPLATE: &str = include_str!("../../slack/manifest.yml");

/// Slack scopes Baton's code uses, and what for. The manifest must ask for
/// exactly these (checked by a test).
#[cfg(test)]
pub const SCOPES_USED: &[(&str, &str)] = &[
    (
        "chat:write",
        "chat.postMessage and chat.update in src/clients/slack.rs",
    ),
    (
        "commands",
        "the /baton slash command (POST /slack/commands)",
    ),
    ("app_mentions:read", "the app_mention event (channel help)"),
    (
        "channels:read",
        "member_joined_channel in public channels (introduction)",
    ),
    (
        "groups:read",
        "member_joined_channel in private channels (introduction)",
    ),
    (
        "channels:history",
        "conversations.history in public channels: find a post whose outcome is unknown (src/clients/slack.rs find_posted)",
    ),
    (
        "groups:history",
        "conversations.history in private channels: the same",
    ),
    (
        "im:write",
        "conversations.open: the app's direct conversation with a person (src/clients/slack.rs open_direct)",
    ),
    (
        "im:history",
        "conversations.history in that direct conversation: find a direct message whose outcome is unknown",
    ),
    (
        "users:read",
        "users.info: the time zone of a person's Slack profile (src/clients/slack.rs user_zone, src/server/profiles.rs)",
    ),
];

/// The GitHub webhook events Baton acts on.
pub const GITHUB_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_review",
    "deployment",
    "deployment_status",
    "workflow_run",
    "issue_comment",
    "push",
];

/// Validate a public base URL given with `--url`.
fn base_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(h) if !h.is_empty() && !h.contains(' ') => Ok(url.to_string()),
        _ => bail!("--url must be the public base URL of this Baton, like https://baton.example.com (got `{url}`)"),
    }
}

/// The manifest with the request URLs pointing at `url`.
/// Slack sends events, commands and button presses only to `https://`
/// request URLs, so an `http://` base is refused with the way out.
pub fn slack_manifest(url: &str) -> anyhow::Result<String> {
    let base = base_url(url)?;
    let Some(host) = base.strip_prefix("https://") else {
        bail!("--url must start with https://: Slack sends requests only to HTTPS URLs. Put Baton behind a reverse proxy that terminates TLS (see \"HTTPS\" in the README) and give that proxy's https:// URL (got `{base}`)");
    };
    Ok(MANIFEST_TEMPLATE.replace("https://YOUR-HOST", &format!("https://{host}")))
}

/// The manifest for Socket Mode: `socket_mode_enabled: true` and no request
/// URLs (Slack sends everything down the connection Baton opens with
/// `SLACK_APP_TOKEN`).
pub fn slack_manifest_socket_mode() -> String {
    let mut out = String::new();
    for line in MANIFEST_TEMPLATE.lines() {
        if line.contains("https://YOUR-HOST") {
            continue;
        }
        if line.starts_with("# Baton's Slack app manifest.") {
            out.push_str("# Baton's Slack app manifest for Socket Mode (`baton slack manifest --socket-mode`):\n# no request URLs; Baton connects to Slack with SLACK_APP_TOKEN. The template in\n# slack/manifest.yml is for request URLs (`--url https://your-host`).\n");
            continue;
        }
        if line.starts_with("# `baton slack manifest --url")
            || line.starts_with("# prints it with your host")
        {
            continue;
        }
        if line.starts_with("# \"Create New App\"") {
            out.push_str("# Paste it at api.slack.com/apps → \"Create New App\" → \"From an app manifest\".\n");
            continue;
        }
        out.push_str(&line.replace("socket_mode_enabled: false", "socket_mode_enabled: true"));
        out.push('\n');
    }
    out
}

/// The permissions a GitHub App for Baton needs, and why.
pub const GITHUB_APP_PERMISSIONS: &[(&str, &str, &str)] = &[
    (
        "pull_requests",
        "write",
        "request and withdraw reviewers; pull_request and pull_request_review events",
    ),
    ("metadata", "read", "required by GitHub for every App"),
    (
        "deployments",
        "write",
        "deployment and deployment_status events; answering deployment protection rules (`/baton deploys gate`)",
    ),
    (
        "actions",
        "read",
        "workflow_run events; the environments a deploy gate names",
    ),
    (
        "contents",
        "read",
        "read CODEOWNERS (reviewers owners on); push events, which refresh it",
    ),
    (
        "issues",
        "read",
        "issue_comment events: `r? @login` in a pull request's conversation",
    ),
    (
        "members",
        "read",
        "the members of a team named in CODEOWNERS or `r? @org/team`",
    ),
];

/// A GitHub App manifest for this Baton at `url` (GitHub's manifest flow
/// creates the App from it in one step). GitHub generates the App's id,
/// private key and webhook secret and returns them when the flow's code is
/// converted (see the README). HTTPS only, as for Slack: GitHub sends a
/// webhook secret's signatures over it.
pub fn github_app_manifest(url: &str) -> anyhow::Result<String> {
    let base = base_url(url)?;
    if !base.starts_with("https://") {
        bail!("--url must start with https://: GitHub will send webhooks with their signatures there, and `baton` should only be reached over TLS. Put Baton behind a reverse proxy that terminates TLS (see \"HTTPS\" in the README) and give that proxy's https:// URL (got `{base}`)");
    }
    let permissions: serde_json::Map<String, serde_json::Value> = GITHUB_APP_PERMISSIONS
        .iter()
        .map(|(name, level, _)| (name.to_string(), serde_json::json!(level)))
        .collect();
    let manifest = serde_json::json!({
        "name": "Baton",
        "description": "Chat-ops bot: reviewer rotation, deploy notices, error reports in Slack",
        "url": base,
        "hook_attributes": {"url": format!("{base}/github/webhook"), "active": true},
        "redirect_url": format!("{base}/github/app-created"),
        "public": false,
        "default_permissions": permissions,
        "default_events": GITHUB_APP_EVENTS,
    });
    Ok(serde_json::to_string_pretty(&manifest)? + "\n")
}

/// How to create the GitHub webhook for `url`.
pub fn github_webhook_help(url: &str) -> anyhow::Result<String> {
    let base = base_url(url)?;
    Ok(format!(
        "GitHub webhook for Baton\n\
         \n\
         Payload URL:   {base}/github/webhook\n\
         Content type:  application/json\n\
         Secret:        a long random string, e.g. `openssl rand -hex 32`;\n\
         \x20              set the same value as GITHUB_WEBHOOK_SECRET for Baton.\n\
         SSL:           keep verification on.\n\
         Events:        choose \"Let me select individual events\" and tick:\n{events}\n\
         \n\
         Organisation webhook (every repository): Organisation → Settings → Webhooks → Add webhook.\n\
         Repository webhook (one repository):     Repository → Settings → Webhooks → Add webhook.\n\
         \n\
         GITHUB_TOKEN (to request reviewers): a fine-grained personal access token with\n\
         \x20 Repository permissions → Pull requests: Read and write (and Metadata: Read;\n\
         \x20 Contents: Read for CODEOWNERS; Organization → Members: Read for teams),\n\
         \x20 or a classic token with `repo` (and `read:org` for teams). Or, better for a\n\
         \x20 team, run Baton as a GitHub App (`baton github app-manifest --url …`, see the\n\
         \x20 README): it renews its own installation tokens and needs no webhook of this kind.\n\
         \n\
         Check it: GitHub sends a `ping` on creation; Baton answers 200 and `baton doctor` checks the token.\n",
        events = GITHUB_EVENTS.iter().map(|e| format!("                 - {e}")).collect::<Vec<_>>().join("\n"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn manifest() -> serde_yaml_ng::Value {
        serde_yaml_ng::from_str(&slack_manifest("https://baton.example.com").unwrap())
            .expect("manifest is YAML")
    }

    #[test]
    fn the_github_app_manifest_asks_for_what_baton_uses() {
        let text = github_app_manifest("https://baton.example.com/").unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            manifest["hook_attributes"]["url"],
            "https://baton.example.com/github/webhook"
        );
        assert_eq!(manifest["hook_attributes"]["active"], true);
        assert_eq!(
            manifest["default_permissions"],
            serde_json::json!({"pull_requests": "write", "metadata": "read", "deployments": "write", "actions": "read", "contents": "read", "issues": "read", "members": "read"})
        );
        assert_eq!(
            manifest["default_events"],
            serde_json::json!(GITHUB_APP_EVENTS)
        );
        assert!(GITHUB_EVENTS.iter().all(|e| GITHUB_APP_EVENTS.contains(e)));
        assert_eq!(manifest["public"], false);
        let err = github_app_manifest("http://baton.example.com").unwrap_err();
        assert!(err.to_string().contains("https://"), "{err}");
        assert!(github_app_manifest("baton.example.com").is_err());
    }

    #[test]
    fn manifest_points_every_endpoint_at_a_route_the_server_has() {
        let m = manifest();
        let command = &m["features"]["slash_commands"][0];
        assert_eq!(command["command"].as_str(), Some("/baton"));
        assert_eq!(
            command["url"].as_str(),
            Some("https://baton.example.com/slack/commands")
        );
        assert_eq!(command["should_escape"].as_bool(), Some(true));
        assert_eq!(
            m["settings"]["event_subscriptions"]["request_url"].as_str(),
            Some("https://baton.example.com/slack/events")
        );
        assert_eq!(
            m["settings"]["interactivity"]["request_url"].as_str(),
            Some("https://baton.example.com/slack/interactions")
        );
        assert!(!slack_manifest("https://x.example")
            .unwrap()
            .contains("YOUR-HOST"));
    }

    #[test]
    fn manifest_subscribes_to_exactly_the_events_the_server_handles() {
        let m = manifest();
        let events: BTreeSet<&str> = m["settings"]["event_subscriptions"]["bot_events"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let handled: BTreeSet<&str> = baton_handlers::slack::HANDLED_EVENTS
            .iter()
            .copied()
            .collect();
        assert_eq!(events, handled);
    }

    #[test]
    fn manifest_asks_for_exactly_the_scopes_the_code_uses() {
        let m = manifest();
        let scopes: BTreeSet<&str> = m["oauth_config"]["scopes"]["bot"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let used: BTreeSet<&str> = SCOPES_USED.iter().map(|(s, _)| *s).collect();
        assert_eq!(scopes, used);
        // Each scope carries a comment saying why.
        for (scope, _) in SCOPES_USED {
            assert!(
                MANIFEST_TEMPLATE.contains(&format!("# {scope}:")),
                "{scope} lacks a justification comment"
            );
        }
    }

    #[test]
    fn the_home_tab_and_the_messages_tab_are_on() {
        let m = manifest();
        let home = &m["features"]["app_home"];
        assert_eq!(home["home_tab_enabled"].as_bool(), Some(true));
        assert_eq!(home["messages_tab_enabled"].as_bool(), Some(true));
        assert_eq!(home["messages_tab_read_only_enabled"].as_bool(), Some(true));
    }

    #[test]
    fn the_socket_mode_manifest_has_no_request_urls() {
        let text = slack_manifest_socket_mode();
        let m: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("manifest is YAML");
        assert_eq!(m["settings"]["socket_mode_enabled"].as_bool(), Some(true));
        assert!(
            !text.contains("YOUR-HOST") && !text.contains("url:"),
            "{text}"
        );
        let command = &m["features"]["slash_commands"][0];
        assert_eq!(command["command"].as_str(), Some("/baton"));
        assert!(command.get("url").is_none());
        assert_eq!(
            m["settings"]["interactivity"]["is_enabled"].as_bool(),
            Some(true)
        );
        assert!(m["settings"]["interactivity"].get("request_url").is_none());
        assert!(m["settings"]["event_subscriptions"]
            .get("request_url")
            .is_none());
        // Everything else is the request-URL manifest's: scopes, events, comments.
        let with_urls = manifest();
        assert_eq!(m["oauth_config"], with_urls["oauth_config"]);
        assert_eq!(
            m["settings"]["event_subscriptions"]["bot_events"],
            with_urls["settings"]["event_subscriptions"]["bot_events"]
        );
        for (scope, _) in SCOPES_USED {
            assert!(text.contains(&format!("# {scope}:")), "{scope}");
        }
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(slack_manifest("baton.example.com").is_err());
        let http = slack_manifest("http://baton.example.com").unwrap_err();
        assert!(http.to_string().contains("HTTPS"), "{http}");
        assert!(github_webhook_help("https://").is_err());
        let help = github_webhook_help("https://b.example/").unwrap();
        assert!(help.contains("https://b.example/github/webhook"));
        for event in GITHUB_EVENTS {
            assert!(help.contains(event));
        }
    }
}
