//! The redb engine's index of the delivery and event ids it keeps: where to
//! look for an id in `dedup_arrivals`, in about 5 bytes an id.
//!
//! Each id is kept as 24 bits of a keyed hash (16 choose its bucket, 8 are
//! stored) and when it was first seen (32 bits), which is the first half of
//! its row's key `(first seen, id)`. Looking an id up gives candidate times;
//! the caller confirms each one by reading that row, so two ids whose hashes
//! agree are never taken for one another (a match costs one read; a new id
//! meets ids-per-bucket / 256 false candidates on average: 0.3 row reads
//! with 5 million ids kept, 0.02 with 300,000).
//!
//! The index may hold more than the table (an id of a transaction that did
//! not commit, an id whose row was pruned): such an entry is only a
//! candidate the row read turns down. It never holds less: an id is put in
//! before its row is committed, and entries go only once pruned rows are
//! known to be gone.
//!
//! Memory grows an entry at a time: the 65,536 buckets are sorted vectors
//! grown by an eighth when full, so no step copies more than one bucket (the
//! whole-table rehash of a hash map stalled a commit), and a full bucket
//! drops its pruned entries before it grows. A load counts the ids of each
//! bucket first and allocates every bucket once.

use std::collections::BTreeSet;
use std::hash::BuildHasher;

use crate::UnixTime;

/// log2 of the number of buckets: the hash bits not stored.
const BUCKET_BITS: u32 = 16;

/// Ids a load sorts by bucket before adding them (2 MiB of them), so the
/// buckets are filled in order rather than at random.
const LOAD_CHUNK: usize = 1 << 18;

/// One kept id: the stored 8 bits of its hash, then when it was first
/// seen (unix seconds as a `u32`, in bytes so the entry is 5 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    fingerprint: u8,
    seen: [u8; 4],
}

impl Entry {
    fn new(fingerprint: u8, seen: u32) -> Entry {
        Entry {
            fingerprint,
            seen: seen.to_le_bytes(),
        }
    }

    fn seen(self) -> UnixTime {
        UnixTime::from(u32::from_le_bytes(self.seen))
    }
}

/// How an id becomes its 64-bit hash.
#[derive(Clone)]
pub(crate) enum Hashing {
    /// SipHash with keys drawn when the index is made (the index is
    /// rebuilt at every open), so nobody can choose ids that crowd a bucket.
    Keyed(std::collections::hash_map::RandomState),
    /// A given function: tests use it to make ids collide.
    #[cfg(test)]
    Fixed(fn(&str) -> u64),
}

/// The index (see the module documentation).
pub(crate) struct IdIndex {
    hashing: Hashing,
    /// Sorted by fingerprint; `1 << BUCKET_BITS` of them.
    buckets: Box<[Vec<Entry>]>,
    /// Ids first seen at a time a `u32` cannot hold (before 1970 or after
    /// 2106: only tests and hand-made files), as (hash, first seen).
    far: BTreeSet<(u64, UnixTime)>,
    /// Entries first seen before this are stale: their rows were pruned and
    /// no id was kept since with an earlier time.
    floor: UnixTime,
    entries: usize,
    /// Ids being loaded (bucket, fingerprint and time in one `u64`), not
    /// yet in their buckets: see [`IdIndex::push_unsorted`].
    loading: Vec<u64>,
}

impl IdIndex {
    pub(crate) fn new(hashing: Hashing) -> IdIndex {
        IdIndex {
            hashing,
            buckets: (0..1usize << BUCKET_BITS).map(|_| Vec::new()).collect(),
            far: BTreeSet::new(),
            floor: UnixTime::MIN,
            entries: 0,
            loading: Vec::new(),
        }
    }

    /// An empty index with fresh hash keys.
    pub(crate) fn keyed() -> IdIndex {
        IdIndex::new(Hashing::Keyed(Default::default()))
    }

    /// An empty index hashing the same way as this one.
    pub(crate) fn emptied(&self) -> IdIndex {
        IdIndex::new(self.hashing.clone())
    }

    pub(crate) fn hash(&self, id: &str) -> u64 {
        match &self.hashing {
            Hashing::Keyed(keys) => keys.hash_one(id),
            #[cfg(test)]
            Hashing::Fixed(hash) => hash(id),
        }
    }

    /// The hash's bucket (its top bits) and fingerprint (the next 8).
    fn split(hash: u64) -> (usize, u8) {
        (
            (hash >> (64 - BUCKET_BITS)) as usize,
            (hash >> (64 - BUCKET_BITS - 8)) as u8,
        )
    }

    /// When an id with this hash may have been first seen: each candidate
    /// must be confirmed against the stored row.
    pub(crate) fn candidates(&self, hash: u64) -> Vec<UnixTime> {
        let (bucket, fingerprint) = IdIndex::split(hash);
        let bucket = &self.buckets[bucket];
        let start = bucket.partition_point(|e| e.fingerprint < fingerprint);
        let mut found: Vec<UnixTime> = bucket[start..]
            .iter()
            .take_while(|e| e.fingerprint == fingerprint)
            .map(|e| e.seen())
            .filter(|&seen| seen >= self.floor)
            .collect();
        if !self.far.is_empty() {
            found.extend(
                self.far
                    .range((hash, UnixTime::MIN)..=(hash, UnixTime::MAX))
                    .map(|&(_, seen)| seen),
            );
        }
        found
    }

    /// Keep an id with this hash, first seen at `seen`.
    pub(crate) fn insert(&mut self, hash: u64, seen: UnixTime) {
        self.floor = self.floor.min(seen);
        self.entries += 1;
        let Ok(seen) = u32::try_from(seen) else {
            self.far.insert((hash, seen));
            return;
        };
        let (bucket, fingerprint) = IdIndex::split(hash);
        let floor = self.floor;
        let bucket = &mut self.buckets[bucket];
        if bucket.len() == bucket.capacity() {
            let before = bucket.len();
            bucket.retain(|e| e.seen() >= floor);
            self.entries -= before - bucket.len();
            if bucket.len() == bucket.capacity() {
                bucket.reserve_exact((bucket.len() / 8).max(2));
            }
        }
        let at = bucket.partition_point(|e| e.fingerprint <= fingerprint);
        bucket.insert(at, Entry::new(fingerprint, seen));
    }

    /// The first pass of a load: count `hash` toward its bucket's size in
    /// `counts` (one per bucket, see [`IdIndex::load_counts`]).
    pub(crate) fn count_for_load(counts: &mut [u32], hash: u64, seen: UnixTime) {
        if u32::try_from(seen).is_ok() {
            counts[IdIndex::split(hash).0] += 1;
        }
    }

    /// A zeroed count per bucket for [`IdIndex::count_for_load`].
    pub(crate) fn load_counts() -> Vec<u32> {
        vec![0; 1 << BUCKET_BITS]
    }

    /// Give each bucket the room its counted ids need and a sixteenth more,
    /// before the second pass adds them: no bucket is reallocated while
    /// loading (which left freed blocks behind in the allocator), and the
    /// first ids kept after the load find room (at exact sizes, nearly every
    /// bucket moved within seconds of load, and RSS rose by half the index).
    pub(crate) fn reserve_for_load(&mut self, counts: &[u32]) {
        for (bucket, &count) in self.buckets.iter_mut().zip(counts) {
            let count = count as usize;
            if count > 0 {
                bucket.reserve_exact(count + count / 16 + 2);
            }
        }
    }

    /// Add an id while loading; [`IdIndex::sort`] comes after. Ids are
    /// gathered and put in bucket order, a chunk at a time.
    pub(crate) fn push_unsorted(&mut self, hash: u64, seen: UnixTime) {
        self.floor = self.floor.min(seen);
        self.entries += 1;
        let Ok(seen) = u32::try_from(seen) else {
            self.far.insert((hash, seen));
            return;
        };
        if self.loading.capacity() == 0 {
            self.loading.reserve_exact(LOAD_CHUNK);
        }
        self.loading.push((hash >> 32) << 32 | u64::from(seen));
        if self.loading.len() == LOAD_CHUNK {
            self.put_loaded();
        }
    }

    fn put_loaded(&mut self) {
        self.loading.sort_unstable();
        for &packed in &self.loading {
            let (bucket, fingerprint) = IdIndex::split(packed);
            let bucket = &mut self.buckets[bucket];
            if bucket.len() == bucket.capacity() {
                bucket.reserve_exact((bucket.len() / 8).max(2));
            }
            bucket.push(Entry::new(fingerprint, packed as u32));
        }
        self.loading.clear();
    }

    /// Finish a load: the last ids into their buckets, each bucket sorted.
    pub(crate) fn sort(&mut self) {
        self.put_loaded();
        self.loading = Vec::new();
        for bucket in self.buckets.iter_mut() {
            bucket.sort_unstable_by_key(|e| e.fingerprint);
        }
    }

    /// The rows first seen before `cutoff` were pruned, and every id kept
    /// since at an earlier time was inserted after: drop their entries.
    /// Entries the index still holds from before `cutoff` are stale after
    /// this; a bucket drops them when it next fills, or [`IdIndex::sweep`].
    pub(crate) fn pruned_before(&mut self, cutoff: UnixTime) {
        self.floor = self.floor.max(cutoff);
    }

    /// Drop every stale entry now and give back the memory they held.
    pub(crate) fn sweep(&mut self) {
        let floor = self.floor;
        let mut entries = 0;
        for bucket in self.buckets.iter_mut() {
            bucket.retain(|e| e.seen() >= floor);
            if bucket.capacity() - bucket.len() > bucket.len() / 8 + 2 {
                bucket.shrink_to(bucket.len() + bucket.len() / 16);
            }
            entries += bucket.len();
        }
        self.far.retain(|&(_, seen)| seen >= floor);
        self.entries = entries + self.far.len();
    }

    /// Entries held, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.entries
    }

    /// Bytes the index holds on the heap (not counting the allocator's own).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buckets.len() * std::mem::size_of::<Vec<Entry>>()
            + self
                .buckets
                .iter()
                .map(|b| b.capacity() * std::mem::size_of::<Entry>())
                .sum::<usize>()
            + self.far.len() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_five_bytes_and_keeps_its_time() {
        assert_eq!(std::mem::size_of::<Entry>(), 5);
        for seen in [0, 1, 65_535, 65_536, 1_800_000_000, u32::MAX] {
            assert_eq!(Entry::new(7, seen).seen(), UnixTime::from(seen));
        }
    }

    #[test]
    fn candidates_are_every_time_kept_under_the_hash() {
        let mut index = IdIndex::new(Hashing::Fixed(|_| 0));
        let hash = 0xABCD_1234_5678_9ABC;
        let other = 0xABCD_1334_5678_9ABC; // same bucket, other fingerprint
        index.insert(hash, 100);
        index.insert(other, 150);
        index.insert(hash, 200);
        index.insert(hash, -5);
        index.insert(hash, 1 << 40);
        let mut found = index.candidates(hash);
        found.sort();
        assert_eq!(found, [-5, 100, 200, 1 << 40]);
        assert_eq!(index.candidates(other), [150]);
        assert!(index.candidates(hash ^ 1 << 63).is_empty());
    }

    #[test]
    fn pruned_entries_are_no_candidates_and_go_when_swept() {
        let spread = |i: i64| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut index = IdIndex::new(Hashing::Fixed(|_| 0));
        for seen in 0..1000 {
            index.insert(spread(seen), seen);
        }
        index.pruned_before(500);
        assert!(index.candidates(spread(10)).is_empty());
        assert_eq!(index.candidates(spread(600)), [600]);
        // An id kept later at an earlier time lowers the floor again.
        index.insert(7, 20);
        assert_eq!(index.candidates(7), [20]);
        index.pruned_before(500);
        index.sweep();
        assert_eq!(index.len(), 500);
    }

    #[test]
    fn a_full_bucket_drops_pruned_entries_before_it_grows() {
        let mut index = IdIndex::new(Hashing::Fixed(|_| 0));
        for seen in 0..64 {
            index.insert(seen as u64, seen);
        }
        let capacity = index.buckets[0].capacity();
        index.pruned_before(64);
        for seen in 64..64 + capacity as i64 {
            index.insert(seen as u64, seen);
        }
        assert_eq!(index.buckets[0].capacity(), capacity);
        assert!(index.len() <= capacity);
    }

    #[test]
    fn loading_unsorted_then_sorting_finds_the_same() {
        let keyed = IdIndex::keyed();
        let mut loaded = keyed.emptied();
        let mut inserted = keyed.emptied();
        let ids: Vec<String> = (0..20_000).map(|i| format!("github:{i}")).collect();
        let mut counts = IdIndex::load_counts();
        for (i, id) in ids.iter().enumerate() {
            IdIndex::count_for_load(&mut counts, keyed.hash(id), i as i64);
        }
        loaded.reserve_for_load(&counts);
        for (i, id) in ids.iter().enumerate() {
            loaded.push_unsorted(keyed.hash(id), i as i64);
            inserted.insert(keyed.hash(id), i as i64);
        }
        loaded.sort();
        // Counted first, so every bucket was allocated once, at its size
        // and a sixteenth (an empty one not at all).
        for bucket in loaded.buckets.iter().filter(|b| !b.is_empty()) {
            assert_eq!(bucket.capacity(), bucket.len() + bucket.len() / 16 + 2);
        }
        for (i, id) in ids.iter().enumerate() {
            assert!(loaded.candidates(keyed.hash(id)).contains(&(i as i64)));
            assert!(inserted.candidates(keyed.hash(id)).contains(&(i as i64)));
        }
        assert_eq!(loaded.len(), 20_000);
    }
}
