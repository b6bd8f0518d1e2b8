//! The statistics side panel: facts about the run, the advisor's findings (click
//! to select the tasks they name), the per-name table (sortable; its swatches are
//! the colour legend), utilisation per lane, and what the reader recovered from.

use std::fmt::Write as _;

use egui::{CornerRadius, Sense, Ui, vec2};
use taskscope_trace::analysis::{
    NameStats, Severity, WorkerStats, format_count, format_duration_ns as format_ns, format_factor,
    format_percent,
};
use taskscope_trace::{DependencyRecord, TaskId};

use crate::document::{Analyses, TraceDoc};

/// What a click in the panel asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsAction {
    /// Select this task.
    Select(TaskId),
    /// Select the first of these tasks and mark all of them (an advisor finding).
    SelectAll(Vec<TaskId>),
    /// Search for this text (a task name from the table).
    Search(String),
    /// Save the per-name table as CSV.
    ExportCsv,
}

/// A column of the per-name table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Column {
    /// Task name.
    Name,
    /// How many ran.
    Count,
    /// Inclusive time: the sum of their durations (calls nested in them included).
    #[default]
    Total,
    /// Self time: their own time, nested calls excluded.
    SelfTime,
    /// Mean duration.
    Mean,
    /// Median duration.
    Median,
    /// 95th percentile.
    P95,
    /// Longest.
    Max,
    /// Share of the run's busy time spent in their own code.
    Share,
}

impl Column {
    /// In the table's order: the share beside the self time it is the share of, so that a
    /// side panel of usual width shows both (the distribution's columns scroll).
    const ALL: [Self; 9] = [
        Self::Name,
        Self::Count,
        Self::Total,
        Self::SelfTime,
        Self::Share,
        Self::Mean,
        Self::Median,
        Self::P95,
        Self::Max,
    ];

    fn title(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Count => "count",
            Self::Total => "inclusive",
            Self::SelfTime => "self",
            Self::Mean => "mean",
            Self::Median => "median",
            Self::P95 => "p95",
            Self::Max => "max",
            Self::Share => "share",
        }
    }
}

/// How the per-name table is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub column: Column,
    /// Smallest first (else largest first).
    pub ascending: bool,
}

/// `stats` in the order `sort` asks for (ties by name, so the order is deterministic).
pub fn sorted(stats: &[NameStats], sort: Sort) -> Vec<&NameStats> {
    let mut rows: Vec<&NameStats> = stats.iter().collect();
    rows.sort_by(|a, b| {
        let order = match sort.column {
            Column::Name => a.name.cmp(&b.name),
            Column::Count => a.count.cmp(&b.count),
            Column::Total => a.total_ns.cmp(&b.total_ns),
            Column::SelfTime => a.self_ns.cmp(&b.self_ns),
            Column::Mean => a.mean_ns.cmp(&b.mean_ns),
            Column::Median => a.median_ns.cmp(&b.median_ns),
            Column::P95 => a.p95_ns.cmp(&b.p95_ns),
            Column::Max => a.max_ns.cmp(&b.max_ns),
            Column::Share => a.share.total_cmp(&b.share),
        };
        let order = if sort.ascending {
            order
        } else {
            order.reverse()
        };
        order.then_with(|| a.name.cmp(&b.name))
    });
    rows
}

/// The per-name table as CSV (durations in ns; `total_ns` is the inclusive time,
/// `self_ns` the self time, `share` the self time's share of busy time), in the
/// table's default order. `self_ns` is last so that older readers of the first
/// eight columns keep working.
pub fn stats_csv(stats: &[NameStats]) -> String {
    let mut out =
        String::from("name,count,total_ns,mean_ns,median_ns,p95_ns,max_ns,share,self_ns\n");
    for s in stats {
        let name = if s.name.contains([',', '"', '\n']) {
            format!("\"{}\"", s.name.replace('"', "\"\""))
        } else {
            s.name.clone()
        };
        let _ = writeln!(
            out,
            "{name},{},{},{},{},{},{},{:.6},{}",
            s.count, s.total_ns, s.mean_ns, s.median_ns, s.p95_ns, s.max_ns, s.share, s.self_ns
        );
    }
    out
}

/// `text` with the few symbols egui's bundled fonts lack spelled in ASCII (`→` as `->`),
/// so analysis messages never show missing-glyph boxes.
pub fn displayable(text: &str) -> String {
    text.replace('→', "->")
        .replace('←', "<-")
        .replace('≥', ">=")
        .replace('≤', "<=")
        .replace('≈', "~")
}

/// Shows the panel; returns what the user clicked.
pub fn ui(ui: &mut Ui, doc: &TraceDoc, sort: &mut Sort) -> Option<StatsAction> {
    let mut action = None;
    // The panel scrolls only vertically: its text wraps at the panel's width, and the
    // tables, which cannot wrap, scroll sideways in their own areas.
    egui::ScrollArea::vertical()
        .id_salt("stats_panel")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            contents(ui, doc, sort, &mut action);
        });
    action
}

/// Why a followed run shows no statistics yet.
pub const LIVE_ANALYSES: &str = "The statistics, the advisor's findings and the critical path come when the file is complete: they are computed once, for the whole run.";

/// What the panel shows, top to bottom, in a `ui` as wide as the panel.
fn contents(ui: &mut Ui, doc: &TraceDoc, sort: &mut Sort, action: &mut Option<StatsAction>) {
    run_facts(ui, doc);
    ui.add_space(8.0);
    if let Some(analyses) = doc.analyses() {
        findings(ui, analyses, action);
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            ui.heading("Tasks by name");
            if ui.small_button("Save CSV…").clicked() {
                *action = Some(StatsAction::ExportCsv);
            }
        });
        ui.weak("Click a header to sort, a name to find its tasks.");
        wide_table(ui, "name_stats_scroll", |ui| {
            name_table(ui, analyses, sort, action);
        });
    } else if doc.is_live() {
        ui.weak(LIVE_ANALYSES);
    } else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Analysing the run…");
        });
    }
    ui.add_space(8.0);
    lanes(ui, doc);
    if let Some(analyses) = doc.analyses() {
        worker_times(ui, analyses);
    }
    let trace = &doc.trace;
    if !trace.diagnostics().is_empty() {
        ui.add_space(8.0);
        ui.heading("Reader notes");
        for d in trace.diagnostics() {
            ui.label(&d.message);
        }
    }
}

/// Shows `table` (a grid too wide to wrap) in a strip as wide as `ui` that scrolls
/// sideways when the table is wider.
fn wide_table(ui: &mut Ui, id_salt: &str, table: impl FnOnce(&mut Ui)) {
    ui.scope(|ui| {
        // A solid bar under a table that does not fit, not one that shows only on hover:
        // it tells that the columns go on.
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::horizontal()
            .id_salt(id_salt)
            .auto_shrink([false, true])
            .show(ui, table);
    });
}

/// Width of the key column of the run's facts, in points (less in a narrow panel).
const FACT_KEY_PX: f32 = 104.0;

/// One fact of the run: its key in a fixed column, its value wrapped in the rest.
fn fact_row(ui: &mut Ui, key: &str, value: String) {
    ui.horizontal_top(|ui| {
        let key_width = FACT_KEY_PX.min(ui.available_width() * 0.4);
        ui.allocate_ui_with_layout(
            vec2(key_width, 0.0),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                ui.set_width(key_width);
                ui.add(egui::Label::new(key).wrap());
            },
        );
        ui.add(egui::Label::new(value).wrap());
    });
}

fn run_facts(ui: &mut Ui, doc: &TraceDoc) {
    let trace = &doc.trace;
    let meta = trace.meta();
    ui.heading("Run");
    ui.vertical(|ui| {
        let mut row = |k: &str, v: String| fact_row(ui, k, v);
        if let Some(title) = &meta.title {
            row("title", title.clone());
        }
        row("source", meta.source.as_str().to_owned());
        if let Some(s) = &meta.scheduler {
            row("scheduler", s.clone());
        }
        row("workers", doc.model.workers().to_string());
        row("wall time", format_ns(doc.wall_ns()));
        row("tasks", format_count(trace.graph().len() as u64));
        let graph = trace.graph();
        row(
            "dependencies",
            match graph.dependency_record() {
                DependencyRecord::Recorded => format_count(graph.edge_count() as u64),
                DependencyRecord::FlowArrows => {
                    format!(
                        "{} (from flow arrows)",
                        format_count(graph.edge_count() as u64)
                    )
                }
                DependencyRecord::NotRecorded => "not recorded".to_owned(),
            },
        );
        row("spans", format_count(trace.spans().len() as u64));
        row(
            "peak busy lanes",
            doc.index.concurrency().max_running.to_string(),
        );
        if let Some(p) = doc.index.concurrency().average_parallelism {
            row("mean busy lanes", format!("{p:.2}"));
        }
        let known = |cp: &&taskscope_trace::analysis::CriticalPath| cp.dependencies.is_known();
        if doc
            .analyses()
            .is_some_and(|a| !a.critical.dependencies.is_known())
        {
            row(
                "critical path",
                "not known: no dependencies recorded".to_owned(),
            );
        }
        if let Some(cp) = doc.analyses().map(|a| &a.critical).filter(known) {
            row(
                "critical path",
                format!(
                    "{} ({} of the wall time)",
                    format_ns(cp.length_ns),
                    cp.ratio.map_or_else(|| "n/a".to_owned(), format_percent)
                ),
            );
            if let Some(s) = cp.max_speedup {
                row("max speed-up", format_factor(s));
            }
        }
        if let Some(host) = &meta.host {
            row("host", host.clone());
        }
    });
}

fn findings(ui: &mut Ui, analyses: &Analyses, action: &mut Option<StatsAction>) {
    ui.heading("Advisor");
    if !analyses.critical.dependencies.is_known() {
        ui.label(
            "Claims about waiting, ordering and the critical path are left out: the file \
             recorded no dependencies.",
        );
    }
    if analyses.findings.is_empty() {
        ui.label("Nothing to report: no pattern the advisor knows slowed this run.");
        return;
    }
    for f in &analyses.findings {
        let (word, word_color) = match f.severity {
            Severity::Warning => ("warning", ui.visuals().warn_fg_color),
            Severity::Info => ("note", ui.visuals().weak_text_color()),
        };
        let text_color = if f.tasks.is_empty() {
            ui.visuals().text_color()
        } else {
            ui.visuals().hyperlink_color
        };
        // One wrapped text, the word and the message: a key longer than the panel is
        // broken across rows (in a wrapped row of two labels it ran off the panel's left).
        let font = egui::TextStyle::Body.resolve(ui.style());
        let mut job = egui::text::LayoutJob::default();
        let format = |color| egui::TextFormat::simple(font.clone(), color);
        job.append(word, 0.0, format(word_color));
        job.append(
            &format!(" {}", displayable(&f.to_string())),
            0.0,
            format(text_color),
        );
        job.wrap.max_width = ui.available_width();
        let text = if f.tasks.is_empty() {
            ui.label(job)
        } else {
            ui.add(egui::Link::new(job))
                .on_hover_text(format!("Select the {} tasks it names", f.tasks.len()))
        };
        if text.clicked() && !f.tasks.is_empty() {
            *action = Some(StatsAction::SelectAll(f.tasks.clone()));
        }
    }
}

fn name_table(ui: &mut Ui, analyses: &Analyses, sort: &mut Sort, action: &mut Option<StatsAction>) {
    egui::Grid::new("name_stats")
        .num_columns(Column::ALL.len() + 1)
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            for column in Column::ALL {
                let arrow = match (sort.column == column, sort.ascending) {
                    (true, true) => " ^",
                    (true, false) => " v",
                    _ => "",
                };
                if ui
                    .selectable_label(sort.column == column, format!("{}{arrow}", column.title()))
                    .clicked()
                {
                    if sort.column == column {
                        sort.ascending = !sort.ascending;
                    } else {
                        *sort = Sort {
                            column,
                            ascending: column == Column::Name,
                        };
                    }
                }
            }
            ui.end_row();
            for s in sorted(&analyses.stats, *sort) {
                let color =
                    taskscope_egui::theme::rgb(taskscope_layout::theme::name_color(&s.name));
                let (rect, _) = ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
                ui.painter().rect_filled(rect, CornerRadius::same(2), color);
                if ui.link(&s.name).clicked() {
                    *action = Some(StatsAction::Search(s.name.clone()));
                }
                ui.label(format_count(s.count));
                ui.label(format_ns(s.total_ns))
                    .on_hover_text("inclusive time: calls nested in them included");
                ui.label(format_ns(s.self_ns))
                    .on_hover_text("self time: their own time, nested calls excluded");
                ui.label(format_percent(s.share))
                    .on_hover_text("share of the run's busy time spent in their own code");
                ui.label(format_ns(s.mean_ns));
                ui.label(format_ns(s.median_ns));
                ui.label(format_ns(s.p95_ns));
                ui.label(format_ns(s.max_ns));
                ui.end_row();
            }
        });
}

fn lanes(ui: &mut Ui, doc: &TraceDoc) {
    ui.heading("Utilisation per lane");
    wide_table(ui, "lanes_scroll", |ui| lanes_table(ui, doc));
}

fn lanes_table(ui: &mut Ui, doc: &TraceDoc) {
    egui::Grid::new("lanes")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for lane in &doc.index.concurrency().lanes {
                ui.label(&lane.name);
                let share = lane.utilisation.unwrap_or(0.0) as f32;
                ui.add(
                    egui::ProgressBar::new(share).desired_width(90.0).text(
                        lane.utilisation
                            .map_or_else(|| "n/a".to_owned(), format_percent),
                    ),
                );
                ui.label(format!("busy {}", format_ns(lane.busy_ns)));
                ui.end_row();
            }
        });
}

/// Time by worker and kind, when there is more than one worker or time besides compute.
fn worker_times(ui: &mut Ui, analyses: &Analyses) {
    let workers = &analyses.workers;
    if workers.len() < 2 && workers.iter().all(|w| w.overhead_ns() == 0) {
        return;
    }
    ui.add_space(8.0);
    ui.heading("Time by worker");
    ui.weak("Sums of span lengths; kinds may overlap in time.");
    wide_table(ui, "worker_times_scroll", |ui| {
        worker_times_table(ui, &analyses.workers);
    });
}

fn worker_times_table(ui: &mut Ui, workers: &[WorkerStats]) {
    egui::Grid::new("worker_times")
        .num_columns(6)
        .striped(true)
        .show(ui, |ui| {
            for head in [
                "worker",
                "compute",
                "transfers in",
                "disk read",
                "disk write",
                "deserialize",
            ] {
                ui.strong(head);
            }
            ui.end_row();
            for w in workers {
                ui.label(&w.name);
                ui.label(format!(
                    "{} ({} tasks)",
                    format_ns(w.compute_ns),
                    w.compute_spans
                ));
                ui.label(format!(
                    "{} ({}; sent {})",
                    format_ns(w.transfer_ns),
                    w.transfers_in,
                    w.transfers_out
                ));
                ui.label(format_ns(w.disk_read_ns));
                ui.label(format_ns(w.disk_write_ns));
                ui.label(format_ns(w.deserialize_ns));
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, count: u64, total_ns: u64) -> NameStats {
        NameStats {
            name: name.into(),
            count,
            total_ns,
            self_ns: total_ns,
            mean_ns: total_ns / count.max(1),
            median_ns: 0,
            p95_ns: 0,
            max_ns: 0,
            share: 0.5,
        }
    }

    #[test]
    fn sorting_by_self_time_and_share() {
        let mut nested = row("outer", 1, 100);
        nested.self_ns = 10;
        nested.share = 0.1;
        let mut inner = row("inner", 1, 90);
        inner.share = 0.9;
        let stats = vec![nested, inner];
        let names = |sort| -> Vec<&str> {
            sorted(&stats, sort)
                .iter()
                .map(|s| s.name.as_str())
                .collect()
        };
        let descending = |column| Sort {
            column,
            ascending: false,
        };
        assert_eq!(names(descending(Column::Total)), vec!["outer", "inner"]);
        assert_eq!(names(descending(Column::SelfTime)), vec!["inner", "outer"]);
        assert_eq!(names(descending(Column::Share)), vec!["inner", "outer"]);
    }

    #[test]
    fn sorting_by_columns() {
        let stats = vec![row("inc", 4, 40), row("add", 3, 90), row("sum", 4, 10)];
        let names = |sort| {
            sorted(&stats, sort)
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Sort::default()), vec!["add", "inc", "sum"]);
        let by_count = Sort {
            column: Column::Count,
            ascending: false,
        };
        // Ties (inc, sum: 4) by name.
        assert_eq!(names(by_count), vec!["inc", "sum", "add"]);
        let by_name = Sort {
            column: Column::Name,
            ascending: true,
        };
        assert_eq!(names(by_name), vec!["add", "inc", "sum"]);
    }

    #[test]
    fn arrows_become_ascii() {
        assert_eq!(displayable("a → b ≥ 2 µs"), "a -> b >= 2 µs");
    }

    #[test]
    fn csv_quotes_awkward_names() {
        let csv = stats_csv(&[row("inc", 2, 10), row("a,\"b\"", 1, 5)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "name,count,total_ns,mean_ns,median_ns,p95_ns,max_ns,share,self_ns"
        );
        assert_eq!(lines[1], "inc,2,10,5,0,0,0,0.500000,10");
        assert_eq!(lines[2], "\"a,\"\"b\"\"\",1,5,5,0,0,0,0.500000,5");
    }
}
