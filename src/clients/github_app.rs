//! GitHub App authentication: the App's private key, the JSON Web Tokens it
//! signs (RS256, as GitHub documents: `iss` = the App id, `iat` 60 s in the
//! past against clock drift, `exp` at most 10 minutes after `iat`), and the
//! cache of installation tokens, one per installation, minted on demand and
//! renewed before they expire.
//!
//! The signature is made with `ring` (already Baton's TLS crypto), so the App
//! needs no second crypto stack; the HTTP calls go through the one GitHub
//! client in [`crate::clients::github`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

/// The events a GitHub App for Baton subscribes to: the webhook's, and
/// `deployment_protection_rule`, which GitHub sends only to an App enabled
/// as an environment's deployment protection rule.
pub const GITHUB_APP_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_review",
    "deployment",
    "deployment_status",
    "workflow_run",
    "issue_comment",
    "push",
    "deployment_protection_rule",
];

/// An installation token is renewed when less than this is left of it
/// (GitHub's last one hour) …
const RENEW_BEFORE_SECS: i64 = 300;
/// … or, for a short-lived token, when less than half its life is left.
const RENEW_AT_LIFE_FRACTION: i64 = 2;

/// A GitHub App: its id and private key. Signs App JWTs.
pub struct AppKey {
    pub app_id: u64,
    key: RsaKeyPair,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppKey {{ app_id: {}, key: [redacted] }}", self.app_id)
    }
}

impl AppKey {
    /// Read the PEM GitHub's "Generate a private key" button downloads
    /// (`BEGIN RSA PRIVATE KEY`, PKCS#1), or a PKCS#8 `BEGIN PRIVATE KEY`.
    /// The error never contains the key.
    pub fn from_pem(app_id: u64, pem: &str) -> Result<AppKey, String> {
        let (label, der) = pem_block(pem)?;
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            other => {
                return Err(format!(
                    "the PEM holds a `{other}`, not an RSA private key (GitHub's key file starts with -----BEGIN RSA PRIVATE KEY-----)"
                ))
            }
        }
        .map_err(|e| format!("the PEM is not a usable RSA private key ({e})"))?;
        Ok(AppKey { app_id, key })
    }

    /// A JWT for the App, valid from 60 s before `now` for 10 minutes.
    pub fn jwt(&self, now: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iat": now - 60,
            "exp": now + 540,
            "iss": self.app_id.to_string(),
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .expect("an RSA signature into a buffer of the modulus' length");
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// The first PEM block of `text`: its label and decoded bytes.
fn pem_block(text: &str) -> Result<(String, Vec<u8>), String> {
    let text = text.replace("\\n", "\n");
    let mut lines = text.lines().map(str::trim).skip_while(|l| l.is_empty());
    let begin = lines.next().unwrap_or_default();
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or("not PEM text: it should start with -----BEGIN RSA PRIVATE KEY-----")?
        .to_string();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines.by_ref() {
        if line == end {
            let der = STANDARD
                .decode(body.as_bytes())
                .map_err(|_| "the PEM's base64 body is damaged".to_string())?;
            return Ok((label, der));
        }
        body.push_str(line);
    }
    Err(format!("the PEM has no `{end}` line (cut short?)"))
}

/// A minted installation token.
#[derive(Clone)]
pub struct InstallationToken {
    pub token: String,
    pub minted_at: i64,
    pub expires_at: i64,
}

impl InstallationToken {
    /// Whether it should be replaced before use at `now`.
    fn needs_renewal(&self, now: i64) -> bool {
        let life = (self.expires_at - self.minted_at).max(0);
        let margin = RENEW_BEFORE_SECS.min(life / RENEW_AT_LIFE_FRACTION);
        self.expires_at - now <= margin
    }
}

/// One token slot per installation; the slot's lock makes concurrent calls
/// for one installation wait for a single mint.
type Slot = Arc<tokio::sync::Mutex<Option<InstallationToken>>>;

/// The installation tokens of one App, and which installation each
/// repository belongs to (for actions stored without one).
pub struct App {
    pub key: AppKey,
    tokens: Mutex<HashMap<u64, Slot>>,
    repositories: Mutex<HashMap<String, u64>>,
}

impl App {
    pub fn new(key: AppKey) -> App {
        App {
            key,
            tokens: Mutex::new(HashMap::new()),
            repositories: Mutex::new(HashMap::new()),
        }
    }

    /// The token slot of `installation` (created empty on first use).
    pub fn slot(&self, installation: u64) -> Slot {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(installation)
            .or_default()
            .clone()
    }

    /// A cached token of `slot` still good at `now`.
    pub fn usable(token: &Option<InstallationToken>, now: i64) -> Option<String> {
        token
            .as_ref()
            .filter(|t| !t.needs_renewal(now))
            .map(|t| t.token.clone())
    }

    /// Forget `installation`'s token (GitHub refused it).
    pub async fn forget(&self, installation: u64) {
        *self.slot(installation).lock().await = None;
    }

    /// The installation of `repo` (`owner/name`, any case) if looked up before.
    pub fn repository_installation(&self, repo: &str) -> Option<u64> {
        self.repositories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&repo.to_ascii_lowercase())
            .copied()
    }

    pub fn remember_repository(&self, repo: &str, installation: u64) {
        self.repositories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(repo.to_ascii_lowercase(), installation);
    }
}

/// An RFC 3339 time (`2016-07-11T22:14:10Z`) as Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: &str = include_str!("../../tests/fixtures/github-app/test-app-private-key.pem");
    const PUBLIC: &str = include_str!("../../tests/fixtures/github-app/test-app-public-key.pem");

    #[test]
    fn a_jwt_follows_githubs_rules_and_verifies_with_the_public_key() {
        let key = AppKey::from_pem(12345, PRIVATE).unwrap();
        let now = 1_700_000_000;
        let jwt = key.jwt(now);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "12345");
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert_eq!(iat, now - 60);
        assert!(exp > now && exp - iat <= 600, "{claims}");
        let (_, public) = pem_block(PUBLIC).unwrap();
        let verifier = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public,
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        verifier.verify(signed.as_bytes(), &signature).unwrap();
        assert!(verifier.verify(b"other", &signature).is_err());
    }

    #[test]
    fn bad_keys_are_named_without_showing_the_key() {
        let err = AppKey::from_pem(1, "hello").unwrap_err();
        assert!(err.contains("not PEM"), "{err}");
        let cut: String = PRIVATE.lines().take(5).collect::<Vec<_>>().join("\n");
        let err = AppKey::from_pem(1, &cut).unwrap_err();
        assert!(err.contains("cut short"), "{err}");
        let err = AppKey::from_pem(1, PUBLIC).unwrap_err();
        assert!(err.contains("RSA PUBLIC KEY"), "{err}");
        let garbled = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let err = AppKey::from_pem(1, garbled).unwrap_err();
        assert!(err.contains("not a usable RSA private key"), "{err}");
        // A key pasted on one line with `\n` escapes (as in some .env files) works.
        assert!(AppKey::from_pem(1, &PRIVATE.replace('\n', "\\n")).is_ok());
    }

    #[test]
    fn tokens_are_renewed_five_minutes_before_expiry_or_at_half_life() {
        let hour = InstallationToken {
            token: "t".into(),
            minted_at: 0,
            expires_at: 3600,
        };
        assert!(!hour.needs_renewal(3299));
        assert!(hour.needs_renewal(3300));
        let short = InstallationToken {
            token: "t".into(),
            minted_at: 0,
            expires_at: 4,
        };
        assert!(!short.needs_renewal(1));
        assert!(short.needs_renewal(2));
    }
}
