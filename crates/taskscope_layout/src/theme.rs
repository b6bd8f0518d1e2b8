//! Every colour the pictures use, in one place.
//!
//! Palettes are fixed tables. Which entry a task name gets is decided in the
//! trace crate ([`taskscope_trace::PaletteIndex::of_name`], a stable hash of the
//! name); [`CATEGORICAL`] says what colour each entry is. The egui widgets
//! convert these same colours, so a task has one colour on screen and in every
//! exported picture.

// Colours are written as 0xrrggbb, the way they appear in CSS; separators would hide that.
#![allow(clippy::unreadable_literal)]

use std::fmt;

use taskscope_trace::palette::PALETTE_LEN;
use taskscope_trace::{PaletteIndex, TaskState};

/// An opaque sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rrggbb`.
    pub const fn from_hex(hex: u32) -> Self {
        Self((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
    }

    /// Relative luminance in 0..=1 (a rough sRGB approximation), to choose a readable text colour.
    pub fn luminance(self) -> f64 {
        (0.2126 * f64::from(self.0) + 0.7152 * f64::from(self.1) + 0.0722 * f64::from(self.2))
            / 255.0
    }

    /// Black or white, whichever reads better on this colour.
    pub fn text_color(self) -> Self {
        if self.luminance() > 0.5 {
            TEXT
        } else {
            Self(255, 255, 255)
        }
    }
}

impl fmt::Display for Rgb {
    /// Writes `#rrggbb`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Page background.
pub const BACKGROUND: Rgb = Rgb(255, 255, 255);
/// Text.
pub const TEXT: Rgb = Rgb(0x11, 0x11, 0x11);
/// Secondary text (axis labels, counts).
pub const TEXT_MUTED: Rgb = Rgb(0x55, 0x55, 0x55);
/// Node outlines.
pub const NODE_STROKE: Rgb = Rgb(0x22, 0x22, 0x22);
/// Node fill when nodes are not coloured.
pub const NODE_FILL: Rgb = Rgb(255, 255, 255);
/// Node fill for a task without the data the colouring needs (e.g. no timing).
pub const NODE_NO_DATA: Rgb = Rgb(0xee, 0xee, 0xee);
/// Edges.
pub const EDGE: Rgb = Rgb(0x44, 0x44, 0x44);
/// Critical-path (highlight) strokes.
pub const HIGHLIGHT: Rgb = Rgb(0xc2, 0x18, 0x5b);
/// Grid lines and the time axis.
pub const GRID: Rgb = Rgb(0xdd, 0xdd, 0xdd);
/// Alternate row shading of the timeline.
pub const ROW_SHADE: Rgb = Rgb(0xf6, 0xf6, 0xf6);
/// Timeline items that merge spans of different names.
pub const MERGED: Rgb = Rgb(0x99, 0x99, 0x99);
/// Dependency arrows of the timeline.
pub const ARROW: Rgb = Rgb(0x33, 0x33, 0x33);

/// Categorical colours for task names and lanes (Tableau 20 without its reds and greys,
/// which mean "failed" and "transfer" here).
pub const CATEGORICAL: [Rgb; PALETTE_LEN] = [
    Rgb::from_hex(0x1f77b4),
    Rgb::from_hex(0xff7f0e),
    Rgb::from_hex(0x2ca02c),
    Rgb::from_hex(0x9467bd),
    Rgb::from_hex(0x8c564b),
    Rgb::from_hex(0xe377c2),
    Rgb::from_hex(0xbcbd22),
    Rgb::from_hex(0x17becf),
    Rgb::from_hex(0xaec7e8),
    Rgb::from_hex(0xffbb78),
    Rgb::from_hex(0x98df8a),
    Rgb::from_hex(0xc5b0d5),
    Rgb::from_hex(0xc49c94),
    Rgb::from_hex(0xf7b6d2),
    Rgb::from_hex(0xdbdb8d),
    Rgb::from_hex(0x9edae5),
];

/// Sequential colours for durations, short to long (ColorBrewer YlOrRd).
pub const SEQUENTIAL: [Rgb; 6] = [
    Rgb::from_hex(0xffffb2),
    Rgb::from_hex(0xfed976),
    Rgb::from_hex(0xfeb24c),
    Rgb::from_hex(0xfd8d3c),
    Rgb::from_hex(0xf03b20),
    Rgb::from_hex(0xbd0026),
];

/// The fill for a task state.
pub fn state_color(state: TaskState) -> Rgb {
    match state {
        TaskState::Done => Rgb::from_hex(0xa1d99b),
        TaskState::Failed => Rgb::from_hex(0xfb6a4a),
        TaskState::Cancelled => Rgb::from_hex(0xfdae6b),
        TaskState::NotRun => Rgb::from_hex(0xd9d9d9),
    }
}

/// The colour of span kinds other than compute, as Dask's task stream draws them.
pub fn span_kind_color(kind: taskscope_trace::SpanKind) -> Option<Rgb> {
    use taskscope_trace::SpanKind;
    match kind {
        SpanKind::Compute => None,
        SpanKind::Transfer => Some(Rgb::from_hex(0xd62728)),
        SpanKind::DiskRead | SpanKind::DiskWrite => Some(Rgb::from_hex(0xff9933)),
        SpanKind::Deserialize => Some(Rgb::from_hex(0x7f7f7f)),
        SpanKind::Other => Some(Rgb::from_hex(0xc7c7c7)),
    }
}

/// Arrows from the worker that held some data to the transfer that received it.
pub const TRANSFER_ARROW: Rgb = Rgb::from_hex(0xd62728);

/// The hatch lines on transfer bars (over the transfer colour).
pub const TRANSFER_HATCH: Rgb = Rgb::from_hex(0xffd8d8);

/// The categorical colour of a task name (stable: see [`PaletteIndex::of_name`]).
pub fn name_color(name: &str) -> Rgb {
    palette_rgb(PaletteIndex::of_name(name))
}

/// The colour of a palette entry.
pub fn palette_rgb(index: PaletteIndex) -> Rgb {
    CATEGORICAL.get(index.index()).copied().unwrap_or(NODE_FILL)
}

/// Entry `i` of [`CATEGORICAL`], wrapping around (e.g. for lane `i`).
pub fn palette_color(i: usize) -> Rgb {
    palette_rgb(PaletteIndex::wrapping(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_hash_are_stable() {
        assert_eq!(Rgb::from_hex(0x1f77b4).to_string(), "#1f77b4");
        // Reference FNV-1a values (the hash lives in the trace crate now).
        assert_eq!(taskscope_trace::stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(taskscope_trace::stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(name_color("inc"), name_color("inc"));
        // The entry the trace crate picks, in the one palette.
        assert_eq!(
            name_color("inc"),
            palette_color(PaletteIndex::of_name("inc").index())
        );
        assert_eq!(Rgb(255, 255, 255).text_color(), TEXT);
        assert_eq!(Rgb(0, 0, 0).text_color(), Rgb(255, 255, 255));
    }
}
