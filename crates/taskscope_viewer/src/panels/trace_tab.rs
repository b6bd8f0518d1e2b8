//! One trace's tab: the graph view and the timeline side by side, with replay,
//! search, linked selection and the statistics panel.
//!
//! The tab owns its view state (selection, replay, each widget's view, which graph
//! groups are expanded) and borrows the shared [`TraceDoc`]. Widget events are
//! applied here after the widgets are drawn; things only the app can do come back
//! as [`AppCommand`]s. Expanding or collapsing a group re-lays out the graph on a
//! background thread through the tab's [`DrawingQueue`] (one job at a time, the
//! latest request waiting); the old drawing stays on screen meanwhile, and the tab
//! shows each drawing the queue hands back.

use std::sync::Arc;

use egui::{Key, Rect, Ui};
use taskscope_egui::{
    GraphEvent, GraphInput, GraphLayout, GraphView, Highlight, NodeColoring, NodeKind, Replay,
    Theme, Timeline, TimelineEvent, TimelineInput,
};
use taskscope_layout::DrawingOptions;
use taskscope_trace::TaskId;
use taskscope_trace::analysis::{format_count, format_duration_ns as format_ns};
use taskscope_trace::index::{NEIGHBOURHOOD_LIMIT, NEIGHBOURHOOD_STEPS, neighbourhood};

use super::sizes::{self, Edge, PanelRect, PanelWidths};
use super::stats;
use crate::app::AppCommand;
use crate::document::TraceDoc;
use crate::drawing::DrawingQueue;
use crate::export::{ExportKind, GraphLook};
use crate::settings::Settings;

/// After a group is expanded the view zooms to its tasks, but not below this
/// (task labels are 7 px high there).
pub const EXPANDED_MIN_ZOOM: f32 = 0.5;

/// At most this many search matches are highlighted.
pub const MAX_MATCHES: usize = 10_000;

/// The state of one trace tab.
#[derive(Debug)]
pub struct TraceTab {
    /// The trace shown.
    pub doc: Arc<TraceDoc>,
    /// Selection, ancestors/descendants, search matches.
    pub highlight: Highlight,
    /// The timeline widget.
    pub timeline: Timeline,
    /// The graph widget.
    pub graph: GraphView,
    /// The replay cursor.
    pub replay: Replay,
    /// Whether the critical path is highlighted.
    pub show_critical: bool,
    /// The search text.
    pub search: String,
    /// How the statistics table is sorted.
    pub stats_sort: stats::Sort,
    matches: Vec<TaskId>,
    next_match: usize,
    /// The graph drawing shown when it is not the document's default one.
    drawing: Option<Arc<GraphLayout>>,
    /// Drawings being laid out or waiting to be.
    drawings: DrawingQueue,
    /// Where the panels were drawn in the last frame.
    panel_rects: Vec<PanelRect>,
    /// The context of the last frame, to repaint when a drawing asked for outside
    /// a frame (a selection's neighbourhood) is ready.
    ctx: Option<egui::Context>,
}

impl TraceTab {
    /// A tab showing `doc`, fitted, nothing selected.
    pub fn new(doc: Arc<TraceDoc>) -> Self {
        let highlight = Highlight::new(doc.trace.graph().len());
        let replay = Replay::new(doc.model.start_ns(), doc.model.end_ns());
        Self {
            doc,
            highlight,
            timeline: Timeline::new(),
            graph: GraphView::new(),
            replay,
            show_critical: false,
            search: String::new(),
            stats_sort: stats::Sort::default(),
            matches: Vec::new(),
            next_match: 0,
            drawing: None,
            drawings: DrawingQueue::default(),
            panel_rects: Vec::new(),
            ctx: None,
        }
    }

    /// Shows `doc` instead of the current document (a followed file grew), keeping the
    /// view state: the views' zoom and pan, the selection (by key), the search, the
    /// replay cursor; the replay range becomes the new run's. A drawing with expanded
    /// groups is laid out again with the same options in the background (shown until
    /// then when the graph is the same). When both documents have the [same
    /// graph](TraceDoc::same_graph) (a followed stream's updates) the selection, search
    /// matches and highlights are kept as they are, with no lookup per task.
    pub fn set_doc(&mut self, doc: Arc<TraceDoc>) {
        let options = self.drawing_options();
        if self.doc.same_graph(&doc) {
            self.doc = doc;
            self.set_replay_range();
            if options == DrawingOptions::default() {
                // The document's own drawing, laid out with it.
                self.drawing = None;
            } else {
                // The drawing shown stays until the same one of the new document comes.
                let ctx = self.ctx.clone();
                self.drawings.refresh(&self.doc, options, move || {
                    if let Some(ctx) = &ctx {
                        ctx.request_repaint();
                    }
                });
            }
            return;
        }
        let selected_key = self
            .highlight
            .selected()
            .and_then(|t| self.doc.trace.graph().key(t))
            .map(str::to_owned);
        self.doc = doc;
        self.drawing = None;
        self.drawings = DrawingQueue::default();
        self.highlight = Highlight::new(self.doc.trace.graph().len());
        self.set_replay_range();
        self.update_search();
        if self.show_critical {
            self.set_show_critical(true);
        }
        if let Some(key) = selected_key {
            let task = self
                .doc
                .trace
                .graph()
                .key_index()
                .get(key.as_str())
                .copied();
            let graph = self.doc.trace.graph();
            self.highlight
                .select(graph, self.doc.index.dependents(), task);
        }
        if options != DrawingOptions::default() {
            let ctx = self.ctx.clone();
            self.request_drawing(options, None, move || {
                if let Some(ctx) = &ctx {
                    ctx.request_repaint();
                }
            });
        }
    }

    /// The replay's range becomes the document's run, the cursor kept within it.
    fn set_replay_range(&mut self) {
        self.replay
            .set_range(self.doc.model.start_ns(), self.doc.model.end_ns());
    }

    /// Where each panel of the tab (toolbar, status line, graph, timeline, statistics)
    /// was drawn in the last frame, with the room its contents took.
    pub fn panel_rects(&self) -> &[PanelRect] {
        &self.panel_rects
    }

    /// The graph drawing shown now (`None` until the document's analyses are done).
    pub fn graph_layout(&self) -> Option<Arc<GraphLayout>> {
        self.drawing.clone().or_else(|| self.doc.drawing())
    }

    /// Whether a new graph drawing is being laid out in the background (or waits
    /// for the running layout to end).
    pub fn is_laying_out(&self) -> bool {
        self.drawings.is_running()
    }

    /// Whether the background layout has finished and its drawing waits to be
    /// taken by [`TraceTab::poll_drawing`].
    pub fn is_drawing_ready(&self) -> bool {
        self.drawings.is_ready()
    }

    /// How many layout threads this tab has started.
    pub fn layout_jobs_started(&self) -> u64 {
        self.drawings.jobs_started()
    }

    /// Why the last expansion of a group was refused, if it was.
    pub fn graph_note(&self) -> Option<&str> {
        self.drawings.note()
    }

    /// The options of the latest drawing asked for: waiting, being laid out, or shown.
    pub fn drawing_options(&self) -> DrawingOptions {
        self.drawings.latest_options(self.graph_layout().as_deref())
    }

    /// Lays the graph out again with `options` in the background (see
    /// [`DrawingQueue::request`]); `fit_group` is fitted in the view when the drawing
    /// arrives (else the whole drawing), and `repaint` is called when it is ready.
    pub fn request_drawing(
        &mut self,
        options: DrawingOptions,
        fit_group: Option<String>,
        repaint: impl Fn() + Send + 'static,
    ) {
        let shown = self.graph_layout();
        self.drawings
            .request(&self.doc, shown.as_deref(), options, fit_group, repaint);
    }

    /// Takes the background drawing if it is ready, and shows it (fitting the group
    /// it was asked for).
    pub fn poll_drawing(&mut self) {
        let shown = self.graph_layout();
        let Some(arrived) = self.drawings.poll(&self.doc, shown.as_deref()) else {
            return;
        };
        let layout = arrived.layout;
        if arrived.keep_view {
            self.drawing = Some(Arc::new(layout));
            return;
        }
        if let Some(bounds) = arrived.fit_group.and_then(|g| group_bounds(&layout, &g)) {
            // A wide group is fitted only as far as its labels stay readable;
            // the view centres on it and the rest is a pan away. The
            // selection is not revealed: that would leave the group.
            self.graph.fit_bounds(bounds);
            self.graph.zoom = self.graph.zoom.max(EXPANDED_MIN_ZOOM);
        } else {
            self.graph.request_fit();
            if let Some(task) = self.highlight.selected() {
                self.graph.reveal_task(&layout, task);
            }
        }
        self.drawing = Some(Arc::new(layout));
    }

    /// Applies what the user did in the graph view.
    fn apply_graph_event(&mut self, event: GraphEvent, ctx: &egui::Context) {
        let mut options = self.drawing_options();
        let fit_group = match event {
            GraphEvent::Select(task) => {
                self.select(task);
                return;
            }
            GraphEvent::Expand(name) => {
                options.expanded.insert(name.clone());
                Some(name)
            }
            GraphEvent::Collapse(name) => {
                options.expanded.remove(&name);
                None
            }
            GraphEvent::Split(name) => {
                options.split.insert(name.clone());
                Some(name)
            }
            GraphEvent::Merge(root) => {
                options = taskscope_layout::merged(&options, &root);
                None
            }
            GraphEvent::CollapseAll => {
                options.expanded.clear();
                options.split.clear();
                options.focus.clear();
                None
            }
        };
        let ctx = ctx.clone();
        self.request_drawing(options, fit_group, move || ctx.request_repaint());
    }

    /// Selects `task` (or clears the selection) and scrolls both views to it.
    pub fn select(&mut self, task: Option<TaskId>) {
        let doc = &self.doc;
        self.highlight
            .select(doc.trace.graph(), doc.index.dependents(), task);
        if let Some(task) = self.highlight.selected() {
            self.timeline.reveal_task(&doc.index, task);
            if let Some(layout) = self.graph_layout() {
                self.graph.reveal_task(&layout, task);
                self.show_neighbourhood(&layout, task);
            }
        }
    }

    /// When `task` is hidden in a collapsed group of `layout`, asks for a drawing
    /// with its neighbourhood (inputs and users a few steps out) drawn on its own,
    /// so a task picked in the timeline is seen in the graph whatever its group's size.
    fn show_neighbourhood(&mut self, layout: &GraphLayout, task: TaskId) {
        if layout.groups().is_none() || layout.node_of(task).is_some() {
            return;
        }
        let doc = &self.doc;
        let mut options = self.drawing_options();
        options.focus = neighbourhood(
            doc.trace.graph(),
            doc.index.dependents(),
            task,
            NEIGHBOURHOOD_STEPS,
            NEIGHBOURHOOD_LIMIT,
        )
        .into_iter()
        .collect();
        let ctx = self.ctx.clone();
        self.request_drawing(options, None, move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        });
    }

    /// The tasks matching the current search.
    pub fn matches(&self) -> &[TaskId] {
        &self.matches
    }

    /// Recomputes the search matches (case-insensitive substring of name or key).
    ///
    /// # Complexity
    /// O(V × key length).
    pub fn update_search(&mut self) {
        self.matches.clear();
        self.next_match = 0;
        let needle = self.search.trim().to_lowercase();
        if !needle.is_empty() {
            let graph = self.doc.trace.graph();
            self.matches.extend(
                graph
                    .tasks()
                    .filter(|&t| {
                        graph
                            .name(t)
                            .is_some_and(|n| n.to_lowercase().contains(&needle))
                            || graph
                                .key(t)
                                .is_some_and(|k| k.to_lowercase().contains(&needle))
                    })
                    .take(MAX_MATCHES),
            );
        }
        self.highlight.set_matches(&self.matches);
    }

    /// Shows or hides the critical path in both views.
    pub fn set_show_critical(&mut self, show: bool) {
        self.show_critical = show;
        let path = if show {
            self.doc.critical_tasks()
        } else {
            Vec::new()
        };
        self.highlight.set_critical_path(&path);
    }

    /// Marks `tasks` (as search matches) and selects the first.
    pub fn select_all(&mut self, tasks: &[TaskId]) {
        self.search.clear();
        self.matches = tasks.to_vec();
        self.next_match = 1;
        self.highlight.set_matches(&self.matches);
        self.select(tasks.first().copied());
    }

    /// Selects the next search match, cycling.
    pub fn select_next_match(&mut self) {
        if self.matches.is_empty() {
            return;
        }
        let i = self.next_match % self.matches.len();
        let task = self.matches.get(i).copied();
        self.next_match = i + 1;
        self.select(task);
    }

    /// Shows the tab. `keyboard` says whether its shortcuts are active.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        settings: &mut Settings,
        theme: &Theme,
        keyboard: bool,
    ) -> Vec<AppCommand> {
        let mut commands = Vec::new();
        self.ctx = Some(ui.ctx().clone());
        let dt = ui.input(|i| f64::from(i.stable_dt));
        if self.replay.advance(dt) {
            ui.ctx().request_repaint();
        }
        if keyboard && !ui.ctx().egui_wants_keyboard_input() {
            let (space, home) = ui.input(|i| (i.key_pressed(Key::Space), i.key_pressed(Key::Home)));
            if space {
                self.toggle_play();
            }
            if home {
                self.replay.seek(self.replay.start_ns);
            }
        }

        self.panel_rects.clear();
        let toolbar = egui::Panel::top("toolbar").show(ui, |ui| {
            self.toolbar(ui, settings, &mut commands);
            ui.min_rect()
        });
        self.record("toolbar", &toolbar);
        let status = egui::Panel::bottom("status").show(ui, |ui| {
            self.status_line(ui);
            ui.min_rect()
        });
        self.record("status", &status);
        // The columns' widths come from the settings, never from what the panels hold.
        let tab = ui.available_rect_before_wrap();
        let widths = sizes::fit(
            tab.width(),
            settings.panels,
            settings.show_graph,
            settings.show_stats,
        );
        if settings.show_stats {
            let stats = egui::Panel::right("stats")
                .resizable(false)
                .exact_size(widths.stats)
                .show(ui, |ui| {
                    self.stats_ui(ui, &mut commands);
                    ui.min_rect()
                });
            self.record("statistics", &stats);
        }
        if settings.show_graph {
            let graph = egui::Panel::left("graph")
                .resizable(false)
                .exact_size(widths.graph)
                .frame(egui::Frame::NONE)
                .show(ui, |ui| {
                    self.graph_ui(ui, settings, theme);
                    ui.min_rect()
                });
            self.record("graph", &graph);
        }
        let timeline = egui::CentralPanel::no_frame().show(ui, |ui| {
            self.timeline_ui(ui, settings, theme, keyboard);
            ui.min_rect()
        });
        self.record("timeline", &timeline);
        Self::resize_handles(ui, tab, widths, settings);
        commands
    }

    /// Remembers where a panel was drawn this frame (its contents' rectangle is what
    /// the panel's closure returned).
    fn record(&mut self, name: &'static str, shown: &egui::InnerResponse<Rect>) {
        self.panel_rects.push(PanelRect {
            name,
            outer: shown.response.rect,
            content: shown.inner,
        });
    }

    /// The handles on the edges between the columns; dragging one changes the
    /// settings' shares (used from the next frame on).
    fn resize_handles(ui: &Ui, tab: Rect, widths: PanelWidths, settings: &mut Settings) {
        let edges = [
            (
                settings.show_graph,
                Edge::GraphTimeline,
                tab.min.x + widths.graph,
            ),
            (
                settings.show_stats,
                Edge::TimelineStats,
                tab.max.x - widths.stats,
            ),
        ];
        for (shown, edge, x) in edges {
            let id = ui.scope_id().with(("panel_edge", edge as u8));
            if shown && let Some(pointer_x) = sizes::handle(ui, id, x, tab.y_range()) {
                settings.panels =
                    sizes::dragged(edge, pointer_x, tab.x_range(), settings.panels, widths);
            }
        }
    }

    /// The statistics panel, applying what was clicked in it.
    fn stats_ui(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        let doc = Arc::clone(&self.doc);
        match stats::ui(ui, &doc, &mut self.stats_sort) {
            Some(stats::StatsAction::Select(task)) => self.select(Some(task)),
            Some(stats::StatsAction::SelectAll(tasks)) => self.select_all(&tasks),
            Some(stats::StatsAction::Search(text)) => {
                self.search = text;
                self.update_search();
                self.select_next_match();
            }
            Some(stats::StatsAction::ExportCsv) => {
                if let Some(analyses) = doc.analyses() {
                    commands.push(AppCommand::SaveText {
                        file_name: format!("{}.stats.csv", file_stem(&doc)),
                        contents: stats::stats_csv(&analyses.stats),
                    });
                }
            }
            None => {}
        }
    }

    fn toggle_play(&mut self) {
        if self.replay.playing {
            self.replay.pause();
        } else {
            self.replay.play();
        }
    }

    fn toolbar(&mut self, ui: &mut Ui, settings: &mut Settings, commands: &mut Vec<AppCommand>) {
        ui.horizontal_wrapped(|ui| {
            let play_label = if self.replay.playing { "Pause" } else { "Play" };
            if ui
                .button(play_label)
                .on_hover_text("Replay the run (Space)")
                .clicked()
            {
                self.toggle_play();
            }
            let (start, end) = (self.replay.start_ns, self.replay.end_ns);
            let mut cursor = self.replay.cursor_ns.saturating_sub(start);
            let scrub = ui.add(
                egui::Slider::new(&mut cursor, 0..=end.saturating_sub(start))
                    .show_value(false)
                    .text(format_ns(self.replay.cursor_ns.saturating_sub(start))),
            );
            if scrub.changed() {
                self.replay.seek(start + cursor);
            }
            let mut speed = self.replay.speed_vs_real_time();
            let speed_slider = ui
                .add(
                    egui::Slider::new(&mut speed, 1e-6..=10.0)
                        .logarithmic(true)
                        .custom_formatter(|v, _| speed_text(v))
                        .text("× speed"),
                )
                .on_hover_text("Trace time per second of wall time, relative to real time");
            if speed_slider.changed() {
                self.replay.set_speed_vs_real_time(speed);
            }
            if self.replay.active && ui.button("Stop replay").clicked() {
                self.replay.pause();
                self.replay.active = false;
            }
            ui.separator();
            let mut critical = self.show_critical;
            let doc = Arc::clone(&self.doc);
            let hover = critical_hover(&doc);
            let checkbox = ui
                .add_enabled(
                    doc.analyses().is_some(),
                    egui::Checkbox::new(&mut critical, "Critical path"),
                )
                .on_hover_text(&hover)
                .on_disabled_hover_text(&hover);
            if checkbox.changed() {
                self.set_show_critical(critical);
            }
            ui.separator();
            let search = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("Search name or key")
                    .desired_width(160.0),
            );
            if search.changed() {
                self.update_search();
            }
            if search.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                self.select_next_match();
            }
            if !self.search.trim().is_empty() {
                ui.label(format!("{} found", self.matches.len()));
            }
            ui.separator();
            let mut coloring: NodeColoring = settings.coloring.into();
            egui::ComboBox::from_label("colour")
                .selected_text(coloring.label())
                .show_ui(ui, |ui| {
                    for c in NodeColoring::ALL {
                        ui.selectable_value(&mut coloring, c, c.label());
                    }
                });
            settings.coloring = coloring.into();
            ui.toggle_value(&mut settings.show_graph, "Graph");
            ui.toggle_value(&mut settings.show_all_arrows, "All arrows");
            ui.toggle_value(&mut settings.show_stats, "Statistics");
            if ui
                .button("Fit")
                .on_hover_text("Fit both views (double-click)")
                .clicked()
            {
                self.timeline.request_fit();
                self.graph.request_fit();
            }
            if ui.button("Compare with…").clicked() {
                commands.push(AppCommand::PickCompare);
            }
            let coloring = settings.coloring.into();
            ui.menu_button("Export", |ui| self.export_menu(ui, commands, coloring));
        });
    }

    /// What an exported graph picture shows: the drawing on screen (result boxes,
    /// expanded groups), the view's colouring, and outlined the critical path when it
    /// is shown, else the selected task with its ancestors and descendants.
    ///
    /// # Complexity
    /// O(V) with a selection, to collect the lit tasks.
    pub fn graph_look(&self, coloring: NodeColoring) -> GraphLook {
        let highlight = if self.show_critical {
            self.doc.critical_tasks()
        } else if self.highlight.has_selection() {
            self.doc
                .trace
                .graph()
                .tasks()
                .filter(|&t| {
                    self.highlight.is_selected(t)
                        || self.highlight.is_ancestor(t)
                        || self.highlight.is_descendant(t)
                })
                .collect()
        } else {
            Vec::new()
        };
        GraphLook {
            drawing: self
                .graph_layout()
                .map(|l| l.options().clone())
                .unwrap_or_default(),
            color_by: coloring.color_by(),
            highlight,
        }
    }

    fn export_menu(&self, ui: &mut Ui, commands: &mut Vec<AppCommand>, coloring: NodeColoring) {
        for kind in ExportKind::ALL {
            if ui.button(kind.label()).clicked() {
                commands.push(AppCommand::Export {
                    doc: Arc::clone(&self.doc),
                    kind,
                    look: self.graph_look(coloring),
                    file_name: kind.file_name(&file_stem(&self.doc)),
                });
            }
        }
        if let Some(analyses) = self.doc.analyses()
            && ui.button("Statistics as CSV…").clicked()
        {
            commands.push(AppCommand::SaveText {
                file_name: format!("{}.stats.csv", file_stem(&self.doc)),
                contents: stats::stats_csv(&analyses.stats),
            });
        }
    }

    fn status_line(&self, ui: &mut Ui) {
        let doc = &self.doc;
        let trace = &doc.trace;
        // Wrapped: a long key or many facts take a second line, never the window's edge.
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} · {} · {} · wall {}",
                counted(trace.graph().len(), "task"),
                counted(trace.spans().len(), "span"),
                counted(trace.lanes().len(), "lane"),
                format_ns(doc.wall_ns())
            ));
            if !trace.diagnostics().is_empty() {
                ui.separator();
                ui.label(format!(
                    "{} (see Statistics)",
                    counted(trace.diagnostics().len(), "reader note")
                ))
                .on_hover_text(
                    trace
                        .diagnostics()
                        .iter()
                        .map(|d| d.message.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
            if let Some(task) = self.highlight.selected() {
                ui.separator();
                let graph = trace.graph();
                ui.strong(graph.name(task).unwrap_or("?"));
                ui.monospace(graph.key(task).unwrap_or(""));
                ui.label(format!(
                    "{} · {} · {}",
                    doc.index
                        .times()
                        .duration_ns(task)
                        .map_or_else(|| "did not run".to_owned(), format_ns),
                    counted(self.highlight.ancestor_count(), "ancestor"),
                    counted(self.highlight.descendant_count(), "descendant")
                ));
            }
            if self.show_critical
                && let Some(cp) = self.doc.analyses().map(|a| &a.critical)
            {
                ui.separator();
                ui.label(format!(
                    "critical path {} of {} wall ({})",
                    format_ns(cp.length_ns),
                    format_ns(cp.wall_ns),
                    counted(cp.steps.len(), "task")
                ));
            }
            if self.replay.active {
                ui.separator();
                let t = self.replay.cursor_ns;
                let running = doc.index.running_at(t);
                ui.label(format!(
                    "replay at {} · {} running",
                    format_ns(t.saturating_sub(self.replay.start_ns)),
                    format_count(u64::from(running))
                ));
            }
        });
    }

    fn graph_ui(&mut self, ui: &mut Ui, settings: &Settings, theme: &Theme) {
        self.poll_drawing();
        let doc = Arc::clone(&self.doc);
        let Some(layout) = self.graph_layout() else {
            ui.centered_and_justified(|ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Laying out the graph…");
                });
            });
            return;
        };
        // The bar and the canvas touch: no strip of window background between them.
        ui.spacing_mut().item_spacing.y = 0.0;
        self.graph_bar(ui, &layout);
        let input = GraphInput {
            trace: &doc.trace,
            index: &doc.index,
            layout: &layout,
            highlight: &self.highlight,
            theme,
            coloring: settings.coloring.into(),
            replay_ns: self.replay.shown_cursor(),
            show_critical: self.show_critical,
            live: doc.is_live(),
        };
        let response = self.graph.ui(ui, &input);
        if self.is_laying_out() {
            let canvas = self.graph.canvas_rect();
            let at =
                Rect::from_min_size(canvas.min + egui::vec2(8.0, 8.0), egui::vec2(160.0, 20.0));
            ui.scope_builder(egui::UiBuilder::new().max_rect(at), |ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("laying out…");
                });
            });
        }
        for event in response.events {
            self.apply_graph_event(event, ui.ctx());
        }
    }

    /// The line above the graph: output boxes on or off, collapse all, what is shown.
    fn graph_bar(&mut self, ui: &mut Ui, layout: &GraphLayout) {
        let mut event = None;
        let frame = egui::Frame::NONE
            .fill(ui.visuals().panel_fill)
            .inner_margin(egui::Margin::symmetric(6, 3));
        frame.show(ui, |ui| {
            ui.set_width(ui.available_width());
            self.graph_bar_contents(ui, layout, &mut event);
        });
        if let Some(event) = event {
            self.apply_graph_event(event, ui.ctx());
        }
    }

    fn graph_bar_contents(
        &mut self,
        ui: &mut Ui,
        layout: &GraphLayout,
        event: &mut Option<GraphEvent>,
    ) {
        ui.horizontal_wrapped(|ui| {
            let options = self.drawing_options();
            let mut boxes = !options.compact;
            if ui
                .checkbox(&mut boxes, "Result boxes")
                .on_hover_text("Draw each task's result as a box, as Dask does (off: tasks only)")
                .changed()
            {
                let mut options = options.clone();
                options.compact = !boxes;
                let ctx = ui.ctx().clone();
                self.request_drawing(options, None, move || ctx.request_repaint());
            }
            if let Some(groups) = layout.groups() {
                let open = options.expanded.len();
                let split = options.split.len();
                if ui
                    .add_enabled(
                        open + split + options.focus.len() > 0,
                        egui::Button::new("Collapse all"),
                    )
                    .on_hover_text("Draw every group as one node again")
                    .clicked()
                {
                    *event = Some(GraphEvent::CollapseAll);
                }
                let split_note = if split > 0 {
                    format!(", {} split", format_count(split as u64))
                } else {
                    String::new()
                };
                let counts = format!(
                    "{} groups, {} expanded{split_note}",
                    format_count(groups.len() as u64),
                    format_count(open as u64)
                );
                ui.weak(counts).on_hover_text(
                    "Click a group to draw its tasks (a group too big for that is split into \
                     parts, in run order, that open the same way); right-click a task to \
                     collapse its group",
                );
            } else if layout.is_simple() {
                ui.weak("too many groups for the full layout: simple layers");
            }
            if let Some(note) = self.drawings.note() {
                ui.colored_label(ui.visuals().warn_fg_color, note);
            }
        });
    }

    fn timeline_ui(&mut self, ui: &mut Ui, settings: &Settings, theme: &Theme, keyboard: bool) {
        let doc = Arc::clone(&self.doc);
        let input = TimelineInput {
            trace: &doc.trace,
            index: &doc.index,
            model: &doc.model,
            highlight: &self.highlight,
            theme,
            cursor_ns: self.replay.shown_cursor(),
            show_critical: self.show_critical,
            show_all_arrows: settings.show_all_arrows,
            keyboard,
        };
        let response = self.timeline.ui(ui, &input);
        for event in response.events {
            match event {
                TimelineEvent::Select(task) => self.select(task),
                TimelineEvent::Seek(t) => self.replay.seek(t),
            }
        }
    }
}

/// `n` and `noun`, with the viewer's thousands separators and an `s` unless `n` is 1:
/// `1 task`, `12,000 tasks`.
pub fn counted(n: usize, noun: &str) -> String {
    taskscope_trace::analysis::format_counted(n as u64, noun, &format!("{noun}s"))
}

/// The file name of `doc` without its extension (or its title), for suggested export names.
fn file_stem(doc: &TraceDoc) -> String {
    doc.path
        .as_ref()
        .and_then(|p| p.file_stem())
        .map_or_else(|| doc.title.clone(), |s| s.to_string_lossy().into_owned())
}

/// The bounding box of the task nodes of group `name` in `layout`, or of the parts
/// cut from it when it is split (layout units).
///
/// # Complexity
/// O(N) for N drawn nodes (one group lookup per task node, each O(1) by task id
/// plus a string comparison); called once per expansion, not per frame.
fn group_bounds(layout: &GraphLayout, name: &str) -> Option<Rect> {
    let groups = layout.groups();
    let mut bounds = Rect::NOTHING;
    for node in layout.nodes() {
        let inside = match node.kind {
            NodeKind::Task(t) => layout.group_name_of(t) == Some(name),
            // A split group: the parts cut from it.
            NodeKind::Group(g) => groups
                .and_then(|groups| groups.get(g)?.part.as_ref())
                .is_some_and(|p| p.parent == name),
            NodeKind::Output(_) => false,
        };
        if inside {
            bounds = bounds.union(node.rect);
        }
    }
    bounds.is_positive().then_some(bounds)
}

/// The replay speed as the slider shows it: three decimals down to 0.01, then
/// scientific (`1.0e-6`, not `0.00000100`).
fn speed_text(speed: f64) -> String {
    if speed >= 0.01 {
        format!("{speed:.3}")
    } else {
        format!("{speed:.1e}")
    }
}

/// The critical path checkbox's hover text: its length, or why it is not there yet.
fn critical_hover(doc: &TraceDoc) -> String {
    match doc.analyses() {
        Some(a) => format!(
            "The longest chain of dependent tasks: {} of {} wall time",
            format_ns(a.critical.length_ns),
            format_ns(a.critical.wall_ns)
        ),
        None if doc.is_live() => "The critical path comes when the file is complete".to_owned(),
        None => "Still analysing the run".to_owned(),
    }
}
