//! A real full disk, black-box: Baton's data file and its log (stderr) on a
//! small tmpfs of their own, which another file fills while pull requests
//! arrive and their Slack posts and GitHub review requests go out. While
//! the disk is full, writes answer 503 and `/readyz` says why; once space
//! returns, Baton accepts writes and sends again without a restart, every
//! acknowledged pull request has exactly one post and one review request,
//! and every refused one has none.
//!
//! Mounting needs root (CI runs as root); elsewhere the test says why it
//! skips. The filesystem is unmounted by a drop guard, after Baton stops.

use crate::common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::slack_world::{fake_slack, pr_number, pull_request, settings};
use common::Baton;

/// The size of the filesystem: room for Baton's file and log, little more.
const TMPFS_SIZE: &str = "16m";
/// How long the disk stays full at least: over a few of Baton's tries to
/// reopen the data file, more than one period of its refusal log.
const FAULT_AT_LEAST: Duration = Duration::from_secs(12);

/// A tmpfs mounted on a fresh folder, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mount one, or say why not (not root, mounting not permitted).
    fn mount() -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={TMPFS_SIZE}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs { dir })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Something still holds a file there: detach it now, it goes
            // when the last holder does.
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// Fill the filesystem holding `path` with one file, to the last byte.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    for chunk in [1 << 20, 4096, 1] {
        let block = vec![0x5a_u8; chunk];
        while file.write_all(&block).is_ok() {}
    }
    // What was written stays (tmpfs keeps it in memory); nothing to sync.
}

/// What became of one delivery: its status, or `None` if no answer came.
type Answers = Arc<Mutex<Vec<(u64, Instant, Option<u16>)>>>;

/// Deliver pull request `n` (delivery `disk-{n}`); its status, if answered.
async fn deliver(client: &reqwest::Client, port: u16, n: u64) -> Option<u16> {
    let body = pull_request(n);
    client
        .post(format!("http://127.0.0.1:{port}/github/webhook"))
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", format!("disk-{n}"))
        .header("X-Hub-Signature-256", common::github_signature(&body))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// Pull requests delivered one after another until `stop`, each answer kept.
fn traffic(port: u16, answers: Answers, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            let sent = Instant::now();
            let status = deliver(&client, port, n).await;
            answers.lock().unwrap().push((n, sent, status));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

async fn readyz(baton: &Baton) -> Option<(u16, String)> {
    let response = baton.http.get(baton.url("/readyz")).send().await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.unwrap_or_default()))
}

#[tokio::test]
async fn a_full_disk_under_outbox_traffic_answers_503_and_recovers_without_a_restart() {
    let tmpfs = match Tmpfs::mount() {
        Ok(tmpfs) => tmpfs,
        Err(reason) => {
            eprintln!("SKIPPED a_full_disk_under_outbox_traffic…: needs a tmpfs: {reason}");
            return;
        }
    };
    let (slack, world) = fake_slack().await;
    let github = common::fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    // Declared after the mount: dropped (killed) before it is unmounted.
    let baton = Baton::start_in(tmpfs.path(), &settings(&slack_api, &github_api)).await;
    common::review_pool::set_up(&baton).await;

    let answers: Answers = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sender = traffic(baton.port, answers.clone(), stop.clone());
    let statuses = |since: Instant, status: u16| {
        answers
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, sent, got)| *sent >= since && *got == Some(status))
            .count()
    };
    let start = Instant::now();
    common::eventually(60, "pull requests are acknowledged and posted", || async {
        statuses(start, 200) >= 3 && world.posts().len() >= 3
    })
    .await;

    // Another file takes every byte left: the data file, the log and any
    // file Baton would create all meet a full disk.
    let filler = tmpfs.path().join("filler");
    fill(&filler);
    let full = Instant::now();
    common::eventually(120, "a delivery is refused with 503", || async {
        statuses(full, 503) >= 1
    })
    .await;
    let unready_reason = Mutex::new(String::new());
    common::eventually(60, "readyz answers 503 with the reason", || async {
        match readyz(&baton).await {
            Some((503, reason)) => {
                *unready_reason.lock().unwrap() = reason;
                true
            }
            _ => false,
        }
    })
    .await;
    let reason = unready_reason.into_inner().unwrap();
    assert!(reason.contains("store unavailable"), "{reason}");
    assert!(reason.contains("No space left on device"), "{reason}");
    // The writer lives through refusal after refusal (it used to stop for
    // good at the first), and the disk stays full across several of
    // Baton's tries to reopen the file (every 2 s).
    let first_refusal = Instant::now();
    common::eventually(
        60,
        "more deliveries are refused over a few seconds",
        || async { statuses(first_refusal, 503) >= 5 && full.elapsed() >= FAULT_AT_LEAST },
    )
    .await;
    assert_eq!(
        statuses(first_refusal, 200),
        0,
        "nothing is acknowledged while the disk is full"
    );
    assert!(
        matches!(readyz(&baton).await, Some((503, _))),
        "still unready"
    );

    // Space returns: writes and sends resume without a restart.
    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    common::eventually(
        60,
        "a delivery after space returned is acknowledged",
        || async { statuses(freed, 200) >= 1 },
    )
    .await;
    let writable_after = freed.elapsed();
    common::eventually(30, "readyz answers 200 again", || async {
        matches!(readyz(&baton).await, Some((200, _)))
    })
    .await;
    let acknowledged_again = Instant::now();
    common::eventually(60, "more deliveries are acknowledged", || async {
        statuses(acknowledged_again, 200) >= 3
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    sender.await.unwrap();
    baton.drained().await;

    // Effects, counted on the fakes.
    let answers = answers.lock().unwrap().clone();
    let mut posts: BTreeMap<u64, usize> = BTreeMap::new();
    for post in world.posts() {
        if let Some(n) = pr_number(&post) {
            *posts.entry(n).or_default() += 1;
        }
    }
    let mut requests: BTreeMap<u64, usize> = BTreeMap::new();
    for r in github.received_requests().await.unwrap_or_default() {
        if r.method.as_str() == "POST" && r.url.path().ends_with("/requested_reviewers") {
            let n: u64 = r.url.path().split('/').nth(5).unwrap().parse().unwrap();
            *requests.entry(n).or_default() += 1;
        }
    }
    let count = |status: Option<u16>| answers.iter().filter(|a| a.2 == status).count();
    let log = baton.stderr();
    eprintln!(
        "full disk drill: {} deliveries, {} acknowledged, {} refused (503), {} other; \
         writable {:.2} s after space returned; log {} bytes",
        answers.len(),
        count(Some(200)),
        count(Some(503)),
        answers.len() - count(Some(200)) - count(Some(503)),
        writable_after.as_secs_f64(),
        log.len(),
    );
    for (n, _, status) in &answers {
        let (posted, requested) = (
            posts.get(n).copied().unwrap_or(0),
            requests.get(n).copied().unwrap_or(0),
        );
        match status {
            Some(200) => {
                assert_eq!(posted, 1, "#{n} acknowledged: exactly one Slack post");
                assert_eq!(requested, 1, "#{n} acknowledged: one review request");
            }
            Some(503) => {
                assert_eq!(posted, 0, "#{n} refused: nothing posted");
                assert_eq!(requested, 0, "#{n} refused: nothing requested");
            }
            other => {
                assert!(posted <= 1, "#{n} ({other:?}): posted {posted} times");
                assert!(
                    requested <= 1,
                    "#{n} ({other:?}): requested {requested} times"
                );
            }
        }
    }
    assert!(
        !log.contains("panicked"),
        "nothing panicked under the full disk:\n{log}"
    );
    // The log: the refusals at most once per period with a count (written
    // when the log's own disk let them through), never a line per request,
    // and the total once writes work again.
    let periods = 2 + (freed - full).as_secs() as usize / 10;
    assert!(
        log.matches("the store refuses writes").count() <= periods,
        "refusals logged at most once per period:\n{log}"
    );
    assert!(
        !log.contains("write failed; answering 503") && !log.contains("request failed"),
        "no line per refused request:\n{log}"
    );
    assert!(
        log.contains("the store takes writes again"),
        "the recovery is logged with the count refused:\n{log}"
    );
}
