//! The statistics side panel: facts about the run, the colour legend with
//! per-name counts, and what the reader recovered from.

use egui::{Color32, CornerRadius, Sense, Ui, vec2};
use taskscope_egui::axis::format_ns;
use taskscope_trace::TaskId;

use crate::document::TraceDoc;

/// What a click in the panel asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsAction {
    /// Select this task.
    Select(TaskId),
    /// Search for this text (a task name from the legend).
    Search(String),
}

/// Per-name counts and total busy time, sorted by total time (largest first), then name.
///
/// # Complexity
/// O(V + S + N log N) for N names.
pub fn name_totals(doc: &TraceDoc) -> Vec<(String, Color32, usize, u64)> {
    let graph = doc.trace.graph();
    let names = graph.names();
    let mut count = vec![0usize; names.len()];
    let mut total = vec![0u64; names.len()];
    for task in graph.tasks() {
        if let Some(n) = graph.name_id(task)
            && let Some(c) = count.get_mut(n.index())
        {
            *c += 1;
        }
    }
    for span in doc.trace.spans() {
        if let Some(n) = graph.name_id(span.task)
            && let Some(t) = total.get_mut(n.index())
        {
            *t += span.duration_ns();
        }
    }
    let mut rows: Vec<_> = names
        .iter()
        .map(|(id, name)| {
            (
                name.to_owned(),
                doc.index
                    .name_colors
                    .get(id.index())
                    .copied()
                    .unwrap_or(Color32::GRAY),
                count.get(id.index()).copied().unwrap_or(0),
                total.get(id.index()).copied().unwrap_or(0),
            )
        })
        .collect();
    rows.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// Shows the panel; returns what the user clicked.
pub fn ui(ui: &mut Ui, doc: &TraceDoc) -> Option<StatsAction> {
    let mut action = None;
    let trace = &doc.trace;
    let meta = trace.meta();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("Run");
        egui::Grid::new("run_facts").num_columns(2).show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(k);
                ui.label(v);
                ui.end_row();
            };
            if let Some(title) = &meta.title {
                row("title", title.clone());
            }
            row("source", meta.source.as_str().to_owned());
            if let Some(s) = &meta.scheduler {
                row("scheduler", s.clone());
            }
            row("workers", doc.model.workers().to_string());
            row("wall time", format_ns(doc.wall_ns()));
            row("tasks", trace.graph().len().to_string());
            row("spans", trace.spans().len().to_string());
            row("peak running", doc.model.concurrency().peak().to_string());
            if let Some(host) = &meta.host {
                row("host", host.clone());
            }
        });

        ui.add_space(8.0);
        ui.heading("Task names");
        ui.weak("Colour, count and total time; click to find them.");
        egui::Grid::new("legend")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for (name, color, count, total) in name_totals(doc) {
                    let (rect, _) = ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
                    ui.painter().rect_filled(rect, CornerRadius::same(2), color);
                    if ui.link(&name).clicked() {
                        action = Some(StatsAction::Search(name.clone()));
                    }
                    ui.label(count.to_string());
                    ui.label(format_ns(total));
                    ui.end_row();
                }
            });

        let longest = trace
            .graph()
            .tasks()
            .max_by_key(|&t| doc.index.task_times.duration_ns(t));
        if let Some(task) = longest {
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                ui.label("Longest task:");
                let label = format!(
                    "{} ({})",
                    trace.graph().key(task).unwrap_or("?"),
                    format_ns(doc.index.task_times.duration_ns(task))
                );
                if ui.link(label).clicked() {
                    action = Some(StatsAction::Select(task));
                }
            });
        }

        if !trace.diagnostics().is_empty() {
            ui.add_space(8.0);
            ui.heading("Reader notes");
            for d in trace.diagnostics() {
                ui.label(&d.message);
            }
        }
    });
    action
}
