//! Several Baton replicas on one PostgreSQL database, black-box: real
//! `baton serve` processes, a real PostgreSQL server (see
//! `baton_state::testing`), and the fake Slack that keeps what it is sent.
//! Effects are counted on the fakes: each pull request assigned once, each
//! Slack post sent once, across a replica killed with `kill -9`; and a data
//! file moved with `baton migrate` answers as before.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::review_pool::{ADMIN, CHANNEL, POOL};
use common::slack_world::{deliver, fake_slack, pr_number, requested_reviewers, settings};
use common::{eventually, fake_github, Baton};

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

/// A fake Slack that keeps what it is sent, a fake GitHub, and the
/// settings of a replica on the database at `url` using them.
async fn fakes_and_settings(
    url: &str,
) -> (
    common::slack_world::FakeSlack,
    std::sync::Arc<common::slack_world::World>,
    wiremock::MockServer,
    Vec<(String, String)>,
) {
    let (slack, world) = fake_slack().await;
    let github = fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let mut env: Vec<(String, String)> = settings(&slack_api, &github.uri())
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push(("BATON_DATABASE_URL".into(), url.into()));
    (slack, world, github, env)
}

/// `env` as `Baton::start` takes it.
fn pairs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn two_replicas_assign_each_pull_request_once_and_post_it_once() {
    let Some(url) = database().await else { return };
    let (_slack, world, github, env) = fakes_and_settings(&url).await;
    let a = Baton::start(&pairs(&env)).await;
    let b = Baton::start(&pairs(&env)).await;
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
    let (_slack, world, github, mut env) = fakes_and_settings(&url).await;
    env.push(("BATON_OUTBOX_LEASE".into(), "2s".into()));
    // Slack commits each post within 200 ms: the survivor waits 2 s after
    // taking a post over before looking for it, not the default 15 s.
    env.push(("BATON_OUTBOX_LATE_GRACE".into(), "2s".into()));
    let env = pairs(&env);
    // Slack keeps each post but answers a second late, so the kill lands
    // mid-send (the queue takes 16 s to send this way).
    world.set(|m| m.hold = Some(Duration::from_secs(1)));
    let mut sender = Baton::start(&env).await;
    common::review_pool::set_up(&sender).await;
    const PULL_REQUESTS: u64 = 16;
    for n in 1..=PULL_REQUESTS {
        assert!(deliver(sender.port, n).await, "delivery #{n} acknowledged");
    }
    // The first replica has claimed the queue and is sending; the second
    // starts, finds the queue leased, and waits.
    let survivor = Baton::start(&env).await;
    eventually(20, "the first replica is sending", || async {
        !world.posts().is_empty()
    })
    .await;
    let before_kill = world.posts().len();
    sender.kill9();
    world.set(|m| m.hold = None);
    survivor.drained().await;

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
    // A lock's time left depends on when it is asked.
    let left = regex::Regex::new(r"\([^()]* left\)").unwrap();
    for (channel, text) in [
        (CHANNEL, "reviewers list"),
        ("C0OPS", "locks"),
        ("C0ERRORS", "errors list"),
    ] {
        let reply = baton.command(channel, ADMIN, text).await;
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

/// A TCP proxy in front of PostgreSQL that can be cut (every connection
/// through it dropped, new ones refused at once) and restored.
struct Proxy {
    addr: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            cut: Default::default(),
            links: Default::default(),
        };
        let (cut, links) = (proxy.cut.clone(), proxy.links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is closed at once
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                links.lock().unwrap().push(link.abort_handle());
            }
        });
        proxy
    }

    fn set_cut(&self, cut: bool) {
        self.cut.store(cut, std::sync::atomic::Ordering::SeqCst);
        if cut {
            for link in self.links.lock().unwrap().drain(..) {
                link.abort();
            }
        }
    }
}

#[tokio::test]
async fn while_the_database_is_unreachable_readyz_and_writes_answer_503_and_nothing_is_half_done() {
    let Some(url) = database().await else { return };
    let host = regex::Regex::new(r"@([^/@]+)/").unwrap();
    let upstream = host.captures(&url).unwrap()[1].to_string();
    let proxy = Proxy::start(upstream.clone()).await;
    let proxied = url.replace(&upstream, &proxy.addr.to_string());
    let slack = common::fake_slack::ok().await;
    let github = fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let mut env = settings(&slack_api, &github_api);
    env.push(("BATON_DATABASE_URL", &proxied));
    let baton = Baton::start(&env).await;
    common::review_pool::set_up(&baton).await;
    assert!(deliver(baton.port, 1).await);

    proxy.set_cut(true);
    assert!(
        !deliver(baton.port, 2).await,
        "a write answers an error while cut"
    );
    let status = |baton: &Baton| {
        let url = baton.url("/readyz");
        let http = baton.http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    common::eventually(10, "readyz answers 503", || async {
        status(&baton).await == 503
    })
    .await;
    let answer = baton
        .http
        .post(baton.url("/github/webhook"))
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", "kill-2")
        .header(
            "X-Hub-Signature-256",
            common::github_signature(&common::slack_world::pull_request(2)),
        )
        .header("Content-Type", "application/json")
        .body(common::slack_world::pull_request(2))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503, "GitHub is told to redeliver");

    proxy.set_cut(false);
    common::eventually(20, "readyz answers 200 again", || async {
        status(&baton).await == 200
    })
    .await;
    assert!(deliver(baton.port, 2).await, "the redelivery is taken");
    baton.drained().await;
    let reviewers = requested_reviewers(&github).await;
    for n in [1, 2] {
        assert_eq!(
            reviewers.get(&n).map(BTreeSet::len),
            Some(1),
            "pull request #{n}: assigned once"
        );
    }
}

#[tokio::test]
async fn an_error_window_spread_over_two_replicas_posts_once_and_its_timer_updates_once() {
    let Some(url) = database().await else { return };
    let slack = common::fake_slack::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    // Both replicas read one standing clock: the window stays open however
    // long the 40 reports take, and closes when the test moves the clock.
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let env = [
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", slack_api.as_str()),
        ("BATON_ERROR_WINDOW", "10m"),
        ("BATON_TICK_EVERY", "1s"),
        ("BATON_DATABASE_URL", url.as_str()),
        (setting, file.as_str()),
    ];
    let a = Baton::start(&env).await;
    let b = Baton::start(&env).await;
    let subscribed = a
        .command("C0ERRORS", ADMIN, "errors subscribe service=checkout")
        .await;
    assert!(subscribed.contains("Subscribed"), "{subscribed}");
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..40 {
        let baton = if i % 2 == 0 { &a } else { &b };
        let body = serde_json::to_vec(&serde_json::json!({
            "service": "checkout", "level": "error",
            "message": format!("Order {i} failed: card declined"),
        }))
        .unwrap();
        sends.spawn(baton.post_error(body));
    }
    while let Some(status) = sends.join_next().await {
        assert_eq!(status.unwrap(), 202);
    }
    clock.advance(601);
    // Both replicas run the window's timer; the count update is sent once.
    common::eventually(20, "the count update after the window closes", || async {
        !common::fake_slack::calls(&slack, "chat.update")
            .await
            .is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    a.drained().await;
    let posts: Vec<_> = common::fake_slack::calls(&slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == "C0ERRORS" && p["text"].as_str().unwrap_or("").contains(" ["))
        .collect();
    assert_eq!(posts.len(), 1, "one post for the window: {posts:#?}");
    let updates = common::fake_slack::calls(&slack, "chat.update").await;
    assert_eq!(updates.len(), 1, "one count update: {updates:#?}");
    assert!(updates[0]["blocks"].to_string().contains("seen 40 times"));
}

#[tokio::test]
async fn a_query_answers_while_a_lock_holds_every_write_back() {
    let Some(url) = database().await else { return };
    let (_slack, _world, _github, env) = fakes_and_settings(&url).await;
    let baton = Baton::start(&pairs(&env)).await;
    common::review_pool::set_up(&baton).await;

    // Another session locks the records table for 4 s: EXCLUSIVE mode lets
    // plain reads through, but no write and no `SELECT … FOR UPDATE`.
    let mut lock = std::process::Command::new("psql")
        .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg("BEGIN; LOCK TABLE records IN EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql (PostgreSQL's client) runs the lock");
    let held = "SELECT count(*) FROM pg_locks WHERE relation = 'records'::regclass AND mode = 'ExclusiveLock'";
    common::eventually(10, "the lock is held", || {
        let url = url.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let out = std::process::Command::new("psql")
                    .args([url.as_str(), "-Atc", held])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).trim() == "1"
            })
            .await
            .unwrap()
        }
    })
    .await;

    // A change waits for the lock; a query does not wait for the change.
    let change = baton.command(CHANNEL, ADMIN, "reviewers add newbie <@U0NEWBIE>");
    tokio::pin!(change);
    let list = tokio::select! {
        list = baton.command(CHANNEL, ADMIN, "reviewers list") => list,
        reply = &mut change => panic!("a change went through the lock: {reply}"),
    };
    assert!(
        lock.try_wait().unwrap().is_none(),
        "the query answered only after the lock was gone"
    );
    for (login, _) in POOL {
        assert!(list.contains(login), "{login} in {list}");
    }
    assert!(!list.contains("newbie"), "{list}");
    let reply = change.await;
    assert!(
        reply.starts_with("Done."),
        "the change lands after the lock: {reply}"
    );
    assert!(lock.wait().unwrap().success());
}
