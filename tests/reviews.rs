//! Reviews followed to merge, black-box: the real binary, the published
//! GitHub payloads rewritten to one pull request, a fake Slack that keeps
//! every post (direct conversations included), tells each person's time
//! zone (`users.info`) and keeps the App Home views, and Baton's clock
//! moved by the test (`BATON_CLOCK_FILE`, timers every second). What people
//! see is read where they see it: `/baton reviews`, direct messages, the
//! channel message, the digest, the Home tab.

use crate::common;

use std::sync::Arc;

use common::review_pool::{pull_request, ADMIN, CHANNEL, REPO};
use common::slack_world::{fake_slack, settings, FakeSlack, World};
use common::{corpus, eventually, fake_github, Baton, TestClock};
use serde_json::{json, Value};
use wiremock::MockServer;

const HUBOT: &str = "U0HUBOT01";
const MONALISA: &str = "U0MONA001";
const TORVALDS: &str = "U0TORVALD";
const NUMBER: u64 = 7;

/// Friday 2026-11-27 16:00 in Sydney (05:00 UTC).
const FRIDAY_4PM_SYDNEY: i64 = 1_795_755_600;
const SATURDAY_4PM_SYDNEY: i64 = 1_795_842_000;
/// Monday 2026-11-30 in Sydney (Sunday evening in UTC).
const MONDAY_8AM_SYDNEY: i64 = 1_795_986_000;
const MONDAY_9AM_SYDNEY: i64 = 1_795_989_600;
const MONDAY_3PM_SYDNEY: i64 = 1_796_011_200;
const MONDAY_545PM_SYDNEY: i64 = 1_796_021_100;
const MONDAY_11PM_SYDNEY: i64 = 1_796_040_000;
const TUESDAY_759AM_SYDNEY: i64 = 1_796_072_340;
const TUESDAY_8AM_SYDNEY: i64 = 1_796_072_400;
const TUESDAY_905AM_SYDNEY: i64 = 1_796_076_300;
const TUESDAY_NOON_SYDNEY: i64 = 1_796_086_800;
const WEDNESDAY_8AM_SYDNEY: i64 = 1_796_158_800;
const WEDNESDAY_10AM_SYDNEY: i64 = 1_796_166_000;

/// A Baton with a fake Slack that keeps posts (where hubot's profile is in
/// `hubot_zone`), a fake GitHub, the rotation of `review_pool` (hubot,
/// monalisa, defunkt) and torvalds mapped as an author; its clock is
/// `clock`, its timers run every second.
async fn start(
    clock: &TestClock,
    hubot_zone: &str,
    extra: &[(&str, &str)],
) -> (Baton, Arc<World>, FakeSlack, MockServer) {
    let (slack, world) = fake_slack().await;
    world.set_zone(HUBOT, hubot_zone);
    let github = fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let (clock_name, clock_file) = clock.setting();
    let mut env = settings(&slack_api, &github_api);
    env.push((clock_name, clock_file.as_str()));
    env.push(("BATON_TICK_EVERY", "1s"));
    env.extend_from_slice(extra);
    let baton = Baton::start(&env).await;
    common::review_pool::set_up(&baton).await;
    let reply = baton
        .command(CHANNEL, ADMIN, &format!("map torvalds <@{TORVALDS}>"))
        .await;
    assert!(reply.contains("from now on"), "{reply}");
    baton.drained().await;
    (baton, world, slack, github)
}

/// Deliver a `pull_request` payload of the corpus for pull request
/// [`NUMBER`] by torvalds, `edit`ed, and wait for the outbox.
async fn deliver_pull_request(
    baton: &Baton,
    action: &str,
    delivery: &str,
    edit: impl FnOnce(&mut Value),
) {
    let mut payload: Value =
        serde_json::from_slice(&pull_request(action, NUMBER, "torvalds")).unwrap();
    edit(&mut payload);
    let status = baton
        .github(
            "pull_request",
            delivery,
            &serde_json::to_vec(&payload).unwrap(),
        )
        .await
        .status();
    assert!(status.is_success(), "{action}: {status}");
    baton.drained().await;
}

/// Open pull request [`NUMBER`] with no reviewer requested yet (the
/// corpus one already requests octocat).
async fn open(baton: &Baton) {
    deliver_pull_request(baton, "opened", "d-opened", |p| {
        p["pull_request"]["requested_reviewers"] = json!([]);
    })
    .await;
}

/// The corpus `pull_request_review` (`submitted`), by `reviewer` with
/// `state`, for pull request [`NUMBER`]; `id` is the review's id.
async fn review(baton: &Baton, reviewer: &str, state: &str, id: u64) {
    let mut payload: Value =
        serde_json::from_slice(&corpus("github/pull_request_review/submitted.payload.json"))
            .unwrap();
    payload["review"]["id"] = json!(id);
    payload["review"]["user"]["login"] = json!(reviewer);
    payload["review"]["state"] = json!(state);
    payload["pull_request"]["number"] = json!(NUMBER);
    payload["repository"]["full_name"] = json!(REPO);
    let status = baton
        .github(
            "pull_request_review",
            &format!("d-review-{id}"),
            &serde_json::to_vec(&payload).unwrap(),
        )
        .await
        .status();
    assert!(status.is_success(), "review: {status}");
    baton.drained().await;
}

/// The texts of the direct messages `user` received.
fn direct_texts(world: &World, user: &str) -> Vec<String> {
    world
        .direct_posts(user)
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The blocks of the last update of the assignment message.
fn last_message_update(world: &World) -> String {
    world
        .updates()
        .last()
        .map(|u| u["blocks"].to_string())
        .unwrap_or_default()
}

/// Move Baton's clock to `t`, and wait until its timers ran at `t` or
/// later and what they queued is sent.
async fn at(baton: &Baton, clock: &TestClock, t: i64) {
    clock.set(t);
    timers_ran(baton, t).await;
}

async fn timers_ran(baton: &Baton, t: i64) {
    eventually(20, "the timers to run at the clock's time", || async {
        baton
            .metric("baton_timers_ran_at_seconds")
            .await
            .is_some_and(|ran| ran >= t as f64)
    })
    .await;
    baton.drained().await;
}

/// Wait until Baton read `user`'s Slack profile (the App Home names its zone).
async fn profile_read(baton: &Baton, user: &str, zone: &str) {
    eventually(20, "the Slack profile to be read", || async {
        baton.command(CHANNEL, user, "hours").await.contains(zone)
    })
    .await;
}

#[tokio::test]
async fn changes_requested_then_asked_again_then_approved_then_merged_as_reviewer_and_author_see_it(
) {
    let clock = TestClock::at(common::now());
    let (baton, world, _slack, _github) = start(&clock, "UTC", &[]).await;
    open(&baton).await;

    // hubot, picked, hears it directly: the pull request, its author, its
    // size, the channel, and the message's buttons.
    let dms = world.direct_posts(HUBOT);
    assert_eq!(dms.len(), 1, "{dms:?}");
    let text = dms[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("<@{TORVALDS}>")) && text.contains("codertocat/hello-world#7"),
        "{text}"
    );
    let blocks = dms[0]["blocks"].to_string();
    for expected in [
        "in 1 file",
        "<#C0REVIEWS>",
        "reviewers_pass",
        "reviewers_reassign",
    ] {
        assert!(blocks.contains(expected), "{expected} in {blocks}");
    }
    assert!(direct_texts(&world, TORVALDS).is_empty());
    let hubot = baton.command(CHANNEL, HUBOT, "reviews").await;
    assert!(
        hubot.contains("Waiting on you to review") && hubot.contains("hello-world#7"),
        "{hubot}"
    );
    assert!(
        hubot.contains(&format!("by <@{TORVALDS}>, waiting")),
        "{hubot}"
    );
    let torvalds = baton.command(CHANNEL, TORVALDS, "reviews").await;
    assert!(
        torvalds.contains("Nothing waits on you to review"),
        "{torvalds}"
    );
    assert!(torvalds.contains("none waits on you"), "{torvalds}");
    assert!(
        last_message_update(&world).is_empty(),
        "the post already says it"
    );

    // hubot asks for changes: the author's turn.
    review(&baton, "hubot", "changes_requested", 9001).await;
    let told = direct_texts(&world, TORVALDS);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("requested changes"), "{}", told[0]);
    let torvalds = baton.command(CHANNEL, TORVALDS, "reviews").await;
    assert!(
        torvalds.contains("Your pull requests waiting on you")
            && torvalds.contains("changes requested"),
        "{torvalds}"
    );
    let hubot = baton.command(CHANNEL, HUBOT, "reviews").await;
    assert!(hubot.contains("Nothing waits on you to review"), "{hubot}");
    assert!(last_message_update(&world).contains("Changes requested"));

    // torvalds asks hubot again on GitHub.
    deliver_pull_request(&baton, "review_requested", "d-again", |p| {
        p["requested_reviewer"]["login"] = json!("hubot");
    })
    .await;
    let dms = direct_texts(&world, HUBOT);
    assert_eq!(dms.len(), 2, "{dms:?}");
    assert!(dms[1].contains("again"), "{}", dms[1]);
    let hubot = baton.command(CHANNEL, HUBOT, "reviews").await;
    assert!(
        hubot.contains("Waiting on you to review") && hubot.contains("hello-world#7"),
        "{hubot}"
    );
    let torvalds = baton.command(CHANNEL, TORVALDS, "reviews").await;
    assert!(torvalds.contains("none waits on you"), "{torvalds}");
    assert!(last_message_update(&world).contains("Waiting on review"));

    // Approved: torvalds hears it is ready, and it waits on him to merge.
    review(&baton, "hubot", "approved", 9002).await;
    let told = direct_texts(&world, TORVALDS);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("ready to merge"), "{}", told[1]);
    let torvalds = baton.command(CHANNEL, TORVALDS, "reviews").await;
    assert!(torvalds.contains("approved, not merged"), "{torvalds}");
    assert!(last_message_update(&world).contains("Approved"));
    // Anyone may look at someone's queue; only they see the answer.
    let seen = baton
        .command(CHANNEL, ADMIN, &format!("reviews <@{TORVALDS}>"))
        .await;
    assert!(
        seen.contains(&format!("waiting on <@{TORVALDS}>"))
            && seen.contains("approved, not merged"),
        "{seen}"
    );

    // Merged: out of every queue; the message says so.
    deliver_pull_request(&baton, "closed", "d-merged", |p| {
        p["pull_request"]["merged"] = json!(true);
    })
    .await;
    for user in [HUBOT, TORVALDS] {
        let reply = baton.command(CHANNEL, user, "reviews").await;
        assert!(
            reply.contains("Nothing waits on you to review") && reply.contains("none waits on you"),
            "{reply}"
        );
    }
    assert!(last_message_update(&world).contains("Merged"));
    assert_eq!(
        direct_texts(&world, HUBOT).len(),
        2,
        "no message about the merge"
    );
    world.checked_posts();
}

#[tokio::test]
async fn direct_messages_can_be_turned_off_and_on() {
    let clock = TestClock::at(common::now());
    let (baton, world, _slack, _github) = start(&clock, "UTC", &[]).await;
    let reply = baton.command(CHANNEL, HUBOT, "dm off").await;
    assert!(reply.contains("Direct messages are off"), "{reply}");
    open(&baton).await;
    assert!(world.direct_posts(HUBOT).is_empty(), "hubot said no");
    assert!(baton
        .command(CHANNEL, HUBOT, "reviews")
        .await
        .contains("hello-world#7"));
    // torvalds did not: he hears of the review.
    review(&baton, "hubot", "approved", 9101).await;
    assert_eq!(direct_texts(&world, TORVALDS).len(), 1);
    let reply = baton.command(CHANNEL, HUBOT, "dm on").await;
    assert!(reply.contains("Direct messages are on"), "{reply}");
    deliver_pull_request(&baton, "review_requested", "d-again", |p| {
        p["requested_reviewer"]["login"] = json!("hubot");
    })
    .await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 1);
}

#[tokio::test]
async fn a_reminder_comes_inside_working_hours_in_the_reviewers_zone_once_a_day_and_not_after_a_review(
) {
    let clock = TestClock::at(FRIDAY_4PM_SYDNEY);
    let (baton, world, _slack, _github) = start(&clock, "Australia/Sydney", &[]).await;
    profile_read(&baton, HUBOT, "Australia/Sydney").await;
    open(&baton).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 1, "the assignment");

    // A day later it is Saturday in Sydney: no reminder at the weekend.
    at(&baton, &clock, SATURDAY_4PM_SYDNEY).await;
    at(&baton, &clock, MONDAY_8AM_SYDNEY).await;
    assert_eq!(
        direct_texts(&world, HUBOT).len(),
        1,
        "none at the weekend or before nine"
    );
    // Monday 09:00 in Sydney (Sunday night in UTC): the reminder.
    at(&baton, &clock, MONDAY_9AM_SYDNEY).await;
    let dms = direct_texts(&world, HUBOT);
    assert_eq!(dms.len(), 2, "{dms:?}");
    assert!(
        dms[1].contains("Reminder") && dms[1].contains("has waited 2d 17h"),
        "{}",
        dms[1]
    );
    // Later that day: nothing more.
    at(&baton, &clock, MONDAY_3PM_SYDNEY).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 2, "one a day");
    // A day later, still waiting: one more.
    at(&baton, &clock, TUESDAY_905AM_SYDNEY).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 3);
    // Reviewed: no more reminders.
    review(&baton, "hubot", "approved", 9201).await;
    at(&baton, &clock, WEDNESDAY_10AM_SYDNEY).await;
    assert_eq!(
        direct_texts(&world, HUBOT).len(),
        3,
        "none after the review"
    );
    world.checked_posts();
}

#[tokio::test]
async fn own_hours_and_a_short_delay_remind_in_the_morning_and_never_twice_a_day() {
    let clock = TestClock::at(MONDAY_545PM_SYDNEY);
    let (baton, world, _slack, _github) = start(&clock, "Australia/Sydney", &[]).await;
    let reply = baton
        .command(CHANNEL, HUBOT, "hours 08:00-17:00 mon-fri")
        .await;
    assert!(reply.contains("08:00–17:00, Mon–Fri"), "{reply}");
    profile_read(&baton, HUBOT, "Australia/Sydney").await;
    let reply = baton.command(CHANNEL, ADMIN, "reviewers remind 30m").await;
    assert!(
        reply.starts_with("Done.") && reply.contains("30m"),
        "{reply}"
    );
    open(&baton).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 1, "the assignment");
    // Due at 18:15, after hours: not at night.
    at(&baton, &clock, MONDAY_11PM_SYDNEY).await;
    at(&baton, &clock, TUESDAY_759AM_SYDNEY).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 1, "none at night");
    // 08:00, hubot's own start.
    at(&baton, &clock, TUESDAY_8AM_SYDNEY).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 2);
    // Thirty minutes later, and at noon, the same working day: nothing.
    at(&baton, &clock, TUESDAY_8AM_SYDNEY + 31 * 60).await;
    at(&baton, &clock, TUESDAY_NOON_SYDNEY).await;
    assert_eq!(
        direct_texts(&world, HUBOT).len(),
        2,
        "at most one a working day"
    );
    at(&baton, &clock, WEDNESDAY_8AM_SYDNEY).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 3);
    // Reminders off: none on Thursday.
    let reply = baton.command(CHANNEL, ADMIN, "reviewers remind off").await;
    assert!(reply.contains("off"), "{reply}");
    at(&baton, &clock, WEDNESDAY_8AM_SYDNEY + 86_400).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 3, "reminders off");
}

#[tokio::test]
async fn a_reminder_scheduled_before_a_restart_fires_once_after_it() {
    let clock = TestClock::at(MONDAY_9AM_SYDNEY);
    let (mut baton, world, _slack, _github) = start(&clock, "Australia/Sydney", &[]).await;
    profile_read(&baton, HUBOT, "Australia/Sydney").await;
    open(&baton).await;
    // Killed between scheduling and firing.
    baton.kill9();
    clock.set(TUESDAY_905AM_SYDNEY);
    baton.spawn().await;
    timers_ran(&baton, TUESDAY_905AM_SYDNEY).await;
    assert_eq!(
        direct_texts(&world, HUBOT).len(),
        2,
        "fired after the restart"
    );
    // Killed again right after it fired: not repeated.
    baton.kill9();
    clock.set(TUESDAY_905AM_SYDNEY + 600);
    baton.spawn().await;
    timers_ran(&baton, TUESDAY_905AM_SYDNEY + 600).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 2, "not repeated");
}

#[tokio::test]
async fn bad_settings_are_refused_with_the_valid_form_and_change_nothing() {
    let clock = TestClock::at(common::now());
    let (baton, _world, _slack, _github) = start(&clock, "UTC", &[]).await;
    let reply = baton
        .command(CHANNEL, ADMIN, "reviewers digest 09:30 Mars/Olympus")
        .await;
    assert!(
        reply.contains("`Mars/Olympus` is not a time zone") && reply.contains("Europe/Paris"),
        "{reply}"
    );
    let reply = baton.command(CHANNEL, HUBOT, "hours 25:00-19:00").await;
    assert!(
        reply.contains("`25:00` is not a time of day") && reply.contains("HH:MM"),
        "{reply}"
    );
    let reply = baton.command(CHANNEL, ADMIN, "reviewers remind 0").await;
    assert!(
        reply.contains("`0` is not a duration") && reply.contains("Usage"),
        "{reply}"
    );
    let reply = baton.command(CHANNEL, HUBOT, "dm maybe").await;
    assert!(reply.contains("`on` or `off`"), "{reply}");
    // Nothing changed: default hours, no digest, reminders after a day.
    let hours = baton.command(CHANNEL, HUBOT, "hours").await;
    assert!(hours.contains("09:00–18:00, Mon–Fri"), "{hours}");
    // Channel settings are for admins when BATON_ADMINS is set.
    let clock = TestClock::at(common::now());
    let (guarded, _world, _slack, _github) = start(&clock, "UTC", &[("BATON_ADMINS", ADMIN)]).await;
    let reply = guarded.command(CHANNEL, HUBOT, "reviewers remind 4h").await;
    assert!(reply.contains("Only Baton admins"), "{reply}");
    let reply = guarded.command(CHANNEL, HUBOT, "hours 10:00-19:00").await;
    assert!(
        reply.contains("10:00–19:00"),
        "personal settings are anyone's: {reply}"
    );
}

/// A fresh database, or `None` when the PostgreSQL tests are skipped.
async fn database() -> Option<String> {
    tokio::task::spawn_blocking(baton_state::testing::postgres_database)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_replicas_fire_each_reminder_and_each_digest_once() {
    let Some(url) = database().await else { return };
    let clock = TestClock::at(MONDAY_9AM_SYDNEY);
    let (baton, world, slack, github) =
        start(&clock, "Australia/Sydney", &[("BATON_DATABASE_URL", &url)]).await;
    let mut env: Vec<(&str, &str)> = baton
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.retain(|(k, _)| *k != "BATON_DATA");
    let other = Baton::start(&env).await;
    for replica in [&baton, &other] {
        assert!(
            replica.stderr().contains("engine=\"postgres\""),
            "{}",
            replica.stderr()
        );
    }
    profile_read(&baton, HUBOT, "Australia/Sydney").await;
    open(&baton).await;
    assert_eq!(direct_texts(&world, HUBOT).len(), 1);
    // Both replicas tick every second on the same database.
    for day in 1..=3 {
        let t = TUESDAY_905AM_SYDNEY + (day - 1) * 86_400;
        clock.set(t);
        timers_ran(&baton, t).await;
        timers_ran(&other, t).await;
        assert_eq!(
            direct_texts(&world, HUBOT).len(),
            1 + day as usize,
            "day {day}: one reminder"
        );
    }
    drop((slack, github));
}

/// Monday 2026-11-30 in Paris (UTC+1).
const MONDAY_0800_PARIS: i64 = 1_796_022_000;
const MONDAY_0929_PARIS: i64 = 1_796_027_340;
const MONDAY_0930_PARIS: i64 = 1_796_027_400;
const DAY: i64 = 86_400;

/// The digests posted in the channel.
fn digests(world: &World) -> Vec<Value> {
    world
        .checked_posts()
        .into_iter()
        .filter(|p| p["channel"] == CHANNEL)
        .filter(|p| {
            p["text"]
                .as_str()
                .unwrap_or_default()
                .contains("*Review digest*")
        })
        .collect()
}

#[tokio::test]
async fn the_digest_comes_at_its_time_in_its_zone_once_across_a_restart() {
    let clock = TestClock::at(MONDAY_0800_PARIS);
    let (mut baton, world, _slack, _github) = start(&clock, "UTC", &[]).await;
    let reply = baton
        .command(CHANNEL, ADMIN, "reviewers digest 09:30 Europe/Paris")
        .await;
    assert!(
        reply.starts_with("Done.") && reply.contains("09:30 Europe/Paris"),
        "{reply}"
    );
    open(&baton).await;
    // A second pull request, by hubot, that waits on monalisa.
    let second = pull_request("opened", 8, "hubot");
    assert!(baton
        .github("pull_request", "d-8", &second)
        .await
        .status()
        .is_success());
    baton.drained().await;

    // 09:29 in Paris (08:29 UTC): not yet.
    at(&baton, &clock, MONDAY_0929_PARIS).await;
    assert!(digests(&world).is_empty());
    at(&baton, &clock, MONDAY_0930_PARIS).await;
    let posted = digests(&world);
    assert_eq!(posted.len(), 1);
    let text = posted[0]["blocks"].to_string();
    assert!(text.contains("2 open pull requests"), "{text}");
    assert!(
        text.contains("hello-world#7") && text.contains("hello-world#8"),
        "{text}"
    );
    assert!(
        text.contains(&format!("on <@{HUBOT}> to review (1h 30m)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("on <@{MONALISA}> to review")),
        "{text}"
    );
    assert!(
        text.find("hello-world#7").unwrap() < text.find("hello-world#8").unwrap(),
        "the oldest first: {text}"
    );
    // Later that morning: no second one.
    at(&baton, &clock, MONDAY_0930_PARIS + 1_800).await;
    assert_eq!(digests(&world).len(), 1);
    // Killed before Tuesday's, started after it: it comes, once.
    baton.kill9();
    clock.set(MONDAY_0930_PARIS + DAY + 600);
    baton.spawn().await;
    timers_ran(&baton, MONDAY_0930_PARIS + DAY + 600).await;
    assert_eq!(digests(&world).len(), 2);
    baton.kill9();
    baton.spawn().await;
    timers_ran(&baton, MONDAY_0930_PARIS + DAY + 600).await;
    assert_eq!(digests(&world).len(), 2, "not repeated after a restart");
    // Off: nothing on Wednesday.
    let reply = baton.command(CHANNEL, ADMIN, "reviewers digest off").await;
    assert!(reply.contains("off"), "{reply}");
    at(&baton, &clock, MONDAY_0930_PARIS + 2 * DAY).await;
    assert_eq!(digests(&world).len(), 2);
}

/// The published `app_home_opened` event, opened by `user` on `tab`.
async fn open_home(baton: &Baton, user: &str, tab: &str, event_id: &str) {
    let mut body: Value = serde_json::from_slice(&corpus(
        "slack/bolt-python/events/app_home_opened.event_callback.json",
    ))
    .unwrap();
    body["event"]["user"] = json!(user);
    body["event"]["tab"] = json!(tab);
    body["event_id"] = json!(event_id);
    let response = baton
        .slack(
            "/slack/events",
            body.to_string().as_bytes(),
            "application/json",
        )
        .await;
    assert_eq!(response.status(), 200);
    baton.drained().await;
}

#[tokio::test]
async fn opening_the_app_home_publishes_the_queue_and_the_settings() {
    let clock = TestClock::at(MONDAY_9AM_SYDNEY);
    let (baton, world, _slack, _github) = start(&clock, "Australia/Sydney", &[]).await;
    profile_read(&baton, HUBOT, "Australia/Sydney").await;
    open(&baton).await;
    clock.advance(7_200);
    open_home(&baton, HUBOT, "home", "EvHOME1").await;
    let views = world.views();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0]["user_id"], HUBOT);
    assert_eq!(views[0]["view"]["type"], "home");
    let view = views[0]["view"]["blocks"].to_string();
    assert!(
        view.contains("Waiting on you to review") && view.contains("hello-world#7"),
        "{view}"
    );
    assert!(view.contains("waiting 2h"), "{view}");
    assert!(
        view.contains("09:00–18:00, Mon–Fri, in Australia/Sydney"),
        "{view}"
    );
    assert!(view.contains("Direct messages:* on"), "{view}");
    // torvalds sees his pull request waiting on hubot.
    open_home(&baton, TORVALDS, "home", "EvHOME2").await;
    let view = world.views()[1]["view"]["blocks"].to_string();
    assert!(
        view.contains("Your pull requests waiting on others")
            && view.contains(&format!("waiting on <@{HUBOT}>")),
        "{view}"
    );
    // The Messages tab is not the Home; the same event again acts once.
    open_home(&baton, HUBOT, "messages", "EvHOME3").await;
    open_home(&baton, HUBOT, "home", "EvHOME1").await;
    assert_eq!(world.views().len(), 2);
}

/// Sends pull request `NUMBER` (hubot its reviewer) while a gateway answers
/// Slack's posts 504 after a second and Slack commits each three seconds
/// after it came: the channel post's and the direct message's outcomes are
/// unknown. Returns once Baton has tried both and Slack has committed them.
async fn send_both_posts_into_a_gateway_timeout(
    clock: &TestClock,
    baton: &Baton,
    world: &World,
    delivery: &str,
) {
    world.set(|m| {
        m.hold = Some(std::time::Duration::from_secs(3));
        m.gateway_timeout = Some(std::time::Duration::from_secs(1));
    });
    let body = pull_request("opened", NUMBER, "torvalds");
    assert!(baton
        .github("pull_request", delivery, &body)
        .await
        .status()
        .is_success());
    // The channel post's 504 pauses calls to Slack a few seconds of
    // Baton's clock: move it on, far short of the grace, until the direct
    // message has been tried too.
    let direct = common::fake_slack::direct_channel(HUBOT);
    eventually(
        30,
        "the channel post and the direct message, sent",
        || async {
            let received = world.received();
            let sent = received.iter().any(|p| p["channel"] == CHANNEL)
                && received.iter().any(|p| p["channel"] == direct.as_str());
            if !sent {
                clock.advance(5);
            }
            sent
        },
    )
    .await;
    eventually(30, "Slack commits both", || async { world.all_committed() }).await;
}

#[tokio::test]
async fn a_direct_message_a_gateway_gave_up_on_is_found_in_its_history_and_sent_once() {
    let clock = TestClock::at(common::now());
    let (baton, world, _slack, _github) =
        start(&clock, "UTC", &[("BATON_OUTBOX_LATE_GRACE", "1h")]).await;
    // A gateway answers 504 after a second while Slack goes on and commits
    // each post three seconds after it came: the outcome is unknown, so
    // Baton waits out its grace (an hour of its clock, which the test
    // moves), then looks in the conversation's history before sending
    // again.
    send_both_posts_into_a_gateway_timeout(&clock, &baton, &world, "d-late").await;
    // Past the grace, a few seconds at a time until the outbox is empty:
    // each post is looked for, and found.
    clock.advance(3_600);
    eventually(60, "the outbox to drain", || async {
        clock.advance(5);
        baton.metric("baton_outbox_depth").await == Some(0.0)
    })
    .await;
    let dms = world.direct_posts(HUBOT);
    assert_eq!(dms.len(), 1, "one direct message: {dms:?}");
    assert_eq!(dms[0]["metadata"]["event_type"], "baton_outbox");
    let found = baton
        .metric("baton_slack_posts_found_in_history_total")
        .await
        .unwrap_or_default();
    assert!(
        found >= 2.0,
        "the channel post and the direct message were found: {found}"
    );
}

#[tokio::test]
async fn a_direct_message_whose_conversation_will_not_open_on_a_retry_is_looked_for_before_it_is_sent_again(
) {
    let clock = TestClock::at(common::now());
    let (baton, world, _slack, _github) =
        start(&clock, "UTC", &[("BATON_OUTBOX_LATE_GRACE", "1h")]).await;
    // The direct message's first attempt leaves its outcome unknown: a
    // gateway answers 504 while Slack commits the post three seconds later.
    send_both_posts_into_a_gateway_timeout(&clock, &baton, &world, "d-unopened").await;
    // Past the grace, Slack cannot open direct conversations for a while
    // (503): the channel post is looked for and found, the direct
    // message's retry cannot even open its conversation.
    let opened = |world: &World| {
        world
            .calls()
            .iter()
            .filter(|(_, method)| method == "conversations.open")
            .count()
    };
    let opened_before = opened(&world);
    world.set(|m| {
        *m = Default::default();
        m.down_for = vec!["conversations.open"];
    });
    clock.advance(3_600);
    eventually(
        30,
        "a retry that could not open the conversation",
        || async {
            clock.advance(5);
            opened(&world) > opened_before
        },
    )
    .await;
    // Slack opens it again: the direct message is looked for, found, not
    // sent again.
    world.set(|m| *m = Default::default());
    eventually(60, "the outbox to drain", || async {
        clock.advance(5);
        baton.metric("baton_outbox_depth").await == Some(0.0)
    })
    .await;
    let dms = world.direct_posts(HUBOT);
    assert_eq!(dms.len(), 1, "one direct message: {dms:?}");
    let found = baton
        .metric("baton_slack_posts_found_in_history_total")
        .await
        .unwrap_or_default();
    assert!(
        found >= 2.0,
        "the channel post and the direct message were found: {found}"
    );
}
