//! Tests of `deploys/hook.rs`.

use crate::deploys::hook::*;
use serde_json::json;
use serde_json::Value;

fn valid() -> Value {
    json!({
        "service": "checkout-api",
        "environment": "production",
        "version": "v2.14.1",
        "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "status": "started",
        "url": "https://ci.example.com/builds/8812",
        "actor": "octocat",
        "deploy_id": "8812",
        "log_tail": "step 1/3\nstep 2/3\n",
        "pipeline": {"ignored": true}
    })
}

fn with(field: &str, value: Value) -> Vec<u8> {
    let mut v = valid();
    v[field] = value;
    serde_json::to_vec(&v).unwrap()
}

fn without(fields: &[&str]) -> Vec<u8> {
    let mut v = valid();
    for f in fields {
        v.as_object_mut().unwrap().remove(*f);
    }
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn a_full_body_parses_and_unknown_fields_are_ignored() {
    let hook = parse_hook(&serde_json::to_vec(&valid()).unwrap()).unwrap();
    assert_eq!(hook.service, "checkout-api");
    assert_eq!(hook.environment, "production");
    assert_eq!(hook.version.as_deref(), Some("v2.14.1"));
    assert_eq!(hook.status, HookStatus::Started);
    assert_eq!(hook.deploy_id.as_deref(), Some("8812"));
    assert_eq!(hook.log_tail.as_deref(), Some("step 1/3\nstep 2/3\n"));
}

#[test]
fn a_minimal_body_parses() {
    let body = br#"{"service":"web","environment":"staging","ref":"main","status":"Succeeded"}"#;
    let hook = parse_hook(body).unwrap();
    assert_eq!(hook.git_ref.as_deref(), Some("main"));
    assert_eq!(hook.status, HookStatus::Succeeded);
    assert_eq!(hook.url, None);
}

/// Each bad body → the field its error names, and a phrase of the message.
#[test]
fn every_bad_hook_field_is_named_with_what_is_wrong() {
    let long_name = "s".repeat(MAX_NAME_CHARS + 1);
    let long_tail = "x".repeat(MAX_LOG_TAIL_BYTES + 1);
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "missing service",
            without(&["service"]),
            "service",
            "missing",
        ),
        (
            "missing environment",
            without(&["environment"]),
            "environment",
            "missing",
        ),
        ("missing status", without(&["status"]), "status", "missing"),
        (
            "no version, ref or sha",
            without(&["version", "sha"]),
            "version",
            "at least one of",
        ),
        (
            "null service",
            with("service", Value::Null),
            "service",
            "missing",
        ),
        (
            "empty service",
            with("service", json!("")),
            "service",
            "must not be empty",
        ),
        (
            "blank environment",
            with("environment", json!("   ")),
            "environment",
            "must not be empty",
        ),
        (
            "empty version",
            with("version", json!("")),
            "version",
            "must not be empty",
        ),
        (
            "empty status",
            with("status", json!("")),
            "status",
            "must not be empty",
        ),
        (
            "empty url",
            with("url", json!("")),
            "url",
            "must not be empty",
        ),
        (
            "numeric service",
            with("service", json!(42)),
            "service",
            "expected a string, got a number",
        ),
        (
            "array status",
            with("status", json!(["started"])),
            "status",
            "expected a string, got an array",
        ),
        (
            "object actor",
            with("actor", json!({"login": "x"})),
            "actor",
            "got an object",
        ),
        (
            "unknown status",
            with("status", json!("done")),
            "status",
            "unknown status `done`, expected one of started, succeeded, failed, cancelled",
        ),
        (
            "long service",
            with("service", json!(long_name)),
            "service",
            "too long: 101 characters, at most 100",
        ),
        (
            "long environment",
            with("environment", json!(long_name)),
            "environment",
            "too long",
        ),
        (
            "long log tail",
            with("log_tail", json!(long_tail)),
            "log_tail",
            "at most 65536",
        ),
        (
            "javascript url",
            with("url", json!("javascript:alert(1)")),
            "url",
            "http:// or https://",
        ),
        (
            "newline in service",
            with("service", json!("a\nb")),
            "service",
            "control characters",
        ),
        (
            "space in service",
            with("service", json!("checkout api")),
            "service",
            "must be one word",
        ),
        (
            "mention as environment",
            with("environment", json!("<!channel>")),
            "environment",
            "one word",
        ),
        (
            "not json",
            b"service=web".to_vec(),
            "body",
            "not valid JSON",
        ),
        (
            "array body",
            b"[]".to_vec(),
            "body",
            "expected a JSON object",
        ),
    ];
    for (name, body, field, phrase) in cases {
        let err = parse_hook(&body).expect_err(name);
        assert_eq!(err.field, field, "{name}: {err}");
        assert!(err.to_string().contains(phrase), "{name}: {err}");
        if field != "body" {
            assert!(
                err.to_string().starts_with(&format!("field `{field}`")),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn unknown_status_message_is_exact() {
    let err = parse_hook(&with("status", json!("done"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `status`: unknown status `done`, expected one of started, succeeded, failed, cancelled"
    );
}

#[test]
fn a_log_tail_at_the_limit_is_kept_whole() {
    let tail = "y".repeat(MAX_LOG_TAIL_BYTES);
    let hook = parse_hook(&with("log_tail", json!(tail))).unwrap();
    assert_eq!(hook.log_tail.unwrap().len(), MAX_LOG_TAIL_BYTES);
}
