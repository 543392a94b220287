//! The Sentry SDKs' keys: a Baton service can have one DSN
//! (`https://<key>@<host>/<project id>`), made and shown by
//! `/baton errors dsn <service>` and revoked by
//! `/baton errors dsn revoke <service>`. An SDK event is authenticated by
//! the DSN's public key and counts as a report of that key's service.
//!
//! Pure decisions: the caller loads the service's current key, supplies
//! fresh entropy and a project id when [`wants_new_key`], and stores the
//! returned change.

use serde::{Deserialize, Serialize};

use super::commands::Command;
use crate::caller::Caller;
use crate::mrkdwn;
use crate::outcome::Outcome;
use crate::text::hex_lower;
use crate::UnixTime;

/// One service's SDK key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentryKey {
    /// The DSN's public key (32 hex digits).
    pub key: String,
    /// The Baton service its events are reported as.
    pub service: String,
    /// The DSN's numeric project id (the path of the SDKs' endpoints).
    pub project_id: u64,
    pub created_by: String,
    pub created_at: UnixTime,
}

impl SentryKey {
    /// The key of the service index (services are matched case-insensitively).
    pub fn service_key(service: &str) -> String {
        service.to_lowercase()
    }
}

/// What a new key is made of, drawn by the caller for a service that has
/// none (when [`wants_new_key`]): 16 random bytes (the key is their hex)
/// and the next project id.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub entropy: [u8; 16],
    pub project_id: u64,
}

/// Does `cmd` make a new key, so the caller must draw a [`NewKey`]? For
/// `errors dsn <service>` when the service has no key and
/// `BATON_PUBLIC_URL` is set.
pub fn wants_new_key(
    cmd: &Command,
    existing: Option<&SentryKey>,
    public_url: Option<&str>,
) -> bool {
    matches!(cmd, Command::Dsn { .. }) && existing.is_none() && public_url.is_some()
}

/// What to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsnChange {
    /// Store a new key (under its key and its service).
    PutKey(SentryKey),
    /// Forget a key (both entries).
    RemoveKey(SentryKey),
}

pub use super::commands::valid_service;

/// Check `BATON_PUBLIC_URL`: `http(s)://host[:port][/path]`, no user, query
/// or fragment.
pub fn check_public_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if rest.contains(['@', '?', '#']) || rest.contains(char::is_whitespace) {
        return Err(format!(
            "`{url}` must be a plain address (no user, query, fragment or spaces)"
        ));
    }
    Ok(())
}

/// The DSN of `key` for a Baton reached at `public_url`:
/// `https://baton.example.com/x` → `https://<key>@baton.example.com/x/<id>`.
pub fn dsn(public_url: &str, key: &SentryKey) -> Result<String, String> {
    check_public_url(public_url)?;
    let (scheme, rest) = public_url
        .split_once("://")
        .unwrap_or(("https", public_url));
    let rest = rest.trim_end_matches('/');
    Ok(format!("{scheme}://{}@{rest}/{}", key.key, key.project_id))
}

/// Run `errors dsn <service>` or `errors dsn revoke <service>`: the key to
/// store or forget, if any, and the ephemeral reply.
///
/// `existing` is the service's key, if it has one; `fresh` is used when it
/// has none; `public_url` is `BATON_PUBLIC_URL` (needed to show a DSN).
pub fn execute(
    cmd: &Command,
    existing: Option<&SentryKey>,
    fresh: Option<NewKey>,
    public_url: Option<&str>,
    caller: &Caller,
    now: UnixTime,
) -> Outcome<DsnChange> {
    match cmd {
        Command::Dsn { service } => {
            let Some(public_url) = public_url.filter(|u| !u.is_empty()) else {
                return Outcome::reply(
                    ":warning: Set BATON_PUBLIC_URL (the address your applications reach Baton at, e.g. `https://baton.example.com`) to make DSNs.",
                );
            };
            let (key, change, verb) = match (existing, fresh) {
                (Some(key), _) => (key.clone(), None, "The"),
                (None, Some(new)) => {
                    let key = SentryKey {
                        key: hex_lower(&new.entropy),
                        service: service.clone(),
                        project_id: new.project_id,
                        created_by: caller.user.to_string(),
                        created_at: now,
                    };
                    (key.clone(), Some(DsnChange::PutKey(key)), "A new")
                }
                (None, None) => return Outcome::reply(":warning: No key was made; try again."),
            };
            match dsn(public_url, &key) {
                Ok(dsn) => Outcome {
                    changes: change.into_iter().collect(),
                    ..Outcome::reply(mrkdwn!(
                        "{} Sentry DSN for service `{}`:\n`{}`\nSet it as `SENTRY_DSN` (or the SDK's `dsn` option); its events are reported as service `{}`. Revoke it with `/baton errors dsn revoke {}`.",
                        verb,
                        key.service,
                        dsn,
                        key.service,
                        key.service
                    ))
                },
                Err(e) => Outcome::reply(mrkdwn!(":warning: BATON_PUBLIC_URL is not usable: {}", e)),
            }
        }
        Command::RevokeDsn { service } => match existing {
            Some(key) => Outcome::reply(mrkdwn!(
                "Revoked the Sentry DSN of service `{}`: SDKs using it are now refused (403). `/baton errors dsn {}` makes a new one.",
                key.service,
                key.service
            ))
            .with(DsnChange::RemoveKey(key.clone())),
            None => Outcome::reply(mrkdwn!("Service `{}` has no Sentry DSN.", service)),
        },
        _ => Outcome::reply(":warning: Not a DSN command."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let out = execute(&make, None, fresh(), url, &caller(), 100);
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
        let out = execute(
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
        let again = execute(
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
        let out = execute(&revoke, Some(key), None, None, &caller(), 300);
        assert_eq!(out.changes, vec![DsnChange::RemoveKey(key.clone())]);
        let out = execute(&revoke, None, None, None, &caller(), 300);
        assert!(out.changes.is_empty(), "{out:?}");
        assert!(out.reply_text().contains("has no Sentry DSN"));
    }

    #[test]
    fn needs_a_usable_public_url() {
        let cmd = Command::Dsn {
            service: "api".into(),
        };
        let out = execute(&cmd, None, fresh(), None, &caller(), 1);
        assert!(out.changes.is_empty(), "{out:?}");
        assert!(out.reply_text().contains("BATON_PUBLIC_URL"));
        let out = execute(&cmd, None, fresh(), Some("ftp://x"), &caller(), 1);
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
                execute(&make, None, fresh(), Some("https://baton.example.com/a&b<c>/"), &caller(), 100),
                "A new Sentry DSN for service `checkout`:\n`https://0123456789abcdef0123456789abcdef@baton.example.com/a&amp;b&lt;c&gt;/7`\nSet it as `SENTRY_DSN` (or the SDK's `dsn` option); its events are reported as service `checkout`. Revoke it with `/baton errors dsn revoke checkout`.",
            ),
            (
                execute(&make, Some(&key), None, Some("https://baton.example.com"), &caller(), 100),
                "The Sentry DSN for service `checkout`:\n`https://0123456789abcdef0123456789abcdef@baton.example.com/7`\nSet it as `SENTRY_DSN` (or the SDK's `dsn` option); its events are reported as service `checkout`. Revoke it with `/baton errors dsn revoke checkout`.",
            ),
            (
                execute(&make, None, fresh(), None, &caller(), 100),
                ":warning: Set BATON_PUBLIC_URL (the address your applications reach Baton at, e.g. `https://baton.example.com`) to make DSNs.",
            ),
            (
                execute(&make, None, fresh(), Some(""), &caller(), 100),
                ":warning: Set BATON_PUBLIC_URL (the address your applications reach Baton at, e.g. `https://baton.example.com`) to make DSNs.",
            ),
            (
                execute(&make, None, fresh(), Some("ftp://x<y>&`z`"), &caller(), 100),
                ":warning: BATON_PUBLIC_URL is not usable: `ftp://x&lt;y&gt;&amp;`z`\u{200b}` must start with https:// or http://",
            ),
            (
                execute(&make, None, None, Some("https://b"), &caller(), 100),
                ":warning: No key was made; try again.",
            ),
            (
                execute(&revoke, Some(&key), None, None, &caller(), 100),
                "Revoked the Sentry DSN of service `checkout`: SDKs using it are now refused (403). `/baton errors dsn checkout` makes a new one.",
            ),
            (
                execute(&revoke, None, None, None, &caller(), 100),
                "Service `checkout` has no Sentry DSN.",
            ),
            (
                execute(&Command::List, None, None, None, &caller(), 100),
                ":warning: Not a DSN command.",
            ),
        ];
        for (out, want) in cases {
            assert_eq!(out.reply_text(), want);
            assert!(out.outbound.is_empty());
        }
    }

    #[test]
    fn dsn_keeps_a_path_and_port() {
        let key = SentryKey {
            key: "k".into(),
            service: "s".into(),
            project_id: 42,
            created_by: "U".into(),
            created_at: 0,
        };
        assert_eq!(
            dsn("http://127.0.0.1:3000/baton/", &key).unwrap(),
            "http://k@127.0.0.1:3000/baton/42"
        );
        assert!(check_public_url("https://user@host").is_err());
        assert!(check_public_url("https://").is_err());
        assert!(valid_service("checkout-api_2.eu"));
        assert!(!valid_service("bad name"));
        assert!(!valid_service("<!here>"));
    }
}
