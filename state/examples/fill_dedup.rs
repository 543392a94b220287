//! Memory benchmark helper (not a test): fill a data file's delivery-id
//! table up to COUNT ids, first seen over the last SPAN seconds (6 days by
//! default, inside `BATON_DEDUP_RETENTION`'s 7), then open the file again
//! and say how long the open took and what the id index holds.
//!
//!   cargo run --release -p baton-state --example fill_dedup -- FILE COUNT [SPAN]
//!
//! `bench/memory.sh` runs it before starting `baton serve` on the file.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use baton_state::Store;

/// Ids written per transaction.
const BATCH: u64 = 20_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, count, rest @ ..] = args.as_slice() else {
        eprintln!("usage: fill_dedup FILE COUNT [SPAN_SECONDS]");
        std::process::exit(2);
    };
    let count: u64 = count.parse().expect("COUNT is a number");
    let span: i64 = rest
        .first()
        .map_or(6 * 86_400, |s| s.parse().expect("SPAN is seconds"));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    let store = Store::open(file.as_ref()).expect("open the data file");
    let (have, _) = store.dedup_index_size().expect("a data file");
    let have = have as u64;
    let started = Instant::now();
    let mut next = have;
    while next < count {
        let end = (next + BATCH).min(count);
        store
            .write(|tx| {
                for i in next..end {
                    // A GitHub delivery GUID's shape, distinct per i.
                    let id = format!("github:{:016x}-{:04x}-fill", mix(i), i % 0xffff);
                    let seen = now - span + (i as i64 * span) / count.max(1) as i64;
                    tx.first_delivery(&id, seen)?;
                }
                Ok(())
            })
            .expect("write ids");
        next = end;
    }
    if count > have {
        println!(
            "added {} ids in {:.1} s",
            count - have,
            started.elapsed().as_secs_f64()
        );
    }
    drop(store);

    let opening = Instant::now();
    let store = Store::open(file.as_ref()).expect("open the data file again");
    let open_ms = opening.elapsed().as_millis();
    let (entries, bytes) = store.dedup_index_size().expect("a data file");
    println!(
        "open: {open_ms} ms; index: {entries} ids, {:.1} MiB ({:.2} bytes an id beyond the 1.5 MiB of empty buckets)",
        bytes as f64 / 1048576.0,
        (bytes.saturating_sub(65_536 * 24)) as f64 / entries.max(1) as f64
    );
}

/// A 64-bit mix of `i` (splitmix64's finalizer), so ids look random.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
