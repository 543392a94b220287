//! Reviewer rotation, black-box: the real binary, real GitHub payloads from
//! the shared corpus, fake Slack and GitHub APIs. A channel's pool is set up
//! with slash commands; pull requests are assigned in turn (the author
//! skipped), once per pull request however often GitHub delivers, across
//! restarts; buttons and reviews update the message and GitHub.

use crate::common;

use common::{corpus, fake_slack, Baton};
use serde_json::{json, Value};
use wiremock::MockServer;

use common::review_pool::{pull_request, ADMIN, CHANNEL};

/// The review-request calls GitHub received, in order: (method, path, reviewers).
async fn github_calls(server: &MockServer) -> Vec<(String, String, Vec<String>)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let reviewers = body["reviewers"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (r.method.to_string(), r.url.path().to_string(), reviewers)
        })
        .collect()
}

/// The logins requested by each POST, in order.
async fn requested(server: &MockServer) -> Vec<Vec<String>> {
    github_calls(server)
        .await
        .into_iter()
        .filter(|(m, _, _)| m == "POST")
        .map(|(_, _, reviewers)| reviewers)
        .collect()
}

/// The assignment messages posted in the channel (those carrying the
/// buttons; the reviewers' direct messages carry them too).
async fn assignment_posts(slack: &MockServer) -> Vec<Value> {
    fake_slack::calls(slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|post| post["channel"] == CHANNEL)
        .filter(|post| post["blocks"].to_string().contains("reviewers_pass"))
        .collect()
}

/// Baton with fake Slack and GitHub, and `extra` settings.
async fn start(extra: &[(&str, &str)]) -> (Baton, MockServer, MockServer) {
    let slack = fake_slack::ok().await;
    let github = common::fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let mut env = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", slack_api.as_str()),
        ("GITHUB_TOKEN", "ghp-test"),
        ("GITHUB_API_URL", github_api.as_str()),
    ];
    env.extend_from_slice(extra);
    (Baton::start(&env).await, slack, github)
}

/// Deliver `pull_request/opened` for `number` by `author`, and wait for the outbox.
async fn open(baton: &Baton, number: u64, author: &str) {
    let status = baton
        .github(
            "pull_request",
            &format!("open-{number}"),
            &pull_request("opened", number, author),
        )
        .await
        .status();
    assert!(status.is_success(), "opened #{number}: {status}");
    baton.drained().await;
}

/// Press one of the assignment message's buttons as `user`.
async fn press(baton: &Baton, user: &str, action_id: &str, value: &str) -> reqwest::Response {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": CHANNEL},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    baton
        .slack(
            "/slack/interactions",
            body.as_bytes(),
            "application/x-www-form-urlencoded",
        )
        .await
}

#[tokio::test]
async fn real_pull_request_payloads_assign_once_and_close_the_message() {
    let (baton, slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;

    // The corpus `opened` payload as published (Codertocat's #2).
    let opened = corpus("github/pull_request/opened.payload.json");
    let response = baton.github("pull_request", "d-opened", &opened).await;
    assert!(response.status().is_success(), "{}", response.status());
    baton.drained().await;

    assert_eq!(
        github_calls(&github).await,
        [(
            "POST".to_string(),
            "/repos/Codertocat/Hello-World/pulls/2/requested_reviewers".to_string(),
            vec!["hubot".to_string()]
        )]
    );
    let posts = assignment_posts(&slack).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    let post = &posts[0];
    assert_eq!(post["channel"], CHANNEL);
    let blocks = post["blocks"].to_string();
    assert!(blocks.contains("<@U0HUBOT01>"), "{blocks}");
    assert!(post["text"].as_str().unwrap().contains("<@U0HUBOT01>"));
    assert!(blocks.contains("reviewers_reassign") && blocks.contains("reviewers_pass"));
    assert!(blocks.contains("Reassign") && blocks.contains("Can't review"));

    // Every other action of the corpus for the same pull request: nothing new.
    for action in [
        "reopened",
        "ready_for_review",
        "synchronize",
        "labeled",
        "review_requested",
    ] {
        let body = corpus(&format!("github/pull_request/{action}.payload.json"));
        let response = baton
            .github("pull_request", &format!("d-{action}"), &body)
            .await;
        assert!(response.status().is_success(), "{action}");
    }
    baton.drained().await;
    assert_eq!(requested(&github).await.len(), 1);
    assert_eq!(assignment_posts(&slack).await.len(), 1);

    // Closing updates the message: no buttons any more.
    let closed = corpus("github/pull_request/closed.payload.json");
    baton.github("pull_request", "d-closed", &closed).await;
    baton.drained().await;
    let updates = fake_slack::calls(&slack, "chat.update").await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    let blocks = updates[0]["blocks"].to_string();
    assert!(blocks.contains("Closed"), "{blocks}");
    assert!(!blocks.contains("reviewers_pass"), "{blocks}");
}

#[tokio::test]
async fn a_redelivered_pull_request_is_assigned_once() {
    let (baton, slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    let body = pull_request("opened", 7, "torvalds");
    for _ in 0..3 {
        let response = baton.github("pull_request", "same-delivery", &body).await;
        assert!(response.status().is_success());
    }
    // A second delivery id for the same pull request does not assign again either.
    baton.github("pull_request", "other-delivery", &body).await;
    baton.drained().await;
    assert_eq!(requested(&github).await, [vec!["hubot".to_string()]]);
    assert_eq!(assignment_posts(&slack).await.len(), 1);
}

#[tokio::test]
async fn the_author_is_skipped_and_keeps_their_turn() {
    let (baton, _slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    open(&baton, 1, "torvalds").await;
    open(&baton, 2, "monalisa").await; // monalisa's turn, but she wrote it
    open(&baton, 3, "torvalds").await;
    open(&baton, 4, "hubot").await;
    assert_eq!(
        requested(&github).await,
        [
            vec!["hubot".to_string()],
            vec!["defunkt".to_string()],
            vec!["monalisa".to_string()],
            vec!["defunkt".to_string()],
        ]
    );
}

/// Two pull requests, a restart (`kill -9` or SIGTERM), a third: the
/// rotation goes on to the third member.
async fn rotation_continues_after(kill: bool) {
    let (mut baton, _slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    open(&baton, 10, "torvalds").await;
    open(&baton, 11, "torvalds").await;
    if kill {
        baton.kill9();
    } else {
        assert_eq!(baton.terminate(), Some(0));
    }
    baton.spawn().await;
    open(&baton, 12, "torvalds").await;
    assert_eq!(
        requested(&github).await,
        [
            vec!["hubot".to_string()],
            vec!["monalisa".to_string()],
            vec!["defunkt".to_string()],
        ]
    );
    // And the pool itself came back: it still lists three, one each.
    let list = baton.command(CHANNEL, ADMIN, "reviewers list").await;
    assert_eq!(list.matches("— 1 assigned").count(), 3, "{list}");
}

#[tokio::test]
async fn rotation_continues_after_a_clean_restart() {
    rotation_continues_after(false).await;
}

#[tokio::test]
async fn rotation_continues_after_kill_9() {
    rotation_continues_after(true).await;
}

#[tokio::test]
async fn cant_review_hands_the_review_on_in_slack_and_github() {
    let (baton, slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    open(&baton, 2, "torvalds").await;
    let value = "codertocat/hello-world#2";

    // Someone who is not the reviewer cannot pass it.
    let response = press(&baton, "U0MONA001", "reviewers_pass", value).await;
    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    assert!(
        json["text"].as_str().unwrap().contains("Only a reviewer"),
        "{json}"
    );

    let response = press(&baton, "U0HUBOT01", "reviewers_pass", value).await;
    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["response_type"], "ephemeral");
    baton.drained().await;

    let calls = github_calls(&github).await;
    let route = "/repos/codertocat/hello-world/pulls/2/requested_reviewers";
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(
        calls[1],
        ("DELETE".into(), route.into(), vec!["hubot".into()])
    );
    assert_eq!(
        calls[2],
        ("POST".into(), route.into(), vec!["monalisa".into()])
    );
    let updates = fake_slack::calls(&slack, "chat.update").await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    let blocks = updates[0]["blocks"].to_string();
    assert!(blocks.contains("<@U0MONA001>"), "{blocks}");
    assert!(blocks.contains("couldn't review"), "{blocks}");
    assert_eq!(updates[0]["ts"], "1700000000.000100");
    // The hand-over is told in the message's thread.
    let thread: Vec<Value> = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["thread_ts"] == "1700000000.000100")
        .collect();
    assert_eq!(thread.len(), 1, "{thread:?}");
    assert!(thread[0]["text"]
        .as_str()
        .unwrap()
        .contains("<@U0MONA001> will review"));
    // The pass does not count against hubot: after defunkt, whose turn
    // comes first, he is owed the next one.
    open(&baton, 3, "torvalds").await;
    open(&baton, 4, "torvalds").await;
    assert_eq!(
        requested(&github).await[2..],
        [vec!["defunkt".to_string()], vec!["hubot".to_string()]]
    );
}

/// Issue 10: the same signed `block_actions` body, replayed inside Slack's
/// five-minute window, acts once: keyed on the press's `action_ts`, user,
/// channel and message.
#[tokio::test]
async fn a_replayed_button_press_acts_once() {
    let (baton, slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    open(&baton, 2, "torvalds").await;
    let payload = json!({
        "type": "block_actions",
        "user": {"id": "U0HUBOT01"},
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": CHANNEL},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": "reviewers_reassign", "value": "codertocat/hello-world#2",
                     "type": "button", "block_id": "b", "action_ts": "1700000100.123456"}],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    for _ in 0..3 {
        let response = baton
            .slack(
                "/slack/interactions",
                body.as_bytes(),
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    baton.drained().await;
    // One reassignment: hubot removed once, the next reviewer requested once.
    let calls = github_calls(&github).await;
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[1].0, "DELETE");
    assert_eq!(calls[2].0, "POST");
    assert_eq!(fake_slack::calls(&slack, "chat.update").await.len(), 1);

    // A new press (a new action_ts) is a new action.
    let mut again = payload.clone();
    again["user"]["id"] = json!("U0MONA001");
    again["actions"][0]["action_ts"] = json!("1700000200.000001");
    let body = serde_urlencoded::to_string([("payload", again.to_string())]).unwrap();
    baton
        .slack(
            "/slack/interactions",
            body.as_bytes(),
            "application/x-www-form-urlencoded",
        )
        .await;
    baton.drained().await;
    assert_eq!(github_calls(&github).await.len(), 5);
}

/// Issue 10: a `pull_request_review` delivered again under new delivery ids
/// (GitHub's "Redeliver" keeps the id, but a script or a second webhook does
/// not) posts its thread reply once: replies are keyed on the review id.
#[tokio::test]
async fn a_review_redelivered_under_new_ids_replies_once() {
    let (baton, slack, _github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    open(&baton, 2, "torvalds").await;
    let mut review: Value =
        serde_json::from_slice(&corpus("github/pull_request_review/submitted.payload.json"))
            .unwrap();
    review["review"]["user"]["login"] = json!("hubot");
    let body = serde_json::to_vec(&review).unwrap();
    for delivery in ["review-a", "review-b", "review-c"] {
        let response = baton.github("pull_request_review", delivery, &body).await;
        assert!(response.status().is_success());
    }
    baton.drained().await;
    let replies = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p.get("thread_ts").is_some())
        .count();
    assert_eq!(replies, 1);
}

#[tokio::test]
async fn a_submitted_review_is_told_in_the_thread() {
    let (baton, slack, _github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    open(&baton, 2, "torvalds").await;
    let mut review: Value =
        serde_json::from_slice(&corpus("github/pull_request_review/submitted.payload.json"))
            .unwrap();
    review["review"]["user"]["login"] = json!("hubot");
    review["review"]["state"] = json!("approved");
    let response = baton
        .github(
            "pull_request_review",
            "review-1",
            &serde_json::to_vec(&review).unwrap(),
        )
        .await;
    assert!(response.status().is_success());
    baton.drained().await;
    let replies: Vec<Value> = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p.get("thread_ts").is_some())
        .collect();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["thread_ts"], "1700000000.000100");
    assert_eq!(replies[0]["channel"], CHANNEL);
    let text = replies[0]["text"].as_str().unwrap();
    assert!(text.contains("<@U0HUBOT01> approved"), "{text}");

    // A review by someone not assigned says nothing.
    review["review"]["user"]["login"] = json!("octocat");
    baton
        .github(
            "pull_request_review",
            "review-2",
            &serde_json::to_vec(&review).unwrap(),
        )
        .await;
    baton.drained().await;
    let threaded = fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p.get("thread_ts").is_some())
        .count();
    assert_eq!(threaded, 1);
}

#[tokio::test]
async fn a_malformed_command_gets_usage_and_changes_nothing() {
    let (baton, slack, _github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    baton.drained().await;
    let posts_before = fake_slack::calls(&slack, "chat.postMessage").await.len();
    let list_before = baton.command(CHANNEL, ADMIN, "reviewers list").await;
    for text in [
        "reviewers count eleven",
        "reviewers add",
        "reviewers add hubot not-a-mention",
        "reviewers watch not a repo",
        "reviewers mode fastest",
    ] {
        let reply = baton.command(CHANNEL, ADMIN, text).await;
        assert!(reply.contains("Usage: `"), "`{text}` → {reply}");
    }
    baton.drained().await;
    assert_eq!(
        baton.command(CHANNEL, ADMIN, "reviewers list").await,
        list_before
    );
    assert_eq!(
        fake_slack::calls(&slack, "chat.postMessage").await.len(),
        posts_before
    );
}

#[tokio::test]
async fn only_admins_change_pools_when_admins_are_set() {
    let (baton, _slack, github) = start(&[("BATON_ADMINS", ADMIN)]).await;
    let reply = baton
        .command(
            CHANNEL,
            "U0SOMEONE",
            "reviewers watch codertocat/hello-world",
        )
        .await;
    assert!(reply.contains("Only Baton admins"), "{reply}");
    let reply = baton.command(CHANNEL, "U0SOMEONE", "reviewers list").await;
    assert!(reply.contains("no review rotation"), "{reply}");

    common::review_pool::set_up(&baton).await;
    let reply = baton
        .command(CHANNEL, "U0SOMEONE", "reviewers remove hubot")
        .await;
    assert!(reply.contains("Only Baton admins"), "{reply}");
    // Anyone may read the rotation and mark themselves away.
    let reply = baton.command(CHANNEL, "U0HUBOT01", "away").await;
    assert!(reply.starts_with("Done."), "{reply}");
    open(&baton, 5, "torvalds").await;
    assert_eq!(requested(&github).await, [vec!["monalisa".to_string()]]);
}

#[tokio::test]
async fn assign_command_picks_for_a_pull_request_seen_as_draft() {
    let (baton, slack, github) = start(&[]).await;
    common::review_pool::set_up(&baton).await;
    let mut draft: Value = serde_json::from_slice(&pull_request("opened", 9, "torvalds")).unwrap();
    draft["pull_request"]["draft"] = json!(true);
    baton
        .github(
            "pull_request",
            "draft-9",
            &serde_json::to_vec(&draft).unwrap(),
        )
        .await;
    baton.drained().await;
    assert!(requested(&github).await.is_empty(), "drafts wait");
    let reply = baton
        .command(CHANNEL, ADMIN, "assign codertocat/hello-world#9")
        .await;
    assert!(reply.contains("goes to <@U0HUBOT01>"), "{reply}");
    baton.drained().await;
    assert_eq!(requested(&github).await, [vec!["hubot".to_string()]]);
    assert_eq!(assignment_posts(&slack).await.len(), 1);
    let reply = baton
        .command(CHANNEL, ADMIN, "assign codertocat/hello-world#9")
        .await;
    assert!(reply.contains("already has reviewers"), "{reply}");
}
