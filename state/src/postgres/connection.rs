//! Reading the database URL: TLS as its `sslmode` asks (through rustls,
//! verifying the server's certificate against the system's roots), default
//! timeouts, and the location shown in logs and errors (never the password).

use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{Result, StoreError};

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Parse a `postgres://` URL (or libpq `key=value` settings). libpq's
/// `sslmode=verify-ca` and `verify-full` are accepted as `require`: with
/// rustls the certificate is always verified.
pub(crate) fn parse_url(url: &str) -> Result<tokio_postgres::Config> {
    let url = url
        .replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require");
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
        StoreError::Storage(format!(
            "the database URL is not a valid PostgreSQL URL ({e}); expected postgres://user:password@host:port/database"
        ))
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("baton");
    }
    Ok(config)
}

/// `postgres://user@host:port/database`, without the password.
pub(crate) fn location(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or(config.get_ports().first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let database = config.get_dbname().or(config.get_user()).unwrap_or("");
    format!("postgres://{user}{}/{database}", hosts.join(","))
}

/// The TLS connector. With `sslmode=disable` it is never used, so the
/// system's roots are not even read.
pub(crate) fn tls(config: &tokio_postgres::Config) -> Result<MakeRustlsConnect> {
    let mut roots = rustls::RootCertStore::empty();
    if config.get_ssl_mode() != SslMode::Disable {
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 && config.get_ssl_mode() == SslMode::Require {
            return Err(StoreError::Storage(
                "sslmode=require, but this system has no trusted root certificates to verify the database's certificate (install ca-certificates)".into(),
            ));
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Storage(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_hides_the_password() {
        let config =
            parse_url("postgres://baton:s3cret@db.example:6432/baton?sslmode=disable").unwrap();
        let shown = location(&config);
        assert_eq!(shown, "postgres://baton@db.example:6432/baton");
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn verify_modes_are_accepted_and_bad_urls_are_named() {
        let config = parse_url("postgres://u@h/d?sslmode=verify-full").unwrap();
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
        let err = parse_url("postgres://u:pw@h/d?sslmode=sometimes").unwrap_err();
        assert!(
            err.to_string().contains("not a valid PostgreSQL URL"),
            "{err}"
        );
        assert!(!err.to_string().contains("pw"), "{err}");
    }
}
