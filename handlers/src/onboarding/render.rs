//! First contact's Slack text: the introduction and the answer to
//! `@baton` (what the channel is set up for, what is not, where the help is).

use super::setup::ChannelSetup;
use crate::blocks;
use crate::{Mrkdwn, Outbound};

/// The three commands a new channel should start with.
pub const FIRST_COMMANDS: [&str; 3] = [
    "/baton reviewers watch <owner/repo>",
    "/baton reviewers add <github-login> <@you>",
    "/baton help",
];

/// The introduction, posted once per channel when the bot joins it.
pub fn introduction(channel: &str) -> Outbound {
    let text = format!(
        ":wave: Hi, I'm *Baton*. I assign pull-request reviewers fairly, post one live message per deploy, \
         and turn bursts of errors into one message with a count.\nStart with:\n{}",
        FIRST_COMMANDS.iter().map(|c| format!("• `{c}`")).collect::<Vec<_>>().join("\n")
    );
    // Baton's words and the channel's own settings, all escaped: the
    // placeholders (`<owner/repo>`) show as written.
    let text = Mrkdwn::from(text);
    Outbound::SlackPost {
        channel: channel.to_string(),
        blocks: Some(blocks::message(vec![blocks::section(text.clone())])),
        text,
        key: None,
        thread_of: None,
    }
}

/// The answer to `@baton`: what this channel is set up for, what is not set
/// up yet, and where the full help is.
pub fn mention_reply(channel: &str, setup: &ChannelSetup) -> Outbound {
    let mut lines = vec!["*Baton in this channel*".to_string()];
    if setup.reviewer_repos.is_empty() {
        lines.push("• Reviewers: not set up — `/baton reviewers watch <owner/repo>` then `/baton reviewers add <github-login>`".into());
    } else {
        lines.push(format!(
            "• Reviewers: {} reviewer(s) for {}",
            setup.reviewers,
            setup.reviewer_repos.join(", ")
        ));
    }
    if setup.deploy_watches.is_empty() {
        lines.push(
            "• Deploys: not set up — `/baton deploys watch <owner/repo|service> [environment]`"
                .into(),
        );
    } else {
        lines.push(format!(
            "• Deploys: watching {}",
            setup.deploy_watches.join(", ")
        ));
    }
    if setup.error_subscriptions.is_empty() {
        lines.push("• Errors: not set up — `/baton errors subscribe [service=…] [level=…]`".into());
    } else {
        lines.push(format!(
            "• Errors: {}",
            setup.error_subscriptions.join("; ")
        ));
    }
    lines.push("Type `/baton help` for every command.".into());
    let text = Mrkdwn::from(lines.join("\n")).fit(crate::blocks::SECTION_TEXT_LIMIT);
    Outbound::SlackPost {
        channel: channel.to_string(),
        blocks: Some(blocks::message(vec![blocks::section(text.clone())])),
        text,
        key: None,
        thread_of: None,
    }
}
