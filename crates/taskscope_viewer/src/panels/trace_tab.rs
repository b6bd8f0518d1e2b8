//! One trace's tab: the graph view and the timeline side by side, with replay,
//! search, linked selection and the statistics panel.
//!
//! The tab owns its view state (selection, replay, each widget's view) and
//! borrows the shared [`TraceDoc`]. Widget events are applied here after the
//! widgets are drawn; things only the app can do come back as [`AppCommand`]s.

use std::sync::Arc;

use egui::{Key, Ui};
use taskscope_egui::{
    GraphEvent, GraphInput, GraphView, Highlight, NodeColoring, Replay, Theme, Timeline,
    TimelineEvent, TimelineInput,
};
use taskscope_trace::TaskId;
use taskscope_trace::analysis::format_duration_ns as format_ns;

use super::stats;
use crate::app::AppCommand;
use crate::document::TraceDoc;
use crate::export::ExportKind;
use crate::settings::Settings;

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
        }
    }

    /// Selects `task` (or clears the selection) and scrolls both views to it.
    pub fn select(&mut self, task: Option<TaskId>) {
        let doc = &self.doc;
        self.highlight
            .select(doc.trace.graph(), &doc.index.dependents, task);
        if let Some(task) = self.highlight.selected() {
            self.timeline.reveal_task(&doc.index, task);
            if let Some(analyses) = doc.analyses() {
                self.graph.reveal_task(&analyses.layout, task);
            }
        }
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

        egui::Panel::top("toolbar").show(ui, |ui| {
            self.toolbar(ui, settings, &mut commands);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            self.status_line(ui);
        });
        if settings.show_stats {
            egui::Panel::right("stats")
                .resizable(true)
                .default_size(340.0)
                .max_size(ui.available_width() * 0.4)
                .show(ui, |ui| {
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
                });
        }
        if settings.show_graph {
            let width = ui.available_width() * 0.4;
            egui::Panel::left("graph")
                .resizable(true)
                .default_size(width)
                .frame(egui::Frame::NONE)
                .show(ui, |ui| self.graph_ui(ui, settings, theme));
        }
        egui::CentralPanel::no_frame().show(ui, |ui| {
            self.timeline_ui(ui, settings, theme, keyboard);
        });
        commands
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
                        .text("× speed"),
                )
                .on_hover_text("Trace time per second of wall time, relative to real time");
            if speed_slider.changed() {
                self.replay.ns_per_second = speed * 1e9;
            }
            if self.replay.active && ui.button("Stop replay").clicked() {
                self.replay.pause();
                self.replay.active = false;
            }
            ui.separator();
            let mut critical = self.show_critical;
            let doc = Arc::clone(&self.doc);
            let hover = doc.analyses().map_or_else(
                || "Still analysing the run".to_owned(),
                |a| {
                    format!(
                        "The longest chain of dependent tasks: {} of {} wall time",
                        format_ns(a.critical.length_ns),
                        format_ns(a.critical.wall_ns)
                    )
                },
            );
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
            ui.menu_button("Export", |ui| self.export_menu(ui, commands));
        });
    }

    fn export_menu(&self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        for kind in ExportKind::ALL {
            if ui.button(kind.label()).clicked() {
                let highlight = if self.show_critical {
                    self.doc.critical_tasks()
                } else {
                    Vec::new()
                };
                commands.push(AppCommand::Export {
                    doc: Arc::clone(&self.doc),
                    kind,
                    highlight,
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
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} tasks · {} spans · {} lanes · wall {}",
                trace.graph().len(),
                trace.spans().len(),
                trace.lanes().len(),
                format_ns(doc.wall_ns())
            ));
            if !trace.diagnostics().is_empty() {
                ui.separator();
                ui.label(format!(
                    "{} reader notes (see Statistics)",
                    trace.diagnostics().len()
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
                    "{} · {} ancestors · {} descendants",
                    format_ns(doc.index.task_times.duration_ns(task)),
                    self.highlight.ancestor_count(),
                    self.highlight.descendant_count()
                ));
            }
            if self.show_critical
                && let Some(cp) = self.doc.analyses().map(|a| &a.critical)
            {
                ui.separator();
                ui.label(format!(
                    "critical path {} of {} wall ({} tasks)",
                    format_ns(cp.length_ns),
                    format_ns(cp.wall_ns),
                    cp.steps.len()
                ));
            }
            if self.replay.active {
                ui.separator();
                let t = self.replay.cursor_ns;
                let running = doc.model.concurrency().running_at(t);
                ui.label(format!(
                    "replay at {} · {running} running",
                    format_ns(t.saturating_sub(self.replay.start_ns))
                ));
            }
        });
    }

    fn graph_ui(&mut self, ui: &mut Ui, settings: &Settings, theme: &Theme) {
        let doc = Arc::clone(&self.doc);
        let Some(analyses) = doc.analyses() else {
            ui.centered_and_justified(|ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Laying out the graph…");
                });
            });
            return;
        };
        let input = GraphInput {
            trace: &doc.trace,
            index: &doc.index,
            layout: &analyses.layout,
            highlight: &self.highlight,
            theme,
            coloring: settings.coloring.into(),
            replay_ns: self.replay.shown_cursor(),
            show_critical: self.show_critical,
        };
        let response = self.graph.ui(ui, &input);
        for event in response.events {
            let GraphEvent::Select(task) = event;
            self.select(task);
        }
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

/// The file name of `doc` without its extension (or its title), for suggested export names.
fn file_stem(doc: &TraceDoc) -> String {
    doc.path
        .as_ref()
        .and_then(|p| p.file_stem())
        .map_or_else(|| doc.title.clone(), |s| s.to_string_lossy().into_owned())
}
