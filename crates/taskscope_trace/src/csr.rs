//! Compressed rows: for each of `n` rows, a contiguous slice of items, built by
//! one counting sort. The workspace's one implementation of "group pairs by a
//! small integer key": reverse edges ([`crate::Dependents`]), spans per task
//! ([`crate::SpansByTask`]), the analysis's dependency lists, and the layout's
//! adjacency lists all use it.

/// For each row `0..n`, a contiguous slice of items (compressed sparse rows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr<T> {
    /// `starts[r]..starts[r + 1]` is row `r` in `items`; `n + 1` entries.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Csr<T> {
    fn default() -> Self {
        Self {
            starts: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T: Copy + Default> Csr<T> {
    /// Groups `(row, item)` pairs by row; items keep their input order within a row.
    /// Pairs whose row is `>= rows` are dropped (callers pass checked rows).
    ///
    /// `pairs` is walked twice (count, then fill), so it must give the same pairs
    /// both times.
    ///
    /// ```
    /// use taskscope_trace::csr::Csr;
    /// let rows = Csr::from_pairs(3, [(1, 'b'), (0, 'a'), (1, 'c')].iter().copied());
    /// assert_eq!(rows.row(0), &['a']);
    /// assert_eq!(rows.row(1), &['b', 'c']);
    /// assert!(rows.row(2).is_empty() && rows.row(9).is_empty());
    /// ```
    ///
    /// # Complexity
    /// O(rows + pairs) time and memory, two passes (a counting sort).
    pub fn from_pairs(rows: usize, pairs: impl Iterator<Item = (usize, T)> + Clone) -> Self {
        let mut starts = vec![0u32; rows + 1];
        for (row, _) in pairs.clone() {
            if row < rows
                && let Some(c) = starts.get_mut(row + 1)
            {
                *c += 1;
            }
        }
        let mut total = 0u32;
        for c in &mut starts {
            total = total.saturating_add(*c);
            *c = total;
        }
        let mut fill = starts.clone();
        let mut items = vec![T::default(); total as usize];
        for (row, item) in pairs {
            if row >= rows {
                continue;
            }
            if let Some(slot) = fill.get_mut(row) {
                if let Some(out) = items.get_mut(*slot as usize) {
                    *out = item;
                }
                *slot += 1;
            }
        }
        debug_assert!(
            starts.windows(2).all(|w| w[0] <= w[1]),
            "row starts are ascending"
        );
        Self { starts, items }
    }
}

impl<T> Csr<T> {
    /// The items of row `row` (empty for a row out of range).
    #[inline]
    pub fn row(&self, row: usize) -> &[T] {
        match (self.starts.get(row), self.starts.get(row + 1)) {
            (Some(&s), Some(&e)) => self.items.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// How many rows there are.
    pub fn rows(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The total number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is no item at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Each row's items, in row order, to change them in place (e.g. to sort each row).
    ///
    /// ```
    /// use taskscope_trace::csr::Csr;
    /// let mut rows = Csr::from_pairs(2, [(1, 3), (0, 2), (1, 1), (0, 0)].iter().copied());
    /// rows.rows_mut().for_each(<[i32]>::sort);
    /// assert_eq!(rows.into_items(), [0, 2, 1, 3]);
    /// ```
    pub fn rows_mut(&mut self) -> impl Iterator<Item = &mut [T]> + '_ {
        let mut rest: &mut [T] = &mut self.items;
        self.starts.windows(2).map(move |w| {
            let len = match *w {
                [from, to] => to.saturating_sub(from) as usize,
                _ => 0,
            };
            let taken = std::mem::take(&mut rest);
            let (row, tail) = taken.split_at_mut(len.min(taken.len()));
            rest = tail;
            row
        })
    }

    /// The items, row after row.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_pairs_by_row_in_input_order() {
        let pairs = [(1, 10u32), (0, 5), (1, 11), (3, 7), (9, 1)];
        let csr = Csr::from_pairs(4, pairs.iter().copied());
        assert_eq!(csr.row(0), &[5]);
        assert_eq!(csr.row(1), &[10, 11]);
        assert!(csr.row(2).is_empty());
        assert_eq!(csr.row(3), &[7]);
        assert!(csr.row(9).is_empty(), "out of range");
        assert_eq!((csr.rows(), csr.len()), (4, 4));
        let empty: Csr<u32> = Csr::default();
        assert!(empty.is_empty() && empty.rows() == 0 && empty.row(0).is_empty());
    }
}
