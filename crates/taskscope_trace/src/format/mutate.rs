//! Byte-level damage for the reader's property tests (compiled for tests only).
//!
//! Shared by the unit tests in `read.rs` (fast and general paths agree on damaged
//! files) and by `tests/format_fuzz.rs` (the reader never panics), which includes
//! this file with `#[path]`.

use proptest::prelude::*;

/// One change to a file's bytes. Positions wrap around the current length.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Cut the file at this position.
    Truncate(usize),
    /// XOR the byte at this position with the value.
    Flip(usize, u8),
    /// Insert a token at this position.
    Insert(usize, &'static str),
    /// Remove this many bytes from this position.
    Remove(usize, usize),
}

/// Mutations that insert one of `tokens` or remove up to `max_remove - 1` bytes.
pub fn mutation(
    tokens: &'static [&'static str],
    max_remove: usize,
) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (any::<usize>(), proptest::sample::select(tokens))
            .prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), 1..max_remove.max(2)).prop_map(|(a, n)| Mutation::Remove(a, n)),
    ]
}

/// `bytes` with `mutations` applied in order.
pub fn apply(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in mutations {
        let len = out.len().max(1);
        match *m {
            Mutation::Truncate(at) => out.truncate(at % len),
            Mutation::Flip(at, b) => {
                if let Some(x) = out.get_mut(at % len) {
                    *x ^= b;
                }
            }
            Mutation::Insert(at, s) => {
                let at = (at % len).min(out.len());
                out.splice(at..at, s.bytes());
            }
            Mutation::Remove(at, n) => {
                let at = (at % len).min(out.len());
                let end = (at + n).min(out.len());
                out.drain(at..end);
            }
        }
    }
    out
}
