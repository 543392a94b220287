//! The demo's errors scenario: a channel subscribes to checkout errors, a
//! burst of one error (differing only in its ids) arrives, Baton posts it
//! once, and when the window closes (2 s in the demo) the next tick updates
//! that message with the count.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde_json::json;

use super::Demo;

const CHANNEL: &str = "CINCIDENTS";
const BURST: usize = 25;

/// Drive the scenario; returns summary lines.
pub async fn run(demo: &Demo) -> anyhow::Result<Vec<String>> {
    demo.say("#incidents subscribes to checkout errors");
    demo.command(
        CHANNEL,
        "UALICE",
        "errors subscribe service=checkout level=error",
    )
    .await?;
    demo.drain().await?;

    demo.say(&format!(
        "checkout reports the same failure {BURST} times (only the order id differs)"
    ));
    let mut fingerprint = String::new();
    for i in 0..BURST {
        let report = json!({
            "service": "checkout",
            "environment": "production",
            "level": "error",
            "message": format!("Payment for order {} failed: card declined", 48_100 + i * 7),
            "exception": {"type": "CardDeclined", "value": "issuer said no"},
            "stacktrace": [
                {"function": "charge", "filename": "billing/payments.py", "lineno": 88},
                {"function": "checkout", "filename": "shop/views.py", "lineno": 210}
            ],
        });
        let (status, answer) = demo.hook("/hooks/errors", &report).await?;
        if status != 202 {
            bail!("error report answered {status}: {answer}");
        }
        fingerprint = answer["fingerprint"]
            .as_str()
            .context("the answer names the fingerprint")?
            .to_string();
    }
    println!("  {BURST} reports accepted (202), all with fingerprint {fingerprint}");
    demo.drain().await?;

    demo.say(
        "the 2-second window closes; the next tick (every 5 s) updates the message with its count",
    );
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(7_200)).await;
    demo.drain().await?;
    println!(
        "  (waited {:.1} s for the window and the tick)",
        started.elapsed().as_secs_f64()
    );

    demo.say(&format!(
        "someone mutes it from the message: `/baton errors mute {fingerprint} for 1h`"
    ));
    demo.command(
        CHANNEL,
        "UBOB",
        &format!("errors mute {fingerprint} for 1h"),
    )
    .await?;
    let (_, answer) = demo
        .hook(
            "/hooks/errors",
            &json!({"service": "checkout", "message": "Payment for order 99999 failed: card declined",
                    "exception": {"type": "CardDeclined", "value": "issuer said no"},
                    "stacktrace": [
                        {"function": "charge", "filename": "billing/payments.py", "lineno": 88},
                        {"function": "checkout", "filename": "shop/views.py", "lineno": 210}
                    ]}),
        )
        .await?;
    println!(
        "  another occurrence: muted={} (counted, not posted)",
        answer["muted"]
    );
    demo.drain().await?;

    Ok(vec![format!(
        "{BURST} error reports became 1 message and 1 count update (\"seen {BURST} times\"); a mute silenced the next one"
    )])
}
