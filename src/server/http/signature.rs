//! Request authentication: Slack's v0 signatures, GitHub's
//! `X-Hub-Signature-256`, Sentry's `Sentry-Hook-Signature`, and bearer
//! tokens. Every comparison is constant-time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Slack rejects requests whose timestamp is more than five minutes off.
pub const SLACK_MAX_SKEW_SECS: i64 = 300;

/// Why a request failed authentication (answered 401; never names a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    MissingHeader(&'static str),
    Malformed(&'static str),
    StaleTimestamp,
    Mismatch,
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthError::MissingHeader(h) => write!(f, "missing header {h}"),
            AuthError::Malformed(h) => write!(f, "malformed header {h}"),
            AuthError::StaleTimestamp => write!(
                f,
                "X-Slack-Request-Timestamp is more than 5 minutes from now"
            ),
            AuthError::Mismatch => write!(f, "signature does not match"),
        }
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn hex_matches(expected: &[u8; 32], given_hex: &str) -> bool {
    let mut given = [0u8; 32];
    if hex::decode_to_slice(given_hex, &mut given).is_err() {
        return false;
    }
    expected.ct_eq(&given).into()
}

/// Verify a Slack request: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub fn verify_slack(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), AuthError> {
    let timestamp = timestamp.ok_or(AuthError::MissingHeader("X-Slack-Request-Timestamp"))?;
    let signature = signature.ok_or(AuthError::MissingHeader("X-Slack-Signature"))?;
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| AuthError::Malformed("X-Slack-Request-Timestamp"))?;
    if (now - ts).abs() > SLACK_MAX_SKEW_SECS {
        return Err(AuthError::StaleTimestamp);
    }
    let given = signature
        .strip_prefix("v0=")
        .ok_or(AuthError::Malformed("X-Slack-Signature"))?;
    let expected = hmac_sha256(
        secret.as_bytes(),
        &[b"v0:", timestamp.as_bytes(), b":", body],
    );
    if hex_matches(&expected, given) {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}

/// Verify a GitHub delivery: `sha256=` HMAC-SHA256 of the raw body.
pub fn verify_github(secret: &str, signature: Option<&str>, body: &[u8]) -> Result<(), AuthError> {
    let signature = signature.ok_or(AuthError::MissingHeader("X-Hub-Signature-256"))?;
    let given = signature
        .strip_prefix("sha256=")
        .ok_or(AuthError::Malformed("X-Hub-Signature-256"))?;
    let expected = hmac_sha256(secret.as_bytes(), &[body]);
    if hex_matches(&expected, given) {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}

/// Verify a Sentry integration-platform webhook: `Sentry-Hook-Signature` is
/// the hex HMAC-SHA256 of the raw body keyed with the integration's client
/// secret (Sentry's webhook documentation, "Sentry-Hook-Signature").
pub fn verify_sentry(secret: &str, signature: Option<&str>, body: &[u8]) -> Result<(), AuthError> {
    let signature = signature.ok_or(AuthError::MissingHeader("Sentry-Hook-Signature"))?;
    let expected = hmac_sha256(secret.as_bytes(), &[body]);
    if hex_matches(&expected, signature.trim()) {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}

/// Verify `Authorization: Bearer <token>`.
pub fn verify_bearer(token: &str, authorization: Option<&str>) -> Result<(), AuthError> {
    let header = authorization.ok_or(AuthError::MissingHeader("Authorization"))?;
    let given = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(AuthError::Malformed("Authorization"))?;
    // Hash both sides so the comparison does not leak the token's length.
    let a = hmac_sha256(b"baton-bearer", &[token.as_bytes()]);
    let b = hmac_sha256(b"baton-bearer", &[given.trim().as_bytes()]);
    if bool::from(a.ct_eq(&b)) {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}

/// Sign like Slack does (for the demo, tests and benchmarks).
pub fn slack_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!(
        "v0={}",
        hex::encode(hmac_sha256(
            secret.as_bytes(),
            &[b"v0:", timestamp.as_bytes(), b":", body]
        ))
    )
}

/// Sign like GitHub does (for the demo, tests and benchmarks).
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), &[body]))
    )
}

/// Sign like Sentry does (for tests).
#[cfg(test)]
pub fn sentry_signature(secret: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), &[body]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors.json");
        let text = std::fs::read_to_string(path)
            .expect("tests/fixtures/vectors.json is in the repository");
        let doc: Value = serde_json::from_str(&text).unwrap();
        doc["vectors"].as_array().unwrap().clone()
    }

    #[test]
    fn every_vendored_vector_verifies_and_a_changed_byte_fails() {
        let vectors = vectors();
        assert!(vectors.len() >= 3);
        for v in vectors {
            let id = v["id"].as_str().unwrap();
            match v["scheme"].as_str().unwrap() {
                "slack-v0" => {
                    let secret = v["signing_secret"].as_str().unwrap();
                    let ts = v["timestamp"].as_str().unwrap();
                    let body = v["body"].as_str().unwrap().as_bytes();
                    let sig = v["expected_signature"].as_str().unwrap();
                    let at: i64 = ts.parse().unwrap();
                    assert_eq!(slack_signature(secret, ts, body), sig, "{id}");
                    assert_eq!(
                        verify_slack(secret, Some(ts), Some(sig), body, at),
                        Ok(()),
                        "{id}"
                    );
                    // The real clock is years later: the replay window must reject it.
                    assert_eq!(
                        verify_slack(secret, Some(ts), Some(sig), body, at + 301),
                        Err(AuthError::StaleTimestamp)
                    );
                    assert_eq!(
                        verify_slack("wrong", Some(ts), Some(sig), body, at),
                        Err(AuthError::Mismatch),
                        "{id}"
                    );
                    let mut changed = body.to_vec();
                    changed[0] ^= 1;
                    assert_eq!(
                        verify_slack(secret, Some(ts), Some(sig), &changed, at),
                        Err(AuthError::Mismatch)
                    );
                    assert_eq!(
                        verify_slack(secret, None, Some(sig), body, at),
                        Err(AuthError::MissingHeader("X-Slack-Request-Timestamp"))
                    );
                    assert_eq!(
                        verify_slack(secret, Some(ts), None, body, at),
                        Err(AuthError::MissingHeader("X-Slack-Signature"))
                    );
                }
                "github-x-hub-signature-256" => {
                    let secret = v["secret"].as_str().unwrap();
                    let body = v["payload"].as_str().unwrap().as_bytes();
                    let sig = v["expected_signature"].as_str().unwrap();
                    assert_eq!(github_signature(secret, body), sig, "{id}");
                    assert_eq!(verify_github(secret, Some(sig), body), Ok(()), "{id}");
                    assert_eq!(
                        verify_github("wrong", Some(sig), body),
                        Err(AuthError::Mismatch),
                        "{id}"
                    );
                    let mut changed = body.to_vec();
                    changed[0] ^= 1;
                    assert_eq!(
                        verify_github(secret, Some(sig), &changed),
                        Err(AuthError::Mismatch)
                    );
                    assert_eq!(
                        verify_github(secret, None, body),
                        Err(AuthError::MissingHeader("X-Hub-Signature-256"))
                    );
                    assert_eq!(
                        verify_github(secret, Some("sha1=abc"), body),
                        Err(AuthError::Malformed("X-Hub-Signature-256"))
                    );
                }
                other => panic!("unknown scheme {other} in {id}"),
            }
        }
    }

    #[test]
    fn garbage_signatures_fail_without_panicking() {
        assert_eq!(
            verify_github("s", Some("sha256=zz"), b"x"),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_github("s", Some("sha256="), b"x"),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_slack("s", Some("abc"), Some("v0=00"), b"", 0),
            Err(AuthError::Malformed("X-Slack-Request-Timestamp"))
        );
        assert_eq!(
            verify_slack("s", Some("1"), Some("v1=00"), b"", 1),
            Err(AuthError::Malformed("X-Slack-Signature"))
        );
    }

    #[test]
    fn sentry_signatures_verify_in_either_case_and_refuse_another_secret() {
        let body = br#"{"action":"created"}"#;
        let sig = sentry_signature("client-secret", body);
        assert_eq!(sig.len(), 64);
        assert_eq!(verify_sentry("client-secret", Some(&sig), body), Ok(()));
        assert_eq!(
            verify_sentry("client-secret", Some(&sig.to_uppercase()), body),
            Ok(())
        );
        assert_eq!(
            verify_sentry("other", Some(&sig), body),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_sentry("client-secret", Some(&sig), b"{}"),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_sentry("client-secret", None, body),
            Err(AuthError::MissingHeader("Sentry-Hook-Signature"))
        );
        assert_eq!(
            verify_sentry("client-secret", Some("sha256=zz"), body),
            Err(AuthError::Mismatch)
        );
    }

    #[test]
    fn bearer_tokens_verify_and_say_what_is_wrong() {
        assert_eq!(verify_bearer("t0k", Some("Bearer t0k")), Ok(()));
        assert_eq!(
            verify_bearer("t0k", Some("Bearer t0")),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_bearer("t0k", Some("Basic dA==")),
            Err(AuthError::Malformed("Authorization"))
        );
        assert_eq!(
            verify_bearer("t0k", None),
            Err(AuthError::MissingHeader("Authorization"))
        );
    }
}
