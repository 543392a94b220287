//! Tests of `reviewers/lifecycle/commands.rs`: good input parses, bad
//! input is refused with the valid form.

use crate::command::{parse, Command as Parsed};
use crate::reviewers::lifecycle::commands::*;
use crate::reviewers::lifecycle::settings::DigestSchedule;
use crate::reviewers::Command as ReviewerCommand;

fn parsed(text: &str) -> Result<Command, String> {
    match parse(text) {
        Ok(Parsed::Reviewers(ReviewerCommand::Lifecycle(c))) => Ok(c),
        Ok(other) => panic!("`{text}` parsed as {other:?}"),
        Err(e) => Err(e.to_text().to_string()),
    }
}

#[test]
fn good_input_parses() {
    assert_eq!(parsed("reviews"), Ok(Command::Reviews { user: None }));
    assert_eq!(
        parsed("reviews <@U0G9QF9C6>"),
        Ok(Command::Reviews {
            user: Some("U0G9QF9C6".into())
        })
    );
    assert_eq!(parsed("dm OFF"), Ok(Command::DirectMessages { on: false }));
    assert_eq!(parsed("hours"), Ok(Command::Hours { hours: None }));
    assert!(matches!(
        parsed("hours 10:00-19:00 sun-thu"),
        Ok(Command::Hours { hours: Some(_) })
    ));
    assert_eq!(
        parsed("reviewers remind 30m"),
        Ok(Command::Remind { after: Some(1_800) })
    );
    assert_eq!(
        parsed("reviewers remind off"),
        Ok(Command::Remind { after: None })
    );
    assert_eq!(
        parsed("reviewers digest 9:30 europe/paris"),
        Ok(Command::Digest {
            schedule: Some(DigestSchedule {
                minute: 570,
                zone: "Europe/Paris".into()
            })
        })
    );
    assert_eq!(
        parsed("reviewers digest off"),
        Ok(Command::Digest { schedule: None })
    );
}

#[test]
fn bad_input_is_refused_with_the_valid_form() {
    let refused = |text: &str, says: &str| {
        let err = parsed(text).expect_err(text);
        assert!(err.contains(says), "`{text}`: {err}");
        assert!(err.contains("Usage: `/baton "), "`{text}`: {err}");
    };
    refused("reviewers remind 0", "`0` is not a duration");
    refused("reviewers remind soon", "like `30m`");
    refused("reviewers remind 31d", "at most 30d");
    refused(
        "reviewers digest 09:30 Mars/Olympus",
        "give an IANA name such as `Europe/Paris`",
    );
    refused("reviewers digest 24:00 UTC", "from 00:00 to 23:59");
    refused("reviewers digest 09:30", "a time and a time zone");
    refused("hours 25:00-19:00", "`25:00` is not a time of day");
    refused("hours 19:00-10:00", "end after it starts");
    refused("hours 09:00-18:00 weekdays", "mon-fri");
    refused("dm maybe", "`on` or `off`");
    refused("reviews hubot", "is not a Slack user");
}
