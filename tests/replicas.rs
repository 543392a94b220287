//! Several Baton replicas on one PostgreSQL database, black-box: real
//! `baton serve` processes, a real PostgreSQL server (see
//! `baton_state::testing`), and the fake Slack that keeps what it is sent.
//! Effects are counted on the fakes: each pull request assigned once, each
//! Slack post sent once, across a replica killed with `kill -9`; and a data
//! file moved with `baton migrate` answers as before.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::review_pool::{ADMIN, CHANNEL, POOL};
use common::slack_world::{deliver, fake_slack, pr_number, requested_reviewers, settings};
use common::{fake_github, Baton};

/// A fresh database, or `None` when the PostgreSQL tests are skipped.
async fn database() -> Option<String> {
    tokio::task::spawn_blocking(baton_state::testing::postgres_database)
        .await
        .unwrap()
}

/// Posts per pull request on the fake Slack.
fn posts_per_pull_request(world: &common::slack_world::World) -> BTreeMap<u64, usize> {
    let mut out = BTreeMap::new();
    for post in world.posts() {
        if let Some(n) = pr_number(&post) {
            *out.entry(n).or_default() += 1;
        }
    }
    out
}

#[tokio::test]
async fn two_replicas_assign_each_pull_request_once_and_post_it_once() {
    let Some(url) = database().await else { return };
    let (slack, world) = fake_slack().await;
    let github = fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let mut env = settings(&slack_api, &github_api);
    env.push(("BATON_DATABASE_URL", &url));
    let a = Baton::start(&env).await;
    let b = Baton::start(&env).await;
    assert!(a.stderr().contains("engine=\"postgres\""), "{}", a.stderr());
    common::review_pool::set_up(&a).await;

    // 30 pull requests spread over both replicas; every third one is
    // delivered to both at the same moment with the same delivery id (a
    // load balancer retrying on the other replica).
    const PULL_REQUESTS: u64 = 30;
    let mut sends = Vec::new();
    for n in 1..=PULL_REQUESTS {
        let first = if n % 2 == 0 { a.port } else { b.port };
        let other = if n % 2 == 0 { b.port } else { a.port };
        sends.push(tokio::spawn(async move { deliver(first, n).await }));
        if n % 3 == 0 {
            sends.push(tokio::spawn(async move { deliver(other, n).await }));
        }
    }
    for send in sends {
        assert!(send.await.unwrap(), "every delivery is acknowledged");
    }
    a.drained().await;
    b.drained().await;

    let posts = posts_per_pull_request(&world);
    let reviewers = requested_reviewers(&github).await;
    let mut turns: BTreeMap<String, usize> = BTreeMap::new();
    for n in 1..=PULL_REQUESTS {
        assert_eq!(posts.get(&n), Some(&1), "pull request #{n}: one Slack post");
        let requested = reviewers.get(&n).cloned().unwrap_or_default();
        assert_eq!(
            requested.len(),
            1,
            "pull request #{n}: one reviewer: {requested:?}"
        );
        *turns
            .entry(requested.into_iter().next().unwrap())
            .or_default() += 1;
    }
    let counts: Vec<usize> = POOL.iter().map(|(login, _)| turns[*login]).collect();
    let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
    assert!(spread <= 1, "fair rotation across replicas: {turns:?}");
    for baton in [&a, &b] {
        let taken = baton
            .metric("baton_events_total{source=\"github\"")
            .await
            .unwrap_or(0.0);
        assert!(taken > 0.0, "both replicas acted on deliveries: {taken}");
    }
}

#[tokio::test]
async fn a_replica_killed_mid_send_leaves_its_messages_to_the_other_once_each() {
    let Some(url) = database().await else { return };
    let (slack, world) = fake_slack().await;
    let github = fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let mut env = settings(&slack_api, &github_api);
    env.push(("BATON_DATABASE_URL", &url));
    env.push(("BATON_OUTBOX_LEASE", "2s"));
    // Slack keeps each post but answers late, so the kill lands mid-send.
    world.set(|m| m.hold = Some(Duration::from_millis(200)));
    let mut sender = Baton::start(&env).await;
    common::review_pool::set_up(&sender).await;
    const PULL_REQUESTS: u64 = 16;
    for n in 1..=PULL_REQUESTS {
        assert!(deliver(sender.port, n).await, "delivery #{n} acknowledged");
    }
    // The first replica has claimed the queue and is sending; the second
    // starts, finds the queue leased, and waits.
    let survivor = Baton::start(&env).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let before_kill = world.posts().len();
    sender.kill9();
    survivor.drained().await;
    world.set(|m| m.hold = None);

    let posts = posts_per_pull_request(&world);
    let reviewers = requested_reviewers(&github).await;
    eprintln!(
        "replica kill: {before_kill} posts before the kill, {} after; survivor recorded {} from history",
        world.posts().len(),
        survivor.stderr().matches("the post had arrived before").count()
    );
    assert!(
        before_kill < PULL_REQUESTS as usize,
        "the kill landed while messages were still queued"
    );
    for n in 1..=PULL_REQUESTS {
        assert_eq!(posts.get(&n), Some(&1), "pull request #{n}: one Slack post");
        assert_eq!(
            reviewers.get(&n).map(BTreeSet::len),
            Some(1),
            "pull request #{n}: one reviewer requested"
        );
    }
}

/// The replies Baton gives to the read commands of every feature.
async fn read_commands(baton: &Baton) -> Vec<String> {
    let mut out = Vec::new();
    for (channel, text) in [
        (CHANNEL, "reviewers list"),
        ("C0OPS", "locks"),
        ("C0ERRORS", "errors list"),
    ] {
        let reply = baton.command(channel, ADMIN, text).await;
        // A lock's time left depends on when it is asked.
        let left = regex::Regex::new(r"\([^()]* left\)").unwrap();
        out.push(left.replace_all(&reply, "(… left)").into_owned());
    }
    out
}

#[tokio::test]
async fn a_data_file_migrated_to_postgres_answers_as_before_and_the_rotation_goes_on() {
    let Some(url) = database().await else { return };
    let slack = common::fake_slack::ok().await;
    let github = fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let env = settings(&slack_api, &github_api);
    // State from every feature on the embedded file.
    let mut original = Baton::start(&env).await;
    common::review_pool::set_up(&original).await;
    for n in 1..=4 {
        assert!(deliver(original.port, n).await);
    }
    let lock = original
        .command("C0OPS", ADMIN, "lock production for 2h release freeze")
        .await;
    assert!(lock.to_lowercase().contains("locked"), "{lock}");
    let subscribed = original
        .command("C0ERRORS", ADMIN, "errors subscribe service=api")
        .await;
    assert!(subscribed.contains("Subscribed"), "{subscribed}");
    let report = serde_json::to_vec(&serde_json::json!({
        "service": "api", "level": "error", "message": "payment failed"
    }))
    .unwrap();
    assert!(original
        .hook("/hooks/errors", &report)
        .await
        .status()
        .is_success());
    original.drained().await;
    let before = read_commands(&original).await;
    assert_eq!(original.terminate(), Some(0));

    let data = original.dir.join("baton.redb");
    let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["migrate", "--from", data.to_str().unwrap(), "--to", &url])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&migrated.stdout);
    assert!(
        migrated.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(said.contains("OK:"), "{said}");
    // A second run into the now full database is refused, changing nothing.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["migrate", "--from", data.to_str().unwrap(), "--to", &url])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));

    let github_after = fake_github::ok().await;
    let github_after_api = github_after.uri();
    let mut env = settings(&slack_api, &github_after_api);
    env.push(("BATON_DATABASE_URL", &url));
    let moved = Baton::start(&env).await;
    assert_eq!(
        read_commands(&moved).await,
        before,
        "same answers after the move"
    );

    // The rotation continues where it was: the next pull request goes to
    // whoever the file would have picked next.
    let github_control = fake_github::ok().await;
    original.env.retain(|(k, _)| k != "GITHUB_API_URL");
    original
        .env
        .push(("GITHUB_API_URL".into(), github_control.uri()));
    original.spawn().await;
    assert!(deliver(moved.port, 5).await);
    assert!(deliver(original.port, 5).await);
    moved.drained().await;
    original.drained().await;
    let picked_after_move = requested_reviewers(&github_after).await;
    let picked_by_file = requested_reviewers(&github_control).await;
    assert_eq!(picked_after_move.get(&5).map(BTreeSet::len), Some(1));
    assert_eq!(picked_after_move.get(&5), picked_by_file.get(&5));
}
