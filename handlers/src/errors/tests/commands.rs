//! Tests of `errors/commands.rs`.

use crate::command::{parse, Command as Top};
use crate::errors::commands::*;
use crate::errors::*;
use crate::subcommand::UsageError;

fn errors(text: &str) -> Result<Command, UsageError> {
    match parse(text)? {
        Top::Errors(c) => Ok(c),
        other => panic!("{text} parsed as {other:?}"),
    }
}

const FP: &str = "85944171f73967e8";

#[test]
fn subscribe_with_every_filter() {
    let cmd =
        errors("errors subscribe service=api env=prod level=WARNING match=(?i)time&out digest=30m")
            .unwrap();
    assert_eq!(
        cmd,
        Command::Subscribe {
            filters: Filters {
                service: Some("api".into()),
                environment: Some("prod".into()),
                min_level: Some(Level::Warning),
                pattern: Some("(?i)time&out".into()),
            },
            digest: Some(1800),
            when: None,
        }
    );
    assert!(cmd.admin_only());
    assert_eq!(
        errors("errors subscribe").unwrap(),
        Command::Subscribe {
            filters: Filters::default(),
            digest: None,
            when: None,
        }
    );
    assert_eq!(
        errors("errors subscribe service=api when=5/10m").unwrap(),
        Command::Subscribe {
            filters: Filters {
                service: Some("api".into()),
                ..Filters::default()
            },
            digest: None,
            when: Some(Trigger {
                count: 5,
                window_secs: 600
            }),
        }
    );
}

#[test]
fn subscribe_names_what_is_wrong_with_its_filters() {
    let cases = [
        (
            "errors subscribe level=critical",
            "unknown level `critical`, expected one of debug, info, warning, error, fatal",
        ),
        ("errors subscribe match=(unclosed", "is not a valid regex"),
        ("errors subscribe match=a{1000}{1000}", "too big"),
        ("errors subscribe digest=soon", "is not a duration"),
        ("errors subscribe digest=10s", "between 1m and 7d"),
        (
            "errors subscribe when=0/5m",
            "`when=0/5m`: the count must be a whole number from 1 to 1000",
        ),
        (
            "errors subscribe when=5/0s",
            "`when=5/0s`: `0s` is not a window",
        ),
        ("errors subscribe when=5", "write `when=<N>/<duration>`"),
        ("errors subscribe when=five/10m", "the count must be"),
        (
            "errors subscribe when=5/30d",
            "the window must be at most 7d",
        ),
        (
            "errors subscribe when=5/10m digest=1h",
            "do not go together",
        ),
        ("errors subscribe when=5/10m when=6/10m", "given twice"),
        ("errors subscribe colour=red", "unknown filter `colour`"),
        ("errors subscribe api", "is not a filter"),
        ("errors subscribe service=", "needs a value"),
        ("errors subscribe service=a service=b", "given twice"),
    ];
    for (text, want) in cases {
        let err = errors(text).unwrap_err();
        assert!(err.message.contains(want), "{text}: {}", err.message);
        assert!(err
            .usage
            .as_deref()
            .unwrap()
            .starts_with("/baton errors subscribe"));
    }
    let long = format!("errors subscribe match={}", "a".repeat(300));
    assert!(errors(&long).unwrap_err().message.contains("longer than"));
}

#[test]
fn other_commands_parse() {
    assert_eq!(
        errors("errors unsubscribe ALL").unwrap(),
        Command::Unsubscribe(UnsubscribeTarget::All)
    );
    assert_eq!(
        errors("errors unsubscribe S1A2B3C4").unwrap(),
        Command::Unsubscribe(UnsubscribeTarget::One("s1a2b3c4".into()))
    );
    assert_eq!(errors("errors list").unwrap(), Command::List);
    assert_eq!(
        errors(&format!("errors mute {FP}")).unwrap(),
        Command::Mute {
            fingerprint: FP.into(),
            duration: None
        }
    );
    assert_eq!(
        errors(&format!("errors mute `{}` for 1h30m", FP.to_uppercase())).unwrap(),
        Command::Mute {
            fingerprint: FP.into(),
            duration: Some(5400)
        }
    );
    assert_eq!(
        errors(&format!("errors unmute {FP}")).unwrap(),
        Command::Unmute {
            fingerprint: FP.into()
        }
    );
    assert_eq!(
        errors(&format!("errors resolve {FP}")).unwrap(),
        Command::Resolve {
            fingerprint: FP.into()
        }
    );
    assert!(!errors("errors list").unwrap().admin_only());
    assert!(!errors(&format!("errors mute {FP}")).unwrap().admin_only());
    assert!(errors("errors unsubscribe all").unwrap().admin_only());
}

#[test]
fn other_commands_errors() {
    let cases = [
        ("errors unsubscribe", "subscription id"),
        ("errors unsubscribe a b", "subscription id"),
        ("errors list everything", "takes no arguments"),
        ("errors mute", "which fingerprint"),
        ("errors mute nothex", "is not a fingerprint"),
        (&*format!("errors mute {FP} 1h"), "write `for <duration>`"),
        (&*format!("errors mute {FP} for ever"), "is not a duration"),
        (&*format!("errors mute {FP} for 100d"), "at most"),
        ("errors unmute", "exactly one fingerprint"),
        ("errors resolve abc", "is not a fingerprint"),
    ];
    for (text, want) in cases {
        let err = errors(text).unwrap_err();
        assert!(err.message.contains(want), "{text}: {}", err.message);
    }
}

#[test]
fn dsn_commands_parse() {
    assert_eq!(
        errors("errors dsn checkout").unwrap(),
        Command::Dsn {
            service: "checkout".into()
        }
    );
    assert_eq!(
        errors("errors dsn revoke checkout").unwrap(),
        Command::RevokeDsn {
            service: "checkout".into()
        }
    );
    assert!(errors("errors dsn api").unwrap().admin_only());
    assert!(errors("errors dsn revoke api").unwrap().admin_only());
    for (text, want) in [
        ("errors dsn", "exactly one service"),
        ("errors dsn a b", "exactly one service"),
        ("errors dsn revoke", "exactly one service"),
        ("errors dsn <!here>", "is not a service name"),
    ] {
        let err = errors(text).unwrap_err();
        assert!(err.message.contains(want), "{text}: {}", err.message);
        assert!(!err.to_text().contains("<!here>"), "{}", err.to_text());
    }
}

#[test]
fn filters_match_service_environment_level_and_pattern() {
    let report = |service: &str, env: &str, level: Level, msg: &str| {
        ErrorReport::new(service, env, level, msg)
    };
    let f = CompiledFilters::new(&SubscriptionFilters::default());
    assert!(f.matches(&report("a", "b", Level::Error, "x")));
    assert!(f.matches(&report("a", "b", Level::Fatal, "x")));
    assert!(!f.matches(&report("a", "b", Level::Warning, "x")));
    let f = CompiledFilters::new(&SubscriptionFilters {
        service: Some("API".into()),
        environment: Some("prod".into()),
        min_level: Some(Level::Info),
        pattern: Some("time.?out".into()),
    });
    assert!(f.matches(&report("api", "PROD", Level::Info, "Timeout talking to db")));
    assert!(!f.matches(&report("web", "prod", Level::Info, "timeout")));
    assert!(!f.matches(&report("api", "staging", Level::Info, "timeout")));
    assert!(!f.matches(&report("api", "prod", Level::Debug, "timeout")));
    assert!(!f.matches(&report("api", "prod", Level::Info, "refused")));
}
