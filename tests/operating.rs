//! Operating Baton, black-box: `config check` and `doctor` on a clean
//! machine, `doctor` beside a running Baton and against unreachable APIs,
//! `notify deploy`'s help and local checks, `backup`, `healthcheck`, logs
//! without colour codes in files, and the latency histograms of `/metrics`.

use crate::common;

use std::path::Path;

use common::{baton_cli, fake_slack, Baton, BOT_USER, HOOK_TOKEN};
use serde_json::json;

/// No settings at all.
const NO_ENV: &[(&str, &str)] = &[];

/// The same, off the async threads (for tests that also run a server).
async fn baton_cli_async(args: &[&str], env: &[(&str, &str)], dir: &Path) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        baton_cli(&args, &env, &dir)
    })
    .await
    .unwrap()
}

#[test]
fn config_check_reports_every_bad_setting_then_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = baton_cli(
        &["config", "check"],
        &[
            ("BATON_LISTEN", "nowhere"),
            ("BATON_HTTP_TIMEOUT", "0s"),
            ("BATON_LOG_FORMAT", "xml"),
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{out}{err}");
    for name in ["BATON_LISTEN", "BATON_HTTP_TIMEOUT", "BATON_LOG_FORMAT"] {
        assert!(
            err.contains(&format!("configuration error: {name}")),
            "{err}"
        );
    }
    assert!(err.contains("zero, which is not allowed"), "{err}");
    assert!(
        out.contains("BATON_ERROR_CHANNEL_CAP") && out.contains("3 bad settings"),
        "{out}"
    );
    // serve names them all too, and starts nothing.
    let (code, _, err) = baton_cli(
        &["serve"],
        &[("BATON_LISTEN", "nowhere"), ("BATON_LOG_FORMAT", "xml")],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("BATON_LISTEN") && err.contains("BATON_LOG_FORMAT"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists());
}

#[test]
fn a_host_name_is_a_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = baton_cli(
        &["config", "check", "--listen", "localhost:3000"],
        NO_ENV,
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("localhost:3000"), "{out}");
}

#[test]
fn with_no_secrets_config_check_and_doctor_say_what_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = baton_cli(&["config", "check"], NO_ENV, dir.path());
    assert_eq!(code, 0);
    assert!(out.contains("configuration OK, but not usable"), "{out}");
    for setting in [
        "SLACK_SIGNING_SECRET",
        "GITHUB_WEBHOOK_SECRET",
        "BATON_HOOK_TOKEN",
    ] {
        assert!(out.contains(&format!("- {setting} is unset")), "{out}");
    }
    let listen = format!("127.0.0.1:{}", common::free_port());
    let (code, out, _) = baton_cli(&["doctor"], &[("BATON_LISTEN", &listen)], dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Not usable with these settings"), "{out}");
    assert!(out.contains("every endpoint would answer 503"), "{out}");
    assert!(!out.contains("All checks passed"), "{out}");
    // doctor looked at the data file without creating it.
    assert!(out.contains("does not exist yet"), "{out}");
    assert!(!dir.path().join("data").exists(), "doctor created ./data");
    // Short secrets: one rule for all three, in both commands.
    let env = [
        ("SLACK_SIGNING_SECRET", "short"),
        ("GITHUB_WEBHOOK_SECRET", "0123456789abcdef-long-enough"),
        ("BATON_HOOK_TOKEN", "tiny"),
        ("BATON_LISTEN", listen.as_str()),
    ];
    let (_, out, _) = baton_cli(&["config", "check"], &env, dir.path());
    assert!(
        out.contains("warning: SLACK_SIGNING_SECRET is shorter")
            && out.contains("warning: BATON_HOOK_TOKEN is shorter"),
        "{out}"
    );
    assert!(!out.contains("warning: GITHUB_WEBHOOK_SECRET"), "{out}");
    let (code, out, _) = baton_cli(&["doctor"], &env, dir.path());
    assert_eq!(code, 1);
    assert!(
        out.contains("✘ Slack signing secret: SLACK_SIGNING_SECRET is shorter than 16"),
        "{out}"
    );
    assert!(
        out.contains("✘ Hook token: BATON_HOOK_TOKEN is shorter than 16"),
        "{out}"
    );
    assert!(out.contains("✔ GitHub webhook secret: set"), "{out}");
}

#[tokio::test]
async fn doctor_beside_a_running_baton_says_it_is_running() {
    let baton = Baton::start(&[]).await;
    let listen = format!("127.0.0.1:{}", baton.port);
    let data = baton.dir.join("baton.redb").display().to_string();
    let (_, out, _) = baton_cli_async(
        &["doctor"],
        &[
            ("BATON_LISTEN", &listen),
            ("BATON_DATA", &data),
            ("BATON_HOOK_TOKEN", "0123456789abcdef0123"),
        ],
        &baton.dir,
    )
    .await;
    assert!(
        out.contains("✔ Listen address: Baton is already running on"),
        "{out}"
    );
    assert!(
        out.contains("✔ Data file") && out.contains("in use by a running Baton"),
        "{out}"
    );
    assert!(
        !out.contains("address in use") && !out.contains("Address already in use"),
        "{out}"
    );
    // Something else on the port is not Baton.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = other.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) =
        baton_cli_async(&["doctor"], &[("BATON_LISTEN", &taken)], dir.path()).await;
    assert_eq!(code, 1);
    assert!(
        out.contains("is taken by another program (not Baton)"),
        "{out}"
    );
}

#[test]
fn doctor_says_in_plain_words_when_slack_and_github_are_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let closed = format!("http://127.0.0.1:{}", common::free_port());
    let slack_api = format!("{closed}/api");
    let listen = format!("127.0.0.1:{}", common::free_port());
    let (code, out, _) = baton_cli(
        &["doctor"],
        &[
            ("SLACK_BOT_TOKEN", "xoxb-1"),
            ("SLACK_API_URL", &slack_api),
            ("GITHUB_TOKEN", "ghp_1"),
            ("GITHUB_API_URL", "https://no-such-host.invalid"),
            ("BATON_LISTEN", &listen),
            ("BATON_HTTP_TIMEOUT", "3s"),
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✘ Slack bot token: Slack's API is unreachable: nothing accepts connections at 127.0.0.1:"), "{out}");
    assert!(out.contains("(connection refused)"), "{out}");
    assert!(out.contains("✘ GitHub token: GitHub's API is unreachable: the host name no-such-host.invalid does not resolve"), "{out}");
    for raw in [
        "hyper",
        "client error",
        "Connect",
        "dns error",
        "ConnectError",
    ] {
        assert!(!out.contains(raw), "raw client error `{raw}` in {out}");
    }
}

#[test]
fn notify_deploy_help_documents_flags_environment_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = baton_cli(&["notify", "deploy", "--help"], NO_ENV, dir.path());
    assert_eq!(code, 0);
    for needle in [
        "--service",
        "--env",
        "--status",
        "--version",
        "--ref",
        "--sha",
        "--url",
        "--actor",
        "--deploy-id",
        "--log",
        "BATON_URL",
        "BATON_HOOK_TOKEN",
        "Exit codes",
        "started",
        "cancelled",
    ] {
        assert!(out.contains(needle), "help lacks {needle}:\n{out}");
    }
    for code_line in ["  0  ", "  1  ", "  2  ", "  3  "] {
        assert!(
            out.contains(code_line),
            "help lacks exit code {code_line:?}:\n{out}"
        );
    }
    assert!(
        !out.contains("--listen") && !out.contains("--data"),
        "{out}"
    );
}

#[test]
fn a_bad_status_exits_2_without_contacting_baton() {
    let dir = tempfile::tempdir().unwrap();
    // A listener that would record a connection: none must arrive.
    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let url = format!("http://{}", trap.local_addr().unwrap());
    let (code, _, err) = baton_cli(
        &[
            "notify",
            "deploy",
            "--service",
            "web",
            "--env",
            "prod",
            "--sha",
            "abc123",
            "--status",
            "exploded",
        ],
        &[
            ("BATON_URL", url.as_str()),
            ("BATON_HOOK_TOKEN", HOOK_TOKEN),
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exploded") && err.contains("succeeded"),
        "{err}"
    );
    assert!(trap.accept().is_err(), "baton notify contacted the server");
}

#[tokio::test]
async fn notify_deploy_sends_ref_and_sha() {
    let baton = Baton::start(&[]).await;
    let url = baton.url("");
    let (code, out, err) = baton_cli_async(
        &[
            "notify",
            "deploy",
            "--service",
            "web",
            "--env",
            "prod",
            "--ref",
            "main",
            "--sha",
            "f95f852bd8fca8fc",
            "--status",
            "started",
        ],
        &[("BATON_URL", &url), ("BATON_HOOK_TOKEN", HOOK_TOKEN)],
        &baton.dir,
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("accepted: deploy"), "{out}");
    let (code, _, err) = baton_cli_async(
        &[
            "notify",
            "deploy",
            "--service",
            "web",
            "--env",
            "prod",
            "--status",
            "started",
        ],
        &[("BATON_URL", &url), ("BATON_HOOK_TOKEN", HOOK_TOKEN)],
        &baton.dir,
    )
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("--version, --ref or --sha"), "{err}");
}

#[test]
fn slack_manifest_refuses_plain_http_and_flags_stay_where_they_belong() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = baton_cli(
        &["slack", "manifest", "--url", "http://baton.example.com"],
        NO_ENV,
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("HTTPS") && err.contains("reverse proxy"),
        "{err}"
    );
    let (code, _, err) = baton_cli(
        &[
            "slack",
            "manifest",
            "--url",
            "https://b.example",
            "--data",
            "x",
        ],
        NO_ENV,
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    let (_, out, _) = baton_cli(&["slack", "manifest", "--help"], NO_ENV, dir.path());
    assert!(
        !out.contains("--listen") && !out.contains("--data"),
        "{out}"
    );
    let (_, out, _) = baton_cli(&["serve", "--help"], NO_ENV, dir.path());
    assert!(out.contains("--listen") && out.contains("--data"), "{out}");
}

#[tokio::test]
async fn backup_of_a_running_baton_opens_and_holds_the_records() {
    let mut baton = Baton::start(&[]).await;
    // Some state: a watch, a lock, a delivery id.
    baton
        .command("C0DEPLOYS", "U1", "deploys watch web production")
        .await;
    baton
        .command("C0DEPLOYS", "U1", "lock production for 2h release freeze")
        .await;
    let copy = baton.dir.join("copy.redb");
    let copy_arg = copy.display().to_string();
    let data = baton.dir.join("baton.redb").display().to_string();
    let url = baton.url("");
    let env = [
        ("BATON_DATA", data.as_str()),
        ("BATON_URL", url.as_str()),
        ("BATON_HOOK_TOKEN", HOOK_TOKEN),
    ];
    let (code, out, err) = baton_cli_async(&["backup", &copy_arg], &env, &baton.dir).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("made by the running Baton") && out.contains("records"),
        "{out}"
    );
    // Never overwrites.
    let (code, _, err) = baton_cli_async(&["backup", &copy_arg], &env, &baton.dir).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    // Without the token it cannot ask the running Baton, and says why.
    let copy2 = baton.dir.join("copy2.redb").display().to_string();
    let (code, _, err) = baton_cli_async(
        &["backup", &copy2],
        &[("BATON_DATA", data.as_str())],
        &baton.dir,
    )
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("BATON_HOOK_TOKEN"), "{err}");
    // A stopped Baton: the command reads the file itself.
    baton.terminate();
    let copy3 = baton.dir.join("copy3.redb").display().to_string();
    let (code, out, err) =
        baton_cli_async(&["backup", &copy3, "--data", &data], &[], &baton.dir).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("read from the stopped data file"), "{out}");
    // A Baton started on the copy has the lock that was taken before the backup.
    let mut restored = Baton::start(&[("BATON_DATA", copy_arg.as_str())]).await;
    let answer = restored
        .http
        .get(restored.url("/api/locks/production"))
        .bearer_auth(HOOK_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 423, "the lock survived the backup");
    restored.terminate();
}

#[tokio::test]
async fn healthcheck_exits_0_when_ready_and_1_when_nothing_listens() {
    let baton = Baton::start(&[]).await;
    let listen = format!("0.0.0.0:{}", baton.port);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) =
        baton_cli_async(&["healthcheck", "--listen", &listen], &[], dir.path()).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("/readyz answered 200"), "{out}");
    let nowhere = format!("127.0.0.1:{}", common::free_port());
    let (code, _, err) =
        baton_cli_async(&["healthcheck"], &[("BATON_LISTEN", &nowhere)], dir.path()).await;
    assert_eq!(code, 1);
    assert!(err.contains("not ready: nothing answers"), "{err}");
}

#[tokio::test]
async fn pretty_logs_written_to_a_file_carry_no_colour_codes() {
    let mut baton = Baton::start(&[("BATON_LOG_FORMAT", "pretty")]).await;
    baton.terminate();
    let log = baton.stderr();
    assert!(log.contains("ready"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log file: {log:?}"
    );
}

/// The count of the `/metrics` sample named exactly `series`, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

/// The `(le, count)` bucket lines of one histogram series, in order.
fn buckets(text: &str, name: &str, label: &str) -> Vec<(String, f64)> {
    let prefix = format!("{name}_bucket{{{label},le=\"");
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|rest| {
            let (le, count) = rest.split_once("\"} ").expect("a bucket line");
            (le.to_string(), count.parse().expect("a count"))
        })
        .collect()
}

#[tokio::test]
async fn metrics_have_latency_histograms_for_requests_and_outbox_sends() {
    let slack = fake_slack::ok().await;
    let api = format!("{}/api", slack.uri());
    let baton = Baton::start(&[("SLACK_BOT_TOKEN", "xoxb-test"), ("SLACK_API_URL", &api)]).await;
    // The bot joins a channel: one welcome post goes through the outbox.
    let joined = json!({"type": "member_joined_channel", "user": BOT_USER,
        "channel": "CMETRICS", "channel_type": "C"});
    assert_eq!(baton.slack_event("EvMETRICS", joined).await.status(), 200);
    // A route with a parameter, and a path no route matches.
    for path in [
        "/api/locks/production",
        "/api/locks/staging",
        "/no/such/path",
    ] {
        baton
            .http
            .get(baton.url(path))
            .bearer_auth(HOOK_TOKEN)
            .send()
            .await
            .unwrap();
    }
    common::eventually(20, "the welcome post delivered", || async {
        baton
            .metric("baton_deliveries_total{service=\"slack\"}")
            .await
            == Some(1.0)
    })
    .await;
    let posts = fake_slack::calls(&slack, "chat.postMessage").await.len() as f64;
    assert_eq!(posts, 1.0);

    let response = baton.http.get(baton.url("/metrics")).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    assert!(text.contains("# TYPE baton_http_request_duration_seconds histogram"));
    assert!(text.contains("# TYPE baton_outbox_send_duration_seconds histogram"));
    assert!(text.contains("# TYPE baton_outbox_queue_age_seconds histogram"));

    // Each histogram: finite buckets then +Inf, cumulative, the last equal
    // to the count of what happened.
    let histogram = |name: &str, label: &str, count: f64| {
        let buckets = buckets(&text, name, label);
        assert!(buckets.len() > 5, "{name}{{{label}}} buckets:\n{text}");
        assert_eq!(buckets.last().unwrap().0, "+Inf");
        assert!(buckets[..buckets.len() - 1]
            .iter()
            .all(|(le, _)| le.parse::<f64>().is_ok_and(f64::is_finite)));
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
        assert_eq!(buckets.last().unwrap().1, count, "{name}{{{label}}}");
        assert_eq!(
            sample(&text, &format!("{name}_count{{{label}}}")),
            Some(count)
        );
        assert!(sample(&text, &format!("{name}_sum{{{label}}}")).is_some());
    };
    histogram(
        "baton_http_request_duration_seconds",
        "route=\"/slack/events\"",
        1.0,
    );
    // Labelled by the route's template, never the raw path.
    histogram(
        "baton_http_request_duration_seconds",
        "route=\"/api/locks/{environment}\"",
        2.0,
    );
    histogram(
        "baton_http_request_duration_seconds",
        "route=\"unmatched\"",
        1.0,
    );
    assert!(!text.contains("production"), "{text}");
    assert!(!text.contains("/no/such/path"), "{text}");
    // One send timed per call Slack saw; one age per delivery.
    histogram(
        "baton_outbox_send_duration_seconds",
        "service=\"slack\"",
        posts,
    );
    histogram("baton_outbox_queue_age_seconds", "service=\"slack\"", 1.0);

    assert_eq!(sample(&text, "baton_writer_healthy"), Some(1.0));
    assert!(sample(&text, "baton_writer_pending").is_some(), "{text}");
    assert!(
        sample(&text, "baton_timers_ran_at_seconds").is_some(),
        "{text}"
    );
    // The counters keep their names and labels.
    assert_eq!(
        sample(
            &text,
            "baton_http_requests_total{route=\"/api/locks/{environment}\",status=\"200\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "baton_events_total{source=\"slack\",kind=\"member_joined_channel\"}"
        ),
        Some(1.0),
        "{text}"
    );
}
