//! The Gantt chart of a trace: one row per lane, one bar per span.
//!
//! [`TimelineScene::new`] is a pure function from a trace and options to
//! positioned items (rows, bars, merged runs, arrows, axis ticks, legend);
//! [`TimelineSvg`] only writes them. Like the viewer's timeline, it culls by
//! pixels: spans narrower than [`TimelineOptions::merge_below_px`] that touch
//! are merged into one item with a count, so a million spans give at most a
//! few thousand items per lane, and zero-length spans still get
//! [`TimelineOptions::min_bar_px`] of width so they stay visible.
//!
//! Colours: compute spans by task name ([`crate::theme::name_color`], a
//! stable hash of the name), other kinds (transfer, disk, deserialize) in
//! fixed colours as in Dask's task stream.

use std::collections::BTreeMap;
use std::fmt;

use taskscope_trace::{LaneId, Span, SpanKind, TaskId, Trace};

use crate::font::{baseline_offset, line_height, text_width};
use crate::layered::Point;
use crate::png::PngOptions;
use crate::scene::{Legend, lane_label};
use crate::svg::{
    Esc, EscLines, MARGIN, Num, legend_size, title_height, write_header, write_legend, write_title,
};
use crate::theme::{self, Rgb};
use taskscope_trace::analysis::{format_count, format_duration_ns};

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
    /// Touching spans narrower than this are merged into one item, in px.
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
            merge_below_px: 1.0,
            max_legend_entries: 12,
            png: PngOptions::default(),
        }
    }
}

/// Nesting levels drawn per lane; deeper spans share the last level.
const MAX_LEVELS: usize = 8;

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
    /// Axis ticks.
    pub ticks: Vec<Tick>,
    /// Colour key.
    pub legend: Legend,
    /// Title.
    pub title: Option<String>,
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

/// A run of thin spans being merged.
#[derive(Clone, Copy)]
struct Run {
    x0: f64,
    x1: f64,
    first: usize,
    count: usize,
    same_color: bool,
    color: Rgb,
    start_ns: u64,
    end_ns: u64,
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
    /// Positions everything; see the module docs.
    ///
    /// # Complexity
    /// O(S + F + V + E) for S spans, F flows, V tasks and E dependencies,
    /// plus O(N log N) to sort N distinct names for the legend.
    pub fn new(trace: &Trace, options: &TimelineOptions) -> Self {
        let m = Metrics {
            font: options.font_size,
            row_h: options.row_height_px.max(4.0),
            min_bar: options.min_bar_px.max(0.0),
            merge: options.merge_below_px.max(0.0),
        };
        let plot_width = options.width_px.max(50.0);
        let title_h = title_height(options.title.as_deref(), m.font);
        let plot_y = MARGIN + title_h + line_height(m.font) + 10.0;
        let (rows, row_of_lane, label_w) = layout_rows(trace, m, plot_y);
        let plot_x = MARGIN + label_w + 12.0;
        let t0 = trace.start_ns();
        let scale = TimeScale {
            t0,
            t1: trace.end_ns().max(t0 + 1),
            x0: plot_x,
            width: plot_width,
        };
        let (items, merged_spans) = bars(trace, &rows, &scale, m);
        let centre = |s: &Span| -> Option<f64> {
            let row = rows.get(*row_of_lane.get(s.lane.index())?)?;
            let level = usize::from(s.depth).min(MAX_LEVELS - 1);
            Some(row.y + (level as f64 + 0.5) * m.row_h)
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

        let has_mixed = items.iter().any(|i| i.color == theme::MERGED);
        let legend = legend(trace, options.max_legend_entries, has_mixed);
        let (legend_w, legend_h) = legend_size(&legend, m.font);
        let title_w = options
            .title
            .as_deref()
            .map_or(0.0, |t| text_width(t, crate::svg::title_size(m.font)));
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
            ticks: ticks(&scale),
            legend,
            title: options.title.clone(),
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

/// Rows for lanes sorted by (process, sort index, id), starting at `top`;
/// also each lane's row index and the widest label.
fn layout_rows(trace: &Trace, m: Metrics, top: f64) -> (Vec<TimelineRow>, Vec<usize>, f64) {
    let mut lanes: Vec<LaneId> = (0..trace.lanes().len())
        .filter_map(LaneId::from_index)
        .collect();
    let sort_key = |l: LaneId| trace.lane(l).map(|l| (l.process.as_str(), l.sort_index));
    lanes.sort_by(|a, b| sort_key(*a).cmp(&sort_key(*b)).then(a.cmp(b)));
    let mut rows = Vec::with_capacity(lanes.len());
    let mut row_of_lane = vec![usize::MAX; trace.lanes().len()];
    let mut label_w = 0.0f64;
    let mut y = top;
    for (i, &lane) in lanes.iter().enumerate() {
        let label = shorten(&lane_label(trace, lane), m.font, MAX_LABEL_PX);
        label_w = label_w.max(text_width(&label, m.font));
        let levels = trace
            .lane_spans(lane)
            .iter()
            .map(|s| usize::from(s.depth) + 1)
            .max()
            .unwrap_or(1)
            .min(MAX_LEVELS);
        if let Some(slot) = row_of_lane.get_mut(lane.index()) {
            *slot = i;
        }
        rows.push(TimelineRow {
            lane,
            label,
            y,
            levels,
        });
        y += m.row_h * levels as f64;
    }
    (rows, row_of_lane, label_w)
}

/// The bars of every row, thin touching spans merged; returns them with the
/// number of spans that went into merged items.
fn bars(
    trace: &Trace,
    rows: &[TimelineRow],
    scale: &TimeScale,
    m: Metrics,
) -> (Vec<TimelineItem>, usize) {
    let span_color = |s: &Span| {
        theme::span_kind_color(s.kind)
            .unwrap_or_else(|| theme::name_color(trace.task_name(s.task).unwrap_or("")))
    };
    let mut items = Vec::new();
    let mut merged_spans = 0usize;
    for (row_index, row) in rows.iter().enumerate() {
        let base = trace.lane_span_range(row.lane).start;
        // One open run per nesting level.
        let mut runs: [Option<Run>; MAX_LEVELS] = [None; MAX_LEVELS];
        for (k, span) in trace.lane_spans(row.lane).iter().enumerate() {
            let level = usize::from(span.depth).min(MAX_LEVELS - 1);
            let (x0, x1) = (scale.x(span.start_ns), scale.x(span.end_ns));
            let color = span_color(span);
            let Some(run_slot) = runs.get_mut(level) else {
                continue;
            };
            let wide = x1 - x0 >= m.merge;
            match run_slot {
                Some(run) if !wide && x0 <= run.x1 + m.merge => {
                    run.x1 = run.x1.max(x1);
                    run.count += 1;
                    run.same_color &= run.color == color;
                    run.end_ns = run.end_ns.max(span.end_ns);
                }
                _ => {
                    if let Some(run) = run_slot.take() {
                        merged_spans += flush(run, trace, row_index, level, m.min_bar, &mut items);
                    }
                    if wide {
                        items.push(bar(trace, span, row_index, level, (x0, x1 - x0), color, m));
                    } else {
                        *run_slot = Some(Run {
                            x0,
                            x1,
                            first: base + k,
                            count: 1,
                            same_color: true,
                            color,
                            start_ns: span.start_ns,
                            end_ns: span.end_ns,
                        });
                    }
                }
            }
        }
        for (level, run) in runs.into_iter().enumerate() {
            if let Some(run) = run {
                merged_spans += flush(run, trace, row_index, level, m.min_bar, &mut items);
            }
        }
    }
    (items, merged_spans)
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

/// `text` cut with an ellipsis to fit `max_px`.
///
/// # Complexity
/// O(len): widths are summed char by char.
fn shorten(text: &str, font: f64, max_px: f64) -> String {
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

/// One span's bar, `extent` = (left, width) in px.
fn bar(
    trace: &Trace,
    span: &Span,
    row: usize,
    level: usize,
    extent: (f64, f64),
    color: Rgb,
    m: Metrics,
) -> TimelineItem {
    let name = trace.graph().name(span.task).unwrap_or("");
    let width = extent.1.max(m.min_bar);
    let fits = !name.is_empty() && text_width(name, m.font) + 6.0 <= width;
    TimelineItem {
        row,
        level,
        x: extent.0,
        width,
        color,
        label: fits.then(|| name.to_owned()),
        tooltip: span_tooltip(trace, span),
        spans: 1,
    }
}

fn span_tooltip(trace: &Trace, span: &Span) -> Vec<String> {
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
    lines.push(format!("start: {}", format_duration_ns(span.start_ns)));
    lines.push(format!(
        "duration: {}",
        format_duration_ns(span.duration_ns())
    ));
    lines.push(format!("lane: {}", lane_label(trace, span.lane)));
    lines
}

/// Emits a run; returns how many spans went into a merged item.
fn flush(
    run: Run,
    trace: &Trace,
    row: usize,
    level: usize,
    min_bar: f64,
    items: &mut Vec<TimelineItem>,
) -> usize {
    if run.count == 1 {
        if let Some(span) = trace.spans().get(run.first) {
            items.push(TimelineItem {
                row,
                level,
                x: run.x0,
                width: (run.x1 - run.x0).max(min_bar),
                color: run.color,
                label: None,
                tooltip: span_tooltip(trace, span),
                spans: 1,
            });
        }
        return 0;
    }
    let mut tooltip = vec![format!("{} short spans", format_count(run.count as u64))];
    if run.same_color
        && let Some(name) = trace
            .spans()
            .get(run.first)
            .and_then(|s| trace.task_name(s.task))
    {
        tooltip[0].push_str(" of ");
        tooltip[0].push_str(name);
    }
    tooltip.push(format!(
        "from {} to {}",
        format_duration_ns(run.start_ns),
        format_duration_ns(run.end_ns)
    ));
    items.push(TimelineItem {
        row,
        level,
        x: run.x0,
        width: (run.x1 - run.x0).max(min_bar),
        color: if run.same_color {
            run.color
        } else {
            theme::MERGED
        },
        label: None,
        tooltip,
        spans: run.count,
    });
    run.count
}

/// Task names by total compute time (longest first), then the other span kinds present.
fn legend(trace: &Trace, max_entries: usize, has_mixed: bool) -> Legend {
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    let mut kinds: Vec<SpanKind> = Vec::new();
    for s in trace.spans() {
        if s.kind == SpanKind::Compute {
            let name = trace.task_name(s.task).unwrap_or("");
            *totals.entry(name).or_default() += s.duration_ns();
        } else if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    let mut names: Vec<(&str, u64)> = totals.into_iter().collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut entries: Vec<(Rgb, String)> = names
        .iter()
        .take(max_entries)
        .map(|(n, total)| {
            (
                theme::name_color(n),
                format!("{n} ({})", format_duration_ns(*total)),
            )
        })
        .collect();
    if names.len() > max_entries {
        entries.push((
            theme::BACKGROUND,
            format!("… {} more names", names.len() - max_entries),
        ));
    }
    kinds.sort_unstable();
    for k in kinds {
        if let Some(c) = theme::span_kind_color(k) {
            entries.push((c, k.as_str().to_owned()));
        }
    }
    if has_mixed {
        entries.push((theme::MERGED, "several short spans".to_owned()));
    }
    Legend {
        title: "task".to_owned(),
        entries,
    }
}

/// Axis ticks at a 1–2–5 step giving about one tick per 100 px, labelled in the step's unit.
fn ticks(scale: &TimeScale) -> Vec<Tick> {
    let range = scale.t1 - scale.t0;
    let target = (scale.width / 100.0).max(1.0);
    let raw = (range as f64 / target).max(1.0);
    let mut step: u64 = 1;
    let mut exp: u32 = 0;
    'search: loop {
        for m in [1u64, 2, 5] {
            let Some(candidate) = 10u64.checked_pow(exp).and_then(|p| p.checked_mul(m)) else {
                break 'search;
            };
            if candidate as f64 >= raw {
                step = candidate;
                break 'search;
            }
        }
        exp += 1;
    }
    // The unit of ten steps, so labels need at most two decimals ("0.5 s", "50 ms").
    let (unit_exp, unit) = match step.saturating_mul(10) {
        s if s < 1_000 => (0u32, "ns"),
        s if s < 1_000_000 => (3, "µs"),
        s if s < 1_000_000_000 => (6, "ms"),
        _ => (9, "s"),
    };
    // Decimals needed so the step is exact in the chosen unit.
    let mut pow10 = 0u32;
    let mut rest = step;
    while rest > 0 && rest.is_multiple_of(10) {
        rest /= 10;
        pow10 += 1;
    }
    let decimals = unit_exp.saturating_sub(pow10) as usize;
    let divisor = 10f64.powi(unit_exp as i32);
    let mut out = Vec::new();
    let mut t = scale.t0.div_ceil(step).saturating_mul(step);
    while t <= scale.t1 {
        out.push(Tick {
            x: scale.x(t),
            label: format!("{:.decimals$} {unit}", t as f64 / divisor),
        });
        let Some(next) = t.checked_add(step) else {
            break;
        };
        t = next;
    }
    out
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
        if let Some(t) = &s.title {
            write_title(f, t, font)?;
        }
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

    /// Dependency arrows.
    fn write_arrows(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scene;
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
