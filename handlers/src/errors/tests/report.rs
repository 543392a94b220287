//! Tests of `errors/report.rs`.

use crate::errors::report::fields::MAX_MESSAGE_CHARS;
use crate::errors::report::sentry::sdk_event_from_value;
use crate::errors::report::*;
use serde_json::Value;

fn parse(json: &str) -> Result<ErrorReport, ReportError> {
    parse_report(json.as_bytes())
}

#[test]
fn full_baton_report() {
    let r = parse(
        r#"{"service":"api","environment":"prod","level":"fatal","message":"boom",
                "exception":{"type":"KeyError","value":"'user'"},
                "stacktrace":[{"function":"load","filename":"app/db.py","lineno":12},
                              {"function":"main","module":"app.main"}],
                "fingerprint":["a","b"],"url":"https://x.test/1","tags":{"region":"eu"},
                "occurred_at":"2026-11-23T10:00:00Z","unknown":{"ignored":true}}"#,
    )
    .unwrap();
    assert_eq!(r.service, "api");
    assert_eq!(r.environment, "prod");
    assert_eq!(r.level, Level::Fatal);
    assert_eq!(r.message, "boom");
    assert_eq!(r.exception.as_ref().unwrap().kind, "KeyError");
    assert_eq!(r.frames().len(), 2);
    assert_eq!(r.frames()[0].display(), "load (app/db.py:12)");
    assert_eq!(r.frames()[1].file.as_deref(), Some("app.main"));
    assert_eq!(r.fingerprint, Some(vec!["a".into(), "b".into()]));
    assert_eq!(r.tags.get("region").map(String::as_str), Some("eu"));
    assert_eq!(r.occurred_at, Some(1_795_428_000));
}

#[test]
fn defaults_and_alternative_forms() {
    let r = parse(
            r#"{"service":"api","message":"m","stacktrace":"Traceback\n  line 1","fingerprint":"x","occurred_at":1700000000}"#,
        )
        .unwrap();
    assert_eq!(r.environment, "production");
    assert_eq!(r.level, Level::Error);
    assert_eq!(r.stack, Stack::Text("Traceback\n  line 1".into()));
    assert_eq!(r.fingerprint, Some(vec!["x".into()]));
    assert_eq!(r.occurred_at, Some(1_700_000_000));
    // An exception stands in for a missing message.
    let r = parse(r#"{"service":"api","exception":{"type":"E","value":"v"}}"#).unwrap();
    assert_eq!(r.message, "E: v");
}

#[test]
fn validation_errors_name_the_field() {
    let cases = [
            (r#"{"service":"api","level":"critical","message":"m"}"#,
             "field `level`: unknown level `critical`, expected one of debug, info, warning, error, fatal"),
            (r#"{"service":"api"}"#, "missing field `message`"),
            (r#"{"service":"api","message":7}"#, "field `message`: expected a string"),
            (r#"{"service":"","message":"m"}"#, "field `service`: must not be empty"),
            (r#"{"message":"m"}"#, "missing field `service`"),
            (r#"{"service":"a","message":"m","exception":{"value":"v"}}"#, "missing field `exception.type`"),
            (r#"{"service":"a","message":"m","stacktrace":[{"lineno":"x"}]}"#, "field `stacktrace[0].lineno`: expected a number"),
            (r#"{"service":"a","message":"m","stacktrace":5}"#, "field `stacktrace`: expected an array of frames or a string"),
            (r#"{"service":"a","message":"m","fingerprint":[1]}"#, "field `fingerprint[0]`: expected a string"),
            (r#"{"service":"a","message":"m","tags":{"k":1}}"#, "field `tags.k`: expected a string"),
            (r#"{"service":"a","message":"m","occurred_at":"soon"}"#, "field `occurred_at`: expected an RFC 3339 time or Unix seconds"),
        ];
    for (body, want) in cases {
        assert_eq!(parse(body).unwrap_err().0, want, "{body}");
    }
    assert!(parse("not json").unwrap_err().0.contains("not valid JSON"));
    assert!(parse("[1]").unwrap_err().0.contains("JSON object"));
}

#[test]
fn the_release_is_the_tag_or_the_top_level_field() {
    let r = parse(r#"{"service":"a","message":"m","release":"shop@1.4.2"}"#).unwrap();
    assert_eq!(r.release(), Some("shop@1.4.2"));
    let r =
        parse(r#"{"service":"a","message":"m","tags":{"release":"v2"},"release":"v1"}"#).unwrap();
    assert_eq!(r.release(), Some("v2"), "the tag wins");
    assert_eq!(
        parse(r#"{"service":"a","message":"m"}"#).unwrap().release(),
        None
    );
    assert!(parse(r#"{"service":"a","message":"m","release":7}"#)
        .unwrap_err()
        .to_string()
        .contains("field `release`"));
}

#[test]
fn huge_message_is_cut() {
    let body = format!(r#"{{"service":"a","message":"{}"}}"#, "x".repeat(50_000));
    let r = parse(&body).unwrap();
    assert!(r.message.chars().count() <= MAX_MESSAGE_CHARS);
    assert!(r.message.contains("characters cut"));
}

const SENTRY_EVENT_ALERT: &str =
    include_str!("../../../../tests/fixtures/sentry/event_alert.edited.json");

#[test]
fn sentry_issue_alert_payload() {
    let r = parse(SENTRY_EVENT_ALERT).unwrap();
    assert_eq!(r.source, Source::Sentry);
    assert_eq!(r.service, "front-end");
    assert_eq!(r.environment, "prod");
    assert_eq!(r.release(), Some("frontend@4.1.7"));
    assert_eq!(r.level, Level::Error);
    assert_eq!(r.message, "ReferenceError: heck is not defined");
    assert_eq!(
        r.exception,
        Some(Exception {
            kind: "ReferenceError".into(),
            value: "heck is not defined".into()
        })
    );
    // Innermost first: the frame that threw comes first.
    let frames = r.frames();
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].function.as_deref(), Some("renderCart"));
    assert_eq!(frames[0].file.as_deref(), Some("/static/js/cart.js"));
    assert_eq!(frames[0].line, Some(42));
    assert_eq!(frames[2].function, None);
    assert_eq!(
            r.url.as_deref(),
            Some("https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/")
        );
    assert_eq!(
        r.tags.get("browser").map(String::as_str),
        Some("Chrome 75.0.3770")
    );
    assert_eq!(r.fingerprint, Some(vec!["{{ default }}".into()]));
    assert_eq!(r.occurred_at, Some(1_566_248_777));
}

#[test]
fn sentry_error_resource_and_legacy_plugin() {
    let r = parse(
            r#"{"action":"created","data":{"error":{"message":"","logentry":{"formatted":"disk full on /dev/sda1"},
                "level":"warning","project":42,"datetime":"2019-08-19T21:06:17.677000Z"}},"installation":{"uuid":"x"}}"#,
        )
        .unwrap();
    assert_eq!(r.message, "disk full on /dev/sda1");
    assert_eq!(r.level, Level::Warning);
    assert_eq!(r.service, "project-42");
    assert_eq!(r.occurred_at, Some(1_566_248_777));

    let r = parse(
            r#"{"id":"27379932","project":"pump-station","project_name":"Pump Station","culprit":"raven.scripts.runner in main",
                "message":"This is an example Python exception","url":"https://sentry.io/x/pump-station/issues/27379932/",
                "level":"critical","event":{"level":"critical","environment":"staging","stacktrace":{"frames":[
                  {"function":"main","module":"raven.scripts.runner","lineno":112},
                  {"function":"send_test_message","filename":"raven/scripts/runner.py","lineno":77}]},
                "tags":[["logger","root"]],"timestamp":1406510640.5}}"#,
        )
        .unwrap();
    assert_eq!(r.service, "pump-station");
    assert_eq!(r.environment, "staging");
    assert_eq!(r.level, Level::Fatal);
    assert_eq!(r.message, "This is an example Python exception");
    assert_eq!(
        r.url.as_deref(),
        Some("https://sentry.io/x/pump-station/issues/27379932/")
    );
    assert_eq!(r.frames()[0].function.as_deref(), Some("send_test_message"));
    assert_eq!(r.occurred_at, Some(1_406_510_640));
}

#[test]
fn sdk_events_in_their_own_forms() {
    // A chained exception (outermost last), release, tags as an object.
    let (r, id) = parse_sdk_event(
            br#"{"event_id":"5b7f4e8a9c2d4e1f8a3b6c9d0e1f2a3b","level":"fatal","release":"shop@1.4.2",
                "tags":{"region":"eu","service":"ignored"},"timestamp":"2026-11-23T10:00:00Z",
                "exception":{"values":[
                  {"type":"CardDeclined","value":"no"},
                  {"type":"CheckoutError","value":"checkout of order 7 failed","stacktrace":{"frames":[
                    {"function":"main","filename":"lib/runtime.py","in_app":false},
                    {"function":"checkout","filename":"shop/views.py","lineno":12,"in_app":true}]}}]}}"#,
            "Shop",
        )
        .unwrap();
    assert_eq!(id.as_deref(), Some("5b7f4e8a9c2d4e1f8a3b6c9d0e1f2a3b"));
    assert_eq!(r.service, "Shop", "the DSN's service, not a tag");
    assert_eq!(r.environment, "production");
    assert_eq!(r.level, Level::Fatal);
    assert_eq!(r.exception.as_ref().unwrap().kind, "CheckoutError");
    assert_eq!(r.message, "CheckoutError: checkout of order 7 failed");
    assert_eq!(r.frames()[0].function.as_deref(), Some("checkout"));
    assert_eq!(r.frames()[0].in_app, Some(true));
    assert_eq!(
        r.tags.get("release").map(String::as_str),
        Some("shop@1.4.2")
    );
    assert_eq!(r.occurred_at, Some(1_795_428_000));
    // `message` as an object, `exception` as a bare array, a fingerprint.
    let (r, _) = parse_sdk_event(
        br#"{"message":{"message":"disk %s full","formatted":"disk /var full"},"level":"warning",
                "fingerprint":["{{ default }}","db"],"environment":"staging"}"#,
        "db",
    )
    .unwrap();
    assert_eq!(r.message, "disk /var full");
    assert_eq!(r.environment, "staging");
    assert_eq!(
        r.fingerprint,
        Some(vec!["{{ default }}".into(), "db".into()])
    );
    let (r, id) = parse_sdk_event(br#"{"exception":[{"type":"E","value":"v"}]}"#, "a").unwrap();
    assert_eq!(r.message, "E: v");
    assert_eq!(id, None);
    // Nothing to show: labelled as Sentry does.
    let (r, _) = parse_sdk_event(br#"{"level":"error"}"#, "a").unwrap();
    assert_eq!(r.message, "<unlabeled event>");
    assert!(parse_sdk_event(b"[]", "a").is_err());
    assert!(parse_sdk_event(b"{", "a").is_err());
}

/// The SDK events of the tests and benchmark, odd shapes, and bodies
/// that are not JSON: reading only the used parts gives what reading
/// everything gives, errors included.
#[test]
fn sdk_events_read_in_part_as_in_full() {
    let full = |body: &[u8]| -> Result<(ErrorReport, Option<String>), ReportError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ReportError(format!("the event is not valid JSON: {e}")))?;
        sdk_event_from_value(value, "svc")
    };
    let alert: Value = serde_json::from_str(include_str!(
        "../../../../tests/fixtures/sentry/event_alert.edited.json"
    ))
    .unwrap();
    let fixture = alert["data"]["event"].to_string();
    let cases: Vec<&[u8]> = vec![
        fixture.as_bytes(),
        br#"{"event_id":"5b7f4e8a9c2d4e1f8a3b6c9d0e1f2a3b","level":"fatal","release":"r",
            "breadcrumbs":{"values":[{"message":"q","data":{"n":1.5e3}}]},"contexts":{"os":{"name":"Linux"}},
            "exception":{"values":[{"type":"A","value":"a","mechanism":{"handled":false}},
              {"type":"B","value":"b","module":"m","stacktrace":{"frames":[
                {"function":"f","filename":"x.py","lineno":3,"in_app":true,"vars":{"a":[1,{"b":null}]},
                 "pre_context":["  x = 1"],"context_line":"raise B()","abs_path":"/x.py"},
                {"function":"g","module":"mod","lineno":-1},7,null]}}]},
            "tags":[["region","eu"],{"key":"k","value":"v"},["bad"]],"timestamp":1795000000.25}"#,
        br#"{"exception":[{"type":"E","value":"v","stacktrace":{"frames":[{"function":"h","colno":4}]}}],"extra":{"x":"\u00e9\ud83d\ude00"}}"#,
        br#"{"message":{"formatted":"m"},"message":"second wins","level":"warning","sdk":{"name":"x"}}"#,
        br#"{"exception":{"values":"not an array"},"stacktrace":{"frames":[{"function":"top"}]},"title":"t"}"#,
        br#"{"exception":[],"logentry":{"message":"l"},"fingerprint":["{{ default }}",2],"project":7}"#,
        br#"{"level":"error","request":{"url":"https://x/api/0/projects/o/slug/"},"url":"https://x/api/0/projects/o/slug/"}"#,
        br#"{"datetime":"2026-11-23T10:00:00Z","environment":"  ","web_url":"https://w","project_slug":"p"}"#,
        br#"{"level":"error","extra":{"big":1e400}}"#,
        br#"{"level":"error","extra":"\ud800"}"#,
        b"{\"level\":\"error\",\"extra\":\"\xff\"}",
        br#"{"level":"error","extra":[1,2,}"#,
        br#"{"level":"error"} trailing"#,
        br#"[{"level":"error"}]"#,
        br#""text""#,
        b"",
        b"{",
    ];
    for body in cases {
        assert_eq!(
            parse_sdk_event(body, "svc"),
            full(body),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn sentry_event_without_any_message_names_the_field() {
    let err = parse(r#"{"action":"triggered","data":{"event":{"level":"error"}}}"#).unwrap_err();
    assert_eq!(err.0, "missing field `data.event.title`");
    let err = parse(r#"{"action":"created","data":{"issue":{"id":"1"}}}"#).unwrap_err();
    assert!(
        err.0.contains("without `data.event` or `data.error`"),
        "{err}"
    );
    let err = parse(r#"{"action":"triggered","data":{"event":3}}"#).unwrap_err();
    assert_eq!(err.0, "field `data.event`: expected an object");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_report_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_report(&body);
        }

        #[test]
        fn parse_report_never_panics_on_json_shapes(
            level in "[a-z]{0,8}", msg in any::<String>(), ts in any::<i64>(),
        ) {
            let body = serde_json::json!({
                "service": "api", "level": level, "message": msg, "occurred_at": ts,
                "stacktrace": [{"function": msg, "lineno": ts}],
            });
            let _ = parse_report(body.to_string().as_bytes());
            let sentry = serde_json::json!({
                "action": "triggered",
                "data": {"event": {"title": msg, "level": level, "timestamp": ts,
                                   "exception": {"values": [{"type": msg, "stacktrace": {"frames": [{"lineno": ts}]}}]},
                                   "tags": [[msg, level]]}}
            });
            let _ = parse_report(sentry.to_string().as_bytes());
        }
    }
}
