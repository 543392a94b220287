//! A fake GitHub that only talks to a GitHub App, as GitHub does: App
//! routes need a JWT signed RS256 by the App's key (checked against the
//! test public key) with GitHub's claims rules (`iss` the App id, `iat` in
//! the past, `exp` in the future and at most 10 minutes ahead); installation
//! tokens are minted with a chosen lifetime and refused once expired.
//! Test-only key pair: `tests/fixtures/github-app/`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const APP_ID: u64 = 4711;
pub const PRIVATE_KEY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/github-app/test-app-private-key.pem"
);
const PUBLIC_KEY: &str = include_str!("../fixtures/github-app/test-app-public-key.pem");

/// What the fake saw.
#[derive(Default)]
pub struct Seen {
    /// Installation of each minted token, in order.
    pub mints: Vec<u64>,
    /// Token → (installation, expires at, Unix seconds).
    tokens: HashMap<String, (u64, i64)>,
    /// Reviewer requests: (method, path, installation of the token).
    pub reviewer_calls: Vec<(String, String, u64)>,
    /// Why each refused request was refused.
    pub refused: Vec<String>,
}

pub struct FakeApp {
    pub server: MockServer,
    pub seen: Arc<Mutex<Seen>>,
}

/// The settings that make Baton act as the test App against `server`.
pub fn settings(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_APP_ID", APP_ID.to_string()),
        ("GITHUB_APP_PRIVATE_KEY_FILE", PRIVATE_KEY_FILE.to_string()),
        ("GITHUB_API_URL", server.uri()),
    ]
}

fn now() -> i64 {
    super::basics::now()
}

fn bearer(request: &Request) -> Option<String> {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
}

/// Check a JWT as GitHub does; `Err` says why it is refused.
pub fn check_jwt(jwt: &str) -> Result<(), String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err("not a JWT".into());
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| "bad base64url".to_string())
    };
    let header: Value = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" {
        return Err(format!("alg {} is not RS256", header["alg"]));
    }
    let body: String = PUBLIC_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let public = STANDARD.decode(body).unwrap();
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, public)
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &decode(signature)?,
        )
        // GitHub's answer when the signature does not verify.
        .map_err(|_| "A JSON web token could not be decoded".to_string())?;
    let claims: Value = serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())?;
    let iss = match &claims["iss"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if iss != APP_ID.to_string() {
        // GitHub's answer when `iss` names no App.
        return Err("Integration not found".into());
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err("iat or exp missing".into());
    };
    let now = now();
    if iat > now + 1 {
        return Err(
            "'Issued at' claim ('iat') must be an Integer representing a time in the past".into(),
        );
    }
    if exp <= now {
        return Err("the JWT has expired".into());
    }
    if exp > now + 600 || exp - iat > 600 {
        return Err("'Expiration time' claim ('exp') is too far in the future".into());
    }
    Ok(())
}

fn refuse(seen: &Mutex<Seen>, why: String) -> ResponseTemplate {
    seen.lock().unwrap().refused.push(why.clone());
    ResponseTemplate::new(401).set_body_json(json!({"message": why}))
}

struct AppRoute {
    seen: Arc<Mutex<Seen>>,
    lifetime_secs: i64,
    installations: Vec<(u64, &'static str)>,
}

impl Respond for AppRoute {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(jwt) = bearer(request) else {
            return refuse(&self.seen, "no bearer JWT".into());
        };
        if let Err(why) = check_jwt(&jwt) {
            return refuse(&self.seen, why);
        }
        let path = request.url.path().to_string();
        if let Some(rest) = path.strip_prefix("/app/installations/") {
            let id: u64 = rest.split('/').next().unwrap().parse().unwrap();
            let mut seen = self.seen.lock().unwrap();
            seen.mints.push(id);
            let token = format!("ghs_installation{id}_token{}", seen.mints.len());
            let expires = now() + self.lifetime_secs;
            seen.tokens.insert(token.clone(), (id, expires));
            let expires_at = time::OffsetDateTime::from_unix_timestamp(expires)
                .unwrap()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            return ResponseTemplate::new(201).set_body_json(
                json!({"token": token, "expires_at": expires_at, "permissions": {"pull_requests": "write"}}),
            );
        }
        if path == "/app" {
            return ResponseTemplate::new(200).set_body_json(
                json!({"id": APP_ID, "slug": "baton-test", "name": "Baton (test)"}),
            );
        }
        if path == "/app/installations" {
            let list: Vec<Value> = self
                .installations
                .iter()
                .map(|(id, account)| json!({"id": id, "account": {"login": account}}))
                .collect();
            return ResponseTemplate::new(200).set_body_json(list);
        }
        ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
    }
}

struct InstallationRoute {
    seen: Arc<Mutex<Seen>>,
}

impl Respond for InstallationRoute {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(token) = bearer(request) else {
            return refuse(&self.seen, "no token".into());
        };
        let known = self.seen.lock().unwrap().tokens.get(&token).copied();
        let Some((installation, expires)) = known else {
            return refuse(
                &self.seen,
                format!("unknown token on {}", request.url.path()),
            );
        };
        if now() >= expires {
            return refuse(
                &self.seen,
                format!("expired token on {}", request.url.path()),
            );
        }
        let path = request.url.path().to_string();
        if path == "/installation/repositories" {
            return ResponseTemplate::new(200)
                .set_body_json(json!({"total_count": installation * 10, "repositories": []}));
        }
        self.seen.lock().unwrap().reviewer_calls.push((
            request.method.to_string(),
            path,
            installation,
        ));
        ResponseTemplate::new(if request.method.as_str() == "POST" {
            201
        } else {
            200
        })
        .set_body_json(json!({}))
    }
}

/// Start the fake: installation tokens live `lifetime_secs`;
/// `installations` are listed by `GET /app/installations`.
pub async fn start(lifetime_secs: i64, installations: &[(u64, &'static str)]) -> FakeApp {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    Mock::given(path_regex(r"^/app(/installations(/\d+/access_tokens)?)?$"))
        .respond_with(AppRoute {
            seen: seen.clone(),
            lifetime_secs,
            installations: installations.to_vec(),
        })
        .mount(&server)
        .await;
    Mock::given(path_regex(super::fake_github::REVIEWERS_ROUTE))
        .respond_with(InstallationRoute { seen: seen.clone() })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/installation/repositories$"))
        .respond_with(InstallationRoute { seen: seen.clone() })
        .mount(&server)
        .await;
    FakeApp { server, seen }
}

impl FakeApp {
    /// Whether the fake takes `token` now (for checking the fake itself).
    pub async fn accepts_token(&self, token: &str) -> bool {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/repos/a/b/pulls/1/requested_reviewers",
                self.server.uri()
            ))
            .bearer_auth(token)
            .json(&json!({"reviewers": []}))
            .send()
            .await
            .unwrap();
        response.status().is_success()
    }

    /// The token minted `n`-th (1-based) for `installation`.
    pub fn token(&self, installation: u64, n: usize) -> String {
        format!("ghs_installation{installation}_token{n}")
    }
}
