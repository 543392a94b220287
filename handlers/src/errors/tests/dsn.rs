//! Tests of `errors/dsn.rs`.

use crate::errors::dsn::*;

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
