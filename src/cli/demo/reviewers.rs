//! The demo's reviewers scenario: #eng-reviews sets up a rotation of three
//! with slash commands, then three pull requests open in turn (one written
//! by a member of the rotation, who is skipped and keeps their turn), each
//! reviewer hearing of it in a direct message; the first reviewer asks for
//! changes, is asked again and approves (the author hears both, the
//! channel message follows), another says she can't review, and a day
//! later the reviews still waiting are reminded of, in working hours.
//! Then the channel caps open reviews at one: the next pull requests go to
//! the members without an open review until nobody is free, and a bot's
//! pull request is left alone.

use anyhow::ensure;
use serde_json::{json, Value};

use super::Demo;

const CHANNEL: &str = "CREVIEWS";
const ADMIN: &str = "UADMIN";
const REPO: &str = "octo-org/api";

/// A `pull_request` delivery with the fields Baton reads.
fn pull_request(action: &str, number: u64, author: &str, title: &str) -> Value {
    json!({
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "title": title,
            "html_url": format!("https://github.com/{REPO}/pull/{number}"),
            "user": {"login": author},
            "draft": false,
            "merged": false,
            "additions": 40 + number,
            "deletions": 12,
            "changed_files": 3,
            "requested_reviewers": [],
            "assignees": [],
        },
        "repository": {"full_name": REPO, "html_url": format!("https://github.com/{REPO}")},
    })
}

/// A `pull_request_review` delivery by `reviewer` on #`number`.
fn review(reviewer: &str, number: u64, state: &str, id: u64) -> Value {
    json!({
        "action": "submitted",
        "review": {
            "id": id,
            "user": {"login": reviewer},
            "state": state,
            "html_url": format!("https://github.com/{REPO}/pull/{number}#pullrequestreview-{id}"),
            "submitted_at": "2026-11-23T10:00:00Z",
        },
        "pull_request": {"number": number},
        "repository": {"full_name": REPO, "html_url": format!("https://github.com/{REPO}")},
    })
}

/// The first weekday 10:00 UTC at least a day after `now` (in working
/// hours for people whose Slack profile gives no zone).
fn a_working_day_later(now: i64) -> i64 {
    const DAY: i64 = 86_400;
    let mut day = (now + DAY).div_euclid(DAY);
    // 1970-01-01 was a Thursday: day 2 is a Saturday, day 3 a Sunday.
    while day * DAY + 10 * 3_600 < now + DAY || matches!(day.rem_euclid(7), 2 | 3) {
        day += 1;
    }
    day * DAY + 10 * 3_600
}

/// Drive the scenario; returns summary lines.
pub async fn run(demo: &Demo) -> anyhow::Result<Vec<String>> {
    demo.say("#eng-reviews sets up a review rotation of three for octo-org/api");
    demo.command(CHANNEL, ADMIN, &format!("reviewers watch {REPO}"))
        .await?;
    demo.drain().await?;
    for (login, user) in [
        ("hubot", "UHUBOT"),
        ("monalisa", "UMONA"),
        ("defunkt", "UDEFUNKT"),
    ] {
        demo.command(CHANNEL, ADMIN, &format!("reviewers add {login} <@{user}>"))
            .await?;
        demo.drain().await?;
    }
    demo.command(CHANNEL, ADMIN, "map torvalds <@UTORVALDS>")
        .await?;
    demo.drain().await?;

    let pulls = [
        (101, "torvalds", "Retry webhook delivery on 5xx"),
        (102, "monalisa", "Cache the repository list"),
        (103, "octocat", "Explain the rate limits in the README"),
    ];
    for (number, author, title) in pulls {
        let note = if author == "monalisa" {
            " (she is in the rotation: skipped, and keeps her turn)"
        } else {
            ""
        };
        demo.say(&format!(
            "{author} opens pull request #{number}, \"{title}\"{note}"
        ));
        let status = demo
            .github(
                "pull_request",
                &pull_request("opened", number, author, title),
            )
            .await?;
        ensure!(
            status < 300,
            "the pull_request delivery was answered {status}"
        );
        demo.drain().await?;
    }

    demo.say("hubot asks for changes on #101: the thread hears it, torvalds gets a direct message");
    let status = demo
        .github(
            "pull_request_review",
            &review("hubot", 101, "CHANGES_REQUESTED", 1),
        )
        .await?;
    ensure!(status < 300, "the review delivery was answered {status}");
    demo.drain().await?;

    demo.say("torvalds pushes a fix and asks hubot again on GitHub: hubot hears it");
    let mut again = pull_request(
        "review_requested",
        101,
        "torvalds",
        "Retry webhook delivery on 5xx",
    );
    again["requested_reviewer"] = json!({"login": "hubot"});
    again["pull_request"]["requested_reviewers"] = json!([{"login": "hubot"}]);
    let status = demo.github("pull_request", &again).await?;
    ensure!(
        status < 300,
        "the review_requested delivery was answered {status}"
    );
    demo.drain().await?;

    demo.say("hubot approves #101: torvalds hears it is ready to merge; the channel message says Approved");
    let status = demo
        .github("pull_request_review", &review("hubot", 101, "APPROVED", 2))
        .await?;
    ensure!(status < 300, "the review delivery was answered {status}");
    demo.drain().await?;
    let queue = demo.command(CHANNEL, "UTORVALDS", "reviews").await?;
    ensure!(
        queue.contains("approved, not merged"),
        "torvalds's queue should show #101 approved:\n{queue}"
    );

    demo.say("Anyone can see the rotation");
    let list = demo.command(CHANNEL, ADMIN, "reviewers list").await?;
    let in_turn = list.matches("— 1 assigned").count() == 3;
    ensure!(in_turn, "expected one assignment each, got:\n{list}");

    demo.say("monalisa can't review #103 and presses the message's \"Can't review\" button");
    let press = json!({
        "type": "block_actions",
        "user": {"id": "UMONA"},
        "channel": {"id": CHANNEL},
        "actions": [{"action_id": "reviewers_pass", "value": format!("{REPO}#103"), "type": "button"}],
    });
    let status = demo.interaction(&press).await?;
    ensure!(status == 200, "the button press was answered {status}");
    demo.drain().await?;

    demo.say("A working day later, the reviews still waiting are reminded of, in their reviewers' working hours");
    // Baton reads each person's time zone from Slack (users.info) soon
    // after it meets them; wait for defunkt's.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !demo
        .command_quietly(CHANNEL, "UDEFUNKT", "hours")
        .await?
        .contains("Slack profile gives")
        && !demo
            .command_quietly(CHANNEL, "UDEFUNKT", "hours")
            .await?
            .contains("(from your Slack profile)")
    {
        ensure!(
            std::time::Instant::now() < deadline,
            "defunkt's Slack profile was not read"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let hours = demo.command(CHANNEL, "UDEFUNKT", "hours").await?;
    ensure!(hours.contains("09:00"), "defunkt's hours:\n{hours}");
    demo.set_clock(Some(a_working_day_later(crate::clock::wall_now())))
        .await?;
    demo.set_clock(None).await?;

    demo.say("#eng-reviews caps open reviews at one: whoever has one is skipped");
    demo.command(CHANNEL, ADMIN, "reviewers cap 1").await?;
    demo.drain().await?;
    let capped = [
        (
            104,
            "Page the audit log",
            " (monalisa and hubot have none open)",
        ),
        (105, "Drop the v1 API", " (hubot is the one left)"),
        (
            106,
            "Rename the billing tables",
            " (everyone has one: no one is free)",
        ),
    ];
    for (number, title, note) in capped {
        let author = "torvalds";
        demo.say(&format!(
            "{author} opens pull request #{number}, \"{title}\"{note}"
        ));
        let status = demo
            .github(
                "pull_request",
                &pull_request("opened", number, author, title),
            )
            .await?;
        ensure!(
            status < 300,
            "the pull_request delivery was answered {status}"
        );
        demo.drain().await?;
    }
    demo.say("dependabot[bot] opens #107: a bot's pull request gets no reviewer (`reviewers bots on` to change that)");
    let mut bot = pull_request(
        "opened",
        107,
        "dependabot[bot]",
        "Bump serde from 1.0.228 to 1.0.229",
    );
    bot["pull_request"]["user"]["type"] = json!("Bot");
    let status = demo.github("pull_request", &bot).await?;
    ensure!(
        status < 300,
        "the pull_request delivery was answered {status}"
    );
    demo.drain().await?;
    let list = demo.command(CHANNEL, ADMIN, "reviewers list").await?;
    let all_capped = list.matches("(at the cap)").count() == 3;
    ensure!(all_capped, "expected all three at the cap, got:\n{list}");

    Ok(vec![
        "3 pull requests assigned in turn; the author was skipped; each reviewer told directly".to_string(),
        "changes requested, asked again, approved: the author told each time, the message kept up to date".to_string(),
        "\"Can't review\" handed a review on, in Slack and on GitHub".to_string(),
        "a day later, the reviews still waiting were reminded of in working hours".to_string(),
        "with a cap of 1 open review, #104 and #105 went to whoever was free; #106 waits: no one is"
            .to_string(),
        "dependabot's pull request got no reviewer".to_string(),
    ])
}
