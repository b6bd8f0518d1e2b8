//! The graph view: the task graph as Dask's `visualize()` draws it — tasks as
//! circles and ellipses, their results as boxes, big graphs as groups of tasks —
//! with pan, zoom, linked selection, replay states and groups that expand on click.
//!
//! It paints a [`layout::GraphLayout`]: a drawing that `taskscope_layout` decided
//! ([`taskscope_layout::graph_drawing`], run on a background thread by the app),
//! converted to view coordinates. Node fills come from the scene
//! ([`taskscope_layout::GraphScene::paint`]) and tooltips from
//! [`taskscope_layout::task_tooltip`], so the view shows what an export draws;
//! the view adds only what depends on its state (selection lights, replay states,
//! dimming). Culling is the pure [`cull`] module, group lights the pure
//! [`groups`] module. Like the timeline it owns only its view state and reports
//! what the user did as [`GraphEvent`]s: it never lays out or expands anything itself.

pub mod cull;
pub mod groups;
pub mod layout;

use egui::{
    Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Ui, Vec2,
    vec2,
};
use taskscope_layout::{ColorBy, Paint, group_tooltip, task_tooltip};
use taskscope_layout::{Opening, open_group};
use taskscope_trace::index::{GroupInfo, RunState, SPLIT_PARTS};
use taskscope_trace::{TaskId, Trace, TraceIndex};

use crate::selection::Highlight;
use crate::theme::{Theme, rgb};
use groups::{NodeLight, group_lights};
use layout::{GraphLayout, NodeBox, NodeKind, NodeShape};
use taskscope_trace::analysis::format_duration_ns as format_ns;

/// Smallest zoom (points per layout unit).
pub const MIN_ZOOM: f32 = 0.001;
/// Largest zoom.
pub const MAX_ZOOM: f32 = 8.0;
/// Boxes at least this wide on screen get a label.
pub const LABEL_MIN_PX: f32 = 34.0;
/// With more visible nodes than this, the view draws a density map instead of boxes and edges.
pub const DENSE_NODES: usize = 20_000;
/// Cell size of the density map, in points.
pub const DENSE_CELL_PX: f32 = 3.0;

/// How nodes are coloured: the view's choices among the scene's [`ColorBy`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NodeColoring {
    /// By task name (the same colours as the timeline); failed tasks in red.
    #[default]
    Name,
    /// By duration, in the scene's six bins from short to long.
    Duration,
    /// By the lane (worker) the task ran on.
    Lane,
}

impl NodeColoring {
    /// Every choice, for a menu.
    pub const ALL: [Self; 3] = [Self::Name, Self::Duration, Self::Lane];

    /// The scene colouring it shows (also what an exported picture uses).
    pub fn color_by(self) -> ColorBy {
        match self {
            Self::Name => ColorBy::Name,
            Self::Duration => ColorBy::Duration,
            Self::Lane => ColorBy::Lane,
        }
    }

    /// A short word for menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Duration => "duration",
            Self::Lane => "worker",
        }
    }
}

/// What the graph view reads each frame.
pub struct GraphInput<'a> {
    /// The trace.
    pub trace: &'a Trace,
    /// Its shared index.
    pub index: &'a TraceIndex,
    /// The drawing.
    pub layout: &'a GraphLayout,
    /// Selection, critical path, search matches.
    pub highlight: &'a Highlight,
    /// Colours.
    pub theme: &'a Theme,
    /// How to colour nodes.
    pub coloring: NodeColoring,
    /// The replay time: nodes show waiting / running / done / failed at it.
    pub replay_ns: Option<u64>,
    /// Whether the run is still going (a file being followed): tasks that have not run
    /// yet are waiting, not "not run" ([`RunState::while_going`]).
    pub live: bool,
    /// Whether the critical path is shown.
    pub show_critical: bool,
}

impl GraphInput<'_> {
    /// `task`'s state at `t_ns` as the view shows it (see [`GraphInput::live`]).
    fn task_state(&self, task: TaskId, t_ns: u64) -> RunState {
        let state = self.index.times().state_at(task, t_ns);
        if self.live {
            state.while_going()
        } else {
            state
        }
    }

    /// A group's state at `t_ns` as the view shows it (see [`GraphInput::live`]).
    fn group_state(&self, info: &GroupInfo, t_ns: u64) -> RunState {
        if self.live {
            info.state_while_going_at(t_ns)
        } else {
            info.state_at(t_ns)
        }
    }
}

/// Something the user did in the graph view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphEvent {
    /// Select this task (or clear the selection): a click on a task or its output box.
    Select(Option<TaskId>),
    /// Draw this group (or part) task by task: a click on a collapsed group whose
    /// tasks fit the drawing ([`taskscope_layout::open_group`]).
    Expand(String),
    /// Cut this group (or part) into parts: a click on a collapsed group too big
    /// to draw task by task, or its context menu.
    Split(String),
    /// Make this key-prefix group whole again, collapsed (from the context menu
    /// of one of its parts or of their tasks).
    Merge(String),
    /// Collapse this expanded group again (from the context menu of one of its tasks).
    Collapse(String),
    /// Collapse every expanded group (from the context menu).
    CollapseAll,
}

/// What one frame of the graph view reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphResponse {
    /// Events to apply, in order.
    pub events: Vec<GraphEvent>,
    /// The task under the pointer.
    pub hovered: Option<TaskId>,
    /// The node under the pointer (an index into [`GraphLayout::nodes`]).
    pub hovered_node: Option<u32>,
}

/// The graph view's state: the layout point at the canvas centre and the zoom.
#[derive(Clone, Debug)]
pub struct GraphView {
    /// Layout point shown at the centre of the canvas.
    pub center: Pos2,
    /// Points per layout unit.
    pub zoom: f32,
    fitted: bool,
    last_rect: Rect,
    nodes: Vec<u32>,
    edges: Vec<u32>,
    dense: bool,
    /// The node whose context menu is open.
    context_node: Option<u32>,
    /// Lights of the groups, for the drawing and highlight revision in `lights_key`.
    group_lights: Vec<NodeLight>,
    lights_key: Option<(u64, u64)>,
    /// The scene's fills for the drawing and colouring in `paint_key`.
    paint: Paint,
    paint_key: Option<(u64, NodeColoring)>,
}

impl Default for GraphView {
    fn default() -> Self {
        Self {
            center: Pos2::ZERO,
            zoom: 1.0,
            fitted: false,
            last_rect: Rect::ZERO,
            nodes: Vec::new(),
            edges: Vec::new(),
            dense: false,
            context_node: None,
            group_lights: Vec::new(),
            lights_key: None,
            paint: Paint::default(),
            paint_key: None,
        }
    }
}

impl GraphView {
    /// A view that fits the whole graph on its first frame.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fits the whole graph on the next frame.
    pub fn request_fit(&mut self) {
        self.fitted = false;
    }

    /// Zooms and centres to show `bounds` in a canvas of `size`.
    pub fn fit(&mut self, bounds: Rect, size: Vec2) {
        let margin = 20.0;
        let zx = (size.x - 2.0 * margin).max(10.0) / bounds.width().max(1.0);
        let zy = (size.y - 2.0 * margin).max(10.0) / bounds.height().max(1.0);
        self.zoom = zx.min(zy).clamp(MIN_ZOOM, 1.5);
        self.center = bounds.center();
        self.fitted = true;
    }

    /// The screen position of a layout point, for a canvas `rect`.
    pub fn to_screen(&self, rect: Rect, p: Pos2) -> Pos2 {
        rect.center() + (p - self.center) * self.zoom
    }

    /// The layout point under a screen position.
    pub fn to_layout(&self, rect: Rect, p: Pos2) -> Pos2 {
        self.center + (p - rect.center()) / self.zoom
    }

    /// The visible layout rectangle of a canvas `rect`.
    pub fn visible_layout_rect(&self, rect: Rect) -> Rect {
        Rect::from_min_max(
            self.to_layout(rect, rect.min),
            self.to_layout(rect, rect.max),
        )
    }

    /// The visible layout rectangle in the last frame.
    pub fn last_visible_layout_rect(&self) -> Rect {
        self.visible_layout_rect(self.last_rect)
    }

    /// Zooms by `factor` keeping the layout point under `anchor` (screen) fixed.
    pub fn zoom_about(&mut self, rect: Rect, factor: f32, anchor: Pos2) {
        let before = self.to_layout(rect, anchor);
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let after = self.to_layout(rect, anchor);
        self.center += before - after;
    }

    /// Centres on the node showing `task` (its own, or its collapsed group's) if it
    /// is not fully visible.
    pub fn reveal_task(&mut self, layout: &GraphLayout, task: TaskId) {
        if let Some(node) = layout.shown_node(task)
            && !self.last_visible_layout_rect().contains_rect(node.rect)
        {
            self.center = node.rect.center();
        }
    }

    /// Zooms and centres to show `bounds` (layout units) in the last frame's canvas,
    /// or fits the whole drawing on the next frame if nothing was drawn yet.
    pub fn fit_bounds(&mut self, bounds: Rect) {
        if self.last_rect.width() > 1.0 && self.last_rect.height() > 1.0 && bounds.is_positive() {
            self.fit(bounds, self.last_rect.size());
        } else {
            self.request_fit();
        }
    }

    /// Where the node showing `task` (its own, or its collapsed group's) was drawn in
    /// the last frame, in screen points.
    pub fn node_screen_rect(&self, layout: &GraphLayout, task: TaskId) -> Option<Rect> {
        let node = layout.shown_node(task)?;
        Some(self.screen_rect_of(node))
    }

    /// Where the collapsed group `name` was drawn in the last frame, in screen points.
    pub fn group_screen_rect(&self, layout: &GraphLayout, name: &str) -> Option<Rect> {
        Some(self.screen_rect_of(layout.group_node(name)?))
    }

    /// The canvas of the last frame, in screen points.
    pub fn canvas_rect(&self) -> Rect {
        self.last_rect
    }

    fn screen_rect_of(&self, node: &NodeBox) -> Rect {
        self.screen_rect_of_in(self.last_rect, node)
    }

    /// Whether the last frame drew the density map (too many nodes in view for boxes).
    pub fn is_dense(&self) -> bool {
        self.dense
    }

    /// The lights of the groups the last frame was painted with (by group number;
    /// empty when no group is drawn collapsed).
    pub fn group_lights(&self) -> &[NodeLight] {
        &self.group_lights
    }

    /// How many nodes were visible (culled in) in the last frame.
    pub fn visible_node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Shows the graph in all of `ui`'s available space.
    pub fn ui(&mut self, ui: &mut Ui, input: &GraphInput<'_>) -> GraphResponse {
        let rect = ui.available_rect_before_wrap();
        let id = ui.make_persistent_id("taskscope_graph_view");
        let response = ui.interact(rect, id, Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Task graph"));
        ui.advance_cursor_after_rect(rect);
        self.last_rect = rect;
        let mut out = GraphResponse::default();
        if !self.fitted || self.zoom <= 0.0 {
            self.fit(input.layout.bounds(), rect.size());
        }

        // Input: drag and wheel pan, ctrl+wheel zoom about the pointer, double-click fits.
        if response.hovered() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            if (zoom - 1.0).abs() > f32::EPSILON {
                let anchor = response.hover_pos().unwrap_or(rect.center());
                self.zoom_about(rect, zoom, anchor);
            }
            self.center -= scroll / self.zoom;
        }
        if response.dragged() {
            self.center -= response.drag_delta() / self.zoom;
        }
        if response.double_clicked() {
            self.fit(input.layout.bounds(), rect.size());
        }

        let visible = self.visible_layout_rect(rect);
        self.nodes.clear();
        self.edges.clear();
        cull::visible_nodes(input.layout.nodes(), visible, &mut self.nodes);
        cull::visible_edges(input.layout.edge_bounds(), visible, &mut self.edges);
        self.update_caches(input);

        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::ZERO, input.theme.background);
        self.dense = self.nodes.len() > DENSE_NODES;
        if self.dense {
            self.paint_dense(&painter, input, rect);
        } else {
            self.paint_edges(&painter, input, rect);
            self.paint_nodes(&painter, input, rect);
        }

        // The density map draws no node: nothing to hover, point at or click, and
        // hit-testing would scan every visible node (up to millions) each frame.
        let hovered = if self.dense {
            None
        } else {
            response
                .hover_pos()
                .and_then(|p| self.hit_test(input.layout, rect, p))
        };
        out.hovered_node = hovered;
        if let Some(node) = hovered.and_then(|i| input.layout.nodes().get(i as usize)) {
            out.hovered = node.task();
            let r = self.screen_rect_of(node).expand(2.0);
            painter.add(outline(
                node.shape,
                r,
                Stroke::new(1.0, input.theme.text),
                CornerRadius::same(3),
            ));
            response.clone().on_hover_ui_at_pointer(|ui| {
                node_tooltip(ui, input, node);
            });
        }
        if response.clicked() && !self.dense {
            let node = hovered.and_then(|i| input.layout.nodes().get(i as usize));
            out.events.push(match node.map(|n| n.kind) {
                Some(NodeKind::Group(g)) => match group_info(input.layout, g) {
                    Some(info) => open_event(input.layout, &info.name),
                    None => GraphEvent::Select(None),
                },
                Some(NodeKind::Task(t) | NodeKind::Output(t)) => GraphEvent::Select(Some(t)),
                None => GraphEvent::Select(None),
            });
        }
        if response.secondary_clicked() {
            self.context_node = hovered;
        }
        // Only grouped drawings have something to expand or collapse.
        if input.layout.groups().is_some() {
            let context_node = self.context_node;
            response.context_menu(|ui| {
                context_menu(ui, input.layout, context_node, &mut out.events);
            });
        }
        out
    }

    /// Recomputes what depends on the drawing and the highlight, when they changed.
    fn update_caches(&mut self, input: &GraphInput<'_>) {
        let layout = input.layout;
        if self.paint_key.is_none_or(|(id, _)| id != layout.id()) {
            // A new drawing: node indices of the old one mean nothing now.
            self.context_node = None;
        }
        if self.paint_key != Some((layout.id(), input.coloring)) {
            self.paint = layout.scene().paint(input.coloring.color_by());
            self.paint_key = Some((layout.id(), input.coloring));
        }
        let key = (layout.id(), input.highlight.revision());
        if self.lights_key != Some(key) {
            match layout.groups() {
                Some(groups) if layout.has_collapsed_groups() => {
                    group_lights(groups, input.highlight, &mut self.group_lights);
                }
                _ => self.group_lights.clear(),
            }
            self.lights_key = Some(key);
        }
    }

    /// How node `node` is lit.
    fn light(&self, highlight: &Highlight, node: &NodeBox) -> NodeLight {
        match node.kind {
            NodeKind::Task(t) | NodeKind::Output(t) => NodeLight::of_task(highlight, t),
            NodeKind::Group(g) => self
                .group_lights
                .get(g as usize)
                .copied()
                .unwrap_or_default(),
        }
    }

    /// The fill of node `i`: the scene's, under the replay's state at the cursor
    /// (an output box stays neutral until the replay shows its task's state).
    fn fill(&self, input: &GraphInput<'_>, i: u32, node: &NodeBox) -> Color32 {
        let theme = input.theme;
        let scene_fill = |i: usize| rgb(self.paint.fill(i));
        match node.kind {
            NodeKind::Task(t) => replay_color(
                theme,
                scene_fill(i as usize),
                input.replay_ns.map(|c| input.task_state(t, c)),
            ),
            NodeKind::Output(t) => match input.replay_ns {
                Some(c) => {
                    let base = input
                        .layout
                        .node_index_of(t)
                        .map_or(theme.not_run, |n| scene_fill(n as usize));
                    replay_color(theme, base, Some(input.task_state(t, c)))
                }
                None => theme.group_header,
            },
            NodeKind::Group(g) => group_info(input.layout, g).map_or(theme.not_run, |info| {
                replay_color(
                    theme,
                    scene_fill(i as usize),
                    input.replay_ns.map(|c| input.group_state(info, c)),
                )
            }),
        }
    }

    fn paint_nodes(&self, painter: &egui::Painter, input: &GraphInput<'_>, rect: Rect) {
        let theme = input.theme;
        let hl = input.highlight;
        let mut shapes = Vec::with_capacity(self.nodes.len() * 2);
        let mut labels = Vec::new();
        for &i in &self.nodes {
            let Some(node) = input.layout.nodes().get(i as usize) else {
                continue;
            };
            let mut r = self.screen_rect_of_in(rect, node);
            if r.width() < 2.0 || r.height() < 2.0 {
                r = Rect::from_center_size(r.center(), r.size().max(vec2(2.0, 2.0)));
            }
            let light = self.light(hl, node);
            let faded = !light.lit(hl.has_selection())
                || (input.show_critical && !hl.has_selection() && !light.critical());
            let mut color = self.fill(input, i, node);
            if faded {
                color = theme.dimmed(color);
            }
            // Outlines thin out with the nodes, so small nodes keep their fill colour.
            let w = (r.height() / 10.0).clamp(0.75, 2.0);
            let lit_outline = if light.selected() {
                Some(Stroke::new(w * 1.25, theme.selected))
            } else if input.show_critical && light.critical() {
                Some(Stroke::new(w, theme.critical))
            } else if light.ancestor() {
                Some(Stroke::new(w, theme.ancestor))
            } else if light.descendant() {
                Some(Stroke::new(w, theme.descendant))
            } else if light.matched() {
                Some(Stroke::new(w, theme.cursor))
            } else {
                None
            };
            let tiny = r.width() < 5.0 || r.height() < 5.0;
            if tiny {
                // Level of detail: a dot is a dot, whatever its shape.
                shapes.push(Shape::rect_filled(r, CornerRadius::ZERO, color));
            } else {
                let plain = Stroke::new(
                    0.75,
                    if faded {
                        theme.dimmed(theme.edge)
                    } else {
                        theme.edge
                    },
                );
                if matches!(node.kind, NodeKind::Group(_)) {
                    // A stack of cards: one more outline behind the group.
                    let back = r.translate(vec2(4.0, -4.0));
                    shapes.push(fill_shape(node.shape, back, theme.dimmed(color)));
                    shapes.push(outline(node.shape, back, plain, CornerRadius::same(2)));
                }
                shapes.push(fill_shape(node.shape, r, color));
                if lit_outline.is_none() && !matches!(node.kind, NodeKind::Task(_)) {
                    shapes.push(outline(node.shape, r, plain, CornerRadius::same(2)));
                }
            }
            if let Some(stroke) = lit_outline {
                shapes.push(outline(node.shape, r, stroke, CornerRadius::same(2)));
            }
            if r.width() >= LABEL_MIN_PX && r.height() >= 12.0 {
                labels.push((r, i, faded));
            }
        }
        painter.extend(shapes);
        self.paint_labels(painter, input, &labels);
    }

    /// Label lines centred in each node `(screen rect, node, faded)`.
    fn paint_labels(
        &self,
        painter: &egui::Painter,
        input: &GraphInput<'_>,
        labels: &[(Rect, u32, bool)],
    ) {
        let theme = input.theme;
        // Scene nodes are sized for their font size at zoom 1; smaller would not fit.
        let size = (input.layout.scene().font_size as f32 * self.zoom).min(16.0);
        if size < 7.0 {
            return;
        }
        let font = FontId::proportional(size);
        for &(r, i, faded) in labels {
            let Some(node) = input.layout.nodes().get(i as usize) else {
                continue;
            };
            let color = if faded {
                theme.dimmed(theme.text_on_bar)
            } else {
                theme.text_on_bar
            };
            let mut lines: Vec<String> = input.layout.label(i as usize).to_vec();
            if let (NodeKind::Group(g), Some(t)) = (node.kind, input.replay_ns)
                && let Some(info) = group_info(input.layout, g)
            {
                lines.push(format!("{} / {} done", info.done_at(t), info.tasks));
            }
            if lines.is_empty() {
                continue;
            }
            let line_h = font.size * 1.2;
            let top = r.center().y - line_h * (lines.len() as f32 - 1.0) * 0.5;
            let clipped = painter.with_clip_rect(r.intersect(painter.clip_rect()));
            for (k, line) in lines.iter().enumerate() {
                clipped.text(
                    egui::pos2(r.center().x, top + line_h * k as f32),
                    Align2::CENTER_CENTER,
                    line,
                    font.clone(),
                    color,
                );
            }
        }
    }

    fn paint_edges(&self, painter: &egui::Painter, input: &GraphInput<'_>, rect: Rect) {
        let theme = input.theme;
        let hl = input.highlight;
        let nodes = input.layout.nodes();
        let width = (1.2 * self.zoom.sqrt()).clamp(0.5, 2.0);
        let heads = self.zoom >= 0.35;
        for &i in &self.edges {
            let Some(edge) = input.layout.edges().get(i as usize) else {
                continue;
            };
            let (Some(from), Some(to)) =
                (nodes.get(edge.from as usize), nodes.get(edge.to as usize))
            else {
                continue;
            };
            let (lf, lt) = (self.light(hl, from), self.light(hl, to));
            let lit_path = hl.has_selection() && ((lf.up() && lt.up()) || (lf.down() && lt.down()));
            let critical = input.show_critical && lf.critical() && lt.critical();
            let color = if lit_path {
                theme.arrow
            } else if critical && !hl.has_selection() {
                theme.critical
            } else if hl.has_selection() || input.show_critical {
                theme.dimmed(theme.edge)
            } else {
                theme.edge
            };
            let points = screen_polyline(&edge.points, |p| self.to_screen(rect, p));
            // An edge between groups thickens with the dependencies it stands for.
            let weight = 1.0 + (edge.count.max(1) as f32).log10().min(3.0) * 0.5;
            let stroke = Stroke::new(if lit_path { width * 1.5 } else { width } * weight, color);
            if heads && let [.., a, b] = points.as_slice() {
                let dir = (*b - *a).normalized();
                let normal = vec2(-dir.y, dir.x);
                let head = (7.0 * self.zoom.sqrt()).clamp(4.0, 10.0);
                painter.add(Shape::convex_polygon(
                    vec![
                        *b,
                        *b - dir * head + normal * head * 0.45,
                        *b - dir * head - normal * head * 0.45,
                    ],
                    color,
                    Stroke::NONE,
                ));
            }
            painter.add(Shape::line(points, stroke));
        }
    }

    /// Level of detail for huge graphs: one square per occupied screen cell, shaded by
    /// how many nodes fall in it, and no edges.
    ///
    /// # Complexity
    /// O(visible nodes + cells).
    fn paint_dense(&self, painter: &egui::Painter, input: &GraphInput<'_>, rect: Rect) {
        let cols = (rect.width() / DENSE_CELL_PX).ceil().max(1.0) as usize;
        let rows = (rect.height() / DENSE_CELL_PX).ceil().max(1.0) as usize;
        let mut counts = vec![0u32; cols * rows];
        for &i in &self.nodes {
            let Some(node) = input.layout.nodes().get(i as usize) else {
                continue;
            };
            let p = self.to_screen(rect, node.rect.center()) - rect.min;
            if p.x < 0.0 || p.y < 0.0 {
                continue;
            }
            let (c, r) = (
                (p.x / DENSE_CELL_PX) as usize,
                (p.y / DENSE_CELL_PX) as usize,
            );
            if c < cols
                && let Some(n) = counts.get_mut(r * cols + c)
            {
                *n += 1;
            }
        }
        let max = counts.iter().copied().max().unwrap_or(1).max(1) as f32;
        let base = input.theme.concurrency;
        let mut shapes = Vec::new();
        for (cell, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let (c, r) = (cell % cols, cell / cols);
            let min = rect.min + vec2(c as f32, r as f32) * DENSE_CELL_PX;
            let strength = 0.35 + 0.65 * (n as f32).ln_1p() / max.ln_1p();
            shapes.push(Shape::rect_filled(
                Rect::from_min_size(min, Vec2::splat(DENSE_CELL_PX)),
                CornerRadius::ZERO,
                base.gamma_multiply(strength),
            ));
        }
        painter.extend(shapes);
        painter.text(
            rect.left_bottom() + vec2(8.0, -8.0),
            Align2::LEFT_BOTTOM,
            format!(
                "{} nodes in view: zoom in to see shapes and edges",
                self.nodes.len()
            ),
            FontId::proportional(12.0),
            input.theme.weak_text,
        );
    }

    fn screen_rect_of_in(&self, rect: Rect, node: &NodeBox) -> Rect {
        Rect::from_min_max(
            self.to_screen(rect, node.rect.min),
            self.to_screen(rect, node.rect.max),
        )
    }

    /// The node whose shape is under `pointer` (the last drawn wins), from this
    /// frame's culled nodes; failing that, the nearest node within 2 points.
    ///
    /// # Complexity
    /// O(visible nodes), at most [`DENSE_NODES`]: it is not called for the density map.
    fn hit_test(&self, layout: &GraphLayout, rect: Rect, pointer: Pos2) -> Option<u32> {
        let p = self.to_layout(rect, pointer);
        let slack = 2.0 / self.zoom;
        let node = |i: u32| layout.nodes().get(i as usize);
        let exact = self
            .nodes
            .iter()
            .rev()
            .copied()
            .find(|&i| node(i).is_some_and(|n| n.contains(p, 0.0)));
        exact.or_else(|| {
            self.nodes
                .iter()
                .copied()
                .filter_map(|i| {
                    let n = node(i)?;
                    n.contains(p, slack)
                        .then(|| (i, n.rect.center().distance_sq(p)))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
        })
    }
}

/// Smallest gap, in points, between two drawn points of an edge.
const EDGE_STEP_PX: f32 = 3.0;

/// An edge's polyline in screen points, leaving out points closer than
/// [`EDGE_STEP_PX`] to the last kept one (the ends are always kept), so curves cost
/// little when zoomed out.
///
/// # Complexity
/// O(points).
fn screen_polyline(points: &[Pos2], to_screen: impl Fn(Pos2) -> Pos2) -> Vec<Pos2> {
    let mut out: Vec<Pos2> = Vec::with_capacity(points.len());
    let last = points.len().saturating_sub(1);
    for (i, p) in points.iter().enumerate() {
        let q = to_screen(*p);
        match out.last() {
            Some(prev) if i != last && prev.distance_sq(q) < EDGE_STEP_PX * EDGE_STEP_PX => {}
            _ => out.push(q),
        }
    }
    out
}

/// The context menu entries of a collapsed group or part: expand it (when its
/// tasks fit), split it, merge the parts it was cut from.
fn group_menu(ui: &mut Ui, layout: &GraphLayout, info: &GroupInfo, events: &mut Vec<GraphEvent>) {
    let fits = layout
        .groups()
        .is_some_and(|g| open_group(g, layout.options(), &info.name) == Opening::Expand);
    if ui
        .add_enabled(fits, egui::Button::new(format!("Expand “{}”", info.name)))
        .on_disabled_hover_text("too many tasks to draw one by one: split it")
        .clicked()
    {
        events.push(GraphEvent::Expand(info.name.clone()));
        ui.close();
    }
    let parts = info.tasks.min(SPLIT_PARTS);
    if info.tasks > 1
        && ui
            .button(format!("Split “{}” into {parts} parts", info.name))
            .clicked()
    {
        events.push(GraphEvent::Split(info.name.clone()));
        ui.close();
    }
    if let Some(p) = &info.part
        && ui
            .button(format!("Merge the parts of “{}”", p.root))
            .clicked()
    {
        events.push(GraphEvent::Merge(p.root.clone()));
        ui.close();
    }
}

/// What a click on the collapsed group or part `name` does: expand it when its
/// tasks fit the drawing, else split it ([`open_group`]).
fn open_event(layout: &GraphLayout, name: &str) -> GraphEvent {
    match layout
        .groups()
        .map(|g| open_group(g, layout.options(), name))
    {
        Some(Opening::Split) => GraphEvent::Split(name.to_owned()),
        _ => GraphEvent::Expand(name.to_owned()),
    }
}

/// Group number `g` of `layout`.
fn group_info(layout: &GraphLayout, g: u32) -> Option<&GroupInfo> {
    layout.groups()?.get(g)
}

/// A replay state's colour over `base` (the colour of a done task). A failed task has
/// the failed state's colour whatever the colouring (the layout crate's
/// [`taskscope_layout::theme::state_color`], as the state colouring and exports draw it).
fn replay_color(theme: &Theme, base: Color32, state: Option<RunState>) -> Color32 {
    match state {
        None | Some(RunState::Done) => base,
        Some(RunState::Failed) => crate::theme::rgb(taskscope_layout::theme::state_color(
            taskscope_trace::TaskState::Failed,
        )),
        Some(RunState::Running) => theme.running,
        Some(RunState::Waiting) => theme.waiting,
        Some(RunState::NotRun) => theme.not_run,
    }
}

/// A filled node shape in screen rectangle `r`.
fn fill_shape(shape: NodeShape, r: Rect, color: Color32) -> Shape {
    match shape {
        NodeShape::Box => Shape::rect_filled(r, CornerRadius::same(2), color),
        NodeShape::Circle | NodeShape::Ellipse => {
            Shape::ellipse_filled(r.center(), r.size() * 0.5, color)
        }
    }
}

/// The outline of a node shape in screen rectangle `r`.
fn outline(shape: NodeShape, r: Rect, stroke: Stroke, rounding: CornerRadius) -> Shape {
    match shape {
        NodeShape::Box => Shape::rect_stroke(r, rounding, stroke, StrokeKind::Outside),
        NodeShape::Circle | NodeShape::Ellipse => {
            Shape::ellipse_stroke(r.center(), r.size() * 0.5, stroke)
        }
    }
}

/// The right-click menu: expand or collapse the group under the pointer, collapse all.
fn context_menu(
    ui: &mut Ui,
    layout: &GraphLayout,
    node: Option<u32>,
    events: &mut Vec<GraphEvent>,
) {
    let node = node.and_then(|i| layout.nodes().get(i as usize));
    match node.map(|n| n.kind) {
        Some(NodeKind::Group(g)) => {
            if let Some(info) = group_info(layout, g) {
                group_menu(ui, layout, info, events);
            }
        }
        Some(NodeKind::Task(t) | NodeKind::Output(t)) if layout.in_expanded_group(t) => {
            if let Some(name) = layout.group_name_of(t)
                && ui.button(format!("Collapse group “{name}”")).clicked()
            {
                events.push(GraphEvent::Collapse(name.to_owned()));
                ui.close();
            }
            let root = layout
                .groups()
                .and_then(|g| g.get(g.group_of(t)?))
                .and_then(|info| info.part.as_ref())
                .map(|p| p.root.clone());
            if let Some(root) = root
                && ui.button(format!("Merge the parts of “{root}”")).clicked()
            {
                events.push(GraphEvent::Merge(root));
                ui.close();
            }
        }
        _ => {}
    }
    let options = layout.options();
    let any_open =
        !options.expanded.is_empty() || !options.split.is_empty() || !options.focus.is_empty();
    if ui
        .add_enabled(any_open, egui::Button::new("Collapse all groups"))
        .clicked()
    {
        events.push(GraphEvent::CollapseAll);
        ui.close();
    }
}

/// The hover text of one node: the scene's tooltip lines (as an exported picture
/// carries them), then what only the view knows (the replay, the neighbours).
fn node_tooltip(ui: &mut Ui, input: &GraphInput<'_>, node: &NodeBox) {
    match node.kind {
        NodeKind::Task(task) => task_tooltip_ui(ui, input, task),
        NodeKind::Output(task) => {
            ui.strong("result");
            ui.label(format!(
                "output of {}",
                input.trace.graph().key(task).unwrap_or("?")
            ));
            if let Some(t) = input.replay_ns {
                ui.label(format!(
                    "at the cursor: {}",
                    input.task_state(task, t).as_str()
                ));
            }
        }
        NodeKind::Group(g) => {
            let Some(info) = group_info(input.layout, g) else {
                return;
            };
            ui.strong(&info.name);
            for line in group_tooltip(info) {
                ui.label(line);
            }
            if let Some(t) = input.replay_ns {
                ui.label(format!(
                    "at the cursor: {}, {} / {} done",
                    input.group_state(info, t).as_str(),
                    info.done_at(t),
                    info.tasks
                ));
            }
            ui.weak(match open_event(input.layout, &info.name) {
                GraphEvent::Split(_) => format!(
                    "click to split it into {} parts (too many tasks to draw one by one)",
                    info.tasks.min(SPLIT_PARTS)
                ),
                _ => "click to draw its tasks".to_owned(),
            });
        }
    }
}

fn task_tooltip_ui(ui: &mut Ui, input: &GraphInput<'_>, task: TaskId) {
    let graph = input.trace.graph();
    ui.strong(graph.name(task).unwrap_or("?"));
    let lines = task_tooltip(graph, Some(input.trace), input.index, task);
    for (k, line) in lines.iter().enumerate() {
        if k == 0 {
            ui.monospace(line);
        } else {
            ui.label(line);
        }
    }
    let times = input.index.times();
    match times.range(task) {
        Some((s, _)) => {
            ui.label(format!(
                "start: {}",
                format_ns(s.saturating_sub(input.trace.start_ns()))
            ));
        }
        None => {
            ui.label("never ran");
        }
    }
    if let Some(t) = input.replay_ns {
        ui.label(format!(
            "at the cursor: {}",
            input.task_state(task, t).as_str()
        ));
    }
    ui.label(format!(
        "{} inputs, {} outputs",
        graph.deps(task).len(),
        input.index.dependents().users(task).len()
    ));
    if input.layout.in_expanded_group(task)
        && let Some(name) = input.layout.group_name_of(task)
    {
        ui.weak(format!("in group “{name}”: right-click to collapse it"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::pos2;

    #[test]
    fn screen_and_layout_round_trip() {
        let mut v = GraphView::new();
        let rect = Rect::from_min_size(pos2(100.0, 50.0), vec2(400.0, 300.0));
        v.fit(
            Rect::from_min_max(pos2(0.0, 0.0), pos2(1000.0, 100.0)),
            rect.size(),
        );
        let p = pos2(250.0, 40.0);
        let back = v.to_layout(rect, v.to_screen(rect, p));
        assert!((back - p).length() < 1e-3);
        // Fitting centres the bounds and makes them fit the canvas.
        assert_eq!(v.center, pos2(500.0, 50.0));
        let visible = v.visible_layout_rect(rect);
        assert!(visible.contains_rect(Rect::from_min_max(pos2(0.0, 0.0), pos2(1000.0, 100.0))));
    }

    #[test]
    fn edges_lose_points_closer_than_a_few_pixels() {
        let points: Vec<Pos2> = (0..=8).map(|i| pos2(i as f32, 0.0)).collect();
        // 1 unit = 1 point: keep 0, 3, 6 and the end.
        let kept = screen_polyline(&points, |p| p);
        assert_eq!(kept, vec![points[0], points[3], points[6], points[8]]);
        // Zoomed in ×10: every point is 10 points from the next, all kept.
        assert_eq!(screen_polyline(&points, |p| p * 10.0).len(), 9);
        // Zoomed far out: only the ends.
        assert_eq!(screen_polyline(&points, |p| p * 0.01).len(), 2);
        assert!(screen_polyline(&[], |p| p).is_empty());
    }

    #[test]
    fn zoom_about_keeps_the_anchor() {
        let mut v = GraphView::new();
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 300.0));
        v.fit(
            Rect::from_min_max(pos2(0.0, 0.0), pos2(400.0, 300.0)),
            rect.size(),
        );
        let anchor = pos2(300.0, 100.0);
        let before = v.to_layout(rect, anchor);
        let z = v.zoom;
        v.zoom_about(rect, 2.0, anchor);
        assert!((v.zoom - 2.0 * z).abs() < 1e-5);
        assert!((v.to_layout(rect, anchor) - before).length() < 1e-3);
        v.zoom_about(rect, 1e9, anchor);
        assert!((v.zoom - MAX_ZOOM).abs() < f32::EPSILON);
    }
}
