//! The timeline's view state: which time is at the left edge and how many ns a pixel is.
//!
//! Pure arithmetic, no egui: zooming about a point, panning by pixels, fitting a
//! range, and converting between ns and pixels. The widget owns one
//! [`TimelineView`]; the compare tab shares one between two timelines.

use std::ops::Range;

/// The smallest zoom step: a nanosecond never spans more than 200 pixels.
pub const MIN_NS_PER_PX: f64 = 0.005;

/// Which part of the time axis is on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimelineView {
    /// The time at the left edge of the canvas, in ns (fractional when zoomed in far).
    pub start_ns: f64,
    /// Nanoseconds per pixel (the zoom level; smaller is more zoomed in).
    pub ns_per_px: f64,
}

impl Default for TimelineView {
    fn default() -> Self {
        Self {
            start_ns: 0.0,
            ns_per_px: 1.0,
        }
    }
}

impl TimelineView {
    /// The view showing `start_ns..end_ns` across `width_px` pixels, with a 2 % margin each side.
    pub fn fit(start_ns: u64, end_ns: u64, width_px: f32) -> Self {
        let width_px = f64::from(width_px.max(1.0));
        let len = end_ns.saturating_sub(start_ns).max(1) as f64;
        let margin = len * 0.02;
        let ns_per_px = ((len + 2.0 * margin) / width_px).max(MIN_NS_PER_PX);
        Self {
            start_ns: start_ns as f64 - margin,
            ns_per_px,
        }
    }

    /// The x offset (in px from the canvas' left edge) of time `ns`.
    pub fn x_from_ns(&self, ns: f64) -> f64 {
        (ns - self.start_ns) / self.ns_per_px
    }

    /// The time (in ns) at x offset `x_px` from the canvas' left edge.
    pub fn ns_from_x(&self, x_px: f64) -> f64 {
        self.start_ns + x_px * self.ns_per_px
    }

    /// The time at the right edge of a canvas `width_px` wide.
    pub fn end_ns(&self, width_px: f32) -> f64 {
        self.ns_from_x(f64::from(width_px))
    }

    /// The visible range in whole ns (rounded outward, clamped at 0), for culling.
    pub fn visible_range(&self, width_px: f32) -> Range<u64> {
        let start = self.start_ns.floor().max(0.0);
        let end = self.end_ns(width_px).ceil().max(0.0);
        // f64 → u64 saturates, so huge values cannot wrap.
        start as u64..end as u64
    }

    /// Zooms by `factor` (> 1 zooms in) keeping the time under `anchor_px` fixed.
    ///
    /// The zoom is clamped to `MIN_NS_PER_PX..=max_ns_per_px`.
    pub fn zoom_about(&mut self, factor: f64, anchor_px: f64, max_ns_per_px: f64) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let anchor_ns = self.ns_from_x(anchor_px);
        let max = max_ns_per_px.max(MIN_NS_PER_PX);
        self.ns_per_px = (self.ns_per_px / factor).clamp(MIN_NS_PER_PX, max);
        self.start_ns = anchor_ns - anchor_px * self.ns_per_px;
    }

    /// Moves the content `dx_px` pixels to the right (the view moves left in time).
    pub fn pan_px(&mut self, dx_px: f64) {
        self.start_ns -= dx_px * self.ns_per_px;
    }

    /// Keeps the view within `lo_ns..hi_ns` (plus half a screen of slack on each side).
    pub fn clamp_to(&mut self, lo_ns: u64, hi_ns: u64, width_px: f32) {
        let half = f64::from(width_px) * self.ns_per_px * 0.5;
        let min_start = lo_ns as f64 - half;
        let max_start = (hi_ns as f64 - half).max(min_start);
        self.start_ns = self.start_ns.clamp(min_start, max_start);
    }

    /// Pans (and zooms out if needed) so that `start_ns..end_ns` is on screen; does nothing if it already is.
    pub fn reveal(&mut self, start_ns: u64, end_ns: u64, width_px: f32) {
        let visible = self.visible_range(width_px);
        if start_ns >= visible.start && end_ns <= visible.end {
            return;
        }
        let len = end_ns.saturating_sub(start_ns) as f64;
        let width = f64::from(width_px.max(1.0));
        if len > 0.8 * width * self.ns_per_px {
            *self = Self::fit(start_ns, end_ns, width_px);
        } else {
            let center = (start_ns as f64 + end_ns as f64) * 0.5;
            self.start_ns = center - 0.5 * width * self.ns_per_px;
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the compared values are exact in binary floating point
mod tests {
    use super::*;

    #[test]
    fn fit_shows_the_whole_range() {
        let v = TimelineView::fit(0, 1000, 1040.0);
        let r = v.visible_range(1040.0);
        assert!(r.start == 0 && r.end >= 1000, "{r:?}");
        assert!((v.ns_per_px - 1.0).abs() < 1e-9);
        assert!((v.start_ns + 20.0).abs() < 1e-9);
    }

    #[test]
    fn zoom_keeps_the_anchor_fixed() {
        let mut v = TimelineView {
            start_ns: 0.0,
            ns_per_px: 1.0,
        };
        let before = v.ns_from_x(300.0);
        v.zoom_about(2.0, 300.0, 1e9);
        assert!((v.ns_per_px - 0.5).abs() < 1e-12);
        assert!((v.ns_from_x(300.0) - before).abs() < 1e-9);
        assert_eq!(v.visible_range(100.0), 150..200);
        v.zoom_about(0.25, 0.0, 1e9);
        assert!((v.ns_per_px - 2.0).abs() < 1e-12);
        assert!((v.start_ns - 150.0).abs() < 1e-9);
    }

    #[test]
    fn zoom_is_clamped() {
        let mut v = TimelineView::default();
        v.zoom_about(1e9, 0.0, 10.0);
        assert_eq!(v.ns_per_px, MIN_NS_PER_PX);
        v.zoom_about(1e-9, 0.0, 10.0);
        assert_eq!(v.ns_per_px, 10.0);
        v.zoom_about(f64::NAN, 0.0, 10.0);
        assert_eq!(v.ns_per_px, 10.0);
    }

    #[test]
    fn pan_moves_content() {
        let mut v = TimelineView {
            start_ns: 100.0,
            ns_per_px: 2.0,
        };
        v.pan_px(10.0); // drag right: earlier times come into view
        assert_eq!(v.start_ns, 80.0);
        v.pan_px(-20.0);
        assert_eq!(v.start_ns, 120.0);
        v.clamp_to(0, 1000, 100.0);
        assert_eq!(v.start_ns, 120.0);
        v.start_ns = 5000.0;
        v.clamp_to(0, 1000, 100.0);
        assert_eq!(v.start_ns, 900.0);
    }

    #[test]
    fn reveal_centres_a_hidden_range() {
        let mut v = TimelineView {
            start_ns: 0.0,
            ns_per_px: 1.0,
        };
        v.reveal(10, 20, 100.0);
        assert_eq!(v.start_ns, 0.0); // already visible
        v.reveal(500, 510, 100.0);
        assert_eq!(v.visible_range(100.0), 455..555);
        v.reveal(0, 10_000, 100.0);
        let r = v.visible_range(100.0);
        assert!(r.start == 0 && r.end >= 10_000);
        assert!(v.start_ns < 0.0);
    }
}
