//! Tests of `reviewers/picking.rs`.

use crate::mrkdwn::Mrkdwn;
use crate::reviewers::commands::{Name, COMMANDS};
use crate::reviewers::picking::*;
use crate::reviewers::pool::Pool;
use crate::subcommand::spec_of;
use crate::subcommand::UsageError;

fn parse(which: Which, name: Name, args: &[&str]) -> Result<Command, UsageError> {
    parse_args(which, spec_of(COMMANDS, name).unwrap(), args)
}

#[test]
fn arguments_parse_or_say_why_not() {
    assert_eq!(
        parse(Which::Cap, Name::Cap, &["3"]),
        Ok(Command::Cap { cap: Some(3) })
    );
    assert_eq!(
        parse(Which::Cap, Name::Cap, &["OFF"]),
        Ok(Command::Cap { cap: None })
    );
    for bad in ["0", "-1", "101", "two"] {
        let error = parse(Which::Cap, Name::Cap, &[bad]).unwrap_err();
        assert!(error.message.contains(bad), "{error:?}");
    }
    assert_eq!(
        parse(Which::Bots, Name::Bots, &["on"]),
        Ok(Command::Bots { include: true })
    );
    assert_eq!(
        parse(Which::Owners, Name::Owners, &["off"]),
        Ok(Command::Owners { first: false })
    );
    assert!(parse(Which::Owners, Name::Owners, &["maybe"]).is_err());
    assert!(parse(Which::Bots, Name::Bots, &[]).is_err());
}

#[test]
fn settings_change_once_and_show_in_the_list_line() {
    let mut pool = Pool::new("C1");
    let who = Mrkdwn::user("U1");
    assert!(settings_line(&pool).contains("no cap"));
    assert!(apply(Command::Cap { cap: Some(2) }, &mut pool, &who).is_ok());
    assert!(apply(Command::Cap { cap: Some(2) }, &mut pool, &who).is_err());
    assert!(apply(Command::Bots { include: true }, &mut pool, &who).is_ok());
    assert!(apply(Command::Owners { first: true }, &mut pool, &who).is_ok());
    assert_eq!(
        (pool.review_cap, pool.include_bots, pool.owners_first),
        (Some(2), true, true)
    );
    let line = settings_line(&pool);
    assert!(line.contains("cap 2 open reviews"), "{line}");
    assert!(line.contains("bots' pull requests assigned"), "{line}");
    assert!(line.contains("code owners first on"), "{line}");
}

#[test]
fn stored_pools_without_the_settings_read_as_before() {
    let old = r#"{"channel":"C1","members":[],"reviewers_per_pr":1,"mode":"round-robin","include_drafts":false,"repos":["a/b"]}"#;
    let pool: Pool = serde_json::from_str(old).unwrap();
    assert_eq!(
        (pool.review_cap, pool.include_bots, pool.owners_first),
        (None, false, false)
    );
    // Written back unchanged while the settings are at their defaults.
    assert_eq!(serde_json::to_string(&pool).unwrap(), old);
    let mut set = pool.clone();
    set.review_cap = Some(1);
    set.owners_first = true;
    let json = serde_json::to_string(&set).unwrap();
    assert!(json.contains(r#""review_cap":1"#) && json.contains(r#""owners_first":true"#));
    assert_eq!(serde_json::from_str::<Pool>(&json).unwrap(), set);
}
