//! Tests of `outbox`.

use super::*;

fn policy() -> RetryPolicy {
    RetryPolicy {
        first_secs: 1.0,
        max_secs: 60.0,
        probe_secs: 5.0,
        late_grace_secs: 15.0,
        give_up_after_secs: 86_400.0,
        lease: Duration::from_secs(30),
    }
}

#[test]
fn backoff_grows_and_is_capped() {
    let first = policy().backoff(0);
    assert!((0.75..1.25).contains(&first));
    let fourth = policy().backoff(3);
    assert!((6.0..10.0).contains(&fourth));
    assert!(policy().backoff(30) <= 60.0);
}

#[test]
fn a_failing_service_is_tried_at_least_every_probe_pause_with_jitter() {
    let p = policy();
    let first = p.probe_pause(1);
    assert!((0.75..=1.0).contains(&first), "{first}");
    let pauses: Vec<f64> = (0..200).map(|_| p.probe_pause(40)).collect();
    assert!(
        pauses.iter().all(|s| (3.75..=5.0).contains(s)),
        "{pauses:?}"
    );
    let spread = pauses.iter().cloned().fold(f64::NAN, f64::max)
        - pauses.iter().cloned().fold(f64::NAN, f64::min);
    assert!(spread > 0.5, "jittered: {spread}");
    // Ninety seconds of failures: no pause longer than the probe cap.
    let (mut t, mut failures) = (0.0, 0u32);
    while t < 90.0 {
        failures += 1;
        let pause = p.probe_pause(failures);
        assert!(pause <= 5.0);
        t += pause;
    }
    assert!(failures >= 18, "{failures} probes in 90 s");
}

#[test]
fn the_schedule_spans_a_day_before_giving_up() {
    // Capped at a minute, a day of failures is well over a thousand tries
    // spread over the whole day, not ten tries in ten minutes.
    let p = policy();
    let (mut t, mut tries) = (0.0, 0u32);
    while t < p.give_up_after_secs {
        t += p.backoff(tries);
        tries += 1;
    }
    assert!(tries > 1000, "{tries}");
}

#[test]
fn a_down_service_admits_one_probe_per_pause_and_its_return_releases_everyone() {
    let item = |not_before: f64, last: Option<f64>| OutboxItem {
        id: 1,
        action: Outbound::post("C", "t"),
        created_at: 0,
        attempts: 1,
        not_before,
        last_error: None,
        last_attempt_at: last,
        in_flight_since: None,
    };
    let mut gate = Gate {
        paused_until: 100.0,
        failures: 5,
        recovered_at: 0.0,
    };
    assert!(!gate.admits(&item(0.0, None), 99.0), "paused");
    assert!(
        gate.admits(&item(500.0, None), 100.5),
        "down: probe regardless"
    );
    gate.failures = 0;
    gate.recovered_at = 150.0;
    assert!(
        gate.admits(&item(500.0, Some(120.0)), 151.0),
        "failed before recovery"
    );
    assert!(
        !gate.admits(&item(500.0, Some(160.0)), 161.0),
        "failed after"
    );
}

#[test]
fn the_clock_runs_at_its_speed() {
    let clock = Clock::new(1000.0);
    assert_eq!(clock.real(5.0), Duration::from_millis(5));
    let before = clock.now();
    std::thread::sleep(Duration::from_millis(10));
    assert!(clock.now() - before >= 10.0);
}

#[test]
fn updates_wait_for_their_post() {
    let post = Outbound::SlackPost {
        channel: "C".into(),
        text: "t".into(),
        blocks: None,
        key: Some("k".into()),
        thread_of: None,
    };
    let update = Outbound::SlackUpdate {
        key: "k".into(),
        channel: "C".into(),
        text: "u".into(),
        blocks: None,
    };
    assert_eq!(message_keys(&post), vec!["k"]);
    assert_eq!(message_keys(&update), vec!["k"]);
}
