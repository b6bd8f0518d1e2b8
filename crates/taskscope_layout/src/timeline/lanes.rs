//! The timeline's per-trace part ([`TimelineLanes`]: lane order and grouping,
//! the level-of-detail index of every lane) and its view-dependent part
//! ([`TimelineFrame`]: the bars to draw for a visible window), with what each bar
//! looks like: its fill ([`span_fill`]), its label ([`bar_label`]) and its tooltip
//! ([`span_tooltip`], [`merged_tooltip`]).
//!
//! The viewer's timeline widget and the exported timeline ([`super::TimelineScene`])
//! both draw these bars, so a task has the same colour, label and duration text in
//! both. (The concurrency step function is the trace index's.)

use std::ops::Range;

use taskscope_trace::analysis::{format_count, format_counted, format_duration_ns};
use taskscope_trace::{LaneId, Span, SpanKind, TaskState, Trace, TraceIndex};

use super::lod::{LaneLod, MAX_DEPTH_ROWS, RenderItem, render_items};
use crate::font::text_width;
use crate::scene::{arg_lines, lane_label};
use crate::theme::{self, Rgb};

/// One lane as displayed: which lane, and how many nesting rows it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneRow {
    /// The lane.
    pub lane: LaneId,
    /// Nesting rows (1 for a lane without nested spans).
    pub depth_rows: u16,
    /// Index of its group in [`TimelineLanes::groups`].
    pub group: usize,
}

/// Lanes of one process (or host), shown under one header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessGroup {
    /// The process name (may be empty).
    pub name: String,
    /// Its rows, as a range into [`TimelineLanes::rows`].
    pub rows: Range<usize>,
}

/// The timeline's per-trace precomputation.
#[derive(Clone, Debug, Default)]
pub struct TimelineLanes {
    rows: Vec<LaneRow>,
    groups: Vec<ProcessGroup>,
    lane_row: Vec<usize>,
    lods: Vec<LaneLod>,
    start_ns: u64,
    end_ns: u64,
    workers: u32,
    /// Some lane is an io lane (a Dask worker's transfers): busy lanes are not all
    /// running tasks.
    io_lanes: bool,
}

impl TimelineLanes {
    /// Precomputes the timeline of `trace`.
    ///
    /// Lanes are grouped by process (groups in name order) and ordered by
    /// `sort_index`, then id, within a group.
    ///
    /// `index` is the trace's index (it gives the bars' colours).
    ///
    /// # Complexity
    /// O(S + L log L) time, O(S) memory.
    pub fn new(trace: &Trace, index: &TraceIndex) -> Self {
        let lanes = trace.lanes();
        let mut order: Vec<usize> = (0..lanes.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| lanes.get(i).map(|l| (l.process.as_str(), l.sort_index));
            key(a).cmp(&key(b)).then(a.cmp(&b))
        });
        let mut rows = Vec::with_capacity(order.len());
        let mut groups: Vec<ProcessGroup> = Vec::new();
        let mut lane_row = vec![usize::MAX; lanes.len()];
        for lane_index in order {
            let Some(lane) = lanes.get(lane_index) else {
                continue;
            };
            let lane_id = LaneId(lane_index as u32);
            let row = rows.len();
            match groups.last_mut() {
                Some(group) if group.name == lane.process => group.rows.end = row + 1,
                _ => groups.push(ProcessGroup {
                    name: lane.process.clone(),
                    rows: row..row + 1,
                }),
            }
            let max_depth = trace
                .lane_spans(lane_id)
                .iter()
                .map(|s| s.depth)
                .max()
                .unwrap_or(0)
                .min(MAX_DEPTH_ROWS - 1);
            rows.push(LaneRow {
                lane: lane_id,
                depth_rows: max_depth + 1,
                group: groups.len() - 1,
            });
            if let Some(slot) = lane_row.get_mut(lane_index) {
                *slot = row;
            }
        }

        let lods = (0..lanes.len())
            .map(|lane_index| {
                LaneLod::new(trace.lane_spans(LaneId(lane_index as u32)), |s| {
                    span_key(trace, index, s)
                })
            })
            .collect();

        let workers = index.worker_count(trace);
        let io_lanes = (0..trace.lanes().len() as u32)
            .any(|lane| index.workers().is_transfer_lane(trace, LaneId(lane)));
        Self {
            rows,
            groups,
            lane_row,
            lods,
            start_ns: trace.start_ns(),
            end_ns: trace.end_ns().max(trace.wall_ns()),
            workers,
            io_lanes,
        }
    }

    /// Lanes in display order.
    pub fn rows(&self) -> &[LaneRow] {
        &self.rows
    }

    /// Process groups in display order.
    pub fn groups(&self) -> &[ProcessGroup] {
        &self.groups
    }

    /// The display row of `lane`.
    pub fn row_of(&self, lane: LaneId) -> Option<usize> {
        self.lane_row
            .get(lane.index())
            .copied()
            .filter(|&r| r != usize::MAX)
    }

    /// The level-of-detail index of `lane`'s spans (keyed by [`span_key`]).
    pub fn lane_lod(&self, lane: LaneId) -> Option<&LaneLod> {
        self.lods.get(lane.index())
    }

    /// The earliest span start.
    pub fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// The latest span end (or the recorded wall time, if later).
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// How many workers ran the trace (the trace index's [`TraceIndex::worker_count`]).
    pub fn workers(&self) -> u32 {
        self.workers
    }

    /// What the concurrency strip counts: "running tasks" (each busy lane runs one), or
    /// "busy lanes" when some lanes are io lanes (a transfer on a Dask worker's io lane
    /// runs beside its threads' tasks, so busy lanes may outnumber the workers).
    pub fn concurrency_label(&self) -> &'static str {
        if self.io_lanes {
            "busy lanes"
        } else {
            "running tasks"
        }
    }

    /// The strip's second line, for a peak of `peak` at once: `peak 3 / 4 workers`, or
    /// with io lanes `peak 6 · 4 workers` (busy lanes are not measured against the
    /// workers: a worker's io lane is busy beside its threads). Short enough for the
    /// lane-name gutter.
    pub fn concurrency_caption(&self, peak: u32) -> String {
        let workers = format_counted(u64::from(self.workers), "worker", "workers");
        let separator = if self.io_lanes { "·" } else { "/" };
        format!(
            "peak {} {separator} {workers}",
            format_count(u64::from(peak))
        )
    }
}

/// The fill of a span's bar: failed tasks in the failed colour, transfers, disk
/// and other non-compute spans in their kind's colour (as Dask's task stream draws
/// them), compute spans in their task name's palette colour.
pub fn span_fill(trace: &Trace, index: &TraceIndex, span: &Span) -> Rgb {
    if span.kind == SpanKind::Compute && trace.graph().state(span.task) == Some(TaskState::Failed) {
        return theme::state_color(TaskState::Failed);
    }
    theme::span_kind_color(span.kind)
        .unwrap_or_else(|| theme::palette_rgb(index.palette(span.task)))
}

/// The level-of-detail key of a span: its fill, packed, so that a merged bar is
/// "mixed" exactly when its spans do not all have one colour.
pub fn span_key(trace: &Trace, index: &TraceIndex, span: &Span) -> u32 {
    let Rgb(r, g, b) = span_fill(trace, index, span);
    u32::from_be_bytes([0, r, g, b])
}

/// The fill of a bar of the level of detail: its spans' colour, or
/// [`theme::MERGED`] for a merged bar of several colours.
pub fn bar_fill(item: &RenderItem) -> Rgb {
    if item.mixed {
        theme::MERGED
    } else {
        let [_, r, g, b] = item.key.to_be_bytes();
        Rgb(r, g, b)
    }
}

/// Bars at least this wide, in px, show their task's name (shortened to fit);
/// narrower ones only when the whole name fits.
pub const LABEL_MIN_PX: f64 = 36.0;

/// Horizontal padding of a bar's label, in px on each side.
const LABEL_PAD_PX: f64 = 3.0;

/// The label of a plain bar `width_px` wide showing `span`, in a font of
/// `font_px`: the task's name when it fits (with 3 px of padding on each side),
/// shortened with an ellipsis on bars of at least [`LABEL_MIN_PX`], else none.
///
/// # Complexity
/// O(name length).
pub fn bar_label(trace: &Trace, span: &Span, width_px: f64, font_px: f64) -> Option<String> {
    let name = trace.task_name(span.task).filter(|n| !n.is_empty())?;
    let room = width_px - 2.0 * LABEL_PAD_PX;
    if text_width(name, font_px) <= room {
        return Some(name.to_owned());
    }
    (width_px >= LABEL_MIN_PX).then(|| shorten(name, font_px, room))
}

/// `text` cut with an ellipsis to fit `max_px`.
///
/// # Complexity
/// O(len): widths are summed char by char.
pub(crate) fn shorten(text: &str, font: f64, max_px: f64) -> String {
    if text_width(text, font) <= max_px {
        return text.to_owned();
    }
    let budget = max_px - text_width("…", font);
    let mut out = String::new();
    let mut used = 0.0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut buf), font);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The tooltip of one span: its task's name (with the span's kind when it is not
/// compute), key, start (from the trace's first start), duration, lane and its
/// task's args.
pub fn span_tooltip(trace: &Trace, span: &Span) -> Vec<String> {
    let graph = trace.graph();
    let mut lines = Vec::with_capacity(5);
    let name = graph.name(span.task).unwrap_or("");
    if span.kind == SpanKind::Compute {
        lines.push(name.to_owned());
    } else {
        lines.push(format!("{} ({name})", span.kind.as_str()));
    }
    if let Some(key) = graph.key(span.task)
        && key != name
    {
        lines.push(key.to_owned());
    }
    lines.push(format!(
        "start: {}",
        format_duration_ns(span.start_ns.saturating_sub(trace.start_ns()))
    ));
    lines.push(format!(
        "duration: {}",
        format_duration_ns(span.duration_ns())
    ));
    lines.push(format!("lane: {}", lane_label(trace, span.lane)));
    lines.extend(arg_lines(trace.task_args().of(span.task.0)));
    lines
}

/// The tooltip of a merged bar of `item.count` spans starting with `first`: how
/// many, of which name when they share one colour, and when they ran (from the
/// trace's first start).
pub fn merged_tooltip(trace: &Trace, first: &Span, item: &RenderItem) -> Vec<String> {
    let mut head = format!("{} short spans", format_count(u64::from(item.count)));
    if !item.mixed
        && let Some(name) = trace.task_name(first.task)
    {
        head.push_str(" of ");
        head.push_str(name);
    }
    let origin = trace.start_ns();
    vec![
        head,
        format!(
            "from {} to {}",
            format_duration_ns(item.start_ns.saturating_sub(origin)),
            format_duration_ns(item.end_ns.saturating_sub(origin))
        ),
    ]
}

/// The bars of a visible time window, lane by lane: the view-dependent part of the
/// timeline, computed each frame by the viewer and once by an export.
#[derive(Clone, Debug, Default)]
pub struct TimelineFrame {
    /// The bars, display row after display row (see [`TimelineLanes::rows`]).
    pub items: Vec<RenderItem>,
    /// For each display row, its bars in `items`.
    pub row_items: Vec<Range<usize>>,
}

impl TimelineFrame {
    /// Recomputes the bars of `visible` (ns) drawn `width_px` wide, merging spans
    /// thinner than `merge_below_px` ([`super::lod::MERGE_BELOW_PX`]); reuses the
    /// buffers.
    ///
    /// # Complexity
    /// That of [`render_items`] for every lane: about O(L log S + visible spans).
    pub fn compute(
        &mut self,
        trace: &Trace,
        index: &TraceIndex,
        lanes: &TimelineLanes,
        visible: Range<u64>,
        width_px: f32,
        merge_below_px: f64,
    ) {
        self.items.clear();
        self.row_items.clear();
        for row in lanes.rows() {
            let start = self.items.len();
            if let Some(lod) = lanes.lane_lod(row.lane) {
                render_items(
                    trace.lane_spans(row.lane),
                    lod,
                    visible.clone(),
                    width_px,
                    merge_below_px,
                    |s| span_key(trace, index, s),
                    &mut self.items,
                );
            }
            self.row_items.push(start..self.items.len());
        }
    }

    /// The bars of display row `row`.
    pub fn row(&self, row: usize) -> &[RenderItem] {
        self.row_items
            .get(row)
            .and_then(|r| self.items.get(r.clone()))
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use taskscope_trace::TraceIndex;

    use super::TimelineLanes;

    #[test]
    fn the_timeline_counts_the_workers_the_trace_index_counts() {
        // A thread lane that ran a task, an io lane whose transfer belongs to a task
        // still running (no compute span yet), and a thread lane idle so far: one
        // worker (the timeline counted every thread lane, three).
        let trace = taskscope_fixtures::live_dask_run(None).unwrap();
        let index = TraceIndex::new(&trace);
        let lanes = TimelineLanes::new(&trace, &index);
        assert_eq!(lanes.workers(), 1);
        assert_eq!(index.worker_count(&trace), 1);
        // A transfer on an io lane is no running task: the strip counts busy lanes.
        assert_eq!(lanes.concurrency_label(), "busy lanes");
        assert_eq!(lanes.concurrency_caption(2), "peak 2 · 1 worker");
    }
}
