//! First contact: the introduction Baton posts when invited to a channel
//! ([`on_member_joined`]), and the channel-aware help it answers to
//! `@baton` ([`on_mention`]). Both return the one [`Outcome`](crate::Outcome)
//! shape, with this feature's [`Change`].

use crate::blocks;
use crate::command::help_text;
use crate::deploys::DeployWatch;
use crate::errors::{channel_subscriptions, Subscription};
use crate::reviewers::Pool;
use crate::{Mrkdwn, Outbound, UnixTime};

/// What a first-contact decision writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Remember that Baton introduced itself in `channel` (at `at`).
    PutIntroduction { channel: String, at: UnixTime },
}

/// What a first-contact decision asks for.
pub type Outcome = crate::Outcome<Change>;

/// What a channel is set up for, from every feature's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelSetup {
    /// Repositories whose pull requests get reviewers here.
    pub reviewer_repos: Vec<String>,
    /// Reviewers in this channel's pool.
    pub reviewers: usize,
    /// Deploy watches, as written (`owner/repo production`).
    pub deploy_watches: Vec<String>,
    /// Error subscriptions, as written.
    pub error_subscriptions: Vec<String>,
}

impl ChannelSetup {
    /// `channel`'s setup: its reviewer pool (if any), its deploy watches,
    /// and the error subscriptions (of every channel; this one's are kept).
    pub fn of(
        channel: &str,
        pool: Option<&Pool>,
        deploy_watches: &[DeployWatch],
        subscriptions: &[Subscription],
    ) -> ChannelSetup {
        ChannelSetup {
            reviewer_repos: pool.map(|p| p.repos.clone()).unwrap_or_default(),
            reviewers: pool.map_or(0, |p| p.members.len()),
            deploy_watches: deploy_watches
                .iter()
                .filter(|w| w.channel == channel)
                .map(DeployWatch::describe)
                .collect(),
            error_subscriptions: channel_subscriptions(subscriptions, channel),
        }
    }
}

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

/// `joined_user` joined `channel`: when that is Baton itself, new there,
/// introduce it once.
pub fn on_member_joined(
    joined_user: &str,
    bot_user_id: Option<&str>,
    channel: &str,
    already_introduced: bool,
    now: UnixTime,
) -> Outcome {
    if !wants_introduction(joined_user, bot_user_id, already_introduced) {
        return Outcome::none();
    }
    Outcome {
        changes: vec![Change::PutIntroduction {
            channel: channel.to_string(),
            at: now,
        }],
        outbound: vec![introduction(channel)],
        reply: None,
    }
}

/// `@baton` in `channel`: answer there with what it is set up for.
pub fn on_mention(channel: &str, setup: &ChannelSetup) -> Outcome {
    Outcome {
        outbound: vec![mention_reply(channel, setup)],
        ..Outcome::none()
    }
}

/// Should joining `channel` by `user` trigger the introduction?
pub fn wants_introduction(
    joined_user: &str,
    bot_user_id: Option<&str>,
    already_introduced: bool,
) -> bool {
    !already_introduced && bot_user_id == Some(joined_user)
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

/// The full help as a plain message (used by the demo and docs).
pub fn full_help() -> Mrkdwn {
    help_text(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn introduces_itself_only_for_its_own_join_and_once() {
        assert!(wants_introduction("UBOT", Some("UBOT"), false));
        assert!(!wants_introduction("UBOT", Some("UBOT"), true));
        assert!(!wants_introduction("U123", Some("UBOT"), false));
        assert!(!wants_introduction("UBOT", None, false));
    }

    #[test]
    fn joining_decides_the_introduction_and_remembers_it() {
        let joined = on_member_joined("UBOT", Some("UBOT"), "C1", false, 100);
        assert_eq!(
            joined.changes,
            [Change::PutIntroduction {
                channel: "C1".into(),
                at: 100
            }]
        );
        assert_eq!(joined.outbound, [introduction("C1")]);
        assert_eq!(
            on_member_joined("UBOT", Some("UBOT"), "C1", true, 200),
            Outcome::none()
        );
        assert_eq!(
            on_member_joined("U123", Some("UBOT"), "C1", false, 200),
            Outcome::none()
        );
    }

    #[test]
    fn a_channels_setup_comes_from_its_own_records_only() {
        use crate::deploys::DeployTarget;
        let mut pool = Pool::new("C1");
        pool.repos.push("octo-org/api".into());
        pool.add_member("octocat", &crate::reviewers::People::default(), 0);
        let watch = |channel: &str| DeployWatch {
            channel: channel.into(),
            target: DeployTarget::Service("api".into()),
            environment: Some("production".into()),
            workflow: None,
        };
        let setup = ChannelSetup::of("C1", Some(&pool), &[watch("C1"), watch("C2")], &[]);
        assert_eq!(setup.reviewer_repos, ["octo-org/api"]);
        assert_eq!(setup.reviewers, 1);
        assert_eq!(setup.deploy_watches, [watch("C1").describe()]);
        assert!(setup.error_subscriptions.is_empty());
        assert_eq!(
            ChannelSetup::of("C3", None, &[], &[]),
            ChannelSetup::default()
        );
        let reply = on_mention("C1", &setup);
        assert_eq!(reply.outbound, [mention_reply("C1", &setup)]);
        assert!(reply.changes.is_empty());
    }

    #[test]
    fn introduction_names_three_first_commands() {
        let Outbound::SlackPost { text, channel, .. } = introduction("C1") else {
            panic!()
        };
        assert_eq!(channel, "C1");
        for command in FIRST_COMMANDS {
            assert!(text.contains(Mrkdwn::text(command).as_str()), "{command}");
        }
    }

    #[test]
    fn mention_says_what_is_and_is_not_set_up() {
        let setup = ChannelSetup {
            reviewer_repos: vec!["octo/api".into()],
            reviewers: 3,
            deploy_watches: vec![],
            error_subscriptions: vec!["level>=error".into()],
        };
        let Outbound::SlackPost { text, .. } = mention_reply("C1", &setup) else {
            panic!()
        };
        assert!(text.contains("3 reviewer(s) for octo/api"));
        assert!(text.contains("Deploys: not set up"));
        assert!(text.contains("Errors: level&gt;=error"));
    }
}
