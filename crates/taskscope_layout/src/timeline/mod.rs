//! The Gantt chart of a trace: one row per lane, one bar per span.
//!
//! [`TimelineScene::new`] is a pure function from a trace and options to
//! positioned items (rows, bars, merged runs, arrows, axis ticks, legend);
//! [`TimelineSvg`] only writes them. The rows and bars are those of the
//! viewer's timeline ([`TimelineLanes`], [`TimelineFrame`]) for the whole run at
//! the picture's width: the same level of detail ([`lod::render_items`]: spans
//! narrower than [`TimelineOptions::merge_below_px`] that lie close are merged
//! into one item with a count, so a million spans give at most a few thousand
//! items per lane), the same fills ([`span_fill`]), labels ([`bar_label`]) and
//! tooltips ([`span_tooltip`]). Zero-length spans still get
//! [`TimelineOptions::min_bar_px`] of width so they stay visible.

mod lanes;
pub mod lod;
mod transfers;

use std::collections::BTreeMap;
use std::fmt;

use taskscope_trace::{LaneId, PaletteIndex, Span, SpanKind, TaskId, TaskState, Trace, TraceIndex};

use lanes::shorten;
pub use lanes::{
    LABEL_MIN_PX, LaneRow, ProcessGroup, TimelineFrame, TimelineLanes, bar_fill, bar_label,
    merged_tooltip, span_fill, span_key, span_tooltip,
};
use lod::{MAX_DEPTH_ROWS, MERGE_BELOW_PX, RenderItem};
pub use transfers::{
    BarStyle, HATCH_SPACING_PX, TransferArrow, bar_style, hatch_lines, transfer_arrows,
};

use crate::axis;
use crate::font::{baseline_offset, line_height, text_width};
use crate::layered::Point;
use crate::png::PngOptions;
use crate::scene::{Legend, MAX_NAME_ENTRIES, lane_label, name_legend};
use crate::svg::{
    Esc, EscLines, MARGIN, Num, legend_size, title_height, title_lines, title_width, write_header,
    write_legend, write_title,
};
use crate::theme::{self, Rgb};

/// Which dependency arrows to draw between bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Arrows {
    /// None.
    #[default]
    None,
    /// The trace's flow arrows ([`Trace::flows`]).
    Flows,
    /// From the end of each input's last compute span to the start of its consumer's first.
    Dependencies,
    /// Flows if the trace has any, else dependencies.
    Auto,
}

/// Everything that shapes a timeline picture.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineOptions {
    /// Width of the plot area (time axis), in px.
    pub width_px: f64,
    /// Height of one row (one nesting level of one lane), in px.
    pub row_height_px: f64,
    /// Font size of labels, in px.
    pub font_size: f64,
    /// Dependency arrows.
    pub arrows: Arrows,
    /// Most arrows drawn; the rest are counted in [`TimelineStats::arrows_skipped`].
    pub max_arrows: usize,
    /// A title drawn above the chart.
    pub title: Option<String>,
    /// Narrowest bar, in px (zero-length spans get this width).
    pub min_bar_px: f64,
    /// Spans narrower than this that lie closer than this are merged into one item,
    /// in px (the viewer's [`lod::MERGE_BELOW_PX`] by default; 0 merges nothing).
    pub merge_below_px: f64,
    /// Most task names listed in the legend.
    pub max_legend_entries: usize,
    /// PNG output settings.
    pub png: PngOptions,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        Self {
            width_px: 1_200.0,
            row_height_px: 22.0,
            font_size: 12.0,
            arrows: Arrows::None,
            max_arrows: 2_000,
            title: None,
            min_bar_px: 2.0,
            merge_below_px: MERGE_BELOW_PX,
            max_legend_entries: MAX_NAME_ENTRIES,
            png: PngOptions::default(),
        }
    }
}

/// One lane's row.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineRow {
    /// The lane.
    pub lane: LaneId,
    /// Its label.
    pub label: String,
    /// Top of the row, in px.
    pub y: f64,
    /// Nesting levels (sub-rows) in the row.
    pub levels: usize,
}

/// One drawn bar: a span, or a run of thin spans merged together.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineItem {
    /// Index of the row in [`TimelineScene::rows`].
    pub row: usize,
    /// Nesting level within the row.
    pub level: usize,
    /// Left edge, in px.
    pub x: f64,
    /// Width, in px (at least [`TimelineOptions::min_bar_px`]).
    pub width: f64,
    /// Fill.
    pub color: Rgb,
    /// Text drawn inside when it fits.
    pub label: Option<String>,
    /// Tooltip lines.
    pub tooltip: Vec<String>,
    /// How many spans it stands for (1 for a plain bar).
    pub spans: usize,
    /// Plain, or hatched for transfers ([`bar_style`]).
    pub style: BarStyle,
}

/// One tick of the time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Position, in px.
    pub x: f64,
    /// Label, e.g. `1.5 s`.
    pub label: String,
}

/// What [`crate::export_timeline`] drew.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct TimelineStats {
    /// Lanes (rows).
    pub lanes: usize,
    /// Spans in the trace.
    pub spans: usize,
    /// Items drawn.
    pub items: usize,
    /// Spans drawn inside merged items.
    pub merged_spans: usize,
    /// Arrows drawn.
    pub arrows: usize,
    /// Arrows left out past [`TimelineOptions::max_arrows`].
    pub arrows_skipped: usize,
    /// Picture width, in px.
    pub width: f64,
    /// Picture height, in px.
    pub height: f64,
}

impl fmt::Display for TimelineStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lanes, {} spans drawn as {} items ({} spans merged), {} arrows ({} skipped); {:.0} x {:.0} px",
            self.lanes,
            self.spans,
            self.items,
            self.merged_spans,
            self.arrows,
            self.arrows_skipped,
            self.width,
            self.height
        )
    }
}

/// A positioned timeline, ready for [`TimelineSvg`].
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineScene {
    /// Rows, top to bottom.
    pub rows: Vec<TimelineRow>,
    /// Bars, row by row, in time order.
    pub items: Vec<TimelineItem>,
    /// Arrows as (from, to) points.
    pub arrows: Vec<(Point, Point)>,
    /// Arrows from the worker that held some data to the transfer that received it
    /// ([`transfer_arrows`]), as (from, to) points; at most [`TimelineOptions::max_arrows`].
    pub transfer_arrows: Vec<(Point, Point)>,
    /// Axis ticks.
    pub ticks: Vec<Tick>,
    /// Colour key.
    pub legend: Legend,
    /// Title.
    pub title: Option<String>,
    /// The title as drawn: wrapped to the labels' and plot's width (at least 320 px,
    /// at most 3 lines, shortened with `…`); the SVG's `<title>` keeps the full text.
    pub title_lines: Vec<String>,
    /// Left edge of the plot area, in px.
    pub plot_x: f64,
    /// Width of the plot area, in px.
    pub plot_width: f64,
    /// Top of the first row, in px.
    pub plot_y: f64,
    /// Height of one level of a row, in px.
    pub row_height: f64,
    /// Font size, in px.
    pub font_size: f64,
    /// Picture size, in px.
    pub width: f64,
    /// Picture height, in px.
    pub height: f64,
    /// Counts.
    pub stats: TimelineStats,
}

/// Maps times to px.
#[derive(Clone, Copy)]
struct TimeScale {
    t0: u64,
    t1: u64,
    x0: f64,
    width: f64,
}

impl TimeScale {
    fn x(&self, t_ns: u64) -> f64 {
        self.x0 + (t_ns.saturating_sub(self.t0)) as f64 * self.width / (self.t1 - self.t0) as f64
    }
}

/// Longest lane label, in px, before it is shortened with an ellipsis.
const MAX_LABEL_PX: f64 = 240.0;

/// Spacing of the chart, derived once from the options.
#[derive(Clone, Copy)]
struct Metrics {
    font: f64,
    row_h: f64,
    min_bar: f64,
    merge: f64,
}

impl TimelineScene {
    /// Positions everything; see the module docs. Builds the trace's index and
    /// lanes; use [`TimelineScene::with_index`] when they are built already.
    ///
    /// # Complexity
    /// O(S log L + F + V + E) for S spans on L lanes, F flows, V tasks and E
    /// dependencies, plus O(N log N) to sort N distinct names for the legend.
    pub fn new(trace: &Trace, options: &TimelineOptions) -> Self {
        let index = TraceIndex::new(trace);
        let lanes = TimelineLanes::new(trace, &index);
        Self::with_index(trace, &index, &lanes, options)
    }

    /// [`TimelineScene::new`] with the trace's index and timeline lanes built already
    /// (as the viewer has them).
    ///
    /// # Complexity
    /// O(S + F + V + E), plus O(N log N) for the legend.
    pub fn with_index(
        trace: &Trace,
        index: &TraceIndex,
        lanes: &TimelineLanes,
        options: &TimelineOptions,
    ) -> Self {
        let m = Metrics {
            font: options.font_size,
            row_h: options.row_height_px.max(4.0),
            min_bar: options.min_bar_px.max(0.0),
            merge: options.merge_below_px.max(0.0),
        };
        let plot_width = options.width_px.max(50.0);
        // The title wraps to the lane labels and plot: their width does not depend on
        // where the rows start, so the rows are laid out once below the title.
        let (_, label_w) = layout_rows(trace, lanes, m, 0.0);
        let title = title_lines(
            options.title.as_deref(),
            label_w + 12.0 + plot_width,
            m.font,
        );
        let title_h = title_height(&title, m.font);
        let plot_y = MARGIN + title_h + line_height(m.font) + 10.0;
        let (rows, label_w) = layout_rows(trace, lanes, m, plot_y);
        let plot_x = MARGIN + label_w + 12.0;
        let t0 = trace.start_ns();
        let scale = TimeScale {
            t0,
            t1: trace.end_ns().max(t0 + 1),
            x0: plot_x,
            width: plot_width,
        };
        let (items, merged_spans) = bars(trace, index, lanes, &scale, m);
        let centre = |s: &Span| -> Option<f64> {
            let row = rows.get(lanes.row_of(s.lane)?)?;
            let level = s.depth.min(MAX_DEPTH_ROWS - 1);
            Some(row.y + (f64::from(level) + 0.5) * m.row_h)
        };
        let wanted = arrow_pairs(trace, options.arrows);
        let arrows_skipped = wanted.len().saturating_sub(options.max_arrows);
        let arrows: Vec<(Point, Point)> = wanted
            .iter()
            .take(options.max_arrows)
            .filter_map(|(a, b)| {
                let from = Point {
                    x: scale.x(a.end_ns),
                    y: centre(a)?,
                };
                let to = Point {
                    x: scale.x(b.start_ns),
                    y: centre(b)?,
                };
                Some((from, to))
            })
            .collect();

        let transfer_arrows = transfer_points(
            trace,
            index,
            lanes,
            &rows,
            &scale,
            m.row_h,
            options.max_arrows,
        );
        let has_mixed = items.iter().any(|i| i.color == theme::MERGED);
        let legend = legend(trace, index, options.max_legend_entries, has_mixed);
        let (legend_w, legend_h) = legend_size(&legend, m.font);
        let title_w = title_width(&title, m.font);
        let plot_bottom = rows
            .last()
            .map_or(plot_y, |r| r.y + r.levels as f64 * m.row_h);
        let width =
            (plot_x + plot_width + 2.0 * MARGIN + legend_w + MARGIN).max(title_w + 2.0 * MARGIN);
        let height = plot_bottom.max(plot_y + legend_h) + MARGIN;
        let stats = TimelineStats {
            lanes: rows.len(),
            spans: trace.spans().len(),
            items: items.len(),
            merged_spans,
            arrows: arrows.len(),
            arrows_skipped,
            width,
            height,
        };
        Self {
            rows,
            items,
            arrows,
            transfer_arrows,
            ticks: ticks(&scale),
            legend,
            title: options.title.clone(),
            title_lines: title,
            plot_x,
            plot_width,
            plot_y,
            row_height: m.row_h,
            font_size: m.font,
            width,
            height,
            stats,
        }
    }
}

/// The arrows of the first `max` transfers, from the sending worker's lane at the time
/// its data was ready to the receiving span's start (see [`transfer_arrows`]).
fn transfer_points(
    trace: &Trace,
    index: &TraceIndex,
    lanes: &TimelineLanes,
    rows: &[TimelineRow],
    scale: &TimeScale,
    row_h: f64,
    max: usize,
) -> Vec<(Point, Point)> {
    let y = |lane: LaneId, depth: u16| -> Option<f64> {
        let row = rows.get(lanes.row_of(lane)?)?;
        let level = depth.min(MAX_DEPTH_ROWS - 1);
        Some(row.y + (f64::from(level) + 0.5) * row_h)
    };
    transfer_arrows(trace, index, 0..u64::MAX, max)
        .iter()
        .filter_map(|a| {
            let to = trace.span(a.span)?;
            let from = Point {
                x: scale.x(a.from_ns),
                y: y(a.from_lane, a.from_depth)?,
            };
            let to = Point {
                x: scale.x(to.start_ns),
                y: y(to.lane, to.depth)?,
            };
            Some((from, to))
        })
        .collect()
}

/// One row per lane in the timeline's order ([`TimelineLanes::rows`]: by process,
/// sort index, id), starting at `top`; also the widest label.
fn layout_rows(
    trace: &Trace,
    lanes: &TimelineLanes,
    m: Metrics,
    top: f64,
) -> (Vec<TimelineRow>, f64) {
    let mut rows = Vec::with_capacity(lanes.rows().len());
    let mut label_w = 0.0f64;
    let mut y = top;
    for row in lanes.rows() {
        let label = shorten(&lane_label(trace, row.lane), m.font, MAX_LABEL_PX);
        label_w = label_w.max(text_width(&label, m.font));
        let levels = usize::from(row.depth_rows.max(1));
        rows.push(TimelineRow {
            lane: row.lane,
            label,
            y,
            levels,
        });
        y += m.row_h * levels as f64;
    }
    (rows, label_w)
}

/// The bars of every row for the whole run at the picture's width (the
/// viewer's level of detail); returns them with the number of spans that went
/// into merged items.
fn bars(
    trace: &Trace,
    index: &TraceIndex,
    lanes: &TimelineLanes,
    scale: &TimeScale,
    m: Metrics,
) -> (Vec<TimelineItem>, usize) {
    let mut frame = TimelineFrame::default();
    // The last instant included, so that zero-length spans at the end are drawn.
    let visible = scale.t0..scale.t1.saturating_add(1);
    frame.compute(trace, index, lanes, visible, scale.width as f32, m.merge);
    let mut items = Vec::with_capacity(frame.items.len());
    let mut merged_spans = 0usize;
    for (row, lane_row) in lanes.rows().iter().enumerate() {
        let spans = trace.lane_spans(lane_row.lane);
        for item in frame.row(row) {
            let Some(first) = spans.get(item.first as usize) else {
                continue;
            };
            items.push(bar(trace, first, row, item, scale, m));
            if item.count > 1 {
                merged_spans += item.count as usize;
            }
        }
    }
    (items, merged_spans)
}

/// The positioned item of one bar of the level of detail, `first` its first span.
fn bar(
    trace: &Trace,
    first: &Span,
    row: usize,
    item: &RenderItem,
    scale: &TimeScale,
    m: Metrics,
) -> TimelineItem {
    let x = scale.x(item.start_ns);
    let width = (scale.x(item.end_ns) - x).max(m.min_bar);
    let (label, tooltip) = if item.is_merged() {
        (None, merged_tooltip(trace, first, item))
    } else {
        (
            bar_label(trace, first, width, m.font),
            span_tooltip(trace, first),
        )
    };
    TimelineItem {
        row,
        level: usize::from(item.depth),
        x,
        width,
        color: bar_fill(item),
        label,
        tooltip,
        spans: item.count as usize,
        style: bar_style(item, first),
    }
}

/// The hatch of a transfer bar from `(x0, y0)` to `(x1, y1)`, as one path.
fn write_hatch(f: &mut fmt::Formatter<'_>, from: (f64, f64), to: (f64, f64)) -> fmt::Result {
    let lines = hatch_lines(from, to, HATCH_SPACING_PX);
    if lines.is_empty() {
        return Ok(());
    }
    write!(
        f,
        r#"<path stroke="{}" stroke-width="1" d=""#,
        theme::TRANSFER_HATCH
    )?;
    for [a, b] in lines {
        write!(f, "M{},{}L{},{}", Num(a.0), Num(a.1), Num(b.0), Num(b.1))?;
    }
    write!(f, r#""/>"#)
}

/// The (producer, consumer) span pairs arrows should join, in a deterministic order.
fn arrow_pairs(trace: &Trace, arrows: Arrows) -> Vec<(&Span, &Span)> {
    let use_flows = match arrows {
        Arrows::None => return Vec::new(),
        Arrows::Flows => true,
        Arrows::Dependencies => false,
        Arrows::Auto => !trace.flows().is_empty(),
    };
    let mut pairs = Vec::new();
    if use_flows {
        for flow in trace.flows() {
            if let (Some(a), Some(b)) = (trace.span(flow.from), trace.span(flow.to)) {
                pairs.push((a, b));
            }
        }
        return pairs;
    }
    let graph = trace.graph();
    let by_task = trace.spans_by_task();
    let compute = |t: TaskId| {
        by_task
            .spans(t)
            .iter()
            .filter_map(|&id| trace.span(id))
            .filter(|s| s.kind == SpanKind::Compute)
    };
    for t in graph.tasks() {
        let Some(first) = compute(t).min_by_key(|s| (s.start_ns, s.lane)) else {
            continue;
        };
        for &d in graph.deps(t) {
            if let Some(last) = compute(d).max_by_key(|s| (s.end_ns, std::cmp::Reverse(s.lane))) {
                pairs.push((last, first));
            }
        }
    }
    pairs
}

/// Task names by total compute time (longest first), then the other span kinds
/// present, failed tasks, and merged bars of several colours.
fn legend(trace: &Trace, index: &TraceIndex, max_entries: usize, has_mixed: bool) -> Legend {
    let mut totals: BTreeMap<String, (PaletteIndex, u64)> = BTreeMap::new();
    let mut kinds: Vec<SpanKind> = Vec::new();
    let mut failed = false;
    for s in trace.spans() {
        if s.kind == SpanKind::Compute {
            let name = trace.task_name(s.task).unwrap_or("");
            let total = totals
                .entry(name.to_owned())
                .or_insert((index.palette(s.task), 0));
            total.1 = total.1.saturating_add(s.duration_ns());
            failed |= trace.graph().state(s.task) == Some(TaskState::Failed);
        } else if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    let mut entries = name_legend(&totals, max_entries);
    kinds.sort_unstable();
    for k in kinds {
        if let Some(c) = theme::span_kind_color(k) {
            entries.push((c, k.as_str().to_owned()));
        }
    }
    if failed {
        entries.push((theme::state_color(TaskState::Failed), "failed".to_owned()));
    }
    if has_mixed {
        entries.push((theme::MERGED, "several short spans".to_owned()));
    }
    Legend {
        title: "task".to_owned(),
        entries,
    }
}

/// Axis ticks at a 1–2–5 step at least 100 px apart from the run's first start,
/// labelled with the time since that start (as the viewer's axis and the tooltips
/// count it), by the one axis of the workspace ([`crate::axis`]).
fn ticks(scale: &TimeScale) -> Vec<Tick> {
    let range = (scale.t1 - scale.t0) as f64;
    let step = axis::tick_step_ns(range / scale.width.max(1.0), 100.0);
    axis::ticks(0.0, range, step)
        .map(|t| Tick {
            x: scale.x(scale.t0 + t as u64),
            label: axis::format_tick(t, step),
        })
        .collect()
}

/// Writes a [`TimelineScene`] as SVG.
#[derive(Clone, Copy, Debug)]
pub struct TimelineSvg<'a> {
    scene: &'a TimelineScene,
}

impl<'a> TimelineSvg<'a> {
    /// A writer for `scene`.
    pub fn new(scene: &'a TimelineScene) -> Self {
        Self { scene }
    }
}

impl fmt::Display for TimelineSvg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scene;
        let font = s.font_size;
        write_header(
            f,
            s.width,
            s.height,
            font,
            s.title.as_deref().unwrap_or("timeline"),
        )?;
        writeln!(
            f,
            r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{}"/></marker></defs>"#,
            theme::ARROW
        )?;
        if !s.transfer_arrows.is_empty() {
            writeln!(
                f,
                r#"<defs><marker id="arrow-transfer" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{}"/></marker></defs>"#,
                theme::TRANSFER_ARROW
            )?;
        }
        write_title(f, &s.title_lines, font)?;
        let plot_bottom = s
            .rows
            .last()
            .map_or(s.plot_y, |r| r.y + r.levels as f64 * s.row_height);
        let plot_right = s.plot_x + s.plot_width;

        self.write_rows(f, plot_right)?;
        self.write_axis(f, plot_right, plot_bottom)?;
        self.write_bars(f)?;
        self.write_arrows(f)?;
        write_legend(f, &s.legend, plot_right + 2.0 * MARGIN, s.plot_y, font)?;
        writeln!(f, "</svg>")
    }
}

impl TimelineSvg<'_> {
    /// Row shading and lane labels.
    fn write_rows(self, f: &mut fmt::Formatter<'_>, plot_right: f64) -> fmt::Result {
        let s = self.scene;
        let font = s.font_size;
        // Row shading and labels.
        writeln!(f, r#"<g class="rows">"#)?;
        for (i, row) in s.rows.iter().enumerate() {
            let h = row.levels as f64 * s.row_height;
            if i % 2 == 1 {
                writeln!(
                    f,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                    Num(MARGIN),
                    Num(row.y),
                    Num(plot_right - MARGIN),
                    Num(h),
                    theme::ROW_SHADE
                )?;
            }
            writeln!(
                f,
                r#"<text x="{}" y="{}" fill="{}">{}</text>"#,
                Num(MARGIN),
                Num(row.y + s.row_height / 2.0 + baseline_offset(font)),
                theme::TEXT,
                Esc(&row.label)
            )?;
        }
        writeln!(f, "</g>")?;

        Ok(())
    }

    /// The time axis and its grid lines.
    fn write_axis(
        self,
        f: &mut fmt::Formatter<'_>,
        plot_right: f64,
        plot_bottom: f64,
    ) -> fmt::Result {
        let s = self.scene;
        let font = s.font_size;
        // Grid and axis.
        writeln!(
            f,
            r#"<g class="axis" stroke="{}" font-size="{}">"#,
            theme::GRID,
            Num(font)
        )?;
        writeln!(
            f,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            Num(s.plot_x),
            Num(s.plot_y),
            Num(plot_right),
            Num(s.plot_y)
        )?;
        for tick in &s.ticks {
            writeln!(
                f,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/><text x="{x}" y="{}" fill="{}" stroke="none" text-anchor="middle">{}</text>"#,
                Num(s.plot_y - 4.0),
                Num(plot_bottom),
                Num(s.plot_y - 8.0),
                theme::TEXT_MUTED,
                Esc(&tick.label),
                x = Num(tick.x),
            )?;
        }
        writeln!(f, "</g>")?;

        Ok(())
    }

    /// The bars with their tooltips and labels.
    fn write_bars(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scene;
        let font = s.font_size;
        // Bars.
        writeln!(f, r#"<g class="bars" font-size="{}">"#, Num(font))?;
        let pad = (s.row_height * 0.12).max(1.0);
        for item in &s.items {
            let Some(row) = s.rows.get(item.row) else {
                continue;
            };
            let y = row.y + item.level as f64 * s.row_height + pad;
            let h = s.row_height - 2.0 * pad;
            write!(
                f,
                r#"<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                EscLines(&item.tooltip),
                Num(item.x),
                Num(y),
                Num(item.width.max(0.1)),
                Num(h),
                item.color
            )?;
            if item.style == BarStyle::Hatched {
                write_hatch(f, (item.x, y), (item.x + item.width, y + h))?;
            }
            if let Some(label) = &item.label {
                write!(
                    f,
                    r#"<text x="{}" y="{}" fill="{}" text-anchor="middle">{}</text>"#,
                    Num(item.x + item.width / 2.0),
                    Num(y + h / 2.0 + baseline_offset(font)),
                    item.color.text_color(),
                    Esc(label)
                )?;
            }
            writeln!(f, "</g>")?;
        }
        writeln!(f, "</g>")?;

        Ok(())
    }

    /// Dependency arrows, then transfer arrows.
    fn write_arrows(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scene;
        if !s.transfer_arrows.is_empty() {
            writeln!(
                f,
                r#"<g class="transfers" fill="none" stroke="{}" stroke-width="1.2" marker-end="url(#arrow-transfer)">"#,
                theme::TRANSFER_ARROW
            )?;
            for (a, b) in &s.transfer_arrows {
                writeln!(
                    f,
                    r#"<path d="M{},{}L{},{}"/>"#,
                    Num(a.x),
                    Num(a.y),
                    Num(b.x),
                    Num(b.y)
                )?;
            }
            writeln!(f, "</g>")?;
        }
        if !s.arrows.is_empty() {
            writeln!(
                f,
                r#"<g class="arrows" fill="none" stroke="{}" stroke-width="1" marker-end="url(#arrow)">"#,
                theme::ARROW
            )?;
            for (a, b) in &s.arrows {
                let dx = ((b.x - a.x) / 2.0).abs().max(8.0);
                writeln!(
                    f,
                    r#"<path d="M{},{}C{},{} {},{} {},{}"/>"#,
                    Num(a.x),
                    Num(a.y),
                    Num(a.x + dx),
                    Num(a.y),
                    Num(b.x - dx),
                    Num(b.y),
                    Num(b.x),
                    Num(b.y)
                )?;
            }
            writeln!(f, "</g>")?;
        }

        Ok(())
    }
}
