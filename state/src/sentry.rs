//! Durable state of the Sentry SDK keys (`baton_handlers::errors::dsn`):
//! `sentry_keys` maps a DSN's public key to its [`SentryKey`] (read on
//! every SDK request), `sentry_services` maps a service (lower-case) to the
//! same record (read by the `errors dsn` commands). [`Tx::put_sentry_key`]
//! and [`Tx::remove_sentry_key`] keep the two in step; nothing else writes
//! them. DSN public keys identify a project, as in Sentry (whose browser
//! SDKs publish them); they are never logged.

use baton_handlers::errors::dsn::SentryKey;

use crate::engine::Table;
use crate::{Result, Store, Tx};

/// Public key → [`SentryKey`].
pub(crate) const KEYS: Table = Table::new("sentry_keys");
/// Lower-case service name → [`SentryKey`].
pub(crate) const SERVICES: Table = Table::new("sentry_services");
/// The `meta` counter of DSN project ids.
pub(crate) const PROJECT_COUNTER: &str = "sentry_project_id";

impl Store {
    /// The key record of a DSN's public key, if it is a live key.
    pub fn sentry_key(&self, public_key: &str) -> Result<Option<SentryKey>> {
        self.read_json(KEYS, public_key)
    }
}

impl Tx<'_> {
    /// The key of `service`, if it has one.
    pub fn sentry_key_of_service(&self, service: &str) -> Result<Option<SentryKey>> {
        self.get_json(SERVICES, &SentryKey::service_key(service))
    }

    /// Store a key under its public key and its service.
    pub(crate) fn put_sentry_key(&mut self, key: &SentryKey) -> Result<()> {
        self.put_json(KEYS, &key.key, key)?;
        self.put_json(SERVICES, &SentryKey::service_key(&key.service), key)
    }

    /// Forget a key (both entries). Returns whether it existed.
    pub(crate) fn remove_sentry_key(&mut self, key: &SentryKey) -> Result<bool> {
        let existed = self.remove(KEYS, &key.key)?;
        self.remove(SERVICES, &SentryKey::service_key(&key.service))?;
        Ok(existed)
    }

    /// A new DSN project id (1, 2, 3, …).
    pub fn next_sentry_project_id(&mut self) -> Result<u64> {
        self.next_id(PROJECT_COUNTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_by_key_and_by_service_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.redb")).unwrap();
        assert_eq!(store.sentry_key("nope").unwrap(), None);
        let key = SentryKey {
            key: "abc".into(),
            service: "Checkout".into(),
            project_id: store.write(|tx| tx.next_sentry_project_id()).unwrap(),
            created_by: "U1".into(),
            created_at: 10,
        };
        store.write(|tx| tx.put_sentry_key(&key)).unwrap();
        assert_eq!(store.sentry_key("abc").unwrap().as_ref(), Some(&key));
        let by_service = store
            .write(|tx| tx.sentry_key_of_service("checkout"))
            .unwrap();
        assert_eq!(by_service.as_ref(), Some(&key));
        assert!(store.write(|tx| tx.remove_sentry_key(&key)).unwrap());
        assert_eq!(store.sentry_key("abc").unwrap(), None);
        assert_eq!(
            store
                .write(|tx| tx.sentry_key_of_service("checkout"))
                .unwrap(),
            None
        );
        assert_eq!(store.write(|tx| tx.next_sentry_project_id()).unwrap(), 2);
    }
}
