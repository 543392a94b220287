//! Tests of `errors/execute.rs`.

use super::*;
use crate::errors::dsn::SentryKey;
use crate::errors::execute::*;
use crate::errors::report::Level;
use crate::errors::*;
use crate::{Caller, UnixTime};

const NOW: UnixTime = 1_795_392_000;

#[test]
fn a_channels_subscriptions_are_listed_oldest_first_for_the_help() {
    let sub =
        |id: &str, channel: &str, filters: SubscriptionFilters, digest, created_at| Subscription {
            id: id.into(),
            channel: channel.into(),
            filters,
            digest,
            created_by: "U1".into(),
            created_at,
            trigger: None,
        };
    let subs = [
        sub(
            "aaaa0001",
            "C1",
            SubscriptionFilters {
                service: Some("api".into()),
                min_level: Some(Level::Warning),
                pattern: Some("time<out>".into()),
                ..SubscriptionFilters::default()
            },
            Some(3600),
            NOW,
        ),
        sub(
            "bbbb0002",
            "C2",
            SubscriptionFilters::default(),
            None,
            NOW - 5,
        ),
        sub(
            "cccc0003",
            "C1",
            SubscriptionFilters::default(),
            None,
            NOW - 5,
        ),
    ];
    assert_eq!(
        channel_subscriptions(&subs, "C1"),
        [
            "`cccc0003` errors level≥error — as they happen",
            "`aaaa0001` errors service=api level≥warning match=`time<out>` — digest every 1h",
        ]
    );
    assert!(channel_subscriptions(&subs, "C3").is_empty());
}

/// `errors subscribe` writes the record the data file has always held
/// (same JSON, same id), though it now converts the parser's `Filters`.
#[test]
fn a_new_subscription_is_written_as_before() {
    use crate::command::{parse, Command as Top};
    let made = |text: &str| {
        let Ok(Top::Errors(cmd)) = parse(text) else {
            panic!("{text}")
        };
        let caller = Caller::new("UADMIN", "C1");
        let out = execute(&cmd, &caller, &Snapshot::default(), 1_700_000_000);
        let records: Vec<String> = out
            .puts()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        (records, out.reply_text().to_string())
    };
    assert_eq!(
        made("errors subscribe service=api env=production level=warning match=(?i)time.?out digest=1h"),
        (
            vec![r#"{"record":"subscription","id":"7e066fdc","channel":"C1","filters":{"service":"api","environment":"production","min_level":"warning","pattern":"(?i)time.?out"},"digest":3600,"created_by":"UADMIN","created_at":1700000000}"#.to_string()],
            "Subscribed this channel to error reports (service=api env=production level≥warning match=`(?i)time.?out`) as a digest every 1h. Id `7e066fdc`; undo with `/baton errors unsubscribe 7e066fdc`.".to_string()
        )
    );
    assert_eq!(
        made("errors subscribe"),
        (
            vec![r#"{"record":"subscription","id":"69d36039","channel":"C1","filters":{"service":null,"environment":null,"min_level":null,"pattern":null},"digest":null,"created_by":"UADMIN","created_at":1700000000}"#.to_string()],
            "Subscribed this channel to error reports (level≥error) as they happen. Id `69d36039`; undo with `/baton errors unsubscribe 69d36039`.".to_string()
        )
    );
}

fn caller() -> Caller {
    Caller::new("UADMIN", "C1")
}

fn fresh() -> Option<NewKey> {
    // The entropy whose hex is `0123456789abcdef0123456789abcdef`.
    Some(NewKey {
        entropy: [
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef,
        ],
        project_id: 7,
    })
}

#[test]
fn unmute_and_mute_without_end() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let report = err("api", "boom");
    let fp = fingerprint(&report);
    store.run(&format!("errors mute {fp}"), "C1", T0);
    assert!(store.report(&report, T0 + 86_400 * 30).outbound.is_empty());
    let out = store.run(&format!("errors unmute {fp}"), "C1", T0);
    assert!(out
        .reply
        .unwrap()
        .contains("1 report was dropped while muted"));
    assert!(store.mutes.is_empty());
    let out = store.run(&format!("errors unmute {fp}"), "C1", T0);
    assert!(out.reply.unwrap().contains("is not muted"));
    assert_eq!(posts(&store.report(&report, T0 + 1)).len(), 1);
}

#[test]
fn subscribe_list_unsubscribe() {
    let mut store = Store::default();
    let out = store.run("errors subscribe service=api level=warning", "C1", T0);
    assert_eq!(store.subscriptions.len(), 1);
    let id = store.subscriptions.keys().next().unwrap().clone();
    assert!(out.reply.as_deref().unwrap().contains(&id));
    assert_eq!(posts(&out).len(), 1, "the channel is told");
    // The same again changes nothing.
    let out = store.run("errors subscribe service=api level=warning", "C1", T0);
    assert!(out.changes.is_empty());
    assert!(out.reply.unwrap().contains("already"));
    store.run("errors subscribe digest=1d", "C1", T0 + 1);
    store.run("errors subscribe", "C2", T0);
    let list = store.run("errors list", "C1", T0).reply.unwrap();
    assert!(
        list.contains(&format!(
            "`{id}` service=api level≥warning — as they happen"
        )),
        "{list}"
    );
    assert!(list.contains("digest every 1d"), "{list}");
    assert_eq!(list.matches("• ").count(), 2);
    // Another channel's id is not this channel's.
    let other = store
        .subscriptions
        .values()
        .find(|s| s.channel == "C2")
        .unwrap()
        .id
        .clone();
    let out = store.run(&format!("errors unsubscribe {other}"), "C1", T0);
    assert!(out.changes.is_empty());
    assert!(out.reply.unwrap().contains("no error subscription"));
    store.run(&format!("errors unsubscribe {id}"), "C1", T0);
    assert_eq!(store.subscriptions.len(), 2);
    store.run("errors unsubscribe all", "C1", T0);
    assert_eq!(store.subscriptions.len(), 1);
    assert!(store
        .run("errors list", "C1", T0)
        .reply
        .unwrap()
        .contains("no error subscriptions"));
}

#[test]
fn bad_filters_change_nothing() {
    for text in [
        "errors subscribe match=(oops",
        "errors subscribe level=critical",
        "errors subscribe digest=0m",
    ] {
        // A usage error never reaches `execute`, so nothing can change.
        assert!(parse(text).is_err(), "{text}");
    }
}

#[test]
fn a_new_key_is_drawn_only_for_a_service_without_one_and_a_public_url() {
    let make = Command::Dsn {
        service: "checkout".into(),
    };
    let revoke = Command::RevokeDsn {
        service: "checkout".into(),
    };
    let url = Some("https://baton.example.com");
    assert!(wants_new_key(&make, None, url));
    assert!(!wants_new_key(&make, None, None));
    assert!(!wants_new_key(&revoke, None, url));
    let out = execute_dsn(&make, None, fresh(), url, &caller(), 100);
    let DsnChange::PutKey(key) = &out.changes[0] else {
        panic!("{out:?}")
    };
    assert!(!wants_new_key(&make, Some(key), url));
    assert_eq!(key.key, "0123456789abcdef0123456789abcdef");
}

#[test]
fn makes_then_shows_then_revokes() {
    let cmd = Command::Dsn {
        service: "checkout".into(),
    };
    let out = execute_dsn(
        &cmd,
        None,
        fresh(),
        Some("https://baton.example.com/"),
        &caller(),
        100,
    );
    let [DsnChange::PutKey(key)] = out.changes.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(key.project_id, 7);
    assert_eq!(key.service, "checkout");
    assert!(
        out.reply_text()
            .contains("`https://0123456789abcdef0123456789abcdef@baton.example.com/7`"),
        "{}",
        out.reply_text()
    );
    // Shown again, unchanged.
    let again = execute_dsn(
        &cmd,
        Some(key),
        fresh(),
        Some("https://baton.example.com"),
        &caller(),
        200,
    );
    assert!(again.changes.is_empty(), "{again:?}");
    assert!(again.reply_text().contains("@baton.example.com/7`"));
    // Revoked.
    let revoke = Command::RevokeDsn {
        service: "checkout".into(),
    };
    let out = execute_dsn(&revoke, Some(key), None, None, &caller(), 300);
    assert_eq!(out.changes, vec![DsnChange::RemoveKey(key.clone())]);
    let out = execute_dsn(&revoke, None, None, None, &caller(), 300);
    assert!(out.changes.is_empty(), "{out:?}");
    assert!(out.reply_text().contains("has no Sentry DSN"));
}

#[test]
fn needs_a_usable_public_url() {
    let cmd = Command::Dsn {
        service: "api".into(),
    };
    let out = execute_dsn(&cmd, None, fresh(), None, &caller(), 1);
    assert!(out.changes.is_empty(), "{out:?}");
    assert!(out.reply_text().contains("BATON_PUBLIC_URL"));
    let out = execute_dsn(&cmd, None, fresh(), Some("ftp://x"), &caller(), 1);
    assert!(out.changes.is_empty(), "{out:?}");
    assert!(
        out.reply_text().contains("https://"),
        "{}",
        out.reply_text()
    );
}

/// Every reply, as the `String` replies of the earlier `DsnOutcome`
/// reached Slack (escaped whole), to the byte.
#[test]
fn replies_keep_their_text() {
    let key = SentryKey {
        key: "0123456789abcdef0123456789abcdef".into(),
        service: "checkout".into(),
        project_id: 7,
        created_by: "UADMIN".into(),
        created_at: 100,
    };
    let make = Command::Dsn {
        service: "checkout".into(),
    };
    let revoke = Command::RevokeDsn {
        service: "checkout".into(),
    };
    let cases = [
        (
            execute_dsn(&make, None, fresh(), Some("https://baton.example.com/a&b<c>/"), &caller(), 100),
            "A new Sentry DSN for service `checkout`:\n`https://0123456789abcdef0123456789abcdef@baton.example.com/a&amp;b&lt;c&gt;/7`\nSet it as `SENTRY_DSN` (or the SDK's `dsn` option); its events are reported as service `checkout`. Revoke it with `/baton errors dsn revoke checkout`.",
        ),
        (
            execute_dsn(&make, Some(&key), None, Some("https://baton.example.com"), &caller(), 100),
            "The Sentry DSN for service `checkout`:\n`https://0123456789abcdef0123456789abcdef@baton.example.com/7`\nSet it as `SENTRY_DSN` (or the SDK's `dsn` option); its events are reported as service `checkout`. Revoke it with `/baton errors dsn revoke checkout`.",
        ),
        (
            execute_dsn(&make, None, fresh(), None, &caller(), 100),
            ":warning: Set BATON_PUBLIC_URL (the address your applications reach Baton at, e.g. `https://baton.example.com`) to make DSNs.",
        ),
        (
            execute_dsn(&make, None, fresh(), Some(""), &caller(), 100),
            ":warning: Set BATON_PUBLIC_URL (the address your applications reach Baton at, e.g. `https://baton.example.com`) to make DSNs.",
        ),
        (
            execute_dsn(&make, None, fresh(), Some("ftp://x<y>&`z`"), &caller(), 100),
            ":warning: BATON_PUBLIC_URL is not usable: `ftp://x&lt;y&gt;&amp;`z`\u{200b}` must start with https:// or http://",
        ),
        (
            execute_dsn(&make, None, None, Some("https://b"), &caller(), 100),
            ":warning: No key was made; try again.",
        ),
        (
            execute_dsn(&revoke, Some(&key), None, None, &caller(), 100),
            "Revoked the Sentry DSN of service `checkout`: SDKs using it are now refused (403). `/baton errors dsn checkout` makes a new one.",
        ),
        (
            execute_dsn(&revoke, None, None, None, &caller(), 100),
            "Service `checkout` has no Sentry DSN.",
        ),
        (
            execute_dsn(&Command::List, None, None, None, &caller(), 100),
            ":warning: Not a DSN command.",
        ),
    ];
    for (out, want) in cases {
        assert_eq!(out.reply_text(), want);
        assert!(out.outbound.is_empty());
    }
}
