//! Tests of the settings: defaults, layers, every refusal.

use super::checks::*;
use super::settings::*;
use super::*;

fn values(pairs: &[(&'static str, &str)]) -> Sources {
    let mut v: Sources = SETTINGS
        .iter()
        .map(|s| (s.name, (s.default.to_string(), "default")))
        .collect();
    for (k, val) in pairs {
        v.insert(k, (val.to_string(), "test"));
    }
    v
}

#[test]
fn defaults_are_valid() {
    let c = Config::from_values(&values(&[])).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(c.dedup_retention_secs, 7 * 86_400);
    assert!(c.slack_bot_token.is_none());
}

#[test]
fn bad_values_name_the_setting() {
    for (name, bad) in [
        ("BATON_LISTEN", "nowhere"),
        ("SLACK_API_URL", "ftp://x"),
        ("BATON_ADMINS", "bob"),
        ("BATON_LOG_FORMAT", "xml"),
        ("BATON_DEDUP_RETENTION", "forever"),
        ("BATON_HOOK_BODY_LIMIT", "12"),
        ("BATON_MAX_CONNECTIONS", "0"),
        ("BATON_BODY_READ_TIMEOUT", "soon"),
    ] {
        let err = Config::from_values(&values(&[(name, bad)])).unwrap_err();
        assert!(err.0.starts_with(name), "{err}");
    }
}

#[test]
fn every_bad_setting_is_reported_not_just_the_first() {
    let v = values(&[
        ("BATON_LISTEN", "nowhere"),
        ("BATON_ERROR_WINDOW", "soon"),
        ("BATON_LOG_FORMAT", "xml"),
    ]);
    let found = problems(&v);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().any(|p| p.starts_with("BATON_LISTEN")));
    assert!(found.iter().any(|p| p.starts_with("BATON_ERROR_WINDOW")));
    assert!(found.iter().any(|p| p.starts_with("BATON_LOG_FORMAT")));
    assert!(problems(&values(&[])).is_empty());
}

#[test]
fn the_app_token_must_be_an_app_level_token() {
    let c = Config::from_values(&values(&[("SLACK_APP_TOKEN", "xapp-1-A1-2-abc")])).unwrap();
    assert!(c.slack_app_token.is_some());
    assert!(!nothing_accepted(&c));
    assert!(Config::from_values(&values(&[]))
        .unwrap()
        .slack_app_token
        .is_none());
    let err =
        Config::from_values(&values(&[("SLACK_APP_TOKEN", "xoxb-secret-bot-token")])).unwrap_err();
    assert!(
        err.0.starts_with("SLACK_APP_TOKEN: not an app-level token"),
        "{err}"
    );
    assert!(
        err.0.contains("SLACK_BOT_TOKEN") && err.0.contains("connections:write"),
        "{err}"
    );
    assert!(
        !err.0.contains("secret-bot-token"),
        "the message shows the secret: {err}"
    );
    let err = Config::from_values(&values(&[("SLACK_APP_TOKEN", "nonsense")])).unwrap_err();
    assert!(err.0.contains("starts with xapp-"), "{err}");
    assert!(!err.0.contains("nonsense"), "{err}");
}

#[test]
fn listen_accepts_a_host_name() {
    let c = Config::from_values(&values(&[("BATON_LISTEN", "localhost:3000")])).unwrap();
    assert!(c.listen.ip().is_loopback(), "{}", c.listen);
    assert_eq!(c.listen.port(), 3000);
    let err = Config::from_values(&values(&[("BATON_LISTEN", "localhost")])).unwrap_err();
    assert!(err.0.contains("localhost:3000"), "{err}");
    let err =
        Config::from_values(&values(&[("BATON_LISTEN", "no-such-host.invalid:3000")])).unwrap_err();
    assert!(err.0.contains("does not resolve"), "{err}");
}

#[test]
fn a_zero_duration_is_called_zero() {
    for zero in ["0s", "0", "00m"] {
        let err = Config::from_values(&values(&[("BATON_HTTP_TIMEOUT", zero)])).unwrap_err();
        assert!(err.0.contains("zero, which is not allowed"), "{err}");
    }
    let err = Config::from_values(&values(&[("BATON_HTTP_TIMEOUT", "soon")])).unwrap_err();
    assert!(err.0.contains("not a duration like 30s"), "{err}");
}

#[test]
fn unusable_features_name_each_missing_secret() {
    let bare = Config::from_values(&values(&[])).unwrap();
    let off = unusable_features(&bare);
    assert_eq!(off.len(), 5, "{off:?}");
    assert!(nothing_accepted(&bare));
    let full = Config::from_values(&values(&[
        ("SLACK_SIGNING_SECRET", "s"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("GITHUB_WEBHOOK_SECRET", "g"),
        ("GITHUB_TOKEN", "t"),
        ("BATON_HOOK_TOKEN", "h"),
    ]))
    .unwrap();
    assert!(unusable_features(&full).is_empty());
    assert!(!nothing_accepted(&full));
    assert_eq!(
        short_secrets(&full),
        [
            "SLACK_SIGNING_SECRET",
            "GITHUB_WEBHOOK_SECRET",
            "BATON_HOOK_TOKEN"
        ]
    );
    let long = Config::from_values(&values(&[
        ("SLACK_SIGNING_SECRET", "0123456789abcdef"),
        ("BATON_HOOK_TOKEN", "0123456789abcdef0123"),
    ]))
    .unwrap();
    assert!(short_secrets(&long).is_empty());
}

#[test]
fn secrets_are_redacted_everywhere() {
    let v = values(&[
        ("SLACK_BOT_TOKEN", "xoxb-very-secret"),
        ("SENTRY_CLIENT_SECRET", "sentry-very-secret"),
    ]);
    let c = Config::from_values(&v).unwrap();
    assert!(!format!("{c:?}").contains("sentry-very-secret"));
    assert!(!describe(&v).contains("sentry-very-secret"));
    assert!(!format!("{c:?}").contains("very-secret"));
    assert!(!describe(&v).contains("very-secret"));
    assert!(describe(&v).contains("[redacted]"));
}

const TEST_APP_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/github-app/test-app-private-key.pem"
);

#[test]
fn a_github_app_is_an_id_and_a_key_and_excludes_a_token() {
    let pem = std::fs::read_to_string(TEST_APP_KEY).unwrap();
    let app = [
        ("GITHUB_APP_ID", "12345"),
        ("GITHUB_APP_PRIVATE_KEY_FILE", TEST_APP_KEY),
    ];
    let c = Config::from_values(&values(&app)).unwrap();
    assert_eq!(c.github_app.as_ref().unwrap().app_id, 12345);
    assert!(
        problems(&values(&app)).is_empty(),
        "{:?}",
        problems(&values(&app))
    );
    let inline = [
        ("GITHUB_APP_ID", "12345"),
        ("GITHUB_APP_PRIVATE_KEY", pem.as_str()),
    ];
    assert!(Config::from_values(&values(&inline))
        .unwrap()
        .github_app
        .is_some());
    assert!(!format!("{c:?}").contains("PRIVATE KEY-----\nMII"));

    let both = [app[0], app[1], ("GITHUB_TOKEN", "ghp_x")];
    let found = problems(&values(&both));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("GITHUB_TOKEN") && found[0].contains("GITHUB_APP_ID"),
        "{found:?}"
    );
    let err = Config::from_values(&values(&[("GITHUB_APP_ID", "12345")])).unwrap_err();
    assert!(err.0.starts_with("GITHUB_APP_PRIVATE_KEY"), "{err}");
    let err =
        Config::from_values(&values(&[("GITHUB_APP_PRIVATE_KEY", pem.as_str())])).unwrap_err();
    assert!(err.0.starts_with("GITHUB_APP_ID"), "{err}");
    let err = Config::from_values(&values(&[
        ("GITHUB_APP_ID", "12345"),
        (
            "GITHUB_APP_PRIVATE_KEY",
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
        ),
    ]))
    .unwrap_err();
    assert!(err.0.starts_with("GITHUB_APP_PRIVATE_KEY:"), "{err}");
    assert!(!err.0.contains("AAAA"), "the key is never echoed: {err}");
    let err = Config::from_values(&values(&[
        ("GITHUB_APP_ID", "12345"),
        ("GITHUB_APP_PRIVATE_KEY_FILE", "/nonexistent/key.pem"),
    ]))
    .unwrap_err();
    assert!(
        err.0.contains("cannot read `/nonexistent/key.pem`"),
        "{err}"
    );
}

#[test]
fn catch_up_hooks_are_repositories_or_organisations_and_need_a_token() {
    let c = Config::from_values(&values(&[
        ("BATON_GITHUB_HOOKS", "octo/api:123, my-org:456"),
        ("GITHUB_TOKEN", "ghp_x"),
    ]))
    .unwrap();
    assert_eq!(
        c.github_hooks
            .iter()
            .map(HookSource::deliveries_route)
            .collect::<Vec<_>>(),
        [
            "/repos/octo/api/hooks/123/deliveries",
            "/orgs/my-org/hooks/456/deliveries"
        ]
    );
    for bad in ["octo/api", "octo/api:x", "a/b/c:1", ":1"] {
        let err = Config::from_values(&values(&[
            ("BATON_GITHUB_HOOKS", bad),
            ("GITHUB_TOKEN", "ghp_x"),
        ]))
        .unwrap_err();
        assert!(err.0.starts_with("BATON_GITHUB_HOOKS"), "{bad}: {err}");
    }
    let err = Config::from_values(&values(&[("BATON_GITHUB_HOOKS", "octo/api:1")])).unwrap_err();
    assert!(err.0.contains("needs GITHUB_TOKEN"), "{err}");
}

#[test]
fn env_example_in_repo_lists_every_setting() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    assert_eq!(
        text,
        env_example(),
        ".env.example is stale: run `baton config example > .env.example`"
    );
}
