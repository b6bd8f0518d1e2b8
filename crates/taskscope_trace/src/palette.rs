//! Which colour a task name gets, decided once for every picture: an index into a
//! fixed palette of [`PALETTE_LEN`] colours.
//!
//! The index comes from [`stable_hash`] of the name's bytes, so the same name has
//! the same index in every trace, on every machine, whatever order names are met
//! in. This module decides only the index; what colour an index *is* belongs to
//! the drawing crates (`taskscope_layout::theme` holds the one palette, and the
//! egui widgets convert its colours), so a task has one colour on screen and in
//! every export by construction.

use std::fmt;

/// How many colours the categorical palette has.
pub const PALETTE_LEN: usize = 16;

/// An entry of the categorical palette, always below [`PALETTE_LEN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PaletteIndex(u8);

impl PaletteIndex {
    /// The palette entry for the number `n` (e.g. a lane id), wrapping around the palette.
    pub fn wrapping(n: usize) -> Self {
        // The remainder is below PALETTE_LEN (16), so it fits a u8.
        Self((n % PALETTE_LEN) as u8)
    }

    /// The entry of the task name `name`.
    ///
    /// ```
    /// use taskscope_trace::palette::PaletteIndex;
    /// assert_eq!(PaletteIndex::of_name("inc"), PaletteIndex::of_name("inc"));
    /// assert!(PaletteIndex::of_name("add").index() < taskscope_trace::palette::PALETTE_LEN);
    /// ```
    pub fn of_name(name: &str) -> Self {
        // The remainder is below PALETTE_LEN, so the narrowing cannot lose bits.
        Self::wrapping((stable_hash(name.as_bytes()) % PALETTE_LEN as u64) as usize)
    }

    /// The index into a palette of [`PALETTE_LEN`] colours.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for PaletteIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// 64-bit FNV-1a of `bytes`: stable across runs, platforms and Rust versions (std's
/// hashers are seeded at random or may change), for anything that must not move
/// between runs — a name's colour, a task key.
///
/// # Complexity
/// O(bytes).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_reference_fnv1a_and_indices_are_in_range() {
        // Reference FNV-1a values, pinned: a change would recolour every picture.
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        for name in ["inc", "add", "", "a much longer task name", "µ"] {
            let i = PaletteIndex::of_name(name);
            assert!(i.index() < PALETTE_LEN);
            assert_eq!(i, PaletteIndex::of_name(name));
        }
        assert_eq!(PaletteIndex::wrapping(17).index(), 1);
        assert_ne!(PaletteIndex::of_name("inc"), PaletteIndex::of_name("add"));
    }
}
