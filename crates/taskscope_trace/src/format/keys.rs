//! A compact table from task keys to task indices, for graphs of millions of tasks.
//!
//! Reading a taskscope file resolves a million dependency keys, and writing one
//! checks a million keys for repeats. With `HashMap<&str, u32>` (24-byte
//! entries plus control bytes, about 50 MB for a million keys) nearly every
//! lookup misses the cache. [`KeyTable`] keeps one `u64` per slot (32 bits of
//! the key's hash and the task index), at most two slots per task, and
//! compares the key text in the caller's own key storage only when the hash
//! bits match. Lookups in bulk ([`KeyTable::find_all`]) read a few lookups
//! ahead so that several cache misses are in flight at once.
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

/// How many lookups ahead [`KeyTable::find_all`] reads a slot (twice that for the
/// first slot of a key, once for the key it holds).
const AHEAD: usize = 8;

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
        let mut sink = 0u64;
        for i in 0..n {
            // Inserts go in task order, their slots are random: read a later one's slot now.
            if i + AHEAD < n {
                sink ^= table.warm_slot(KeyHash::of(keys.key((i + AHEAD) as u32)));
            }
            repeated.push(!table.insert(keys, i as u32));
        }
        std::hint::black_box(sink);
        (table, repeated)
    }

    /// Adds task `i`; `false` if a task with its key is already in (that one stays).
    fn insert(&mut self, keys: &impl KeyList, i: u32) -> bool {
        let key = keys.key(i);
        let hash = KeyHash::of(key);
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

    /// Reads the slot a lookup of `hash` starts at (a value for `black_box`).
    fn warm_slot(&self, hash: KeyHash) -> u64 {
        self.slots.get(hash.start & self.mask).copied().unwrap_or(0)
    }

    /// Reads the key the lookup of `hash` compares first (a value for `black_box`).
    fn warm_key(&self, keys: &impl KeyList, hash: KeyHash) -> u64 {
        let slot = self.warm_slot(hash);
        if slot == EMPTY {
            return 0;
        }
        keys.key(slot as u32)
            .as_bytes()
            .first()
            .copied()
            .map_or(0, u64::from)
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
    /// unknown one), reading a few items ahead so that their cache misses overlap.
    ///
    /// # Complexity
    /// O(n) expected for n items.
    pub(crate) fn find_all<'k, T>(
        &self,
        keys: &impl KeyList,
        items: &'k [T],
        key_of: impl Fn(&'k T) -> Option<&'k str>,
    ) -> Vec<Option<u32>> {
        const RING: usize = 4 * AHEAD;
        let mut hashes = [KeyHash::default(); RING];
        let hash_at = |i: usize| items.get(i).and_then(&key_of).map(KeyHash::of);
        for (i, slot) in hashes.iter_mut().enumerate().take(2 * AHEAD) {
            *slot = hash_at(i).unwrap_or_default();
        }
        let mut sink = 0u64;
        let mut found = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            // Two stages ahead: the first slot of item i + 2*AHEAD; then the key held in
            // the first slot of item i + AHEAD (that slot is in cache by then).
            let far = i + 2 * AHEAD;
            if let Some(h) = hash_at(far) {
                sink ^= self.warm_slot(h);
                if let Some(slot) = hashes.get_mut(far % RING) {
                    *slot = h;
                }
            }
            if i + AHEAD < items.len()
                && let Some(&h) = hashes.get((i + AHEAD) % RING)
            {
                sink ^= self.warm_key(keys, h);
            }
            let hash = hashes.get(i % RING).copied().unwrap_or_default();
            found.push(key_of(item).and_then(|key| self.find(keys, key, hash)));
        }
        std::hint::black_box(sink);
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
