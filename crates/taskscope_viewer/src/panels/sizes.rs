//! How wide a trace tab's three columns are — graph, timeline, statistics — and the
//! handles that resize them by dragging.
//!
//! The user's choice is kept as shares of the tab's width ([`PanelShares`], part
//! of the persisted settings), so a window made smaller or larger keeps its
//! proportions. [`fit`] turns the shares into widths for one frame: every column
//! keeps at least its minimum readable width while the window has room for all
//! of them, and they shrink in proportion when it has not. The widths never
//! depend on what the panels hold (a trace of a million tasks and one of seven
//! get the same columns). This module decides nothing about the panels' contents.

use egui::{CursorIcon, Id, Rangef, Rect, Sense, Ui};
use serde::{Deserialize, Serialize};

/// The graph view is never made narrower than this while the window has room, in points.
pub const MIN_GRAPH_PX: f32 = 220.0;
/// Nor the statistics panel narrower than this (its text wraps at this width).
pub const MIN_STATS_PX: f32 = 260.0;
/// Nor the timeline narrower than this.
pub const MIN_TIMELINE_PX: f32 = 280.0;

/// The widths the user chose, as shares of the tab's width (persisted).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PanelShares {
    /// The graph view's share (left).
    pub graph: f32,
    /// The statistics panel's share (right).
    pub stats: f32,
}

impl Default for PanelShares {
    /// About a third for the graph and a quarter for the statistics: at 1,400 points
    /// the graph is 476 wide, the statistics 350 and the timeline 574.
    fn default() -> Self {
        Self {
            graph: 0.34,
            stats: 0.25,
        }
    }
}

impl PanelShares {
    /// The shares with anything unusable (not finite, negative, or together more
    /// than the whole width) replaced by the defaults, as settings written by hand
    /// or by another version may hold.
    pub fn sanitized(self) -> Self {
        let ok = |x: f32| x.is_finite() && (0.0..=1.0).contains(&x);
        if ok(self.graph) && ok(self.stats) && self.graph + self.stats <= 1.0 {
            self
        } else {
            Self::default()
        }
    }
}

/// The widths of one frame's columns, in points; they add up to the tab's width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelWidths {
    /// The graph view (0 when hidden).
    pub graph: f32,
    /// The timeline, between the two.
    pub timeline: f32,
    /// The statistics panel (0 when hidden).
    pub stats: f32,
}

/// The columns' widths in a tab `width` points wide, for `shares` and the panels shown.
///
/// Each shown side panel gets its share of `width`, but at least its minimum
/// ([`MIN_GRAPH_PX`], [`MIN_STATS_PX`]); the timeline gets the rest, but at least
/// [`MIN_TIMELINE_PX`], taken from the side panels' width above their minimums in
/// proportion to it. When even the minimums do not fit, every column gets its
/// minimum scaled down alike.
///
/// # Complexity
/// O(1).
pub fn fit(width: f32, shares: PanelShares, show_graph: bool, show_stats: bool) -> PanelWidths {
    let width = if width.is_finite() {
        width.max(0.0)
    } else {
        0.0
    };
    let shares = shares.sanitized();
    let min_graph = if show_graph { MIN_GRAPH_PX } else { 0.0 };
    let min_stats = if show_stats { MIN_STATS_PX } else { 0.0 };
    let minimums = min_graph + min_stats + MIN_TIMELINE_PX;
    if width <= minimums {
        let scale = width / minimums;
        let (graph, stats) = (min_graph * scale, min_stats * scale);
        return PanelWidths {
            graph,
            timeline: width - graph - stats,
            stats,
        };
    }
    let mut graph = if show_graph {
        (shares.graph * width).max(min_graph)
    } else {
        0.0
    };
    let mut stats = if show_stats {
        (shares.stats * width).max(min_stats)
    } else {
        0.0
    };
    let excess = graph + stats + MIN_TIMELINE_PX - width;
    if excess > 0.0 {
        // Take the excess from the room each side panel has above its minimum.
        let (room_graph, room_stats) = (graph - min_graph, stats - min_stats);
        let room = room_graph + room_stats;
        debug_assert!(
            room >= excess,
            "the minimums fit, so the room covers the excess"
        );
        graph -= excess * room_graph / room;
        stats -= excess * room_stats / room;
    }
    PanelWidths {
        graph,
        timeline: width - graph - stats,
        stats,
    }
}

/// Where one panel was drawn in a frame: the panel's rectangle and the rectangle its
/// contents took (wider than the panel when something in it does not wrap or scroll).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelRect {
    /// Which panel.
    pub name: &'static str,
    /// The panel, in screen points.
    pub outer: Rect,
    /// What its contents took, in screen points.
    pub content: Rect,
}

/// Which edge a drag handle moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// Between the graph view and the timeline.
    GraphTimeline,
    /// Between the timeline and the statistics panel.
    TimelineStats,
}

/// The shares after the user dragged `edge` to `x` (points) in a tab spanning
/// `tab_x`, with `now` the shares before. The dragged panel keeps its minimum and
/// leaves the timeline its own; the other panel does not change.
///
/// # Complexity
/// O(1).
pub fn dragged(
    edge: Edge,
    x: f32,
    tab_x: Rangef,
    now: PanelShares,
    widths: PanelWidths,
) -> PanelShares {
    let width = tab_x.span();
    if !(width.is_finite() && width > 0.0 && x.is_finite()) {
        return now;
    }
    let mut shares = now.sanitized();
    match edge {
        Edge::GraphTimeline => {
            let most = (width - widths.stats - MIN_TIMELINE_PX).max(MIN_GRAPH_PX);
            shares.graph = (x - tab_x.min).clamp(MIN_GRAPH_PX, most) / width;
        }
        Edge::TimelineStats => {
            let most = (width - widths.graph - MIN_TIMELINE_PX).max(MIN_STATS_PX);
            shares.stats = (tab_x.max - x).clamp(MIN_STATS_PX, most) / width;
        }
    }
    shares.sanitized()
}

/// A drag handle on the vertical line `x` spanning `y` (screen points): shows the
/// resize cursor and a line when hovered, and returns where the pointer is while
/// it is dragged. Call it after the panels it separates, so that it is on top.
pub fn handle(ui: &Ui, id: Id, x: f32, y: Rangef) -> Option<f32> {
    let grab = ui.style().interaction.resize_grab_radius_side;
    let rect = Rect::from_x_y_ranges(Rangef::new(x - grab, x + grab), y);
    let response = ui.interact(rect, id, Sense::drag());
    if response.hovered() || response.dragged() {
        ui.ctx().set_cursor_icon(CursorIcon::ResizeHorizontal);
        let stroke = if response.dragged() {
            ui.visuals().widgets.active.fg_stroke
        } else {
            ui.visuals().widgets.hovered.fg_stroke
        };
        ui.painter().vline(x, y, stroke);
    }
    if response.dragged() {
        response.interact_pointer_pos().map(|p| p.x)
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // compared values are copied or exact in binary floating point
mod tests {
    use super::*;

    fn sum(w: PanelWidths) -> f32 {
        w.graph + w.timeline + w.stats
    }

    #[test]
    fn shares_of_a_roomy_window() {
        let w = fit(1_400.0, PanelShares::default(), true, true);
        assert!((w.graph - 476.0).abs() < 0.01, "{w:?}");
        assert!((w.stats - 350.0).abs() < 0.01, "{w:?}");
        assert!((sum(w) - 1_400.0).abs() < 0.01);
        // Hidden panels give their room to the timeline.
        let w = fit(1_400.0, PanelShares::default(), false, true);
        assert_eq!(w.graph, 0.0);
        assert!((w.timeline - 1_050.0).abs() < 0.01, "{w:?}");
    }

    #[test]
    fn minimums_hold_while_they_fit() {
        // 1,000 points: the shares would give the statistics 250 (< 260).
        let w = fit(1_000.0, PanelShares::default(), true, true);
        assert!((w.stats - MIN_STATS_PX).abs() < 0.01, "{w:?}");
        assert!((w.graph - 340.0).abs() < 0.01, "{w:?}");
        assert!(w.timeline >= MIN_TIMELINE_PX);
        // Greedy shares: the timeline keeps its minimum, taken from both panels'
        // room above their minimums in proportion.
        let greedy = PanelShares {
            graph: 0.6,
            stats: 0.4,
        };
        let w = fit(1_000.0, greedy, true, true);
        assert!((w.timeline - MIN_TIMELINE_PX).abs() < 0.01, "{w:?}");
        assert!(w.graph >= MIN_GRAPH_PX && w.stats >= MIN_STATS_PX, "{w:?}");
        assert!((sum(w) - 1_000.0).abs() < 0.01);
        // (600 - 220) : (400 - 260) room, 280 taken in that ratio.
        assert!(
            (w.graph - (600.0 - 280.0 * 380.0 / 520.0)).abs() < 0.01,
            "{w:?}"
        );
    }

    #[test]
    fn a_window_too_small_for_the_minimums_scales_them() {
        let w = fit(380.0, PanelShares::default(), true, true);
        let minimums = MIN_GRAPH_PX + MIN_STATS_PX + MIN_TIMELINE_PX;
        assert!(
            (w.graph - MIN_GRAPH_PX * 380.0 / minimums).abs() < 0.01,
            "{w:?}"
        );
        assert!((sum(w) - 380.0).abs() < 0.01);
        let none = fit(0.0, PanelShares::default(), true, true);
        assert_eq!(sum(none), 0.0);
        let nan = fit(f32::NAN, PanelShares::default(), true, true);
        assert_eq!(sum(nan), 0.0);
    }

    #[test]
    fn unusable_shares_fall_back_to_the_defaults() {
        for bad in [
            PanelShares {
                graph: f32::NAN,
                stats: 0.2,
            },
            PanelShares {
                graph: -0.1,
                stats: 0.2,
            },
            PanelShares {
                graph: 0.7,
                stats: 0.5,
            },
        ] {
            assert_eq!(bad.sanitized(), PanelShares::default());
            assert_eq!(
                fit(1_400.0, bad, true, true),
                fit(1_400.0, PanelShares::default(), true, true)
            );
        }
    }

    #[test]
    fn dragging_an_edge_moves_only_its_panel_within_the_limits() {
        let tab = Rangef::new(100.0, 1_500.0);
        let now = PanelShares::default();
        let widths = fit(tab.span(), now, true, true);
        // The graph's edge to x = 800: 700 points of 1,400.
        let s = dragged(Edge::GraphTimeline, 800.0, tab, now, widths);
        assert!((s.graph - 0.5).abs() < 1e-6, "{s:?}");
        assert_eq!(s.stats, now.stats);
        // Past the statistics: the timeline keeps its minimum.
        let s = dragged(Edge::GraphTimeline, 1_490.0, tab, now, widths);
        let most = 1_400.0 - widths.stats - MIN_TIMELINE_PX;
        assert!((s.graph * 1_400.0 - most).abs() < 0.01, "{s:?}");
        // Past the tab's left edge: the graph keeps its minimum.
        let s = dragged(Edge::GraphTimeline, 0.0, tab, now, widths);
        assert!((s.graph * 1_400.0 - MIN_GRAPH_PX).abs() < 0.01, "{s:?}");
        // The statistics' edge to x = 1,100: 400 points.
        let s = dragged(Edge::TimelineStats, 1_100.0, tab, now, widths);
        assert!((s.stats * 1_400.0 - 400.0).abs() < 0.01, "{s:?}");
        assert_eq!(s.graph, now.graph);
        let w = fit(tab.span(), s, true, true);
        assert!((w.stats - 400.0).abs() < 0.01, "{w:?}");
        // A pointer nowhere changes nothing.
        assert_eq!(
            dragged(Edge::TimelineStats, f32::NAN, tab, now, widths),
            now
        );
    }
}
