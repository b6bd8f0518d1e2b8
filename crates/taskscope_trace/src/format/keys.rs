//! A compact table from task keys to task indices, for graphs of millions of tasks.
//!
//! Reading a taskscope file resolves a million dependency keys, and writing one
//! checks a million keys for repeats. With `HashMap<&str, u32>` (24-byte
//! entries plus control bytes, about 50 MB for a million keys) nearly every
//! lookup misses the cache. [`KeyTable`] keeps one `u64` per slot (32 bits of
//! the key's hash and the task index), at most two slots per task, and
//! compares the key text in the caller's own key storage only when the hash
//! bits match. Inserts and lookups go in batches whose memory reads are issued
//! together, so that several cache misses are in flight at once.
//!
//! This module decides nothing about what keys mean; callers choose which
//! task wins for a repeated key (the first one inserted).

use std::hash::BuildHasher;

/// Keys stored by the caller, by task index.
pub(crate) trait KeyList {
    /// How many tasks there are.
    fn count(&self) -> usize;
    /// The key of task `i` (`""` when out of range).
    fn key(&self, i: u32) -> &str;
}

impl KeyList for crate::model::Graph {
    fn count(&self) -> usize {
        self.len()
    }

    fn key(&self, i: u32) -> &str {
        crate::model::Graph::key(self, crate::model::TaskId(i)).unwrap_or("")
    }
}

/// How many keys [`KeyTable`] looks up (or inserts) together: their first slots are
/// loaded in one tight loop so that the cache misses overlap instead of queueing.
const BATCH: usize = 16;

/// An empty slot (no task has index `u32::MAX`: indices are below the task count).
const EMPTY: u64 = u64::MAX;

/// The hash of a key: where its probe starts and the bits kept in the slot.
#[derive(Clone, Copy, Default)]
pub(crate) struct KeyHash {
    start: usize,
    check: u32,
}

impl KeyHash {
    pub(crate) fn of(key: &str) -> Self {
        let h = rustc_hash::FxBuildHasher.hash_one(key);
        Self {
            start: h as usize,
            check: (h >> 32) as u32,
        }
    }
}

/// Task keys to task indices: open addressing with linear probing.
pub(crate) struct KeyTable {
    /// `check << 32 | task index`, or [`EMPTY`].
    slots: Vec<u64>,
    mask: usize,
}

impl KeyTable {
    /// A table of every key of `keys` (the first task of each repeated key); returns it
    /// and, for each task, whether an earlier task has the same key.
    ///
    /// # Complexity
    /// O(V) expected for V tasks.
    pub(crate) fn new(keys: &impl KeyList) -> (Self, Vec<bool>) {
        let n = keys.count();
        let capacity = (n * 2).next_power_of_two().max(16);
        let mut table = Self {
            slots: vec![EMPTY; capacity],
            mask: capacity - 1,
        };
        let mut repeated = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let end = (start + BATCH).min(n);
            let mut hashes = [KeyHash::default(); BATCH];
            for (h, i) in hashes.iter_mut().zip(start..end) {
                *h = KeyHash::of(keys.key(i as u32));
            }
            // Inserts go in task order and their slots are random: load this batch's
            // slots together (the values are not needed, the cache lines are).
            std::hint::black_box(table.first_slots(&hashes));
            for (h, i) in hashes.iter().zip(start..end) {
                repeated.push(!table.insert(keys, i as u32, *h));
            }
            start = end;
        }
        (table, repeated)
    }

    /// The first slot of each hash's probe.
    fn first_slots(&self, hashes: &[KeyHash; BATCH]) -> [u64; BATCH] {
        hashes.map(|h| {
            self.slots
                .get(h.start & self.mask)
                .copied()
                .unwrap_or(EMPTY)
        })
    }

    /// Adds task `i`, whose key hashes to `hash`; `false` if a task with its key is
    /// already in (that one stays).
    fn insert(&mut self, keys: &impl KeyList, i: u32, hash: KeyHash) -> bool {
        let key = keys.key(i);
        let mut at = hash.start & self.mask;
        // Terminates: the table is at most half full.
        loop {
            let Some(slot) = self.slots.get_mut(at) else {
                return false;
            };
            if *slot == EMPTY {
                *slot = u64::from(hash.check) << 32 | u64::from(i);
                return true;
            }
            if (*slot >> 32) as u32 == hash.check && keys.key(*slot as u32) == key {
                return false;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The first task with `key`, whose hash is `hash`.
    pub(crate) fn find(&self, keys: &impl KeyList, key: &str, hash: KeyHash) -> Option<u32> {
        let mut at = hash.start & self.mask;
        loop {
            let slot = *self.slots.get(at)?;
            if slot == EMPTY {
                return None;
            }
            if (slot >> 32) as u32 == hash.check && keys.key(slot as u32) == key {
                return Some(slot as u32);
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The first task with each item's key (`None` for items without a key or with an
    /// unknown one). Keys are looked up [`BATCH`] at a time, each step of the lookups
    /// (first slot, candidate key) done for the whole batch before the next, so that
    /// their cache misses overlap.
    ///
    /// # Complexity
    /// O(n) expected for n items.
    pub(crate) fn find_all<'k, T>(
        &self,
        keys: &impl KeyList,
        items: &'k [T],
        key_of: impl Fn(&'k T) -> Option<&'k str>,
    ) -> Vec<Option<u32>> {
        let mut found = Vec::with_capacity(items.len());
        for chunk in items.chunks(BATCH) {
            let mut wanted: [Option<&str>; BATCH] = [None; BATCH];
            let mut hashes = [KeyHash::default(); BATCH];
            for ((w, h), item) in wanted.iter_mut().zip(&mut hashes).zip(chunk) {
                *w = key_of(item);
                if let Some(key) = *w {
                    *h = KeyHash::of(key);
                }
            }
            let first = self.first_slots(&hashes);
            // The key each first slot holds, when its hash bits match.
            let mut candidates: [Option<&str>; BATCH] = [None; BATCH];
            for ((c, &slot), h) in candidates.iter_mut().zip(&first).zip(&hashes) {
                if slot != EMPTY && (slot >> 32) as u32 == h.check {
                    *c = Some(keys.key(slot as u32));
                }
            }
            let touched = candidates.map(|c| c.and_then(|k| k.as_bytes().first().copied()));
            std::hint::black_box(touched);
            for (((wanted, candidate), &slot), &hash) in wanted
                .iter()
                .zip(&candidates)
                .zip(&first)
                .zip(&hashes)
                .take(chunk.len())
            {
                let result = match (*wanted, *candidate) {
                    (None, _) => None,
                    (Some(key), Some(c)) if c == key => Some(slot as u32),
                    (Some(_), _) if slot == EMPTY => None,
                    // Not in the first slot: probe on (rare at half load).
                    (Some(key), _) => self.find(keys, key, hash),
                };
                found.push(result);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keys(Vec<String>);

    impl KeyList for Keys {
        fn count(&self) -> usize {
            self.0.len()
        }
        fn key(&self, i: u32) -> &str {
            self.0.get(i as usize).map_or("", String::as_str)
        }
    }

    #[test]
    fn first_task_of_each_key_is_found() {
        let keys = Keys(
            (0..5000)
                .map(|i| format!("k{}", i % 3000))
                .chain([String::new(), "é".to_owned()])
                .collect(),
        );
        let (table, repeated) = KeyTable::new(&keys);
        assert_eq!(repeated.iter().filter(|&&r| r).count(), 2000);
        assert!(!repeated[2999] && repeated[3000] && !repeated[5000]);
        let probes: Vec<String> = ["k0", "k2999", "k3000", "", "é", "nope"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let found = table.find_all(&keys, &probes, |s| Some(s.as_str()));
        assert_eq!(
            found,
            [Some(0), Some(2999), None, Some(5000), Some(5001), None]
        );
        // Items without a key give None; order is kept over many lookups.
        let many: Vec<Option<String>> = (0..4000)
            .map(|i| (i % 2 == 0).then(|| format!("k{i}")))
            .collect();
        let found = table.find_all(&keys, &many, Option::as_deref);
        for (i, f) in found.iter().enumerate() {
            let expected = (i % 2 == 0 && i < 3000).then_some(i as u32);
            assert_eq!(*f, expected, "{i}");
        }
    }

    #[test]
    fn empty_and_tiny_tables_work() {
        let none = Keys(Vec::new());
        let (table, repeated) = KeyTable::new(&none);
        assert!(repeated.is_empty());
        assert_eq!(table.find(&none, "a", KeyHash::of("a")), None);
        let keys = Keys(vec!["a".into(), "b".into(), "a".into()]);
        let (table, repeated) = KeyTable::new(&keys);
        assert_eq!(repeated, [false, false, true]);
        for (i, k) in ["a", "b"].iter().enumerate() {
            assert_eq!(table.find(&keys, k, KeyHash::of(k)), Some(i as u32));
        }
        assert_eq!(table.find(&keys, "c", KeyHash::of("c")), None);
    }
}
