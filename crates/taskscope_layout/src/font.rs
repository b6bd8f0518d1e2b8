//! The bundled font and text measurement.
//!
//! Every picture uses one font, DejaVu Sans (`assets/fonts/DejaVuSans.ttf`,
//! Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`). It is
//! compiled into the crate, so node sizes measured here match the glyphs the
//! PNG rasteriser draws on every machine, and the SVG names the same family.
//!
//! Measurement adds the font's horizontal advances without kerning; the PNG
//! renderer shapes text with kerning, which makes its lines at most a few
//! percent narrower (checked by a test), so measured boxes always fit.

use std::sync::OnceLock;

/// The bundled font file (DejaVu Sans).
pub static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The family name the SVG asks for, followed by fallbacks with similar metrics.
pub const FONT_FAMILY_CSS: &str = "DejaVu Sans, Verdana, sans-serif";

/// The family name inside [`FONT_BYTES`].
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// Advance width of the code points below this, cached in a table.
const CACHED_CHARS: usize = 0x250;

/// Horizontal metrics of the bundled font, in font units.
struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f64,
    ascender: f64,
    descender: f64,
    line_gap: f64,
    /// Advance of code points `0..CACHED_CHARS`, in font units.
    advances: Vec<u16>,
    /// Advance used for characters the font lacks.
    fallback_advance: u16,
}

impl Metrics {
    fn load() -> Option<Self> {
        let face = ttf_parser::Face::parse(FONT_BYTES, 0).ok()?;
        let advance = |c: char| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g));
        let fallback_advance = advance('?').unwrap_or(face.units_per_em() / 2);
        let advances = (0..CACHED_CHARS as u32)
            .map(|cp| {
                char::from_u32(cp)
                    .and_then(advance)
                    .unwrap_or(fallback_advance)
            })
            .collect();
        Some(Self {
            units_per_em: f64::from(face.units_per_em()),
            ascender: f64::from(face.ascender()),
            descender: f64::from(face.descender()),
            line_gap: f64::from(face.line_gap()),
            face,
            advances,
            fallback_advance,
        })
    }

    fn advance(&self, c: char) -> u16 {
        if let Some(&a) = self.advances.get(c as usize) {
            return a;
        }
        self.face
            .glyph_index(c)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .unwrap_or(self.fallback_advance)
    }
}

fn metrics() -> Option<&'static Metrics> {
    static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();
    METRICS.get_or_init(Metrics::load).as_ref()
}

/// The width in px of one line of `text` at `font_size_px`.
///
/// Control characters (newlines included) are measured like any other missing
/// glyph; split lines first.
///
/// ```
/// let w = taskscope_layout::text_width("inc", 14.0);
/// assert!(w > 15.0 && w < 30.0);
/// assert_eq!(taskscope_layout::text_width("", 14.0), 0.0);
/// ```
pub fn text_width(text: &str, font_size_px: f64) -> f64 {
    let Some(m) = metrics() else {
        // The bundled font always parses; this keeps the function total anyway.
        return text.chars().count() as f64 * font_size_px * 0.6;
    };
    let units: u64 = text.chars().map(|c| u64::from(m.advance(c))).sum();
    units as f64 * font_size_px / m.units_per_em
}

/// The distance between two baselines at `font_size_px` (ascender − descender + line gap).
pub fn line_height(font_size_px: f64) -> f64 {
    match metrics() {
        Some(m) => (m.ascender - m.descender + m.line_gap) * font_size_px / m.units_per_em,
        None => font_size_px * 1.2,
    }
}

/// How far below a line's vertical centre its baseline sits, at `font_size_px`.
///
/// Placing the baseline at `centre_y + baseline_offset(size)` centres the
/// line's ascender-to-descender box on `centre_y`.
pub fn baseline_offset(font_size_px: f64) -> f64 {
    match metrics() {
        Some(m) => f64::midpoint(m.ascender, m.descender) * font_size_px / m.units_per_em,
        None => font_size_px * 0.35,
    }
}
