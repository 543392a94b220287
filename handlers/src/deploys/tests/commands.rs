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
        })
    );
    assert_eq!(
        parse("deploys watch checkout-api"),
        Ok(Command::Watch {
            target: DeployTarget::Service("checkout-api".into()),
            environment: None,
            workflow: None,
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
