//! Tests of `reviewers/commands.rs`.

use super::*;
use crate::reviewers::*;

#[test]
fn every_command_parses_its_arguments() {
    assert_eq!(
        parse("reviewers watch Octo-Org/*"),
        Ok(Command::Watch {
            pattern: "octo-org/*".into()
        })
    );
    assert_eq!(
        parse("reviewers unwatch octo-org/api"),
        Ok(Command::Unwatch {
            pattern: "octo-org/api".into()
        })
    );
    assert_eq!(
        parse("reviewers add @octocat <@U0G9QF9C6|octocat>"),
        Ok(Command::Add {
            login: "octocat".into(),
            slack_user: Some("U0G9QF9C6".into())
        })
    );
    assert_eq!(
        parse("reviewers add hubot"),
        Ok(Command::Add {
            login: "hubot".into(),
            slack_user: None
        })
    );
    assert_eq!(
        parse("reviewers remove hubot"),
        Ok(Command::Remove {
            login: "hubot".into()
        })
    );
    assert_eq!(parse("reviewers list"), Ok(Command::List));
    assert_eq!(
        parse("reviewers count 10"),
        Ok(Command::Count {
            reviewers_per_pr: 10
        })
    );
    assert_eq!(
        parse("Reviewers Mode Round-Robin"),
        Ok(Command::Mode {
            mode: Mode::RoundRobin
        })
    );
    assert_eq!(
        parse("reviewers drafts off"),
        Ok(Command::Drafts { include: false })
    );
    assert_eq!(
        parse("map hubot <@U024BE7LH>"),
        Ok(Command::Map {
            login: "hubot".into(),
            slack_user: "U024BE7LH".into()
        })
    );
    assert_eq!(
        parse("away"),
        Ok(Command::Away {
            login: None,
            until: None
        })
    );
    assert_eq!(
        parse("away until 2026-12-01"),
        Ok(Command::Away {
            login: None,
            until: Some(NOW + 8 * 86_400)
        })
    );
    assert_eq!(
        parse("away hubot"),
        Ok(Command::Away {
            login: Some("hubot".into()),
            until: None
        })
    );
    assert_eq!(parse("back"), Ok(Command::Back { login: None }));
    assert_eq!(
        parse("back hubot"),
        Ok(Command::Back {
            login: Some("hubot".into())
        })
    );
    assert_eq!(
        parse("next Octo-Org/API"),
        Ok(Command::Next {
            repo: "octo-org/api".into()
        })
    );
    assert_eq!(
        parse("assign octo-org/api#1347"),
        Ok(Command::Assign {
            repo: "octo-org/api".into(),
            number: 1347
        })
    );
    assert_eq!(
        parse("assign https://github.com/octo-org/api/pull/1347"),
        Ok(Command::Assign {
            repo: "octo-org/api".into(),
            number: 1347
        })
    );
    assert_eq!(parse("stats"), Ok(Command::Stats { days: 30 }));
    assert_eq!(parse("stats 7"), Ok(Command::Stats { days: 7 }));
}

#[test]
fn every_command_names_what_was_wrong() {
    let cases = [
        ("reviewers watch octo-org", "`octo-org` is not a repository"),
        ("reviewers watch", "give exactly one repository"),
        ("reviewers unwatch a/b c/d", "give exactly one repository"),
        ("reviewers add", "give a GitHub login"),
        ("reviewers add -octocat", "`-octocat` is not a GitHub login"),
        (
            "reviewers add octocat @octocat",
            "`@octocat` is not a Slack user",
        ),
        ("reviewers remove", "give exactly one GitHub login"),
        ("reviewers remove a--b", "`a--b` is not a GitHub login"),
        ("reviewers list everything", "`list` takes no arguments"),
        (
            "reviewers count 0",
            "`count` must be a whole number from 1 to 10, not `0`",
        ),
        (
            "reviewers count 11",
            "`count` must be a whole number from 1 to 10, not `11`",
        ),
        (
            "reviewers count two",
            "`count` must be a whole number from 1 to 10, not `two`",
        ),
        (
            "reviewers count",
            "`count` must be a whole number from 1 to 10",
        ),
        (
            "reviewers mode fastest",
            "`mode` is `round-robin` or `load-balance`, not `fastest`",
        ),
        (
            "reviewers mode",
            "`mode` is `round-robin` or `load-balance`",
        ),
        (
            "reviewers drafts maybe",
            "`drafts` is `on` or `off`, not `maybe`",
        ),
        ("reviewers drafts", "`drafts` is `on` or `off`"),
        ("map octocat", "give a GitHub login and a Slack mention"),
        ("map octocat #general", "`#general` is not a Slack user"),
        (
            "map <@U0G9QF9C6> octocat",
            "`<@U0G9QF9C6>` is not a GitHub login",
        ),
        ("away until", "`until` needs a date"),
        (
            "away octocat until 2026-02-30",
            "`2026-02-30` is not a date",
        ),
        (
            "away octocat tomorrow",
            "write `away`, `away <github-login>`",
        ),
        ("away <@U0G9QF9C6>", "`<@U0G9QF9C6>` is not a GitHub login"),
        ("back octocat hubot", "give at most one GitHub login"),
        ("back <@U0G9QF9C6>", "`<@U0G9QF9C6>` is not a GitHub login"),
        (
            "next octo-org/*",
            "`octo-org/*` is not a repository: write `owner/repo`",
        ),
        ("next", "give exactly one repository"),
        (
            "assign octo-org/api",
            "`octo-org/api` is not a pull request",
        ),
        (
            "assign octo-org/api#x",
            "`octo-org/api#x` is not a pull request",
        ),
        ("assign", "give exactly one pull request"),
        (
            "stats 0",
            "`days` must be a whole number from 1 to 365, not `0`",
        ),
        (
            "stats month",
            "`days` must be a whole number from 1 to 365, not `month`",
        ),
        ("stats 1 2", "give at most one number of days"),
    ];
    for (text, expected) in cases {
        let error = parse_error(text);
        assert!(
            error.message.contains(expected),
            "`{text}`: {}",
            error.message
        );
        let spec = COMMANDS
            .iter()
            .map(|(_, s)| s)
            .filter(|s| text == s.name || text.starts_with(&format!("{} ", s.name)))
            .max_by_key(|s| s.name.len())
            .unwrap();
        assert_eq!(error.usage, Some(spec.usage()), "`{text}`");
    }
}

#[test]
fn configuration_commands_are_admin_only() {
    for (text, admin) in [
        ("reviewers watch octo-org/api", true),
        ("reviewers add octocat", true),
        ("reviewers count 2", true),
        ("map octocat <@U0G9QF9C6>", true),
        ("assign octo-org/api#1", true),
        ("reviewers list", false),
        ("away", false),
        ("back hubot", false),
        ("next octo-org/api", false),
        ("stats", false),
    ] {
        assert_eq!(parse(text).unwrap().admin_only(), admin, "{text}");
        let spec = COMMANDS
            .iter()
            .map(|(_, s)| s)
            .find(|s| text.starts_with(s.name))
            .unwrap();
        assert_eq!(spec.admin_only, admin, "spec of {text}");
    }
}
