//! What a channel is set up for ([`ChannelSetup`]), gathered from every
//! feature's records: what `@baton` is answered with.

use crate::deploys::DeployWatch;
use crate::errors::{channel_subscriptions, Subscription};
use crate::reviewers::Pool;

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
