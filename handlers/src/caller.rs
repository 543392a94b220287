//! Who acted: the Slack user who typed a `/baton` command or pressed a
//! button, and the channel where. The one caller type of every feature.

/// The person behind a command or a button press, and where they were.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// Slack user id (`U…`).
    pub user: String,
    /// Slack channel id (`C…`).
    pub channel: String,
}

impl Caller {
    pub fn new(user: impl Into<String>, channel: impl Into<String>) -> Self {
        Caller {
            user: user.into(),
            channel: channel.into(),
        }
    }
}
