//! Tests of `reviewers/lifecycle/execute.rs`: what each lifecycle command
//! decides.

use super::*;
use crate::caller::Caller;
use crate::reviewers::change::Change;
use crate::reviewers::lifecycle::commands::Command;
use crate::reviewers::lifecycle::execute::*;
use crate::reviewers::lifecycle::hours::parse_hours;
use crate::reviewers::lifecycle::record::TrackedPullRequest;
use crate::reviewers::lifecycle::settings::{DigestSchedule, Profile};
use crate::reviewers::pool::{People, Pool};

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
        channel: channel.into(),
        title: "Retry".into(),
        opened_at: NOW - 7_200,
        ..open_pull_request(number)
    };
    pr.ask("hubot", NOW - 7_200);
    pr.schedule_reminders(Some(86_400));
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
