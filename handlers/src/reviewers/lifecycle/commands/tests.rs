//! The lifecycle's commands: bad input refused with the valid form, and
//! what each decides.

use super::*;
use crate::command::{parse, Command as Parsed};
use crate::reviewers::Command as ReviewerCommand;

const NOW: UnixTime = 1_795_392_000; // Monday 2026-11-23 00:00 UTC

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

fn context<'a>(
    caller: &'a Caller,
    pools: &'a [Pool],
    people: &'a People,
    reviews: ReviewsInput<'a>,
) -> CommandContext<'a> {
    CommandContext {
        caller,
        now: NOW,
        pools,
        people,
        reviews,
    }
}

fn tracked(number: u64, channel: &str) -> TrackedPullRequest {
    let mut pr = TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: channel.into(),
        title: "Retry".into(),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: "torvalds".into(),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        opened_at: NOW - 7_200,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
    };
    pr.ask("hubot", NOW - 7_200);
    reminders::schedule(&mut pr, Some(86_400));
    pr
}

#[test]
fn personal_settings_are_the_callers_own() {
    let caller = Caller::new("U1", "C1");
    let people = People::default();
    let outcome = execute(
        &Command::DirectMessages { on: false },
        &context(&caller, &[], &people, ReviewsInput::default()),
    );
    assert!(
        matches!(&outcome.changes[..], [Change::PutPersonSettings(s)] if s.user == "U1" && !s.direct_messages)
    );
    let profiles = [Profile {
        user: "U1".into(),
        tz: Some("Australia/Sydney".into()),
        read_at: NOW,
    }];
    let reviews = ReviewsInput {
        profiles: &profiles,
        ..ReviewsInput::default()
    };
    let hours = parse_hours("10:00-19:00", None).unwrap();
    let outcome = execute(
        &Command::Hours { hours: Some(hours) },
        &context(&caller, &[], &people, reviews),
    );
    assert!(
        outcome
            .reply_text()
            .contains("10:00–19:00, Mon–Fri, in Australia/Sydney"),
        "{}",
        outcome.reply_text()
    );
    let outcome = execute(
        &Command::Hours { hours: None },
        &context(&caller, &[], &people, ReviewsInput::default()),
    );
    assert!(outcome.changes.is_empty());
    assert!(
        outcome.reply_text().contains("UTC until then"),
        "{}",
        outcome.reply_text()
    );
}

#[test]
fn reviews_needs_a_mapped_person() {
    let caller = Caller::new("U1", "C1");
    let people = People::default();
    let outcome = execute(
        &Command::Reviews { user: None },
        &context(&caller, &[], &people, ReviewsInput::default()),
    );
    assert!(
        outcome
            .reply_text()
            .contains("/baton map GITHUB-LOGIN <@U1>"),
        "{}",
        outcome.reply_text()
    );
    assert!(outcome.changes.is_empty() && outcome.outbound.is_empty());
}

#[test]
fn channel_settings_need_a_rotation_and_reschedule_its_reviews() {
    let caller = Caller::new("U1", "C1");
    let people = People::default();
    let outcome = execute(
        &Command::Remind { after: Some(3_600) },
        &context(&caller, &[], &people, ReviewsInput::default()),
    );
    assert!(outcome.reply_text().contains("no review rotation"));
    assert!(outcome.changes.is_empty());

    let pools = [Pool::new("C1")];
    let open = [tracked(1, "C1"), tracked(2, "C2")];
    let reviews = ReviewsInput {
        open: &open,
        ..ReviewsInput::default()
    };
    let outcome = execute(
        &Command::Remind { after: Some(3_600) },
        &context(&caller, &pools, &people, reviews),
    );
    let rescheduled = outcome.tracked();
    assert_eq!(rescheduled.len(), 1, "only this channel's");
    assert_eq!(
        rescheduled[0].reviewers[0].remind_at,
        Some(NOW - 7_200 + 3_600)
    );
    assert_eq!(outcome.outbound.len(), 1, "announced in the channel");

    let schedule = DigestSchedule {
        minute: 570,
        zone: "Europe/Paris".into(),
    };
    let outcome = execute(
        &Command::Digest {
            schedule: Some(schedule),
        },
        &context(&caller, &pools, &people, reviews),
    );
    let Some(Change::PutChannelSettings(settings)) = outcome.changes.first() else {
        panic!("{outcome:?}")
    };
    // Monday 2026-11-23 09:30 in Paris is 08:30 UTC.
    assert_eq!(settings.digest_at, Some(NOW + 8 * 3_600 + 1_800));
    assert!(
        outcome.reply_text().contains("09:30 Europe/Paris"),
        "{}",
        outcome.reply_text()
    );
}
