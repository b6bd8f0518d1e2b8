//! Compressed adjacency lists (CSR) for the layout's index-based graphs.

/// For each key `0..n`, a contiguous slice of `u32` items.
#[derive(Clone, Debug, Default)]
pub(crate) struct Csr {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    /// Groups `(key, item)` pairs by key; items keep their input order within a key.
    /// Pairs whose key is `>= n` are dropped (callers only pass checked keys).
    ///
    /// # Complexity
    /// O(n + pairs), a counting sort.
    pub(crate) fn build(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        let mut starts = vec![0u32; n + 1];
        for (key, _) in pairs.clone() {
            if let Some(c) = starts.get_mut(key as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let total = starts.last().copied().unwrap_or(0) as usize;
        let mut fill = starts.clone();
        let mut items = vec![0u32; total];
        for (key, item) in pairs {
            if let Some(slot) = fill.get_mut(key as usize) {
                if let Some(dst) = items.get_mut(*slot as usize) {
                    *dst = item;
                }
                *slot += 1;
            }
        }
        Self { starts, items }
    }

    /// The items of `key` (empty for a key out of range).
    #[inline]
    pub(crate) fn get(&self, key: u32) -> &[u32] {
        let k = key as usize;
        match (self.starts.get(k), self.starts.get(k + 1)) {
            (Some(&s), Some(&e)) => self.items.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The total number of items.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The number of items of `key`.
    #[inline]
    pub(crate) fn degree(&self, key: u32) -> usize {
        self.get(key).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_pairs_by_key_in_input_order() {
        let pairs = [(1, 10), (0, 5), (1, 11), (3, 7)];
        let csr = Csr::build(4, pairs.iter().copied());
        assert_eq!(csr.get(0), &[5]);
        assert_eq!(csr.get(1), &[10, 11]);
        assert!(csr.get(2).is_empty());
        assert_eq!(csr.get(3), &[7]);
        assert!(csr.get(9).is_empty());
        assert_eq!(csr.degree(1), 2);
    }
}
