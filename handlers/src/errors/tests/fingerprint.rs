//! Tests of `errors/fingerprint.rs`.

use super::*;
use crate::errors::fingerprint::*;
use crate::errors::report::{Exception, Level};
use crate::errors::*;

fn report(message: &str) -> ErrorReport {
    ErrorReport::new("api", "prod", Level::Error, message)
}

fn fp(message: &str) -> String {
    fingerprint(&report(message))
}

#[test]
fn fnv_is_the_reference_function() {
    // Published FNV-1a 64 test vectors.
    assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
    assert_eq!(fnv1a_hex(b"a"), "af63dc4c8601ec8c");
    assert_eq!(fnv1a_hex(b"foobar"), "85944171f73967e8");
    assert!(is_fingerprint(&fp("x")));
}

#[test]
fn variable_parts_are_normalised() {
    let cases = [
        ("user 12345 not found", "user <n> not found"),
        (
            "order 3f2a9c1e-0b4d-4e8a-9f1c-2d3e4f5a6b7c failed",
            "order <uuid> failed",
        ),
        (
            "mail to ana.b+x@example.co.uk bounced",
            "mail to <email> bounced",
        ),
        ("KeyError: 'user_id'", "KeyError: <str>"),
        (r#"column "email" missing"#, "column <str> missing"),
        ("object at 0x7f3a2b10 freed", "object at <hex> freed"),
        ("commit a3f9c2e1d0 broke", "commit <hex> broke"),
        ("connect 10.0.0.12:5432 refused", "connect <ip> refused"),
        (
            "GET https://x.test/a?id=42&token=abc#top failed",
            "GET https://x.test/a?id=<v>&token=<v>#top failed",
        ),
        ("can't connect, won't retry", "can't connect, won't retry"),
        ("deadbeef cafe", "deadbeef cafe"),
    ];
    for (input, want) in cases {
        assert_eq!(normalize_message(input), want, "{input}");
    }
}

#[test]
fn same_error_with_different_variable_parts_groups() {
    let groups = [
        ("user 1 not found", "user 98765 not found"),
        (
            "order 3f2a9c1e-0b4d-4e8a-9f1c-2d3e4f5a6b7c failed",
            "order 00000000-1111-2222-3333-444444444444 failed",
        ),
        (
            "bounce from a@b.io",
            "bounce from someone.else@corp.example.com",
        ),
        ("KeyError: 'user_id'", "KeyError: 'account'"),
        (
            "timeout after 30.5s on \"db-1\"",
            "timeout after 2.0s on \"db-7\"",
        ),
        ("ptr 0xdeadbeef", "ptr 0x1"),
    ];
    for (a, b) in groups {
        assert_eq!(fp(a), fp(b), "{a} / {b}");
    }
    assert_ne!(fp("user not found"), fp("order not found"));
}

#[test]
fn service_and_exception_type_separate_groups() {
    let mut a = report("boom 1");
    let mut b = report("boom 2");
    a.exception = Some(Exception {
        kind: "KeyError".into(),
        value: "x".into(),
    });
    b.exception = Some(Exception {
        kind: "ValueError".into(),
        value: "x".into(),
    });
    assert_ne!(fingerprint(&a), fingerprint(&b));
    let mut c = report("boom 1");
    c.service = "web".into();
    assert_ne!(fingerprint(&report("boom 1")), fingerprint(&c));
}

fn frame(function: &str, file: &str, line: u32) -> Frame {
    Frame {
        function: Some(function.into()),
        file: Some(file.into()),
        line: Some(line),
        in_app: None,
    }
}

#[test]
fn frames_group_without_line_numbers_or_message() {
    let mut a = report("failed for user 1");
    a.exception = Some(Exception {
        kind: "KeyError".into(),
        value: "'a'".into(),
    });
    a.stack = Stack::Frames(vec![
        frame("load", "db.py", 10),
        frame("handle", "views.py", 20),
        frame("dispatch", "router.py", 30),
        frame("main", "main.py", 1),
    ]);
    let mut b = a.clone();
    b.message = "totally different wording".into();
    b.stack = Stack::Frames(vec![
        frame("load", "db.py", 11),
        frame("handle", "views.py", 25),
        frame("dispatch", "router.py", 31),
        frame("other", "elsewhere.py", 9),
    ]);
    assert_eq!(
        fingerprint(&a),
        fingerprint(&b),
        "only the top 3 frames count"
    );
    let mut c = a.clone();
    c.stack = Stack::Frames(vec![frame("save", "db.py", 10)]);
    assert_ne!(fingerprint(&a), fingerprint(&c));
}

#[test]
fn text_stacks_group_by_their_first_lines() {
    let mut a = report("x");
    a.stack = Stack::Text("at load (db.js:10:5)\nat run (main.js:3:1)".into());
    let mut b = report("y");
    b.stack = Stack::Text("at load (db.js:12:9)\nat run (main.js:4:1)".into());
    assert_eq!(fingerprint(&a), fingerprint(&b));
}

#[test]
fn explicit_fingerprint_wins() {
    let mut a = report("one thing");
    let mut b = report("another thing");
    a.fingerprint = Some(vec!["checkout-timeout".into()]);
    b.fingerprint = Some(vec!["checkout-timeout".into()]);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&report("one thing")));
    // `{{ default }}` alone is Sentry's way of saying "derive it".
    let mut d = report("user 5 gone");
    d.fingerprint = Some(vec!["{{ default }}".into()]);
    assert_eq!(fingerprint(&d), fp("user 7 gone"));
    // Combined with more parts it splits the default group.
    let mut e = d.clone();
    e.fingerprint = Some(vec!["{{ default }}".into(), "tenant-a".into()]);
    assert_ne!(fingerprint(&e), fingerprint(&d));
}

#[test]
fn fingerprints_are_stable() {
    // Pinned: a change here regroups every stored error.
    assert_eq!(fp("user 1 not found"), fp("user 2 not found"));
    assert_eq!(
        grouping_key(&report("user 1 not found")),
        "message\u{1f}api\u{1f}\u{1f}user <n> not found"
    );
    assert_eq!(
        fp("user 1 not found"),
        fnv1a_hex("message\u{1f}api\u{1f}\u{1f}user <n> not found".as_bytes())
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reports_differing_only_in_variable_parts_group(
            a in 0u64..u64::MAX, b in 0u64..u64::MAX,
            user in "[a-z]{1,8}", host in "[a-z]{1,8}",
        ) {
            let one = err("api", &format!("user {a} <{user}@{host}.com> failed on 10.0.0.{}", a % 255));
            let two = err("api", &format!("user {b} <x@y.org> failed on 192.168.1.{}", b % 255));
            prop_assert_eq!(fingerprint(&one), fingerprint(&two));
        }
    }
}
