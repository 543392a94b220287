//! Conformance scenarios of the errors feature's newer records, run on
//! every engine by `conformance_suite!`: the release a fingerprint was last
//! seen in, and a resolution until the next release.

use baton_handlers::errors::{Record, Resolved, Seen, Table};

use super::{Opener, NOW};

pub fn seen_releases_and_next_release_resolutions_are_kept(open: Opener<'_>) {
    let store = open("error_seen");
    let fp = "85944171f73967e8";
    store
        .write(|tx| {
            tx.put_error_record(&Record::Seen(Seen {
                fingerprint: fp.into(),
                release: Some("shop@1.4.2".into()),
                since: NOW,
            }))?;
            tx.put_error_record(&Record::Resolved(Resolved {
                fingerprint: fp.into(),
                by: "U1".into(),
                at: NOW,
                release: Some("shop@1.4.2".into()),
            }))
        })
        .unwrap();
    drop(store);
    let store = open("error_seen");
    let (seen, resolved) = store
        .read(|tx| Ok((tx.error_seen(fp)?, tx.error_resolved(fp)?)))
        .unwrap();
    assert_eq!(seen.unwrap().release.as_deref(), Some("shop@1.4.2"));
    assert_eq!(resolved.unwrap().release.as_deref(), Some("shop@1.4.2"));
    assert!(store
        .write(|tx| tx.remove_error_record(Table::Seen, fp))
        .unwrap());
    assert_eq!(store.read(|tx| tx.error_seen(fp)).unwrap(), None);
}
