//! Invariant 5, black-box: no input makes Baton panic or answer 500. Real
//! payloads are cut short, have bytes flipped or spliced, and are sent
//! correctly signed to every route; every answer must be below 500 and the
//! server must stay ready.

use crate::common;

use common::{corpus, Baton};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A damaged copy of `body`.
fn mutate(body: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = body.to_vec();
    match rng.below(4) {
        0 => out.truncate(rng.below(body.len())),
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(out.len());
                if let Some(b) = out.get_mut(i) {
                    *b = (rng.next() & 0xff) as u8;
                }
            }
        }
        2 => {
            let at = rng.below(out.len());
            let junk: &[u8] = [
                &b"{\"a\":"[..],
                b"null",
                b"]]]",
                b"\"\\u00",
                b"\xff\xfe",
                b"%ZZ",
                b"&&==",
            ][rng.below(7)];
            out.splice(at..at, junk.iter().copied());
        }
        _ => {
            // Swap a typed value for another type.
            let text = String::from_utf8_lossy(&out)
                .replace("\"number\":", "\"number\":\"x")
                .replace("true", "\"yes\"");
            out = text.into_bytes();
        }
    }
    out
}

#[tokio::test]
async fn damaged_payloads_never_get_a_5xx() {
    let baton = Baton::start(&[]).await;
    let github: Vec<(&str, Vec<u8>)> = vec![
        (
            "pull_request",
            corpus("github/pull_request/opened.payload.json"),
        ),
        (
            "pull_request_review",
            corpus("github/pull_request_review/submitted.payload.json"),
        ),
        ("deployment", corpus("github/deployment/payload.json")),
        (
            "deployment_status",
            corpus("github/deployment_status/payload.json"),
        ),
        (
            "workflow_run",
            corpus("github/workflow_run/completed.payload.json"),
        ),
        ("ping", corpus("github/ping/payload.json")),
    ];
    let slack_events = corpus("slack/bolt-python/events/app_mention.event_callback.json");
    let slash = corpus("slack/bolt-python/slash_commands/hello-world.form-body.txt");
    let interaction = corpus("slack/bolt-python/interactivity/block_actions.form-body.txt");
    let deploy = br#"{"service":"api","environment":"production","version":"v1","status":"failed","log_tail":"boom"}"#.to_vec();
    let error =
        br#"{"service":"api","environment":"production","level":"error","message":"boom 42"}"#
            .to_vec();

    let mut rng = Rng(0x5eed_ba70_0000_0001);
    for round in 0..40 {
        for (event, body) in &github {
            let damaged = mutate(body, &mut rng);
            let status = baton
                .github(event, &format!("fuzz-{round}-{event}"), &damaged)
                .await
                .status();
            assert!(status.as_u16() < 500, "{event} round {round}: {status}");
        }
        let damaged = mutate(&slack_events, &mut rng);
        let status = baton
            .slack("/slack/events", &damaged, "application/json")
            .await
            .status();
        assert!(status.as_u16() < 500, "events round {round}: {status}");
        let damaged = mutate(&slash, &mut rng);
        let status = baton
            .slack(
                "/slack/commands",
                &damaged,
                "application/x-www-form-urlencoded",
            )
            .await
            .status();
        assert!(status.as_u16() < 500, "commands round {round}: {status}");
        let damaged = mutate(&interaction, &mut rng);
        let status = baton
            .slack(
                "/slack/interactions",
                &damaged,
                "application/x-www-form-urlencoded",
            )
            .await
            .status();
        assert!(
            status.as_u16() < 500,
            "interactions round {round}: {status}"
        );
        for (path, body) in [("/hooks/deploy", &deploy), ("/hooks/errors", &error)] {
            let damaged = mutate(body, &mut rng);
            let status = baton.hook(path, &damaged).await.status();
            assert!(status.as_u16() < 500, "{path} round {round}: {status}");
        }
    }
    // Slash commands with arbitrary text never fail either.
    for text in [
        "",
        "   ",
        "reviewers",
        "reviewers add",
        "reviewers add <@",
        "lock",
        "lock production for 99999999999d",
        "errors subscribe match=(",
        "errors subscribe level=",
        "assign x#y",
        "away until 2026-02-30",
        "stats -1",
        "\u{0}\u{7f}",
        &"x ".repeat(2000),
    ] {
        baton.command("CFUZZ", "UFUZZ", text).await;
    }
    let ready = baton.http.get(baton.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(!baton.stderr().contains("panicked"), "{}", baton.stderr());
}
