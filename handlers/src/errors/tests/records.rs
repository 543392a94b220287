//! Tests of `errors/records.rs`.

use super::*;
use crate::errors::records::*;
use crate::errors::*;

// Subscriptions exactly as the data file holds them: serialised by the
// code before `SubscriptionFilters`, when a subscription held the
// parser's `Filters`.
const WITH_EVERY_FILTER: &str = r#"{"id":"1a2b3c4d","channel":"C1","filters":{"service":"api","environment":"production","min_level":"warning","pattern":"(?i)time.?out"},"digest":3600,"created_by":"UADMIN","created_at":1700000000}"#;
const WITHOUT_FILTERS: &str = r#"{"id":"5e6f7a8b","channel":"C2","filters":{"service":null,"environment":null,"min_level":null,"pattern":null},"digest":null,"created_by":"UADMIN","created_at":1700000100}"#;
const AS_A_RECORD: &str = r#"{"record":"subscription","id":"1a2b3c4d","channel":"C1","filters":{"service":"api","environment":"production","min_level":"warning","pattern":"(?i)time.?out"},"digest":3600,"created_by":"UADMIN","created_at":1700000000}"#;

#[test]
fn stored_subscriptions_read_and_write_unchanged() {
    let full: Subscription = serde_json::from_str(WITH_EVERY_FILTER).unwrap();
    assert_eq!(
        full,
        Subscription {
            id: "1a2b3c4d".into(),
            channel: "C1".into(),
            filters: SubscriptionFilters {
                service: Some("api".into()),
                environment: Some("production".into()),
                min_level: Some(Level::Warning),
                pattern: Some("(?i)time.?out".into()),
            },
            digest: Some(3600),
            created_by: "UADMIN".into(),
            created_at: 1_700_000_000,
            trigger: None,
        }
    );
    assert_eq!(serde_json::to_string(&full).unwrap(), WITH_EVERY_FILTER);

    let bare: Subscription = serde_json::from_str(WITHOUT_FILTERS).unwrap();
    assert_eq!(bare.filters, SubscriptionFilters::default());
    assert_eq!(bare.mode(), Mode::Stream);
    assert_eq!(serde_json::to_string(&bare).unwrap(), WITHOUT_FILTERS);

    let record: Record = serde_json::from_str(AS_A_RECORD).unwrap();
    assert_eq!(record, Record::Subscription(full));
    assert_eq!(serde_json::to_string(&record).unwrap(), AS_A_RECORD);
}

#[test]
fn records_keep_simple_keys() {
    let mut store = Store::default();
    store.run("errors subscribe", "C1", T0);
    let out = store.report(&err("api", "boom"), T0);
    let keys: Vec<(Table, String)> = out.puts().map(|r| (r.table(), r.key())).collect();
    let fp = fingerprint(&err("api", "boom"));
    assert!(keys.contains(&(Table::Groups, format!("C1/{fp}"))));
    assert!(keys.contains(&(Table::Rates, "C1".to_string())));
    // Which storage table holds each kind is the state crate's business
    // (`baton_state::errors`, tested there).
}
