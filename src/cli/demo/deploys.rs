//! The demo's deploys scenario: a channel watches a service, a CI script
//! reports a deploy that starts and then fails with a log tail (through
//! `POST /hooks/deploy`, as `baton notify deploy` does), and someone locks
//! production, seen through `/baton locks` and `GET /api/locks/production`;
//! a second person queues for the lock, and a deploy GitHub holds for
//! Baton's protection rule (`deploys gate`) waits on the lock until it is
//! released. Each step checks Baton's answer, so the summary states what
//! happened.

use anyhow::{ensure, Context as _};
use serde_json::json;

use super::Demo;

const CHANNEL: &str = "CDEPLOYS";
const ADMIN: &str = "UALICE";
const ONCALL: &str = "UBOB";
const RELEASER: &str = "UCAROL";

/// The failing deploy's log, 12 lines, as a CI job would print it.
fn log_tail() -> String {
    [
        "$ ./scripts/deploy.sh checkout-api production v2.14.1",
        "==> building image checkout-api:v2.14.1",
        "==> pushing registry.example.com/checkout-api:v2.14.1",
        "==> running migrations",
        "   applied 0042_add_order_index",
        "   applying 0043_split_orders_table ...",
        "ERROR: relation \"orders_archive\" already exists",
        "   migration 0043 failed after 12.4s",
        "==> rolling back to v2.14.0",
        "   rollback complete",
        "deploy failed: migration error (exit 1)",
        "see https://ci.example.com/builds/8812 for the full log",
    ]
    .join("\n")
}

/// Drive the scenario; returns summary lines.
pub async fn run(demo: &Demo) -> anyhow::Result<Vec<String>> {
    let mut summary = Vec::new();

    demo.say("An admin asks #deploys to follow checkout-api in production");
    demo.command(CHANNEL, ADMIN, "deploys watch checkout-api production")
        .await?;

    demo.say("CI reports the deploy starting (POST /hooks/deploy)");
    let deploy = json!({
        "service": "checkout-api",
        "environment": "production",
        "version": "v2.14.1",
        "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "status": "started",
        "url": "https://ci.example.com/builds/8812",
        "actor": "octocat",
        "deploy_id": "8812",
    });
    let (status, answer) = demo.hook("/hooks/deploy", &deploy).await?;
    println!("  ↳ HTTP {status} {answer}");
    ensure!(
        status == 202 && answer["channels"] == json!([CHANNEL]),
        "the start was not accepted for {CHANNEL}: {status} {answer}"
    );
    demo.drain().await?;

    demo.say("The migration fails; the CI failure trap reports it with the log's last lines");
    let tail = log_tail();
    let mut failed = deploy.clone();
    failed["status"] = json!("failed");
    failed["log_tail"] = json!(tail);
    let (status, answer) = demo.hook("/hooks/deploy", &failed).await?;
    println!("  ↳ HTTP {status} {answer}");
    ensure!(
        status == 202 && answer["status"] == "failure",
        "the failure was not accepted: {status} {answer}"
    );
    demo.drain().await?;
    summary.push(format!(
        "a deploy posted once, updated in place, failed with a {}-line log tail in its thread",
        tail.lines().count()
    ));

    demo.say("The on-call engineer locks production while the table is repaired");
    let reply = demo
        .command(
            CHANNEL,
            ONCALL,
            "lock production for 2h repairing the orders table",
        )
        .await?;
    ensure!(reply.starts_with("Locked"), "lock refused: {reply}");
    demo.drain().await?;
    let locks = demo.command(CHANNEL, ADMIN, "locks").await?;
    ensure!(locks.contains("`production`"), "/baton locks: {locks}");

    demo.say("A deploy script checks the lock before deploying (GET /api/locks/production)");
    let (locked, lock) = demo
        .api_get("/api/locks/production")
        .await
        .context("reading the lock")?;
    println!("  ↳ HTTP {locked} {lock}");
    ensure!(
        locked == 423,
        "expected 423 for a locked environment, got {locked}"
    );

    demo.say("The release manager wants production next: she joins the lock's queue");
    let queued = demo
        .command(CHANNEL, RELEASER, "lock production for 1h release 2.15")
        .await?;
    ensure!(
        queued.contains("#1 in its queue"),
        "not queued for the lock: {queued}"
    );

    demo.say("An admin makes #deploys the gate of octo-org/checkout in production (Baton as its GitHub deployment protection rule)");
    let gate = demo
        .command(CHANNEL, ADMIN, "deploys gate octo-org/checkout production")
        .await?;
    ensure!(gate.contains("now guards"), "gate refused: {gate}");

    demo.say("GitHub holds a deploy of checkout to production and asks Baton (deployment_protection_rule)");
    let status = demo
        .github("deployment_protection_rule", &protection_rule(demo))
        .await?;
    ensure!(
        status == 200,
        "the protection rule request was refused: {status}"
    );
    demo.drain().await?;
    println!("  ↳ it waits on the lock: posted in {CHANNEL} with who holds it, Approve anyway and Reject");

    demo.say("The repair is done: unlock; the lock passes to the release manager, so the deploy keeps waiting");
    let unlocked = demo.command(CHANNEL, ONCALL, "unlock production").await?;
    ensure!(
        unlocked.contains("It passes to"),
        "the lock did not pass on: {unlocked}"
    );
    demo.drain().await?;

    demo.say(
        "She releases it too: production is free, and Baton answers GitHub that the deploy may go",
    );
    demo.command(CHANNEL, RELEASER, "unlock production").await?;
    demo.drain().await?;
    let (free, body) = demo.api_get("/api/locks/production").await?;
    println!("  ↳ HTTP {free} {body}");
    ensure!(free == 200, "expected 200 after unlocking, got {free}");
    summary.push(format!(
        "production locked: /api/locks answered {locked} (locked by {}), {free} after unlock",
        lock["by"].as_str().unwrap_or("?")
    ));
    summary.push(
        "a deploy held by GitHub waited on the production lock (queued hand-over included) and was approved when it was released"
            .to_string(),
    );
    Ok(summary)
}

/// A `deployment_protection_rule` request as GitHub sends it, its callback
/// on the configured GitHub API.
fn protection_rule(demo: &Demo) -> serde_json::Value {
    json!({
        "action": "requested",
        "environment": "production",
        "event": "push",
        "deployment_callback_url": format!(
            "{}/repos/octo-org/checkout/actions/runs/4242/deployment_protection_rule",
            demo.github_api_url
        ),
        "deployment": {"id": 4242, "environment": "production"},
        "ref": "main",
        "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "repository": {"full_name": "octo-org/checkout", "name": "checkout", "owner": {"login": "octo-org"}},
        "sender": {"login": "octocat"},
        "installation": {"id": 42}
    })
}
