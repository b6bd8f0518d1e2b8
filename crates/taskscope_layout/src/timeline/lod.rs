//! Level of detail for one lane: from sorted spans to the few bars worth painting.
//!
//! [`render_items`] is a pure function of (the lane's spans, the visible time
//! range, the width in pixels). It binary-searches the visible window, then walks
//! it once, merging runs of spans thinner than a few pixels ([`MERGE_BELOW_PX`] in the
//! viewer and in exported pictures) that lie close
//! together into one item with a count (Tracy and puffin fold zones the same way).
//! A trace of a million spans therefore costs at most one pass over the visible
//! spans and produces at most a few items per pixel column. Painting, hit-testing
//! and colours are decided elsewhere.

use std::ops::Range;

use taskscope_trace::Span;

/// Spans narrower than this many pixels are merged with their close neighbours
/// (the viewer's timeline and the exported one alike).
pub const MERGE_BELOW_PX: f64 = 3.0;

/// Deeper nesting levels than this are drawn on the last row.
pub const MAX_DEPTH_ROWS: u16 = 16;

/// One bar to paint: a single span, or several merged ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderItem {
    /// Start of the first span, in ns.
    pub start_ns: u64,
    /// Latest end of the spans it covers, in ns.
    pub end_ns: u64,
    /// Index (within the lane's span slice) of the first span it covers.
    pub first: u32,
    /// How many spans it covers (1 for a plain bar).
    pub count: u32,
    /// The nesting row (span depth, capped at `MAX_DEPTH_ROWS - 1`).
    pub depth: u16,
    /// A merged item whose spans do not all have the same key (e.g. colour).
    pub mixed: bool,
    /// The key of its first span (for a plain bar or a merged item that is not
    /// [`RenderItem::mixed`], the key of all its spans).
    pub key: u32,
}

impl RenderItem {
    /// Whether this item stands for more than one span.
    pub fn is_merged(&self) -> bool {
        self.count > 1
    }
}

/// The running maximum of span ends, the index that makes the visible window binary-searchable.
///
/// Spans are sorted by start, but their ends are not (nested slices, async
/// tracks). `max_end[i]` is the largest end among `spans[..=i]`, which is
/// sorted, so the first possibly visible span is a binary search away.
///
/// # Complexity
/// O(S) time and memory.
pub fn running_max_end(spans: &[Span]) -> Vec<u64> {
    let mut max = 0;
    spans
        .iter()
        .map(|s| {
            max = max.max(s.end_ns);
            max
        })
        .collect()
}

/// Spans per block of the block summaries of [`LaneLod`].
pub const BLOCK: usize = 64;

/// What a block of [`BLOCK`] consecutive spans looks like from far away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BlockSummary {
    /// Start of its first span.
    first_start: u64,
    /// Latest end of its spans.
    max_end: u64,
    /// Longest span.
    max_duration: u64,
    /// Largest gap between a span's start and the latest end before it, within the block.
    max_gap: u64,
    /// Key of its first span.
    first_key: u32,
    /// Whether all its spans have the same key.
    uniform: bool,
    /// Whether all its spans are at depth 0.
    top_level: bool,
}

/// The level-of-detail index of one lane, built once per trace.
///
/// It holds the running maximum of span ends (see [`running_max_end`]), which makes
/// the visible window binary-searchable, and a summary of each block of [`BLOCK`]
/// spans, so that a block whose spans all merge into one bar is taken in one step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LaneLod {
    max_end: Vec<u64>,
    blocks: Vec<BlockSummary>,
}

impl LaneLod {
    /// The index of a lane's `spans` (sorted by start), with `key` the colour key of a span.
    ///
    /// # Complexity
    /// O(S) time, O(S) memory (8 bytes per span plus 48 per block).
    pub fn new(spans: &[Span], key: impl Fn(&Span) -> u32) -> Self {
        let blocks = spans
            .chunks_exact(BLOCK)
            .map(|block| {
                let mut summary = BlockSummary {
                    first_start: block.first().map_or(0, |s| s.start_ns),
                    max_end: 0,
                    max_duration: 0,
                    max_gap: 0,
                    first_key: block.first().map_or(0, &key),
                    uniform: true,
                    top_level: true,
                };
                for (i, span) in block.iter().enumerate() {
                    if i > 0 {
                        summary.max_gap = summary
                            .max_gap
                            .max(span.start_ns.saturating_sub(summary.max_end));
                    }
                    summary.max_end = summary.max_end.max(span.end_ns);
                    summary.max_duration = summary.max_duration.max(span.duration_ns());
                    summary.uniform &= key(span) == summary.first_key;
                    summary.top_level &= span.depth == 0;
                }
                summary
            })
            .collect();
        Self {
            max_end: running_max_end(spans),
            blocks,
        }
    }

    /// An index without block summaries: every span is looked at (for tests and comparisons).
    pub fn without_blocks(spans: &[Span]) -> Self {
        Self {
            max_end: running_max_end(spans),
            blocks: Vec::new(),
        }
    }

    /// How many spans it indexes.
    pub fn len(&self) -> usize {
        self.max_end.len()
    }

    /// Whether it indexes no span.
    pub fn is_empty(&self) -> bool {
        self.max_end.is_empty()
    }
}

/// Computes the bars to paint for one lane, appending them to `out`.
///
/// - `spans`: the lane's spans, sorted by start (as [`taskscope_trace::Trace::lane_spans`] gives them);
/// - `lod`: their [`LaneLod`] (built from the same spans, with the same `key`);
/// - `visible`: the visible time range in ns;
/// - `width_px`: how many pixels that range spans;
/// - `merge_below_px`: spans (and gaps) thinner than this merge ([`MERGE_BELOW_PX`];
///   0 merges nothing);
/// - `key`: a span's colour key (e.g. its task's name id); merged items whose spans'
///   keys differ are marked [`RenderItem::mixed`].
///
/// Spans at least `merge_below_px` wide become their own item. Thinner spans
/// on the same depth row are merged while the gap to the previous thin span is
/// also under `merge_below_px`. Items are appended row by row in start order
/// within a row; rows are not interleaved in any promised order. A whole block
/// of spans that would merge span by span is merged in one step, with the same result.
///
/// # Complexity
/// O(log S + V) time, where V is the number of spans in the visible window, and
/// O(log S + V / BLOCK + items × BLOCK) when zoomed far out; no allocation besides `out`.
pub fn render_items(
    spans: &[Span],
    lod: &LaneLod,
    visible: Range<u64>,
    width_px: f32,
    merge_below_px: f64,
    key: impl Fn(&Span) -> u32,
    out: &mut Vec<RenderItem>,
) {
    if visible.is_empty() || width_px <= 0.0 || spans.len() != lod.len() {
        return;
    }
    let ns_per_px = (visible.end - visible.start) as f64 / f64::from(width_px);
    // Durations (and gaps) below this are thinner than `merge_below_px`.
    let thin_ns = (merge_below_px.max(0.0) * ns_per_px).ceil() as u64;

    // First span whose running max end reaches the window: every earlier span ends before it.
    let lo = lod.max_end.partition_point(|&end| end < visible.start);
    let Some(tail) = spans.get(lo..) else {
        return;
    };
    let hi = lo + tail.partition_point(|s| s.start_ns < visible.end);

    let mut open: [Option<(RenderItem, u32)>; MAX_DEPTH_ROWS as usize] =
        [None; MAX_DEPTH_ROWS as usize];
    let mut i = lo;
    while i < hi {
        // A whole block that merges into one run, inside the window: take it at once.
        if i.is_multiple_of(BLOCK)
            && i + BLOCK <= hi
            && let Some(block) = lod.blocks.get(i / BLOCK)
            && block.top_level
            && block.first_start >= visible.start
            && block.max_duration < thin_ns
            && block.max_gap < thin_ns
        {
            let Some(slot) = open.first_mut() else {
                break;
            };
            match slot {
                Some((group, group_key))
                    if block.first_start.saturating_sub(group.end_ns) < thin_ns =>
                {
                    group.end_ns = group.end_ns.max(block.max_end);
                    group.count += BLOCK as u32;
                    group.mixed |= !block.uniform || block.first_key != *group_key;
                }
                _ => {
                    let item = RenderItem {
                        start_ns: block.first_start,
                        end_ns: block.max_end,
                        first: i as u32,
                        count: BLOCK as u32,
                        depth: 0,
                        mixed: !block.uniform,
                        key: block.first_key,
                    };
                    if let Some((done, _)) = slot.replace((item, block.first_key)) {
                        out.push(done);
                    }
                }
            }
            i += BLOCK;
            continue;
        }
        let Some(span) = spans.get(i) else {
            break;
        };
        let index = i as u32;
        i += 1;
        if span.end_ns < visible.start {
            continue; // hidden behind an earlier long span's running max
        }
        let depth = span.depth.min(MAX_DEPTH_ROWS - 1);
        let Some(slot) = open.get_mut(usize::from(depth)) else {
            continue;
        };
        let item = RenderItem {
            start_ns: span.start_ns,
            end_ns: span.end_ns,
            first: index,
            count: 1,
            depth,
            mixed: false,
            key: key(span),
        };
        if span.duration_ns() >= thin_ns {
            if let Some((done, _)) = slot.take() {
                out.push(done);
            }
            out.push(item);
            continue;
        }
        match slot {
            Some((group, group_key)) if span.start_ns.saturating_sub(group.end_ns) < thin_ns => {
                group.end_ns = group.end_ns.max(span.end_ns);
                group.count += 1;
                if !group.mixed && key(span) != *group_key {
                    group.mixed = true;
                }
            }
            _ => {
                if let Some((done, _)) = slot.replace((item, item.key)) {
                    out.push(done);
                }
            }
        }
    }
    out.extend(open.into_iter().flatten().map(|(item, _)| item));
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_trace::{LaneId, SpanKind, TaskId};

    fn span(start_ns: u64, end_ns: u64, depth: u16) -> Span {
        Span {
            start_ns,
            end_ns,
            task: TaskId(0),
            lane: LaneId(0),
            kind: SpanKind::Compute,
            depth,
            unclosed: false,
        }
    }

    /// Render items at "1 ns = 1 px" over `visible`.
    fn items(spans: &[Span], visible: Range<u64>) -> Vec<RenderItem> {
        let mut sorted = spans.to_vec();
        sorted.sort_by_key(|s| (s.start_ns, s.depth));
        let lod = LaneLod::new(&sorted, |s| s.task.0);
        let width = (visible.end - visible.start) as f32;
        let mut out = Vec::new();
        render_items(
            &sorted,
            &lod,
            visible,
            width,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        out.sort_by_key(|i| (i.depth, i.start_ns));
        out
    }

    fn item(start_ns: u64, end_ns: u64, first: u32, count: u32) -> RenderItem {
        RenderItem {
            start_ns,
            end_ns,
            first,
            count,
            depth: 0,
            mixed: false,
            key: 0,
        }
    }

    #[test]
    fn wide_spans_stay_separate() {
        let got = items(&[span(0, 10, 0), span(20, 30, 0), span(30, 40, 0)], 0..100);
        assert_eq!(
            got,
            vec![item(0, 10, 0, 1), item(20, 30, 1, 1), item(30, 40, 2, 1)]
        );
    }

    #[test]
    fn thin_runs_merge_with_a_count() {
        // 1 ns wide at 1 ns/px: thinner than 3 px. Gaps of 0 and 1 px merge; a gap of 7 px does not.
        let got = items(
            &[span(0, 1, 0), span(1, 2, 0), span(3, 4, 0), span(11, 12, 0)],
            0..100,
        );
        assert_eq!(got, vec![item(0, 4, 0, 3), item(11, 12, 3, 1)]);
        assert!(got[0].is_merged());
        assert!(!got[1].is_merged());
    }

    #[test]
    fn exactly_three_px_is_wide() {
        let got = items(&[span(0, 3, 0), span(3, 6, 0)], 0..100);
        assert_eq!(got, vec![item(0, 3, 0, 1), item(3, 6, 1, 1)]);
    }

    #[test]
    fn a_wide_span_breaks_a_thin_run() {
        let got = items(
            &[
                span(0, 1, 0),
                span(1, 2, 0),
                span(2, 20, 0),
                span(20, 21, 0),
            ],
            0..100,
        );
        assert_eq!(
            got,
            vec![item(0, 2, 0, 2), item(2, 20, 2, 1), item(20, 21, 3, 1)]
        );
    }

    #[test]
    fn culls_to_the_visible_window() {
        // Visible 100..200; spans fully left, partly left, inside, partly right, fully right.
        let spans = [
            span(0, 50, 0),
            span(90, 110, 0),
            span(120, 130, 0),
            span(190, 250, 0),
            span(300, 400, 0),
        ];
        let got = items(&spans, 100..200);
        assert_eq!(
            got,
            vec![
                item(90, 110, 1, 1),
                item(120, 130, 2, 1),
                item(190, 250, 3, 1)
            ]
        );
        // A window with nothing in it.
        assert!(items(&spans, 260..290).is_empty());
        // A span ending before the window start is not drawn; one ending exactly at it is (1 px).
        assert!(items(&[span(0, 10, 0)], 11..20).is_empty());
        assert_eq!(items(&[span(0, 10, 0)], 10..20), vec![item(0, 10, 0, 1)]);
    }

    #[test]
    fn long_early_span_is_found_despite_sorted_starts() {
        // Async lane: a long span starts first, many short ones end before the window.
        let spans = [
            span(0, 1000, 0),
            span(5, 6, 0),
            span(7, 8, 0),
            span(600, 610, 0),
        ];
        let got = items(&spans, 500..550);
        assert_eq!(got, vec![item(0, 1000, 0, 1)]);
    }

    #[test]
    fn depth_rows_merge_independently() {
        let spans = [
            span(0, 10, 0),
            span(0, 1, 1),
            span(1, 2, 1),
            span(20, 21, 1),
            span(40, 41, 0),
        ];
        let got = items(&spans, 0..100);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], item(0, 10, 0, 1));
        assert_eq!(got[1], item(40, 41, 4, 1));
        assert_eq!((got[2].depth, got[2].count, got[2].end_ns), (1, 2, 2));
        assert_eq!((got[3].depth, got[3].count, got[3].start_ns), (1, 1, 20));
    }

    #[test]
    fn zoomed_out_everything_folds_into_few_items() {
        // 1000 spans of 1 ns, 1 ns apart, over 10 px: 200 ns per px, all merged into one item.
        let spans: Vec<Span> = (0..1000).map(|i| span(i * 2, i * 2 + 1, 0)).collect();
        let mut out = Vec::new();
        let lod = LaneLod::new(&spans, |s| s.task.0);
        render_items(
            &spans,
            &lod,
            0..2000,
            10.0,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        assert_eq!(out, vec![item(0, 1999, 0, 1000)]);
        // Zoomed in to 1 ns/px on the middle, only the visible spans come out, unmerged... or merged:
        // 1 ns wide with 1 ns gaps are thin, so they merge into one run of the visible ones.
        out.clear();
        render_items(
            &spans,
            &lod,
            1000..1010,
            10.0,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        assert_eq!(out, vec![item(1000, 1009, 500, 5)]);
        // At 0.1 ns/px each span is 10 px wide: five separate bars.
        out.clear();
        render_items(
            &spans,
            &lod,
            1000..1010,
            100.0,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|i| i.count == 1));
    }

    #[test]
    fn every_visible_span_is_covered_exactly_once() {
        // A deterministic pseudo-random lane; the counts of all items add up to the visible spans.
        let mut x: u64 = 42;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut spans = Vec::new();
        let mut t = 0;
        for _ in 0..5000 {
            t += next() % 50;
            let d = next() % 40;
            spans.push(span(t, t + d, 0));
            t += d;
        }
        let lod = LaneLod::new(&spans, |s| s.task.0);
        for (visible, width) in [(0..t, 800.0), (t / 3..t / 2, 300.0), (100..400, 1000.0)] {
            let expected = spans
                .iter()
                .filter(|s| s.end_ns >= visible.start && s.start_ns < visible.end)
                .count();
            let mut out = Vec::new();
            render_items(
                &spans,
                &lod,
                visible.clone(),
                width,
                MERGE_BELOW_PX,
                |s| s.task.0,
                &mut out,
            );
            let covered: u32 = out.iter().map(|i| i.count).sum();
            assert_eq!(covered as usize, expected, "window {visible:?}");
            // Items are in start order and do not overlap (the lane has no overlapping spans).
            assert!(out.windows(2).all(|w| w[0].end_ns <= w[1].start_ns));
        }
    }

    #[test]
    fn merged_items_know_whether_their_keys_differ() {
        let mut spans = vec![
            span(0, 1, 0),
            span(1, 2, 0),
            span(10, 11, 0),
            span(11, 12, 0),
        ];
        spans[3].task = TaskId(7);
        let lod = LaneLod::new(&spans, |s| s.task.0);
        let mut out = Vec::new();
        render_items(
            &spans,
            &lod,
            0..100,
            100.0,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert!(!out[0].mixed && out[0].count == 2);
        assert!(out[1].mixed && out[1].count == 2);
    }

    #[test]
    fn block_merging_matches_span_by_span_merging() {
        // Lanes of thin spans with varied gaps and two alternating names, at many zooms.
        let mut x: u64 = 7;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut spans = Vec::new();
        let mut t = 0;
        for i in 0..20_000u32 {
            t += next() % 30 + if i % 3000 == 0 { 50_000 } else { 0 };
            let d = next() % 20;
            let mut s = span(t, t + d, 0);
            s.task = TaskId(u32::from(i % 700 < 350));
            spans.push(s);
            t += d;
        }
        let key = |s: &Span| s.task.0;
        let with_blocks = LaneLod::new(&spans, key);
        let without = LaneLod::without_blocks(&spans);
        for (visible, width) in [
            (0..t, 10.0),
            (0..t, 500.0),
            (0..t, 5000.0),
            (t / 7..t / 2, 200.0),
            (12_345..t - 999, 64.0),
        ] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            render_items(
                &spans,
                &with_blocks,
                visible.clone(),
                width,
                MERGE_BELOW_PX,
                key,
                &mut a,
            );
            render_items(
                &spans,
                &without,
                visible.clone(),
                width,
                MERGE_BELOW_PX,
                key,
                &mut b,
            );
            assert_eq!(a, b, "window {visible:?} at {width} px");
        }
    }

    #[test]
    fn degenerate_inputs_give_nothing() {
        let spans = [span(0, 10, 0)];
        let lod = LaneLod::new(&spans, |s| s.task.0);
        let mut out = Vec::new();
        render_items(
            &spans,
            &lod,
            5..5,
            100.0,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        render_items(
            &spans,
            &lod,
            0..10,
            0.0,
            MERGE_BELOW_PX,
            |s| s.task.0,
            &mut out,
        );
        render_items(
            &spans,
            &LaneLod::default(),
            0..10,
            100.0,
            MERGE_BELOW_PX,
            |_| 0,
            &mut out,
        );
        render_items(
            &[],
            &LaneLod::default(),
            0..10,
            100.0,
            MERGE_BELOW_PX,
            |_| 0,
            &mut out,
        );
        assert!(out.is_empty());
    }
}
