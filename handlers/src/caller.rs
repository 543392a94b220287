//! Who acted: the Slack user who typed a `/baton` command or pressed a
//! button, and the channel where. The one name, and the one type, every
//! feature's decisions give the person acting (`caller: &Caller`); a
//! record keeps who made it in a field of its own (`by`, `created_by`).

/// The person behind a command or a button press, and where they were.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// Slack user id (`U…`).
    pub user: String,
    /// Slack channel id (`C…`); empty for a button press Slack did not
    /// place in a channel.
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
