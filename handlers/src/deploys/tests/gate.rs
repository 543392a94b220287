//! Tests of `deploys/gate.rs`.

use crate::deploys::gate::*;

const API: &str = "https://api.github.com";

#[test]
fn only_the_configured_api_host_gets_a_callback() {
    let route = |url: &str| callback_route(url, API);
    assert_eq!(
        route("https://api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule")
            .as_deref(),
        Some("/repos/o/r/actions/runs/1/deployment_protection_rule")
    );
    assert_eq!(
        route("HTTPS://API.GitHub.com:443/repos/o/r?x=1#frag").as_deref(),
        Some("/repos/o/r?x=1")
    );
    for foreign in [
        "https://evil.example/repos/o/r",
        "http://api.github.com/repos/o/r",
        "https://api.github.com:8443/repos/o/r",
        "https://api.github.com.evil.example/repos/o/r",
        "https://api.github.com@evil.example/repos/o/r",
        "https://evil.example\\@api.github.com/repos",
        "https://evil.example#@api.github.com/",
        "//api.github.com/repos/o/r",
        "/repos/o/r",
        "ftp://api.github.com/repos",
        "https://api.github.com /repos",
        "https:///repos",
        "",
    ] {
        assert_eq!(route(foreign), None, "{foreign}");
        assert!(check_callback_url(foreign, API).is_err(), "{foreign}");
    }
    // A local fake on a port, and GitHub Enterprise under /api/v3.
    assert_eq!(
        callback_route("http://127.0.0.1:4567/repos/o/r/x", "http://127.0.0.1:4567").as_deref(),
        Some("/repos/o/r/x")
    );
    assert_eq!(
        callback_route("http://127.0.0.1:4568/repos/o/r/x", "http://127.0.0.1:4567"),
        None
    );
    assert_eq!(
        callback_route(
            "https://ghe.example.com/api/v3/repos/o/r/actions/runs/2/deployment_protection_rule",
            "https://ghe.example.com/api/v3"
        )
        .as_deref(),
        Some("/api/v3/repos/o/r/actions/runs/2/deployment_protection_rule")
    );
    assert_eq!(
        callback_route("http://[::1]:9/x", "http://[::1]:9").as_deref(),
        Some("/x")
    );
    assert_eq!(callback_route("http://[::1]:9/x", "http://[::1]:10"), None);
}

#[test]
fn gates_and_requests_are_keyed_ignoring_case() {
    let gate = DeployGate {
        channel: "C1".into(),
        repo: "octo/app".into(),
        environment: "Production".into(),
        approval: false,
        created_by: "U1".into(),
        created_at: 0,
    };
    assert_eq!(gate.key(), "C1|octo/app|production");
    assert!(gate.guards("Octo/App", "production"));
    assert!(!gate.guards("octo/app", "staging"));
    assert_eq!(
        request_key("Production", "Octo/App", Some(7), "https://x"),
        "production|octo/app|7"
    );
    assert!(
        request_key("prod", "o/r", None, "https://api.github.com/cb")
            .ends_with("|https://api.github.com/cb")
    );
    assert!(
        request_key("production", "o/r", Some(1), "").starts_with(&requests_prefix("PRODUCTION"))
    );
}
