//! [`Interner`]: keys numbered in order of first appearance, the crate's one table of
//! that kind (a trace reader's names, lanes, flow ids and counter tracks; the key groups
//! of a graph).

/// Keys numbered in order of first appearance, found by hash.
///
/// The index holds numbers, not keys, so it does not depend on whom the keys borrow:
/// [`Interner::map_keys`] converts the keys (borrowed texts into owned ones) and keeps
/// the index as it is. An incremental reader converts its tables at every push; with
/// maps keyed by the texts, each push rehashed every name or flow id read so far, which
/// made following a file with many distinct ones quadratic.
#[derive(Clone)]
pub(crate) struct Interner<K> {
    keys: Vec<K>,
    index: hashbrown::HashTable<u32>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            index: hashbrown::HashTable::new(),
        }
    }
}

/// The hash an [`Interner`] finds a key by.
fn key_hash<K: std::hash::Hash + ?Sized>(key: &K) -> u64 {
    use std::hash::BuildHasher as _;
    rustc_hash::FxBuildHasher.hash_one(key)
}

impl<K: std::hash::Hash + Eq> Interner<K> {
    /// The number of `key`, adding it if it is new.
    ///
    /// # Complexity
    /// O(1) amortised (one hash of `key`, one comparison per key with the same hash).
    pub(crate) fn intern(&mut self, key: K) -> u32 {
        let hash = key_hash(&key);
        let keys = &self.keys;
        let same = |id: &u32| keys.get(*id as usize).is_some_and(|k| *k == key);
        if let Some(&id) = self.index.find(hash, same) {
            return id;
        }
        debug_assert!(
            u32::try_from(self.keys.len()).is_ok(),
            "keys are numbered in u32"
        );
        let id = self.keys.len() as u32;
        self.keys.push(key);
        let keys = &self.keys;
        self.index
            .insert_unique(hash, id, |id| keys.get(*id as usize).map_or(0, key_hash));
        id
    }

    /// Every key, by number.
    pub(crate) fn keys(&self) -> &[K] {
        &self.keys
    }

    /// The keys, by number.
    pub(crate) fn into_keys(self) -> Vec<K> {
        self.keys
    }

    /// The same numbers for the keys `convert` makes of these, which must hash and
    /// compare as they did (as a borrowed text made owned does).
    ///
    /// # Complexity
    /// O(n) for its n keys, each converted; the index is kept as it is.
    pub(crate) fn map_keys<L: std::hash::Hash + Eq>(
        self,
        convert: impl FnMut(K) -> L,
    ) -> Interner<L> {
        let converted = Interner {
            keys: self.keys.into_iter().map(convert).collect(),
            index: self.index,
        };
        debug_assert!(
            converted.keys.iter().enumerate().take(8).all(|(i, k)| {
                converted
                    .index
                    .find(key_hash(k), |&id| id as usize == i)
                    .is_some()
            }),
            "converted keys hash as before"
        );
        converted
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::Interner;

    #[test]
    fn an_interner_numbers_keys_once_and_keeps_its_numbers_when_they_are_made_owned() {
        let text = String::from("a b a c b");
        let mut names: Interner<Cow<'_, str>> = Interner::default();
        let ids: Vec<u32> = text
            .split(' ')
            .map(|w| names.intern(Cow::Borrowed(w)))
            .collect();
        assert_eq!(ids, [0, 1, 0, 2, 1]);
        // Owned, with the text gone: the same numbers, found by the same keys.
        let mut names: Interner<Cow<'static, str>> = names.map_keys(|k| Cow::Owned(k.into_owned()));
        drop(text);
        assert_eq!(names.keys(), ["a", "b", "c"]);
        assert_eq!(names.intern(Cow::Owned("c".to_owned())), 2);
        assert_eq!(names.intern(Cow::Borrowed("a")), 0);
        assert_eq!(names.intern(Cow::Borrowed("d")), 3);
        // Many keys: the index grows (rehashes by the stored keys) and still finds all.
        for i in 0..10_000 {
            names.intern(Cow::Owned(format!("k{i}")));
        }
        assert_eq!(names.intern(Cow::Borrowed("k9999")), 10_003);
        assert_eq!(names.intern(Cow::Borrowed("b")), 1);
    }
}
