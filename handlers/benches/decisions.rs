//! Benchmark of the reviewer decision alone (no I/O): a pool of 50 with
//! 1,000 open review assignments between them, in both modes, plus the JSON
//! round trip of the pool that every delivery pays in the state crate.
//!
//! `cargo bench -p baton-handlers --bench decisions`

use std::hint::black_box;
use std::time::Instant;

use baton_handlers::github::PullRequestEvent;
use baton_handlers::reviewers::{on_pull_request, Away, Member, Mode, People, Pool};

const DECISIONS: usize = 20_000;

fn pool(mode: Mode) -> (Pool, People) {
    let mut pool = Pool::new("CBENCH");
    pool.mode = mode;
    pool.repos = vec!["octo/*".into()];
    let mut people = People::default();
    for i in 0..50u32 {
        let mut member = Member::new(format!("dev-{i}"));
        member.assigned = 100 + i % 3;
        member.last_assigned_at = Some(1_700_000_000 + i64::from(i));
        pool.members.push(member);
        people
            .slack_users
            .insert(format!("dev-{i}"), format!("U{i:08}"));
        // 1,000 open in all, counted from the review records.
        people
            .open_reviews
            .insert(format!("dev-{i}"), 20 + (i % 5) - 2);
    }
    for i in 0..5 {
        people
            .away
            .insert(format!("dev-{}", i * 7), Away { until: None });
    }
    (pool, people)
}

fn pull_request(n: u64) -> PullRequestEvent {
    PullRequestEvent {
        action: "opened".into(),
        repo: "octo/api".into(),
        number: n,
        title: format!("Make thing {n} faster"),
        html_url: format!("https://github.com/octo/api/pull/{n}"),
        author: format!("dev-{}", n % 50),
        author_is_bot: false,
        body: String::new(),
        draft: false,
        merged: false,
        additions: 120,
        deletions: 30,
        changed_files: 4,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    }
}

fn main() {
    for mode in [Mode::RoundRobin, Mode::LoadBalance] {
        let (mut pool, people) = pool(mode);
        let start = Instant::now();
        for n in 0..DECISIONS as u64 {
            let outcome = on_pull_request(
                &pool,
                None,
                &pull_request(n),
                &people,
                1_800_000_000 + n as i64,
            );
            if let Some(next) = outcome.pool().cloned() {
                pool = next;
            }
            black_box(&outcome.outbound);
        }
        let per = start.elapsed().as_nanos() as f64 / DECISIONS as f64;
        println!(
            "{:<12} decision, pool of 50, 1,000 open: {:>8.1} µs per pull request",
            mode.name(),
            per / 1000.0
        );
    }
    let (pool, _) = pool(Mode::RoundRobin);
    let start = Instant::now();
    for _ in 0..DECISIONS {
        let bytes = serde_json::to_vec(black_box(&pool)).unwrap();
        black_box(serde_json::from_slice::<Pool>(&bytes).unwrap());
    }
    let per = start.elapsed().as_nanos() as f64 / DECISIONS as f64;
    println!(
        "pool JSON round trip (50 members):                 {:>8.1} µs",
        per / 1000.0
    );
    // Parsing the real `pull_request` opened delivery (28 KB), the cost
    // every webhook pays before any decision.
    let payload = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/pull_request/opened.payload.json"
    ))
    .expect("the corpus sits beside the repository");
    let start = Instant::now();
    for _ in 0..DECISIONS {
        black_box(baton_handlers::github::parse("pull_request", black_box(&payload)).unwrap());
    }
    let per = start.elapsed().as_nanos() as f64 / DECISIONS as f64;
    println!(
        "parse pull_request opened ({} KB):                {:>8.1} µs",
        payload.len() / 1000,
        per / 1000.0
    );
}
