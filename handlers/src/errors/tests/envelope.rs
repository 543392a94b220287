//! Tests of `errors/envelope.rs`.

use crate::errors::envelope::*;

#[test]
fn an_sdk_event_id_is_its_own_then_the_envelopes_then_a_new_one() {
    let own = "9ec79c33-ec99-42ab-8353-589fcb2e04dc";
    let header = "00000000000000000000000000000001";
    let entropy = [0xab; 16];
    assert_eq!(
        sdk_event_id(Some(own), Some(header), entropy).unwrap(),
        "9ec79c33ec9942ab8353589fcb2e04dc"
    );
    assert_eq!(sdk_event_id(None, Some(header), entropy).unwrap(), header);
    assert_eq!(
        sdk_event_id(None, None, entropy).unwrap(),
        "abababababababababababababababab"
    );
    let refused = sdk_event_id(Some("not-an-id"), None, entropy).unwrap_err();
    assert!(refused.contains("is not an event id"), "{refused}");
}

#[test]
fn items_with_and_without_length() {
    let body = b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"dsn\":\"https://k@h/1\"}\n\
{\"type\":\"attachment\",\"length\":10}\nhello\nworl\n\
{\"type\":\"event\",\"length\":15}\n{\"message\":\"a\"}\n\
{\"type\":\"event\"}\n{\"message\":\"b\"}\n\
{\"type\":\"session\"}\n{\"started\":\"x\"}";
    let env = parse_envelope(body).unwrap();
    assert_eq!(
        env.event_id.as_deref(),
        Some("9ec79c33ec9942ab8353589fcb2e04dc")
    );
    assert_eq!(env.dsn.as_deref(), Some("https://k@h/1"));
    assert_eq!(
        env.events,
        vec![&b"{\"message\":\"a\"}"[..], &b"{\"message\":\"b\"}"[..]]
    );
    assert_eq!(env.skipped, 2);
}

#[test]
fn a_length_payload_may_hold_newlines_and_end_without_one() {
    let body = b"{}\n{\"type\":\"event\",\"length\":16}\n{\"message\":\"a\n\"}";
    let env = parse_envelope(body).unwrap();
    assert_eq!(env.events, vec![&b"{\"message\":\"a\n\"}"[..]]);
    // Header only, and a trailing blank line.
    let env = parse_envelope(b"{\"event_id\":\"x\"}\n\n").unwrap();
    assert!(env.events.is_empty());
    assert_eq!(env.event_id.as_deref(), Some("x"));
    // An empty payload without length at the very end.
    let env = parse_envelope(b"{}\n{\"type\":\"client_report\"}\n").unwrap();
    assert_eq!(env.skipped, 1);
}

#[test]
fn malformed_envelopes_say_why() {
    let cases: [(&[u8], &str); 7] = [
        (b"", "empty"),
        (b"not json\n", "envelope header is not a JSON object"),
        (b"{}\nnope\n", "item 1's header is not a JSON object"),
        (b"{}\n{\"length\":2}\nab\n", "has no `type`"),
        (b"{}\n{\"type\":\"event\",\"length\":50}\n{}", "truncated"),
        (
            b"{}\n{\"type\":\"event\",\"length\":-1}\n{}",
            "bad `length`",
        ),
        (
            b"{}\n{\"type\":\"event\",\"length\":\"2\"}\n{}",
            "not a number",
        ),
    ];
    for (body, want) in cases {
        match parse_envelope(body) {
            Err(EnvelopeError::Malformed(m)) => assert!(m.contains(want), "{m}"),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[test]
fn an_event_over_the_limit_is_too_large_but_a_big_attachment_is_skipped() {
    let big = vec![b'x'; MAX_EVENT_BYTES + 1];
    let mut body = format!(
        "{{}}\n{{\"type\":\"attachment\",\"length\":{}}}\n",
        big.len()
    )
    .into_bytes();
    body.extend_from_slice(&big);
    body.extend_from_slice(b"\n");
    assert_eq!(parse_envelope(&body).unwrap().skipped, 1);
    body.extend_from_slice(format!("{{\"type\":\"event\",\"length\":{}}}\n", big.len()).as_bytes());
    body.extend_from_slice(&big);
    assert!(matches!(
        parse_envelope(&body),
        Err(EnvelopeError::TooLarge(_))
    ));
}

proptest::proptest! {
    #[test]
    fn any_bytes_parse_or_fail_without_panicking(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
        let _ = parse_envelope(&body);
    }

    #[test]
    fn items_round_trip_with_or_without_length(
        payloads in proptest::collection::vec("[a-z{}\"\n]{0,40}", 0..6),
        with_length in proptest::collection::vec(proptest::prelude::any::<bool>(), 6),
    ) {
        let mut body = b"{}\n".to_vec();
        let mut want = Vec::new();
        for (i, payload) in payloads.iter().enumerate() {
            // Without a length a payload ends at its first newline.
            let use_length = with_length[i] || payload.contains('\n');
            if use_length {
                body.extend_from_slice(format!("{{\"type\":\"event\",\"length\":{}}}\n", payload.len()).as_bytes());
            } else {
                body.extend_from_slice(b"{\"type\":\"event\"}\n");
            }
            body.extend_from_slice(payload.as_bytes());
            body.push(b'\n');
            want.push(payload.as_bytes().to_vec());
        }
        let got: Vec<Vec<u8>> = parse_envelope(&body).unwrap().events.iter().map(|e| e.to_vec()).collect();
        proptest::prop_assert_eq!(got, want);
    }
}

#[test]
fn keys_from_auth_headers_and_dsns() {
    assert_eq!(
        auth_header_key("Sentry sentry_version=7, sentry_client=sentry.rust/0.49, sentry_key=abc123, sentry_secret=s"),
        Some("abc123")
    );
    assert_eq!(auth_header_key("Sentry sentry_key=abc"), Some("abc"));
    assert_eq!(auth_header_key("Sentry sentry_version=7"), None);
    assert_eq!(auth_header_key("Bearer x"), None);
    assert_eq!(dsn_public_key("https://abc@o1.example.com/42"), Some("abc"));
    assert_eq!(dsn_public_key("http://abc:secret@h:3000/p/42"), Some("abc"));
    assert_eq!(dsn_public_key("https://example.com/42"), None);
    assert_eq!(
        normalize_event_id("9EC79C33-EC99-42AB-8353-589FCB2E04DC").as_deref(),
        Some("9ec79c33ec9942ab8353589fcb2e04dc")
    );
    assert_eq!(normalize_event_id("not-an-id"), None);
}
