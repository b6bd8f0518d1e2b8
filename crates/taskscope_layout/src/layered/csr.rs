//! Adjacency lists for the layout's index-based graphs: `u32` keys and items over
//! the trace crate's compressed rows ([`taskscope_trace::csr::Csr`], the one
//! counting sort of the workspace).

/// For each key `0..n`, a contiguous slice of `u32` items.
#[derive(Clone, Debug, Default)]
pub(crate) struct Csr(taskscope_trace::csr::Csr<u32>);

impl Csr {
    /// Groups `(key, item)` pairs by key; items keep their input order within a key.
    /// Pairs whose key is `>= n` are dropped (callers only pass checked keys).
    ///
    /// # Complexity
    /// O(n + pairs), a counting sort.
    pub(crate) fn build(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        Self(taskscope_trace::csr::Csr::from_pairs(
            n,
            pairs.map(|(key, item)| (key as usize, item)),
        ))
    }

    /// The items of `key` (empty for a key out of range).
    #[inline]
    pub(crate) fn get(&self, key: u32) -> &[u32] {
        self.0.row(key as usize)
    }

    /// The total number of items.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
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
