//! Catch-up after downtime, black-box: pull requests GitHub tried to deliver
//! while Baton was stopped are read back from the webhook's deliveries
//! (a fake GitHub serving a paged list and each delivery's payload: real
//! corpus `pull_request` payloads) and applied once each, in delivery order,
//! through the webhook's own path.

use crate::common;

use std::time::Duration;

use common::fake_deliveries;
use common::review_pool::{self, pull_request};
use common::{eventually, Baton};
use wiremock::MockServer;

const HOOK: &str = "Codertocat/Hello-World:1";
const DELIVERIES: &str = "/repos/Codertocat/Hello-World/hooks/1/deliveries";

/// The pull request numbers GitHub was asked to request reviewers on, in order.
async fn requested_numbers(github: &MockServer) -> Vec<u64> {
    github
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/requested_reviewers"))
        .map(|r| r.url.path().split('/').nth(5).unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn pull_requests_sent_while_baton_was_down_are_assigned_once_in_order() {
    let github = common::fake_github::ok().await;
    let deliveries = fake_deliveries::mount(&github, DELIVERIES).await;
    let github_api = github.uri();
    let mut baton = Baton::start(&[
        ("GITHUB_TOKEN", "ghp-test"),
        ("GITHUB_API_URL", github_api.as_str()),
        ("BATON_GITHUB_HOOKS", HOOK),
        ("BATON_GITHUB_CATCH_UP_EVERY", "1s"),
    ])
    .await;
    review_pool::set_up(&baton).await;
    let t0 = common::now() - 3600;

    // While Baton runs: three pull requests delivered and answered (GitHub
    // records 200), and one whose answer GitHub did not see in time (it
    // records a failure, though Baton committed it).
    for n in 1..=4u64 {
        let body = pull_request("opened", n, "mojombo");
        let status_code = if n == 4 { 0 } else { 200 };
        let guid = deliveries.add(n, "pull_request", status_code, t0 + n as i64, &body);
        assert!(baton
            .github("pull_request", &guid, &body)
            .await
            .status()
            .is_success());
    }
    baton.drained().await;
    // A catch-up round sees them: the one recorded as failed is fetched and
    // found already applied; a later round means the checkpoint is saved.
    eventually(10, "catch-up looked at delivery 4", || async {
        deliveries.fetches(4) == 1
    })
    .await;
    let lists = deliveries.list_requests();
    eventually(10, "another catch-up round", || async {
        deliveries.list_requests() > lists
    })
    .await;
    assert_eq!(requested_numbers(&github).await, [1, 2, 3, 4]);
    assert_eq!(baton.terminate(), Some(0));

    // While Baton is stopped: 20 pull requests GitHub could not deliver,
    // and an event kind Baton does not handle.
    for i in 0..20u64 {
        let number = 101 + i;
        let id = 10 + i;
        deliveries.add(
            id,
            "pull_request",
            0,
            t0 + 100 + i as i64,
            &pull_request("opened", number, "mojombo"),
        );
    }
    deliveries.add(
        30,
        "star",
        0,
        t0 + 200,
        br#"{"action":"created","repository":{"id":1}}"#,
    );

    baton.spawn().await;
    eventually(20, "the 20 missed pull requests assigned", || async {
        requested_numbers(&github).await.len() >= 24
    })
    .await;
    baton.drained().await;
    // Let a second round run: it must change nothing.
    let lists = deliveries.list_requests();
    eventually(10, "another catch-up round", || async {
        deliveries.list_requests() > lists
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let expected: Vec<u64> = (1..=4).chain(101..=120).collect();
    assert_eq!(
        requested_numbers(&github).await,
        expected,
        "each once, in delivery order"
    );
    for id in 10..30 {
        assert_eq!(deliveries.fetches(id), 1, "delivery {id} fetched once");
    }
    for id in 1..=3 {
        assert_eq!(
            deliveries.fetches(id),
            0,
            "delivery {id} was answered 200: never fetched"
        );
    }
    assert_eq!(
        deliveries.fetches(4),
        1,
        "delivery 4 is older than the checkpoint: not fetched again"
    );
    assert_eq!(
        deliveries.fetches(30),
        0,
        "an event kind Baton does not handle is not fetched"
    );
    assert_eq!(
        baton
            .metric("baton_github_caught_up_total{event=\"pull_request\"}")
            .await,
        Some(20.0)
    );
    assert!(
        baton.stderr().contains("recovered 20 missed deliveries"),
        "{}",
        baton.stderr()
    );
}
