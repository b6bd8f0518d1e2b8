//! PNG output: our SVG rasterised by `resvg`, with the bundled font only.
//!
//! The font database holds nothing but the bundled DejaVu Sans (loaded from
//! the bytes compiled into the crate, never from the system), so a PNG is
//! the same on every machine.

#[cfg(feature = "png")]
use std::sync::{Arc, OnceLock};

#[cfg(feature = "png")]
use resvg::{tiny_skia, usvg};

use crate::LayoutError;
#[cfg(feature = "png")]
use crate::font::{FONT_BYTES, FONT_FAMILY};

/// PNG output settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PngOptions {
    /// Pixels per SVG px (1.0 = the SVG's size; 2.0 for high-DPI screens).
    pub scale: f64,
    /// Largest width or height in pixels; bigger pictures are scaled down to fit.
    pub max_side_px: u32,
    /// Largest pixel count (width × height); bigger pictures are scaled down to fit.
    pub max_pixels: u64,
}

impl Default for PngOptions {
    fn default() -> Self {
        Self {
            scale: 1.0,
            max_side_px: 16_384,
            max_pixels: 64 * 1024 * 1024,
        }
    }
}

#[cfg(feature = "png")]
fn font_db() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(FONT_BYTES)));
        db.set_sans_serif_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// The scale actually used for an `width` × `height` px picture: the requested
/// one, reduced to respect the side and pixel limits.
#[cfg_attr(not(feature = "png"), allow(dead_code))]
fn effective_scale(width: f64, height: f64, options: &PngOptions) -> f64 {
    let mut scale = if options.scale.is_finite() && options.scale > 0.0 {
        options.scale
    } else {
        1.0
    };
    let side = f64::from(options.max_side_px.max(1));
    let longest = width.max(height).max(1.0);
    scale = scale.min(side / longest);
    let pixels = width.max(1.0) * height.max(1.0) * scale * scale;
    let max_pixels = options.max_pixels.max(1) as f64;
    if pixels > max_pixels {
        scale *= (max_pixels / pixels).sqrt();
    }
    scale
}

/// Rasterises an SVG document (one written by this crate) to PNG bytes.
///
/// # Errors
/// [`LayoutError::Render`] if the SVG does not parse or the PNG cannot be encoded.
#[cfg(feature = "png")]
pub fn render_png(svg: &str, options: &PngOptions) -> Result<Vec<u8>, LayoutError> {
    let opt = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: font_db(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| LayoutError::Render(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (f64::from(size.width()), f64::from(size.height()));
    let scale = effective_scale(w, h, options);
    let px_w = ((w * scale).ceil() as u32).max(1);
    let px_h = ((h * scale).ceil() as u32).max(1);
    let mut pixmap = tiny_skia::Pixmap::new(px_w, px_h).ok_or_else(|| {
        LayoutError::Render(format!("cannot allocate a {px_w} x {px_h} px image"))
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let s = scale as f32;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(s, s),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| LayoutError::Render(e.to_string()))
}

/// PNG bytes of `svg` where the `png` feature is on; otherwise the error saying
/// which feature would make it work.
pub(crate) fn rasterise(svg: &str, options: &PngOptions) -> Result<Vec<u8>, LayoutError> {
    #[cfg(feature = "png")]
    return render_png(svg, options);
    #[cfg(not(feature = "png"))]
    {
        let _ = (svg, options);
        Err(LayoutError::FeatureDisabled {
            format: "PNG",
            feature: "png",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "png")]
    #[test]
    fn rasterise_renders_with_the_feature() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"></svg>"#;
        let png = rasterise(svg, &PngOptions::default()).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[cfg(not(feature = "png"))]
    #[test]
    fn rasterise_names_the_missing_feature() {
        let err = rasterise("<svg/>", &PngOptions::default()).unwrap_err();
        assert!(matches!(
            err,
            LayoutError::FeatureDisabled { feature: "png", .. }
        ));
        assert!(err.to_string().contains("`png` feature"), "{err}");
    }

    #[test]
    fn scale_respects_limits() {
        let o = PngOptions::default();
        assert!((effective_scale(100.0, 50.0, &o) - 1.0).abs() < 1e-12);
        let s = effective_scale(100_000.0, 100.0, &o);
        assert!(100_000.0 * s <= 16_384.0 + 1e-6);
        let s = effective_scale(10_000.0, 10_000.0, &o);
        assert!(10_000.0 * 10_000.0 * s * s <= o.max_pixels as f64 * 1.000_001);
        let bad = PngOptions {
            scale: f64::NAN,
            ..PngOptions::default()
        };
        assert!((effective_scale(10.0, 10.0, &bad) - 1.0).abs() < 1e-12);
    }
}
