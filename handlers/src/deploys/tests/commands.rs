//! Tests of `deploys/commands.rs`.

use super::*;
use crate::deploys::*;

#[test]
fn every_deploys_command_parses_its_arguments() {
    assert_eq!(
        parse("deploys watch Octo-Org/Octo-Repo production workflow=deploy.yml"),
        Ok(Command::Watch {
            target: DeployTarget::Repo("octo-org/octo-repo".into()),
            environment: Some("production".into()),
            workflow: Some("deploy.yml".into()),
            failures_only: false,
        })
    );
    assert_eq!(
        parse("deploys watch checkout-api"),
        Ok(Command::Watch {
            target: DeployTarget::Service("checkout-api".into()),
            environment: None,
            workflow: None,
            failures_only: false,
        })
    );
    assert_eq!(
        parse("deploys watch checkout-api production only=failures"),
        Ok(Command::Watch {
            target: DeployTarget::Service("checkout-api".into()),
            environment: Some("production".into()),
            workflow: None,
            failures_only: true,
        })
    );
    assert_eq!(
        parse("lock production for 2h migrating the orders table"),
        Ok(Command::Lock {
            environment: "production".into(),
            duration: Some(7200),
            reason: Some("migrating the orders table".into()),
        })
    );
    assert_eq!(
        parse("lock staging"),
        Ok(Command::Lock {
            environment: "staging".into(),
            duration: None,
            reason: None,
        })
    );
    assert_eq!(
        parse("lock prod hotfix in flight"),
        Ok(Command::Lock {
            environment: "prod".into(),
            duration: None,
            reason: Some("hotfix in flight".into()),
        })
    );
    assert_eq!(parse("LOCKS"), Ok(Command::Locks));
    assert_eq!(parse("deploys list"), Ok(Command::List));
    assert_eq!(
        parse("unlock production"),
        Ok(Command::Unlock {
            environment: "production".into()
        })
    );
    let gate = parse("deploys gate Octo/App Production APPROVAL").unwrap();
    assert!(matches!(
        &gate,
        Command::Gate { repo, environment, approval: true, check: GithubCheck::Unchecked { .. } }
            if repo == "octo/app" && environment == "Production"
    ));
    assert!(gate.admin_only());
    assert_eq!(gate.github_lookup(), Some(("octo/app", "Production")));
    assert!(matches!(
        gate.with_github_check(GithubCheck::Found),
        Command::Gate {
            check: GithubCheck::Found,
            ..
        }
    ));
    assert_eq!(
        parse("deploys ungate octo/app production"),
        Ok(Command::Ungate {
            repo: "octo/app".into(),
            environment: "production".into()
        })
    );
    for text in ["unlock production --queue", "unlock --QUEUE production"] {
        assert_eq!(
            parse(text),
            Ok(Command::LeaveQueue {
                environment: "production".into()
            }),
            "{text}"
        );
    }
}

#[test]
fn admin_only_is_watch_and_unwatch() {
    assert!(parse("deploys watch a/b").unwrap().admin_only());
    assert!(parse("deploys unwatch a/b").unwrap().admin_only());
    for c in ["deploys list", "lock prod", "unlock prod", "locks"] {
        assert!(!parse(c).unwrap().admin_only(), "{c}");
    }
    for (_, spec) in COMMANDS {
        assert_eq!(
            spec.admin_only,
            parse(spec.example).unwrap().admin_only(),
            "{}",
            spec.name
        );
    }
}

/// Each bad command → a usage error whose message has this phrase.
#[test]
fn command_parse_errors() {
    let cases = [
        ("deploys watch", "name a repo"),
        ("deploys watch a/b/c", "is not `owner/repo`"),
        (
            "deploys watch <#C123|general>",
            "neither `owner/repo` nor a service",
        ),
        ("deploys watch a/b prod staging", "one environment at most"),
        (
            "deploys watch checkout-api workflow=deploy.yml",
            "needs a GitHub repo",
        ),
        ("deploys watch a/b workflow=", "needs a workflow name"),
        (
            "deploys watch a/b workflow=x workflow=y",
            "`workflow=` once",
        ),
        ("deploys watch a/b pro*d", "not an environment name"),
        ("deploys unwatch", "name a repo"),
        ("deploys list everything", "takes no arguments"),
        ("locks production", "takes no arguments"),
        ("lock", "name the environment"),
        ("lock for 2h", "name the environment first"),
        ("lock production for", "needs a duration"),
        ("lock production for soon", "`soon` is not a duration"),
        ("lock production for 0m", "is not a duration"),
        ("lock production for 90d", "at most 30d"),
        ("unlock", "name the environment"),
        ("unlock production staging", "one environment"),
        ("unlock --queue", "whose queue to leave"),
        (
            "deploys watch api only=errors",
            "the one choice is `only=failures`",
        ),
        ("deploys watch api only=failures only=failures", "once"),
        (
            "deploys unwatch api only=failures",
            "`only=` is for `deploys watch`",
        ),
        ("deploys gate", "name the repository"),
        ("deploys gate octo/app", "name the repository"),
        ("deploys gate octo production", "is not `owner/repo`"),
        ("deploys gate octo/* production", "is not `owner/repo`"),
        ("deploys gate octo/app pro*d", "not an environment name"),
        (
            "deploys gate octo/app production now",
            "the one option is `approval`",
        ),
        (
            "deploys ungate octo/app production approval",
            "takes a repository and an environment",
        ),
    ];
    for (text, phrase) in cases {
        let err = parse_or_err(text);
        assert!(err.message.contains(phrase), "`{text}`: {}", err.message);
        assert!(err.usage.is_some(), "`{text}` shows usage");
    }
    let long = format!("lock production {}", "why ".repeat(200));
    assert!(parse_or_err(&long).message.contains("too long"));
}

fn parse_or_err(text: &str) -> UsageError {
    command::parse(text).expect_err(text)
}
