//! How the timeline shows data moving between workers: transfer bars (on the
//! receiving worker's io lanes, where the recorder puts them) are hatched, and an
//! arrow runs from the worker that held the data to the start of the transfer.
//!
//! The arrow's tail is the end of the receiving task's input that ran on the
//! sending worker (the data that most likely travelled), or, when no input of the
//! task ran there, the sender's first thread lane at the transfer's start. The
//! sender is the span's `source` arg resolved by [`taskscope_trace::index::Workers`].
//!
//! This module decides what is drawn (which bars are hatched, the hatch lines, the
//! arrows' ends); the egui widget and the exported pictures only paint it.

use std::ops::Range;

use taskscope_trace::{LaneId, Span, SpanId, SpanKind, Trace, TraceIndex};

use super::lod::RenderItem;

/// How a bar is drawn on top of its fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BarStyle {
    /// A plain filled bar.
    Solid,
    /// Filled and hatched with diagonal lines: data moving between workers.
    Hatched,
}

/// The style of a bar of the level of detail whose first span is `first`: hatched
/// when it stands for transfers only.
pub fn bar_style(item: &RenderItem, first: &Span) -> BarStyle {
    if first.kind == SpanKind::Transfer && !item.mixed {
        BarStyle::Hatched
    } else {
        BarStyle::Solid
    }
}

/// Space between hatch lines, in px.
pub const HATCH_SPACING_PX: f64 = 6.0;

/// The diagonal hatch lines (45°, each from upper left to lower right) of the rectangle
/// `x0..x1` × `y0..y1` (y grows downwards), `spacing` px apart, clipped to it.
///
/// # Complexity
/// O(number of lines) = O((width + height) / spacing).
pub fn hatch_lines(
    (x0, y0): (f64, f64),
    (x1, y1): (f64, f64),
    spacing: f64,
) -> Vec<[(f64, f64); 2]> {
    let (w, h) = (x1 - x0, y1 - y0);
    if !(w > 0.0 && h > 0.0 && spacing > 0.0) {
        return Vec::new();
    }
    // Line k: x - x0 + (y1 - y) = c, with c = k × spacing, for c in (0, w + h).
    let mut lines = Vec::new();
    let mut c = spacing;
    while c < w + h {
        // Where the line enters (bottom or left edge) and leaves (right or top edge).
        let start = if c <= w {
            (x0 + c, y1)
        } else {
            (x1, y1 - (c - w))
        };
        let end = if c <= h {
            (x0, y1 - c)
        } else {
            (x0 + (c - h), y0)
        };
        lines.push([end, start]);
        c += spacing;
    }
    lines
}

/// An arrow from the worker that held some data to the transfer that received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferArrow {
    /// The transfer span (on the receiving worker's lane).
    pub span: SpanId,
    /// Where the arrow starts: a lane of the sending worker…
    pub from_lane: LaneId,
    /// …and a time on it, in ns.
    pub from_ns: u64,
    /// The nesting row at the tail (the sender's span's depth, else 0).
    pub from_depth: u16,
}

/// The arrows of the transfers that overlap `visible` (ns), at most `max` of them,
/// in span order. Transfers without a known sender get none.
///
/// # Complexity
/// O(A + T × in-degree) for A span args and T transfers in the window.
pub fn transfer_arrows(
    trace: &Trace,
    index: &TraceIndex,
    visible: Range<u64>,
    max: usize,
) -> Vec<TransferArrow> {
    let workers = index.workers();
    let mut out = Vec::new();
    // Only spans with a `source` arg can have an arrow: a few, in span order.
    for (owner, source) in trace.span_args().with_key("source") {
        let id = SpanId(owner);
        let Some(span) = trace.span(id) else {
            continue;
        };
        if span.kind != SpanKind::Transfer
            || span.start_ns >= visible.end
            || span.end_ns < visible.start
        {
            continue;
        }
        if out.len() >= max {
            break;
        }
        let Some(sender) = source
            .as_str()
            .and_then(|a| workers.by_address(a))
            .and_then(|w| workers.get(w))
        else {
            continue;
        };
        // The receiving task's input that ran on the sender, ending last before
        // the transfer ended.
        let input = trace
            .graph()
            .deps(span.task)
            .iter()
            .filter_map(|&d| index.last_span(trace, d))
            .filter_map(|s| Some((s, trace.span(s)?)))
            .filter(|(_, s)| {
                s.end_ns <= span.end_ns
                    && (sender.thread_lanes.contains(&s.lane) || sender.io_lanes.contains(&s.lane))
            })
            .max_by_key(|(s, dep)| (dep.end_ns, std::cmp::Reverse(*s)));
        let arrow = if let Some((_, dep)) = input {
            TransferArrow {
                span: id,
                from_lane: dep.lane,
                from_ns: dep.end_ns,
                from_depth: dep.depth,
            }
        } else {
            let Some(&lane) = sender.thread_lanes.first().or(sender.io_lanes.first()) else {
                continue;
            };
            TransferArrow {
                span: id,
                from_lane: lane,
                from_ns: span.start_ns,
                from_depth: 0,
            }
        };
        out.push(arrow);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_of_a_recorded_cluster_run_point_back_to_their_sender() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../taskscope_trace/tests/samples/dask/total_cluster.json"
        );
        let trace = Trace::open(path).unwrap();
        let index = TraceIndex::new(&trace);
        let workers = index.workers();
        let arrows = transfer_arrows(&trace, &index, 0..u64::MAX, 100);
        assert_eq!(arrows.len(), 3);
        for a in &arrows {
            let span = trace.span(a.span).unwrap();
            assert_eq!(span.kind, SpanKind::Transfer);
            // The tail is on the sender, the end of an input that ran there.
            let sender = workers.source_of(&trace, a.span).unwrap();
            assert_eq!(workers.of_lane(a.from_lane), Some(sender));
            assert_ne!(workers.of_lane(span.lane), Some(sender));
            assert!(a.from_ns <= span.start_ns, "{a:?} {span:?}");
            assert!(!workers.is_io_lane(a.from_lane));
        }
        // Only those in the window, and at most `max`.
        assert!(transfer_arrows(&trace, &index, 0..1, 100).is_empty());
        assert_eq!(transfer_arrows(&trace, &index, 0..u64::MAX, 2).len(), 2);
    }

    #[test]
    fn hatch_lines_stay_in_the_rectangle_and_are_spaced() {
        let lines = hatch_lines((10.0, 0.0), (30.0, 8.0), 4.0);
        // c = 4, 8, …, 24 (w + h = 28).
        assert_eq!(lines.len(), 6);
        for [a, b] in &lines {
            for (x, y) in [a, b] {
                assert!(
                    (10.0..=30.0).contains(x) && (0.0..=8.0).contains(y),
                    "{x} {y}"
                );
            }
            // 45°, from upper left to lower right.
            assert!((b.0 - a.0 - (b.1 - a.1)).abs() < 1e-9, "{a:?} {b:?}");
            assert!(b.0 > a.0);
        }
        assert_eq!(lines[0], [(10.0, 4.0), (14.0, 8.0)]);
        assert!(hatch_lines((0.0, 0.0), (0.0, 5.0), 4.0).is_empty());
        assert!(hatch_lines((0.0, 0.0), (5.0, 5.0), 0.0).is_empty());
    }
}
