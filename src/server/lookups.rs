//! What a command needs to know from GitHub before it is decided (the
//! decisions do no I/O): for `/baton deploys gate`, whether the repository
//! and its environment exist. Asked within a short deadline, before the
//! command reaches the writer, so Slack still hears back within 3 seconds;
//! when GitHub cannot be asked the command says so and goes ahead. Only a
//! command the caller may run is looked up (`command::dispatch` refused
//! the others first).

use std::time::Duration;

use baton_handlers::command::FeatureCommand;
use baton_handlers::deploys::GithubCheck;

use crate::clients::github::{Actor, GithubSink, Method};

/// How long GitHub is given to answer a lookup.
const LOOKUP_WITHIN: Duration = Duration::from_secs(2);

/// `command` with what GitHub said about the repository and environment
/// it names, if it names any.
pub async fn complete(github: &GithubSink, command: FeatureCommand) -> FeatureCommand {
    let FeatureCommand::Deploys(cmd) = command else {
        return command;
    };
    let Some((repo, environment)) = cmd.github_lookup() else {
        return FeatureCommand::Deploys(cmd);
    };
    let check =
        match tokio::time::timeout(LOOKUP_WITHIN, environment_check(github, repo, environment))
            .await
        {
            Ok(check) => check,
            Err(_) => GithubCheck::Unchecked {
                reason: "GitHub did not answer in time".into(),
            },
        };
    FeatureCommand::Deploys(cmd.with_github_check(check))
}

/// Does `repo` have the deployment environment `environment`?
async fn environment_check(github: &GithubSink, repo: &str, environment: &str) -> GithubCheck {
    if matches!(github, GithubSink::Offline) {
        return GithubCheck::Unchecked {
            reason: "GitHub is not configured (offline mode)".into(),
        };
    }
    match github.repository_installed(repo).await {
        Ok(true) => {}
        Ok(false) => {
            return GithubCheck::NoRepository {
                reason: "Baton's GitHub App is not installed on it".into(),
            }
        }
        Err(reason) => return GithubCheck::Unchecked { reason },
    }
    let route = format!("/repos/{repo}/environments/{}", path_segment(environment));
    let actor = Actor::Repository(repo);
    let answer = match github.request(Method::Get, &route, None, actor).await {
        Ok(answer) => answer,
        Err(reason) => return GithubCheck::Unchecked { reason },
    };
    match answer.status {
        200 => GithubCheck::Found,
        // GitHub answers 404 for a missing repository and for a missing
        // environment alike: ask about the repository.
        404 => match github
            .request(Method::Get, &format!("/repos/{repo}"), None, actor)
            .await
        {
            Ok(repository) if repository.status == 200 => GithubCheck::NoEnvironment,
            Ok(repository) if repository.status == 404 => GithubCheck::NoRepository {
                reason: "GitHub answered 404".into(),
            },
            Ok(repository) => GithubCheck::Unchecked {
                reason: format!("GitHub answered HTTP {}", repository.status),
            },
            Err(reason) => GithubCheck::Unchecked { reason },
        },
        status => GithubCheck::Unchecked {
            reason: format!("GitHub answered HTTP {status}: {}", answer.message()),
        },
    }
}

/// `text` as one URL path segment: unreserved characters as they are,
/// every other byte percent-encoded (an environment may hold `/`).
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_handlers::command::Dispatch;

    #[test]
    fn an_environment_is_one_path_segment() {
        assert_eq!(path_segment("production"), "production");
        assert_eq!(path_segment("eu/prod"), "eu%2Fprod");
        assert_eq!(path_segment("prød"), "pr%C3%B8d");
    }

    /// The feature command of `text`, as `command::dispatch` hands it on.
    fn feature_command(text: &str) -> FeatureCommand {
        let admins = baton_handlers::command::Admins::default();
        let caller = baton_handlers::Caller::new("U1", "C1");
        match baton_handlers::command::dispatch(text, &caller, &admins) {
            Dispatch::Query(command) | Dispatch::Write(command) => command,
            Dispatch::Answer(text) => panic!("{text}"),
        }
    }

    #[tokio::test]
    async fn offline_nothing_is_asked_and_the_command_says_so() {
        let command = feature_command("deploys gate octo/app production");
        let FeatureCommand::Deploys(cmd) = complete(&GithubSink::Offline, command).await else {
            panic!()
        };
        assert!(matches!(
            cmd,
            baton_handlers::deploys::Command::Gate {
                check: GithubCheck::Unchecked { .. },
                ..
            }
        ));
        let other = feature_command("locks");
        assert_eq!(complete(&GithubSink::Offline, other.clone()).await, other);
    }
}
