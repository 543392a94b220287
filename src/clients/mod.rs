//! The clients of the services Baton talks to: Slack's Web API (`slack.rs`),
//! GitHub's REST API (`github.rs`) and a GitHub App's installation tokens
//! (`github_app.rs`). They send; what to send is decided elsewhere. What a
//! send came to, `Attempt`, is in `attempt.rs`, for the outbox to record.

pub mod attempt;
pub mod github;
pub mod github_app;
pub mod slack;
