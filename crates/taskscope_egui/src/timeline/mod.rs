//! The Gantt timeline: one lane per worker, grouped by process, with a
//! concurrency strip and a time axis above the lanes.
//!
//! Drawing is two stages. The layout crate's timeline frame
//! ([`taskscope_layout::TimelineFrame`], over its pure level-of-detail function
//! [`lod::render_items`]) turns the visible part of each lane into a few bars with
//! their fills, labels and tooltips — the bars an exported timeline draws for the
//! whole run; [`Timeline::ui`] is the thin painter
//! around it: one `ui.interact` for the whole canvas, hit-testing by hand,
//! labels only on bars wide enough for them, the grid painted behind through a
//! reserved shape slot. The widget owns only its view state ([`TimelineView`])
//! and scratch buffers; it borrows the trace and reports clicks as
//! [`TimelineEvent`]s for the app to apply.

pub mod view;

use egui::{
    Align2, Color32, CornerRadius, FontId, Key, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Ui,
    Vec2, pos2, vec2,
};
use taskscope_trace::{LaneId, Span, SpanId, TaskId, Trace, TraceIndex};

use crate::selection::Highlight;
use crate::theme::{Theme, rgb};
use lod::{MAX_DEPTH_ROWS, MERGE_BELOW_PX, RenderItem};
use taskscope_layout::axis::{format_tick, tick_step_ns, ticks};
pub use taskscope_layout::lod;
use taskscope_layout::{
    BarStyle, HATCH_SPACING_PX, TimelineFrame, TimelineLanes, bar_fill, bar_label, bar_style,
    hatch_lines, merged_tooltip, span_tooltip as tooltip_lines, transfer_arrows,
};
use view::TimelineView;

/// What an empty timeline says (a trace without spans, or a followed run before its
/// first span ends).
const NO_SPANS: &str = "no spans: nothing has run yet, or the file records no slices";

/// Paints [`NO_SPANS`] over `rect`: a trace without spans has no time range to draw an
/// axis over (it read "-1 ns … 0 ns").
fn paint_no_spans(ui: &Ui, rect: Rect, theme: &Theme) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::ZERO, theme.background);
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        NO_SPANS,
        FontId::proportional(13.0),
        theme.weak_text,
    );
}

/// Width of the lane-name gutter on the left.
pub const GUTTER_PX: f32 = 110.0;
/// Height of the time axis band.
pub const AXIS_PX: f32 = 22.0;
/// Height of the concurrency strip.
pub const STRIP_PX: f32 = 44.0;
/// Height of a process group header.
pub const GROUP_HEADER_PX: f32 = 16.0;
/// Largest height of one nesting row of a lane.
pub const MAX_ROW_PX: f32 = 34.0;
/// Smallest height of one nesting row of a lane.
pub const MIN_ROW_PX: f32 = 2.0;
/// Font size of bar labels, in points (the layout crate fits labels at this size).
pub const LABEL_FONT_PX: f32 = 11.0;
/// Zoom factor of one W/S key press.
pub const KEY_ZOOM: f64 = 1.5;
/// Fraction of the width one A/D key press pans.
pub const KEY_PAN: f64 = 0.2;
/// At most this many dependency arrows are drawn in "all arrows" mode.
pub const MAX_ARROWS: usize = 2000;
/// At most this many transfer arrows are drawn (those of the visible transfers).
pub const MAX_TRANSFER_ARROWS: usize = 500;

/// What the timeline reads each frame (all borrowed; the widget owns none of it).
pub struct TimelineInput<'a> {
    /// The trace.
    pub trace: &'a Trace,
    /// Its shared index.
    pub index: &'a TraceIndex,
    /// Its timeline precomputation.
    pub model: &'a TimelineLanes,
    /// Selection, ancestors/descendants, critical path, search matches.
    pub highlight: &'a Highlight,
    /// Colours.
    pub theme: &'a Theme,
    /// The replay cursor, if shown.
    pub cursor_ns: Option<u64>,
    /// Whether the critical path is being shown (dims other tasks when nothing is selected).
    pub show_critical: bool,
    /// Draw dependency arrows for every visible task, not just the selected one.
    pub show_all_arrows: bool,
    /// Whether the W/A/S/D/F keys act on this timeline.
    pub keyboard: bool,
}

/// Something the user did that the app should apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineEvent {
    /// Select this task (or clear the selection with `None`).
    Select(Option<TaskId>),
    /// Move the replay cursor to this time (clicks and drags on the time axis).
    Seek(u64),
}

/// What one frame of the timeline reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelineResponse {
    /// Events to apply, in order.
    pub events: Vec<TimelineEvent>,
    /// The task under the pointer.
    pub hovered: Option<TaskId>,
}

/// Vertical placement of one lane in this frame.
#[derive(Clone, Copy, Debug)]
struct RowGeometry {
    lane: LaneId,
    top: f32,
    row_px: f32,
    depth_rows: u16,
}

impl RowGeometry {
    fn bottom(&self) -> f32 {
        self.top + self.row_px * f32::from(self.depth_rows)
    }

    fn depth_rect(&self, depth: u16, x0: f32, x1: f32) -> Rect {
        let top = self.top + self.row_px * f32::from(depth.min(self.depth_rows - 1));
        // One pixel of air between rows when there is room for it.
        let pad = if self.row_px >= 6.0 { 1.0 } else { 0.0 };
        Rect::from_min_max(pos2(x0, top + pad), pos2(x1, top + self.row_px - pad))
    }
}

/// The timeline widget: its view state and per-frame scratch buffers.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// Which time range is on screen.
    pub view: TimelineView,
    fitted: bool,
    /// The view is an automatic fit (not zoomed or panned by the user since): refit on resize.
    auto_fit: bool,
    last_width_px: f32,
    last_time_rect: Rect,
    extent: Option<(u64, u64)>,
    frame: TimelineFrame,
    rows: Vec<RowGeometry>,
    columns: Vec<u32>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self {
            view: TimelineView::default(),
            fitted: false,
            auto_fit: false,
            last_width_px: 0.0,
            last_time_rect: Rect::ZERO,
            extent: None,
            frame: TimelineFrame::default(),
            rows: Vec::new(),
            columns: Vec::new(),
        }
    }
}

impl Timeline {
    /// A timeline that fits the whole trace on its first frame.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where `span`'s bar was (or would have been) drawn in the last frame, in screen points.
    ///
    /// `None` before the first frame or for a lane that is not shown.
    pub fn bar_rect(&self, trace: &Trace, model: &TimelineLanes, span: SpanId) -> Option<Rect> {
        let s = trace.span(span)?;
        let row = self.rows.get(model.row_of(s.lane)?)?;
        let x0 = self.last_time_rect.left() + self.view.x_from_ns(s.start_ns as f64) as f32;
        let x1 = self.last_time_rect.left() + self.view.x_from_ns(s.end_ns as f64) as f32;
        Some(row.depth_rect(s.depth, x0, x1.max(x0 + 1.0)))
    }

    /// The time area of the canvas in the last frame (right of the lane names).
    pub fn last_time_rect(&self) -> Rect {
        self.last_time_rect
    }

    /// Shows exactly `view` (no fit on the first frame); for views shared between timelines.
    pub fn set_view(&mut self, view: TimelineView) {
        self.view = view;
        self.fitted = true;
        self.auto_fit = false;
    }

    /// Uses `start_ns..end_ns` instead of the trace's own extent for fitting and for
    /// limiting panning (so timelines of different runs can share one axis).
    pub fn set_extent(&mut self, start_ns: u64, end_ns: u64) {
        self.extent = Some((start_ns, end_ns));
    }

    /// The time range fitted by a double-click: the trace's extent or the one set by [`Timeline::set_extent`].
    fn extent(&self, model: &TimelineLanes) -> (u64, u64) {
        self.extent.unwrap_or((model.start_ns(), model.end_ns()))
    }

    /// Fits the whole trace on the next frame.
    pub fn request_fit(&mut self) {
        self.fitted = false;
    }

    /// The width of the time area in the last frame (0 before the first frame).
    pub fn last_width_px(&self) -> f32 {
        self.last_width_px
    }

    /// The visible time range in the last frame.
    pub fn visible_range(&self) -> std::ops::Range<u64> {
        self.view.visible_range(self.last_width_px)
    }

    /// Pans (zooming out if needed) so that `task` is on screen.
    pub fn reveal_task(&mut self, index: &TraceIndex, task: TaskId) {
        if let Some((s, e)) = index.times().range(task) {
            let before = self.view;
            self.view.reveal(s, e, self.last_width_px.max(1.0));
            if self.view != before {
                self.auto_fit = false;
            }
        }
    }

    /// Zooms to show `start_ns..end_ns`.
    pub fn zoom_to(&mut self, start_ns: u64, end_ns: u64) {
        self.view = TimelineView::fit(start_ns, end_ns, self.last_width_px.max(1.0));
        self.fitted = true;
        self.auto_fit = false;
    }

    fn max_ns_per_px(start_ns: u64, end_ns: u64, width_px: f32) -> f64 {
        let len = end_ns.saturating_sub(start_ns).max(1) as f64;
        (len * 4.0 / f64::from(width_px.max(1.0))).max(1.0)
    }

    /// Shows the timeline in all of `ui`'s available space.
    pub fn ui(&mut self, ui: &mut Ui, input: &TimelineInput<'_>) -> TimelineResponse {
        let rect = ui.available_rect_before_wrap();
        let id = ui.make_persistent_id("taskscope_timeline");
        let response = ui.interact(rect, id, Sense::click_and_drag());
        let empty = input.trace.spans().is_empty();
        response.widget_info(|| {
            let label = if empty {
                format!("Timeline: {NO_SPANS}")
            } else {
                "Timeline".to_owned()
            };
            egui::WidgetInfo::labeled(egui::Role::Canvas, true, label)
        });
        ui.advance_cursor_after_rect(rect);
        let mut out = TimelineResponse::default();
        if empty {
            paint_no_spans(ui, rect, input.theme);
            return out;
        }

        let time_rect = Rect::from_min_max(pos2(rect.left() + GUTTER_PX, rect.top()), rect.max);
        let width_px = time_rect.width().max(1.0);
        let resized = (width_px - self.last_width_px).abs() > 0.5;
        self.last_width_px = width_px;
        self.last_time_rect = time_rect;
        let model = input.model;
        if !self.fitted || (self.auto_fit && resized) {
            self.auto_fit = true;
            let (start, end) = self.extent(model);
            self.view = TimelineView::fit(start, end, width_px);
            self.fitted = true;
        }

        let before = self.view;
        self.handle_input(ui, &response, time_rect, input, &mut out);
        if self.view != before && !response.double_clicked() {
            self.auto_fit = false;
        }

        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::ZERO, input.theme.background);
        let grid_slot = painter.add(Shape::Noop);

        let axis_rect = Rect::from_min_size(time_rect.min, vec2(width_px, AXIS_PX));
        let strip_rect = Rect::from_min_size(
            pos2(time_rect.left(), axis_rect.bottom()),
            vec2(width_px, STRIP_PX),
        );
        let lanes_rect = Rect::from_min_max(pos2(rect.left(), strip_rect.bottom() + 4.0), rect.max);

        self.layout_rows(model, lanes_rect);
        self.paint_rows_background(&painter, input, rect, lanes_rect);
        self.compute_items(input, width_px);
        self.paint_bars(&painter, input, time_rect);
        self.paint_concurrency(&painter, input, strip_rect, rect);
        let grid = self.paint_axis(&painter, input, axis_rect, time_rect, rect);
        painter.set(grid_slot, Shape::Vec(grid));
        self.paint_arrows(&painter, input, time_rect);
        if let Some(cursor) = input.cursor_ns {
            self.paint_cursor(&painter, input, cursor, time_rect, strip_rect.top());
        }

        // Hit-testing and the tooltip use this frame's layout.
        if let Some(pointer) = response.hover_pos()
            && lanes_rect.contains(pointer)
            && pointer.x >= time_rect.left()
        {
            let hit = self.hit_test(input.trace, time_rect, pointer);
            if let Some(hit) = hit {
                self.paint_hover(&painter, input, time_rect, hit);
                if hit.count == 1
                    && let Some(span) = Self::span_of(input.trace, hit)
                {
                    out.hovered = Some(span.task);
                    let trace = input.trace;
                    let index = input.index;
                    response.clone().on_hover_ui_at_pointer(|ui| {
                        span_tooltip(ui, trace, index, &span);
                    });
                } else if let Some(first) = Self::span_of(input.trace, hit) {
                    let lines = merged_tooltip(input.trace, &first, &hit.item());
                    response.clone().on_hover_ui_at_pointer(|ui| {
                        for line in lines {
                            ui.label(line);
                        }
                        ui.weak("Click to zoom in");
                    });
                }
            }
            if response.clicked() {
                match hit {
                    Some(item) if item.count > 1 => self.zoom_to(item.start_ns, item.end_ns),
                    Some(item) => {
                        let task = Self::span_of(input.trace, item).map(|s| s.task);
                        out.events.push(TimelineEvent::Select(task));
                    }
                    None => out.events.push(TimelineEvent::Select(None)),
                }
            }
        }
        out
    }

    /// The replay cursor: a line with a handle on the axis, and a veil over the future.
    fn paint_cursor(
        &self,
        painter: &egui::Painter,
        input: &TimelineInput<'_>,
        cursor: u64,
        time_rect: Rect,
        veil_top: f32,
    ) {
        let rect = painter.clip_rect();
        let x = time_rect.left() + self.view.x_from_ns(cursor as f64) as f32;
        // The replay's future is veiled: what has not happened yet at the cursor.
        let future = Rect::from_min_max(
            pos2(x.clamp(time_rect.left(), time_rect.right()), veil_top),
            rect.max,
        );
        if future.width() > 0.0 {
            painter.rect_filled(future, CornerRadius::ZERO, input.theme.future_veil);
        }
        if time_rect.x_range().contains(x) {
            painter.line_segment(
                [pos2(x, rect.top()), pos2(x, rect.bottom())],
                Stroke::new(2.0, input.theme.cursor),
            );
            painter.add(Shape::convex_polygon(
                vec![
                    pos2(x - 5.0, rect.top()),
                    pos2(x + 5.0, rect.top()),
                    pos2(x, rect.top() + 8.0),
                ],
                input.theme.cursor,
                Stroke::NONE,
            ));
        }
    }

    /// Applies zoom, pan, fit and keyboard input to the view, and reports axis seeks.
    fn handle_input(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        time_rect: Rect,
        input: &TimelineInput<'_>,
        out: &mut TimelineResponse,
    ) {
        let width_px = time_rect.width().max(1.0);
        let (extent_start, extent_end) = self.extent(input.model);
        let max_ns_per_px = Self::max_ns_per_px(extent_start, extent_end, width_px);
        let pointer_x = response.hover_pos().map_or(f64::from(width_px) * 0.5, |p| {
            f64::from(p.x - time_rect.left())
        });

        if response.hovered() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            if (zoom - 1.0).abs() > f32::EPSILON {
                self.view
                    .zoom_about(f64::from(zoom), pointer_x, max_ns_per_px);
            }
            let pan = scroll.x + scroll.y;
            if pan != 0.0 {
                self.view.pan_px(f64::from(pan));
            }
        }

        let on_axis = |p: Pos2| p.y < time_rect.top() + AXIS_PX && p.x >= time_rect.left();
        let press_origin = ui.input(|i| i.pointer.press_origin());
        let axis_drag = press_origin.is_some_and(on_axis);
        if response.dragged() && !axis_drag {
            self.view.pan_px(f64::from(response.drag_delta().x));
        }
        if ((response.dragged() && axis_drag)
            || (response.clicked() && response.interact_pointer_pos().is_some_and(on_axis)))
            && let Some(p) = response.interact_pointer_pos()
        {
            let t = self
                .view
                .ns_from_x(f64::from(p.x - time_rect.left()))
                .max(0.0);
            out.events.push(TimelineEvent::Seek(t as u64));
        }
        if response.double_clicked() {
            self.view = TimelineView::fit(extent_start, extent_end, width_px);
            self.auto_fit = true;
        }

        let keys_allowed = input.keyboard && !ui.ctx().egui_wants_keyboard_input();
        if keys_allowed {
            let (w, s, a, d, f) = ui.input(|i| {
                (
                    i.key_pressed(Key::W),
                    i.key_pressed(Key::S),
                    i.key_pressed(Key::A),
                    i.key_pressed(Key::D),
                    i.key_pressed(Key::F),
                )
            });
            if w {
                self.view.zoom_about(KEY_ZOOM, pointer_x, max_ns_per_px);
            }
            if s {
                self.view
                    .zoom_about(1.0 / KEY_ZOOM, pointer_x, max_ns_per_px);
            }
            let pan = f64::from(width_px) * KEY_PAN;
            if a {
                self.view.pan_px(pan);
            }
            if d {
                self.view.pan_px(-pan);
            }
            if f {
                let range = input
                    .highlight
                    .selected()
                    .and_then(|t| input.index.times().range(t));
                match range {
                    Some((s, e)) => self.view = TimelineView::fit(s, e, width_px),
                    None => self.view = TimelineView::fit(extent_start, extent_end, width_px),
                }
            }
        }
        self.view.clamp_to(extent_start, extent_end, width_px);
    }

    /// Places every lane vertically inside `lanes_rect`.
    fn layout_rows(&mut self, model: &TimelineLanes, lanes_rect: Rect) {
        self.rows.clear();
        let show_headers =
            model.groups().len() > 1 || model.groups().first().is_some_and(|g| !g.name.is_empty());
        let headers_px = if show_headers {
            GROUP_HEADER_PX * model.groups().len() as f32
        } else {
            0.0
        };
        let total_depth_rows: u32 = model.rows().iter().map(|r| u32::from(r.depth_rows)).sum();
        let row_px = ((lanes_rect.height() - headers_px) / total_depth_rows.max(1) as f32)
            .clamp(MIN_ROW_PX, MAX_ROW_PX);
        let mut y = lanes_rect.top();
        for group in model.groups() {
            if show_headers {
                y += GROUP_HEADER_PX;
            }
            for row in model.rows().get(group.rows.clone()).unwrap_or(&[]) {
                self.rows.push(RowGeometry {
                    lane: row.lane,
                    top: y,
                    row_px,
                    depth_rows: row.depth_rows.clamp(1, MAX_DEPTH_ROWS),
                });
                y += row_px * f32::from(row.depth_rows);
            }
        }
    }

    /// Lane stripes, lane names and process headers.
    fn paint_rows_background(
        &self,
        painter: &egui::Painter,
        input: &TimelineInput<'_>,
        rect: Rect,
        lanes_rect: Rect,
    ) {
        let theme = input.theme;
        let font = FontId::proportional(11.0);
        for (i, row) in self.rows.iter().enumerate() {
            let band = Rect::from_x_y_ranges(rect.x_range(), row.top..=row.bottom());
            if i % 2 == 1 {
                painter.rect_filled(band, CornerRadius::ZERO, theme.lane_stripe);
            }
            if row.row_px * f32::from(row.depth_rows) >= 9.0
                && let Some(lane) = input.trace.lane(row.lane)
            {
                let name = if lane.name.is_empty() {
                    format!("lane {}", row.lane)
                } else {
                    lane.name.clone()
                };
                let gutter = Rect::from_min_max(
                    pos2(rect.left() + 4.0, row.top),
                    pos2(rect.left() + GUTTER_PX - 4.0, row.bottom()),
                );
                painter.with_clip_rect(gutter).text(
                    pos2(gutter.left(), gutter.center().y),
                    Align2::LEFT_CENTER,
                    name,
                    font.clone(),
                    theme.weak_text,
                );
            }
        }
        let model = input.model;
        let show_headers =
            model.groups().len() > 1 || model.groups().first().is_some_and(|g| !g.name.is_empty());
        if show_headers {
            for group in model.groups() {
                let Some(first) = self.rows.get(group.rows.start) else {
                    continue;
                };
                let header = Rect::from_min_max(
                    pos2(rect.left(), first.top - GROUP_HEADER_PX),
                    pos2(rect.right(), first.top),
                );
                if header.bottom() < lanes_rect.top() {
                    continue;
                }
                painter.rect_filled(header, CornerRadius::ZERO, theme.group_header);
                let name = if group.name.is_empty() {
                    "(no process)"
                } else {
                    &group.name
                };
                painter.text(
                    pos2(header.left() + 4.0, header.center().y),
                    Align2::LEFT_CENTER,
                    name,
                    FontId::proportional(11.0),
                    theme.text,
                );
            }
        }
    }

    /// Computes this frame's bars for every lane (the layout crate's timeline frame).
    fn compute_items(&mut self, input: &TimelineInput<'_>, width_px: f32) {
        let visible = self.view.visible_range(width_px);
        self.frame.compute(
            input.trace,
            input.index,
            input.model,
            visible,
            width_px,
            MERGE_BELOW_PX,
        );
    }

    /// The span behind a single (unmerged) item, from the lane of the row it was computed for.
    fn span_of(trace: &Trace, item: HitItem) -> Option<Span> {
        trace
            .lane_spans(item.lane)
            .get(item.first as usize)
            .copied()
    }

    fn item_x(&self, time_rect: Rect, item: &RenderItem) -> (f32, f32) {
        let clamp = |x: f64| x.clamp(-10.0, f64::from(time_rect.width()) + 10.0) as f32;
        let x0 = time_rect.left() + clamp(self.view.x_from_ns(item.start_ns as f64));
        let x1 = time_rect.left() + clamp(self.view.x_from_ns(item.end_ns as f64));
        (x0, x1.max(x0 + 1.0))
    }

    fn paint_bars(&self, painter: &egui::Painter, input: &TimelineInput<'_>, time_rect: Rect) {
        let mut shapes = Vec::with_capacity(self.frame.items.len());
        let mut labels = Vec::new();
        let theme = input.theme;
        let trace = input.trace;
        let hl = input.highlight;
        let font = FontId::proportional(LABEL_FONT_PX);
        let clip = painter.with_clip_rect(Rect::from_x_y_ranges(
            time_rect.x_range(),
            painter.clip_rect().y_range(),
        ));
        for (r, row) in self.rows.iter().enumerate() {
            let spans = trace.lane_spans(row.lane);
            for item in self.frame.row(r) {
                let Some(first) = spans.get(item.first as usize) else {
                    continue;
                };
                let task = first.task;
                let (x0, x1) = self.item_x(time_rect, item);
                let bar = row.depth_rect(item.depth, x0, x1);
                let fill = bar_fill(item);
                let mut color = rgb(fill);
                let faded = !hl.is_lit(task)
                    || (input.show_critical && !hl.has_selection() && !hl.is_critical(task));
                if faded {
                    color = theme.dimmed(color);
                }
                shapes.push(Shape::rect_filled(bar, CornerRadius::ZERO, color));
                if bar_style(item, first) == BarStyle::Hatched {
                    let hatch = rgb(taskscope_layout::theme::TRANSFER_HATCH);
                    let hatch = if faded { theme.dimmed(hatch) } else { hatch };
                    hatch_shapes(
                        bar.intersect(time_rect.expand2(vec2(0.0, 1e4))),
                        hatch,
                        &mut shapes,
                    );
                }
                if item.is_merged() {
                    continue;
                }
                let outline = if hl.is_selected(task) {
                    Some(Stroke::new(2.0, theme.selected))
                } else if input.show_critical && hl.is_critical(task) {
                    Some(Stroke::new(2.0, theme.critical))
                } else if hl.is_ancestor(task) {
                    Some(Stroke::new(1.5, theme.ancestor))
                } else if hl.is_descendant(task) {
                    Some(Stroke::new(1.5, theme.descendant))
                } else if hl.is_match(task) {
                    Some(Stroke::new(1.5, theme.cursor))
                } else {
                    None
                };
                if let Some(stroke) = outline {
                    shapes.push(Shape::rect_stroke(
                        bar,
                        CornerRadius::ZERO,
                        stroke,
                        StrokeKind::Inside,
                    ));
                }
                if bar.height() >= LABEL_FONT_PX
                    && let Some(name) = bar_label(
                        trace,
                        first,
                        f64::from(bar.width()),
                        f64::from(LABEL_FONT_PX),
                    )
                {
                    let visible_bar = bar.intersect(time_rect);
                    let text_color = if faded {
                        theme.dimmed(rgb(fill.text_color()))
                    } else {
                        rgb(fill.text_color())
                    };
                    labels.push((visible_bar, bar.center().y, name, text_color));
                }
            }
        }
        painter.extend(shapes);
        // Labels after the bars, so no bar paints over them.
        for (visible_bar, y, name, color) in labels {
            clip.with_clip_rect(visible_bar.shrink2(vec2(3.0, 0.0)))
                .text(
                    pos2(visible_bar.left() + 3.0, y),
                    Align2::LEFT_CENTER,
                    name,
                    font.clone(),
                    color,
                );
        }
    }

    fn paint_concurrency(
        &mut self,
        painter: &egui::Painter,
        input: &TimelineInput<'_>,
        strip_rect: Rect,
        rect: Rect,
    ) {
        let theme = input.theme;
        let profile = &input.index.concurrency().steps;
        let workers = input.model.workers();
        let scale = profile.peak().max(workers).max(1) as f32;
        let columns = strip_rect.width().max(0.0) as usize;
        profile.column_max(
            self.view.start_ns,
            self.view.ns_per_px,
            columns,
            &mut self.columns,
        );
        let h = strip_rect.height() - 4.0;
        let mut shapes = Vec::with_capacity(columns);
        let mut run_start = 0usize;
        // Equal neighbouring columns become one rectangle.
        for c in 1..=self.columns.len() {
            let prev = self.columns.get(c - 1).copied().unwrap_or(0);
            if self.columns.get(c) == Some(&prev) {
                continue;
            }
            if prev > 0 {
                let top = strip_rect.bottom() - h * prev as f32 / scale;
                shapes.push(Shape::rect_filled(
                    Rect::from_min_max(
                        pos2(strip_rect.left() + run_start as f32, top),
                        pos2(strip_rect.left() + c as f32, strip_rect.bottom()),
                    ),
                    CornerRadius::ZERO,
                    theme.concurrency,
                ));
            }
            run_start = c;
        }
        painter.extend(shapes);
        if workers > 0 {
            let y = strip_rect.bottom() - h * workers as f32 / scale;
            painter.line_segment(
                [pos2(strip_rect.left(), y), pos2(strip_rect.right(), y)],
                Stroke::new(1.0, theme.worker_line),
            );
        }
        let label = Rect::from_min_max(
            pos2(rect.left() + 4.0, strip_rect.top()),
            pos2(rect.left() + GUTTER_PX, strip_rect.bottom()),
        );
        painter.text(
            pos2(label.left(), label.center().y - 7.0),
            Align2::LEFT_CENTER,
            input.model.concurrency_label(),
            FontId::proportional(11.0),
            theme.weak_text,
        );
        painter.text(
            pos2(label.left(), label.center().y + 7.0),
            Align2::LEFT_CENTER,
            input.model.concurrency_caption(profile.peak()),
            FontId::proportional(10.0),
            theme.worker_line,
        );
    }

    /// Paints the tick labels; returns the grid lines to paint behind everything.
    fn paint_axis(
        &self,
        painter: &egui::Painter,
        input: &TimelineInput<'_>,
        axis_rect: Rect,
        time_rect: Rect,
        rect: Rect,
    ) -> Vec<Shape> {
        let theme = input.theme;
        let step = tick_step_ns(self.view.ns_per_px, 90.0);
        let origin = input.model.start_ns() as f64;
        let start = self.view.start_ns - origin;
        let end = self.view.end_ns(time_rect.width()) - origin;
        let mut grid = Vec::new();
        for t in ticks(start, end, step) {
            let x = time_rect.left() + self.view.x_from_ns(t + origin) as f32;
            grid.push(Shape::line_segment(
                [pos2(x, axis_rect.bottom()), pos2(x, rect.bottom())],
                Stroke::new(1.0, theme.grid),
            ));
            if x > time_rect.right() - 40.0 {
                continue; // no room for a label that would be cut off
            }
            painter.text(
                pos2(x + 3.0, axis_rect.center().y),
                Align2::LEFT_CENTER,
                format_tick(t, step),
                FontId::proportional(11.0),
                theme.weak_text,
            );
        }
        painter.line_segment(
            [
                pos2(rect.left(), axis_rect.bottom()),
                pos2(rect.right(), axis_rect.bottom()),
            ],
            Stroke::new(1.0, theme.grid),
        );
        grid
    }

    /// The (centre-left or centre-right) point of a span's bar.
    fn span_anchor(
        &self,
        input: &TimelineInput<'_>,
        time_rect: Rect,
        span: SpanId,
        at_end: bool,
    ) -> Option<Pos2> {
        let s = input.trace.span(span)?;
        let row = self.rows.get(input.model.row_of(s.lane)?)?;
        let t = if at_end { s.end_ns } else { s.start_ns };
        let x = time_rect.left() + self.view.x_from_ns(t as f64).clamp(-1e4, 1e5) as f32;
        let r = row.depth_rect(s.depth, x, x);
        Some(pos2(x, r.center().y))
    }

    /// Arrows from each input's last span to the task's first span, and from it to its users.
    fn arrows_of(
        &self,
        input: &TimelineInput<'_>,
        time_rect: Rect,
        task: TaskId,
        outputs: bool,
        out: &mut Vec<(Pos2, Pos2)>,
    ) {
        let trace = input.trace;
        let index = input.index;
        if let Some(first) = index.first_span(trace, task)
            && let Some(to) = self.span_anchor(input, time_rect, first, false)
        {
            for &dep in trace.graph().deps(task) {
                if let Some(from) = index
                    .last_span(trace, dep)
                    .and_then(|s| self.span_anchor(input, time_rect, s, true))
                {
                    out.push((from, to));
                }
            }
        }
        if outputs
            && let Some(last) = index.last_span(trace, task)
            && let Some(from) = self.span_anchor(input, time_rect, last, true)
        {
            for &user in index.dependents().users(task) {
                if let Some(to) = index
                    .first_span(trace, user)
                    .and_then(|s| self.span_anchor(input, time_rect, s, false))
                {
                    out.push((from, to));
                }
            }
        }
    }

    fn paint_arrows(&self, painter: &egui::Painter, input: &TimelineInput<'_>, time_rect: Rect) {
        let mut arrows = Vec::new();
        if input.show_all_arrows {
            'rows: for (r, row) in self.rows.iter().enumerate() {
                let spans = input.trace.lane_spans(row.lane);
                for item in self.frame.row(r) {
                    if item.is_merged() {
                        continue;
                    }
                    if let Some(span) = spans.get(item.first as usize) {
                        self.arrows_of(input, time_rect, span.task, false, &mut arrows);
                    }
                    if arrows.len() >= MAX_ARROWS {
                        break 'rows;
                    }
                }
            }
        }
        if let Some(task) = input.highlight.selected() {
            self.arrows_of(input, time_rect, task, true, &mut arrows);
        }
        let painter = painter.with_clip_rect(time_rect);
        let stroke = Stroke::new(1.5, input.theme.arrow);
        for (from, to) in arrows {
            arrow(&painter, from, to, stroke);
        }
        self.paint_transfer_arrows(&painter, input, time_rect);
    }

    /// Arrows from the worker that held the data to each visible transfer (the layout
    /// crate decides their ends).
    fn paint_transfer_arrows(
        &self,
        painter: &egui::Painter,
        input: &TimelineInput<'_>,
        time_rect: Rect,
    ) {
        let width_px = time_rect.width();
        let visible = self.view.visible_range(width_px);
        let x = |ns: u64| time_rect.left() + self.view.x_from_ns(ns as f64).clamp(-1e4, 1e5) as f32;
        let stroke = Stroke::new(1.5, rgb(taskscope_layout::theme::TRANSFER_ARROW));
        for a in transfer_arrows(input.trace, input.index, visible, MAX_TRANSFER_ARROWS) {
            let Some(to) = self.span_anchor(input, time_rect, a.span, false) else {
                continue;
            };
            let Some(row) = input
                .model
                .row_of(a.from_lane)
                .and_then(|r| self.rows.get(r))
            else {
                continue;
            };
            let from_x = x(a.from_ns);
            let from = pos2(
                from_x,
                row.depth_rect(a.from_depth, from_x, from_x).center().y,
            );
            arrow(painter, from, to, stroke);
        }
    }

    fn paint_hover(
        &self,
        painter: &egui::Painter,
        input: &TimelineInput<'_>,
        time_rect: Rect,
        hit: HitItem,
    ) {
        let Some(row) = self.rows.get(hit.row) else {
            return;
        };
        let (x0, x1) = self.item_x(time_rect, &hit.item());
        painter.rect_stroke(
            row.depth_rect(hit.depth, x0, x1).expand(1.0),
            CornerRadius::ZERO,
            Stroke::new(1.0, input.theme.text),
            StrokeKind::Outside,
        );
    }

    /// The item under `pointer`, from this frame's items.
    fn hit_test(&self, trace: &Trace, time_rect: Rect, pointer: Pos2) -> Option<HitItem> {
        let row_index = self
            .rows
            .iter()
            .position(|r| pointer.y >= r.top && pointer.y < r.bottom())?;
        let row = self.rows.get(row_index)?;
        let depth = ((pointer.y - row.top) / row.row_px).floor().max(0.0) as u16;
        let items = self.frame.row(row_index);
        // Prefer the item under the pointer; within 3 px, the nearest one.
        let mut best: Option<(f32, &RenderItem)> = None;
        for item in items
            .iter()
            .filter(|i| i.depth == depth.min(row.depth_rows - 1))
        {
            let (x0, x1) = self.item_x(time_rect, item);
            let distance = if pointer.x < x0 {
                x0 - pointer.x
            } else if pointer.x > x1 {
                pointer.x - x1
            } else {
                0.0
            };
            if distance <= 3.0 && best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, item));
            }
        }
        let (_, item) = best?;
        let _ = trace;
        Some(HitItem {
            row: row_index,
            lane: row.lane,
            start_ns: item.start_ns,
            end_ns: item.end_ns,
            first: item.first,
            count: item.count,
            depth: item.depth,
            mixed: item.mixed,
        })
    }
}

/// An item found by hit-testing, with the lane it belongs to.
#[derive(Clone, Copy, Debug)]
struct HitItem {
    row: usize,
    lane: LaneId,
    start_ns: u64,
    end_ns: u64,
    first: u32,
    count: u32,
    depth: u16,
    mixed: bool,
}

impl HitItem {
    /// The bar it was found on.
    fn item(&self) -> RenderItem {
        RenderItem {
            start_ns: self.start_ns,
            end_ns: self.end_ns,
            first: self.first,
            count: self.count,
            depth: self.depth,
            mixed: self.mixed,
            key: 0,
        }
    }
}

/// The hatch lines of a bar (the layout crate decides them), as shapes.
fn hatch_shapes(bar: Rect, color: Color32, shapes: &mut Vec<Shape>) {
    let stroke = Stroke::new(1.0, color);
    for [a, b] in hatch_lines(
        (f64::from(bar.left()), f64::from(bar.top())),
        (f64::from(bar.right()), f64::from(bar.bottom())),
        HATCH_SPACING_PX,
    ) {
        shapes.push(Shape::line_segment(
            [pos2(a.0 as f32, a.1 as f32), pos2(b.0 as f32, b.1 as f32)],
            stroke,
        ));
    }
}

/// A straight arrow with a small head at `to`.
pub(crate) fn arrow(painter: &egui::Painter, from: Pos2, to: Pos2, stroke: Stroke) {
    let v: Vec2 = to - from;
    if v.length() < 1.0 {
        return;
    }
    painter.line_segment([from, to], stroke);
    let dir = v.normalized();
    let normal = vec2(-dir.y, dir.x);
    let head = 7.0;
    painter.add(Shape::convex_polygon(
        vec![
            to,
            to - dir * head + normal * head * 0.45,
            to - dir * head - normal * head * 0.45,
        ],
        stroke.color,
        Stroke::NONE,
    ));
}

/// The hover text of one span: the lines an exported timeline carries
/// ([`taskscope_layout::span_tooltip`]), then its kind, state, neighbours.
pub fn span_tooltip(ui: &mut Ui, trace: &Trace, index: &TraceIndex, span: &Span) {
    let graph = trace.graph();
    let task = span.task;
    let lines = tooltip_lines(trace, span);
    for (k, line) in lines.iter().enumerate() {
        match k {
            0 => {
                ui.strong(line);
            }
            1 if graph.key(task) == Some(line.as_str()) => {
                ui.monospace(line);
            }
            _ => {
                ui.label(line);
            }
        }
    }
    ui.label(format!("kind: {}", span.kind.as_str()));
    if index.times().is_unfinished(task) {
        // A slice begun and never ended: the task had not finished where the trace ends.
        ui.label("state: running at the end of the trace, not finished");
    } else if let Some(state) = graph.state(task)
        && state != taskscope_trace::TaskState::Done
    {
        ui.label(format!("state: {}", state.as_str()));
    }
    let names = |tasks: &[TaskId]| {
        let mut s = tasks
            .iter()
            .take(4)
            .map(|t| graph.name(*t).unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(", ");
        if tasks.len() > 4 {
            s.push_str(", …");
        }
        s
    };
    let deps = graph.deps(task);
    let users = index.dependents().users(task);
    ui.label(format!("inputs ({}): {}", deps.len(), names(deps)));
    ui.label(format!("outputs ({}): {}", users.len(), names(users)));
    if span.unclosed {
        ui.weak("its end is not in the file: drawn to the end of the trace");
    }
}
