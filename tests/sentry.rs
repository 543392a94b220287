//! The Sentry SDKs' own protocol, black-box: the official Rust `sentry`
//! crate as the client, pointed at Baton's DSN on loopback, and hand-built
//! envelopes for what the SDK does not send (each compression, a missing
//! `length`, unknown items, bad keys, truncated and oversized bodies).
//! Effects are counted on the fake Slack; refusals must store nothing.

use crate::common;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, fake_slack, Baton};
use serde_json::{json, Value};
use wiremock::MockServer;

const ADMIN: &str = "UADMIN";
/// `BATON_PUBLIC_URL` in these tests; DSNs are pointed at the real port.
const PUBLIC_HOST: &str = "baton.test";

async fn start(api: &MockServer, extra: &[(&str, &str)]) -> Baton {
    let api = format!("{}/api", api.uri());
    let mut env = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", api.as_str()),
        ("BATON_ERROR_WINDOW", "2s"),
        ("BATON_ADMINS", ADMIN),
        ("BATON_PUBLIC_URL", "http://baton.test"),
    ];
    env.extend_from_slice(extra);
    let baton = Baton::start(&env).await;
    let reply = baton
        .command("CERR", ADMIN, "errors subscribe level=debug")
        .await;
    assert!(reply.contains("Subscribed"), "{reply}");
    baton
}

/// A service's DSN as `/baton errors dsn` shows it, and the same DSN
/// pointed at this Baton's port.
struct Dsn {
    shown: String,
    local: String,
    key: String,
    project_id: u64,
}

async fn make_dsn(baton: &Baton, service: &str) -> Dsn {
    let reply = baton
        .command("CERR", ADMIN, &format!("errors dsn {service}"))
        .await;
    let shown = reply
        .split('`')
        .find(|part| part.starts_with("http://"))
        .unwrap_or_else(|| panic!("no DSN in {reply}"))
        .to_string();
    let local = shown.replace(PUBLIC_HOST, &format!("127.0.0.1:{}", baton.port));
    let (key, rest) = shown["http://".len()..].split_once('@').unwrap();
    let project_id = rest.rsplit('/').next().unwrap().parse().unwrap();
    Dsn {
        key: key.to_string(),
        shown,
        local,
        project_id,
    }
}

/// A Sentry client and hub for `dsn`, as an application would set it up.
fn sdk(dsn: &str) -> (Arc<sentry::Client>, Arc<sentry::Hub>) {
    let mut options = sentry::ClientOptions::new();
    options.dsn = Some(dsn.parse().unwrap());
    options.environment = Some("production".into());
    options.release = Some("shop@1.4.2".into());
    let options = sentry::apply_defaults(options);
    let client = Arc::new(sentry::Client::from(options));
    let hub = Arc::new(sentry::Hub::new(
        Some(client.clone()),
        Arc::new(sentry::Scope::default()),
    ));
    (client, hub)
}

/// Send what the SDK queued and wait for it.
async fn flush(client: &Arc<sentry::Client>) {
    let client = client.clone();
    let flushed = tokio::task::spawn_blocking(move || client.flush(Some(Duration::from_secs(10))))
        .await
        .unwrap();
    assert!(flushed, "the SDK did not send its events in time");
}

/// The error posts sent to `channel`.
async fn error_posts(api: &MockServer, channel: &str) -> Vec<Value> {
    fake_slack::calls(api, "chat.postMessage")
        .await
        .into_iter()
        .filter(|c| c["channel"] == channel && c["text"].as_str().unwrap_or("").contains(" ["))
        .collect()
}

async fn posts_containing(api: &MockServer, needle: &str) -> Vec<Value> {
    error_posts(api, "CERR")
        .await
        .into_iter()
        .filter(|p| p.to_string().contains(needle))
        .collect()
}

async fn http_count(baton: &Baton, route: &str, status: u16) -> f64 {
    baton
        .metric(&format!(
            "baton_http_requests_total{{route=\"{route}\",status=\"{status}\"}}"
        ))
        .await
        .unwrap_or(0.0)
}

#[derive(Debug)]
struct PaymentError(String);

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for PaymentError {}

#[derive(Debug)]
struct CheckoutError {
    order: u32,
    source: PaymentError,
}

impl std::fmt::Display for CheckoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "checkout of order {} failed", self.order)
    }
}

impl std::error::Error for CheckoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_from_the_sentry_sdk_become_posts_and_counts() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    let dsn = make_dsn(&baton, "shop").await;
    assert_eq!(
        dsn.shown,
        format!("http://{}@{PUBLIC_HOST}/{}", dsn.key, dsn.project_id)
    );
    assert_eq!(dsn.key.len(), 32);
    // Asking again shows the same DSN.
    assert_eq!(make_dsn(&baton, "shop").await.shown, dsn.shown);
    let (client, hub) = sdk(&dsn.local);

    // A captured error.
    hub.capture_error(&PaymentError("card issuer unreachable".into()));
    // A message.
    hub.capture_message("disk almost full on db-1", sentry::Level::Warning);
    // A chained exception: the outermost error is the one reported.
    hub.capture_error(&CheckoutError {
        order: 7,
        source: PaymentError("card declined".into()),
    });
    // A custom fingerprint: two different messages, one group.
    for text in [
        "payments gateway answered Bad Gateway",
        "payments gateway refused the connection",
    ] {
        hub.with_scope(
            |scope| scope.set_fingerprint(Some(&["payments-gateway"])),
            || hub.capture_message(text, sentry::Level::Error),
        );
    }
    // A panic, through the SDK's panic integration.
    let panicked = sentry::Hub::run(hub.clone(), || {
        std::panic::catch_unwind(|| panic!("inventory underflow for sku 42"))
    });
    assert!(panicked.is_err());
    flush(&client).await;

    eventually(20, "five posts", || async {
        error_posts(&api, "CERR").await.len() >= 5
    })
    .await;
    let error = posts_containing(&api, "card issuer unreachable").await;
    assert_eq!(error.len(), 1);
    let text = error[0]["text"].as_str().unwrap();
    assert!(text.contains("[shop/production]"), "{text}");
    assert!(error[0]["blocks"].to_string().contains("PaymentError"));

    let message = posts_containing(&api, "disk almost full on db-1").await;
    assert_eq!(message.len(), 1);
    assert!(message[0]["text"]
        .as_str()
        .unwrap()
        .starts_with(":warning:"));

    let chained = posts_containing(&api, "checkout of order 7 failed").await;
    assert_eq!(chained.len(), 1, "{chained:#?}");
    assert!(chained[0]["blocks"].to_string().contains("*CheckoutError*"));

    let panic = posts_containing(&api, "inventory underflow for sku 42").await;
    assert_eq!(panic.len(), 1);
    assert!(panic[0]["text"].as_str().unwrap().starts_with(":boom:"));

    // The fingerprinted pair: one post, then the count when the window closes.
    assert_eq!(posts_containing(&api, "payments gateway").await.len(), 1);
    eventually(15, "the fingerprint group's count update", || async {
        fake_slack::calls(&api, "chat.update")
            .await
            .iter()
            .any(|u| {
                u.to_string().contains("payments gateway") && u.to_string().contains("seen 2 times")
            })
    })
    .await;
    assert_eq!(error_posts(&api, "CERR").await.len(), 5);
    assert_eq!(
        http_count(&baton, "/api/{project_id}/envelope/", 200).await,
        6.0
    );
    assert!(!baton.stderr().contains(&dsn.key), "a key was logged");
    assert!(!baton.stdout().contains(&dsn.key), "a key was logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_id_sent_twice_posts_once() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    let dsn = make_dsn(&baton, "shop").await;
    let (client, hub) = sdk(&dsn.local);
    let event = || sentry::protocol::Event {
        event_id: "5b7f4e8a9c2d4e1f8a3b6c9d0e1f2a3b".parse().unwrap(),
        message: Some("order export crashed".into()),
        level: sentry::Level::Error,
        ..Default::default()
    };
    hub.capture_event(event());
    flush(&client).await;
    hub.capture_event(event());
    flush(&client).await;
    baton.drained().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    baton.drained().await;
    assert_eq!(
        posts_containing(&api, "order export crashed").await.len(),
        1
    );
    assert_eq!(
        baton
            .metric("baton_events_duplicate_total{source=\"sentry\"}")
            .await,
        Some(1.0)
    );
}

// ---------- hand-built envelopes ----------

fn envelope(event_id: &str, event: &Value) -> Vec<u8> {
    let payload = event.to_string();
    format!(
        "{{\"event_id\":\"{event_id}\",\"sent_at\":\"2026-11-25T12:00:00Z\"}}\n{{\"type\":\"event\",\"length\":{}}}\n{payload}\n",
        payload.len()
    )
    .into_bytes()
}

fn event(message: &str) -> Value {
    json!({"message": message, "level": "error", "platform": "python",
           "timestamp": 1_795_000_000.25, "tags": {"region": "eu"}})
}

fn id(n: u32) -> String {
    format!("{n:032x}")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn compress(encoding: &str, data: &[u8]) -> Vec<u8> {
    match encoding {
        "gzip" => gzip(data),
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "br" => {
            let mut out = Vec::new();
            brotli::BrotliCompress(&mut &data[..], &mut out, &Default::default()).unwrap();
            out
        }
        "zstd" => {
            ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
        }
        other => panic!("{other}"),
    }
}

/// POST to the envelope endpoint with the key in `X-Sentry-Auth`.
async fn post(
    baton: &Baton,
    project_id: u64,
    key: Option<&str>,
    encoding: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = baton
        .http
        .post(baton.url(&format!("/api/{project_id}/envelope/")))
        .header("Content-Type", "application/x-sentry-envelope")
        .body(body);
    if let Some(key) = key {
        request = request.header(
            "X-Sentry-Auth",
            format!("Sentry sentry_version=7, sentry_client=hand/1.0, sentry_key={key}"),
        );
    }
    if let Some(encoding) = encoding {
        request = request.header("Content-Encoding", encoding);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(json!({ "text": text })),
        headers,
    )
}

#[tokio::test]
async fn hand_built_envelopes_every_encoding_and_every_refusal() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    let dsn = make_dsn(&baton, "billing").await;
    let other = make_dsn(&baton, "web").await;
    let key = Some(dsn.key.as_str());
    let p = dsn.project_id;

    // Each encoding: 200 with the event's id, and a post.
    for (n, encoding) in ["gzip", "deflate", "br", "zstd"].into_iter().enumerate() {
        let body = envelope(
            &id(n as u32 + 1),
            &event(&format!("invoice run failed ({encoding})")),
        );
        let (status, answer, headers) =
            post(&baton, p, key, Some(encoding), compress(encoding, &body)).await;
        assert_eq!(status, 200, "{encoding}: {answer}");
        assert_eq!(answer, json!({"id": id(n as u32 + 1)}));
        assert_eq!(headers["access-control-allow-origin"], "*");
    }
    // No `length`, unknown items around the event, the key in the envelope's dsn.
    let body = format!(
        "{{\"event_id\":\"{}\",\"dsn\":\"{}\"}}\n{{\"type\":\"session\"}}\n{{\"sid\":\"x\",\"status\":\"ok\"}}\n{{\"type\":\"attachment\",\"length\":5,\"filename\":\"a.txt\"}}\nab\ncd\n{{\"type\":\"event\"}}\n{}\n{{\"type\":\"client_report\"}}\n{{\"discarded_events\":[]}}\n{{\"type\":\"transaction\",\"length\":2}}\n{{}}",
        id(10),
        dsn.local,
        event("invoice run failed (no length)")
    );
    let (status, answer, _) = post(&baton, p, None, None, body.into_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["id"], json!(id(10)));
    // Only unknown items: 200, nothing posted.
    let body = format!(
        "{{\"event_id\":\"{}\"}}\n{{\"type\":\"session\"}}\n{{\"status\":\"ok\"}}\n",
        id(11)
    );
    let (status, _, _) = post(&baton, p, key, None, body.into_bytes()).await;
    assert_eq!(status, 200);
    // The store endpoint, with the key in the query string and a gzip body.
    let response = baton
        .http
        .post(baton.url(&format!(
            "/api/{p}/store/?sentry_version=7&sentry_key={}",
            dsn.key
        )))
        .header("Content-Encoding", "gzip")
        .body(gzip(
            json!({"event_id": id(12), "message": "invoice run failed (store)", "level": "fatal"})
                .to_string()
                .as_bytes(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"id": id(12)})
    );

    // Refusals: each is a 4xx naming the problem, and nothing is stored.
    let refused = |n: u32| envelope(&id(100 + n), &event(&format!("refused {n}")));
    let big = envelope(
        &id(106),
        &json!({"message": "refused 6", "extra": {"blob": "x".repeat(2_000_000)}}),
    );
    let mut truncated = refused(3);
    truncated.truncate(truncated.len() - 20);
    /// What is wrong, the key, the encoding, the body, the status wanted.
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Vec<u8>, u16);
    let cases: Vec<Case> = vec![
        ("no key", None, None, refused(0), 401),
        (
            "unknown key",
            Some("0123456789abcdef0123456789abcdef"),
            None,
            refused(1),
            403,
        ),
        (
            "another project's key",
            Some(other.key.as_str()),
            None,
            refused(2),
            403,
        ),
        ("a truncated envelope", key, None, truncated, 400),
        (
            "a truncated gzip body",
            key,
            Some("gzip"),
            gzip(&refused(4))[..30].to_vec(),
            400,
        ),
        ("an unknown encoding", key, Some("lzma"), refused(5), 415),
        ("a 2 MB event", key, None, big.clone(), 413),
        ("a 2 MB event, gzipped", key, Some("gzip"), gzip(&big), 413),
        ("not an envelope", key, None, b"hello".to_vec(), 400),
    ];
    for (what, key, encoding, body, want) in cases {
        let (status, answer, _) = post(&baton, p, key, encoding, body).await;
        assert_eq!(status, want, "{what}: {answer}");
        assert!(answer["detail"].is_string(), "{what}: {answer}");
    }
    // The auth header twice: refused, as on every route.
    let auth = format!("Sentry sentry_key={}", dsn.key);
    let response = baton
        .http
        .post(baton.url(&format!("/api/{p}/envelope/")))
        .header("X-Sentry-Auth", &auth)
        .header("X-Sentry-Auth", &auth)
        .body(refused(9))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // A key used with another project id, and a project id that is not a number.
    let (status, _, _) = post(&baton, 0, key, None, refused(7)).await;
    assert_eq!(status, 403);
    let response = baton
        .http
        .post(baton.url("/api/abc/envelope/"))
        .body(refused(8))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    baton.drained().await;
    let posts = error_posts(&api, "CERR").await;
    let texts: Vec<&str> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(posts.len(), 6, "one post per accepted event: {texts:#?}");
    assert!(
        texts
            .iter()
            .all(|t| t.contains("[billing/production] invoice run failed")),
        "{texts:#?}"
    );
    assert!(!texts.iter().any(|t| t.contains("refused")), "{texts:?}");
    // Nothing of a refusal was stored: the same event ids are new when sent right.
    let (status, _, _) = post(&baton, p, key, None, refused(1)).await;
    assert_eq!(status, 200);
    assert_eq!(
        baton
            .metric("baton_events_duplicate_total{source=\"sentry\"}")
            .await,
        None
    );
    assert_eq!(
        baton
            .metric(
                "baton_http_requests_total{route=\"/api/{project_id}/envelope/\",status=\"500\"}"
            )
            .await,
        None
    );
}

#[tokio::test]
async fn a_revoked_dsn_is_refused_and_only_admins_make_dsns() {
    let api = fake_slack::ok().await;
    let baton = start(&api, &[]).await;
    let reply = baton.command("CERR", "USOMEONE", "errors dsn shop").await;
    assert!(!reply.contains("http://"), "{reply}");
    let dsn = make_dsn(&baton, "shop").await;
    let body = || envelope(&id(1), &event("before revoke"));
    let (status, _, _) = post(&baton, dsn.project_id, Some(&dsn.key), None, body()).await;
    assert_eq!(status, 200);
    let reply = baton.command("CERR", ADMIN, "errors dsn revoke shop").await;
    assert!(reply.contains("Revoked"), "{reply}");
    let (status, _, _) = post(&baton, dsn.project_id, Some(&dsn.key), None, body()).await;
    assert_eq!(status, 403);
    // A new DSN is a new key.
    let again = make_dsn(&baton, "shop").await;
    assert_ne!(again.key, dsn.key);
    let help = baton.command("CERR", ADMIN, "help errors").await;
    assert!(help.contains("errors dsn revoke"), "{help}");
}

#[tokio::test]
async fn when_the_store_is_behind_sdks_are_told_to_wait_and_nothing_is_stored() {
    let api = fake_slack::ok().await;
    // A limit of 0 pending writes: every SDK request is shed.
    let baton = start(&api, &[("BATON_INGEST_QUEUE_LIMIT", "0")]).await;
    let dsn = make_dsn(&baton, "shop").await;
    let (status, answer, headers) = post(
        &baton,
        dsn.project_id,
        Some(&dsn.key),
        None,
        envelope(&id(1), &event("shed me")),
    )
    .await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(headers["x-sentry-rate-limits"], "5::organization");
    baton.drained().await;
    assert!(posts_containing(&api, "shed me").await.is_empty());
    // A bad key is still a 403, not a 429.
    let (status, _, _) = post(&baton, dsn.project_id, Some("nope"), None, vec![]).await;
    assert_eq!(status, 403);
}
