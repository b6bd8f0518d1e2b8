//! The compare tab: two runs' timelines stacked on one shared time axis, and a summary.
//!
//! Both runs' times start at 0, so the same instant lines up vertically;
//! zooming or panning either timeline moves both.

use std::sync::Arc;

use egui::Ui;
use taskscope_egui::axis::format_ns;
use taskscope_egui::{Highlight, Theme, Timeline, TimelineEvent, TimelineInput, TimelineView};

use crate::document::TraceDoc;

/// Headline numbers of a comparison of run A (baseline) with run B.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// A's wall time.
    pub wall_a_ns: u64,
    /// B's wall time.
    pub wall_b_ns: u64,
    /// A's workers.
    pub workers_a: u32,
    /// B's workers.
    pub workers_b: u32,
    /// `wall_a / wall_b`.
    pub speedup: f64,
    /// Speedup per added worker: `speedup × workers_a / workers_b`.
    pub efficiency: f64,
}

impl Summary {
    /// The summary of `a` against `b`.
    pub fn new(a: &TraceDoc, b: &TraceDoc) -> Self {
        let wall_a_ns = a.wall_ns();
        let wall_b_ns = b.wall_ns();
        let workers_a = a.model.workers().max(1);
        let workers_b = b.model.workers().max(1);
        let speedup = wall_a_ns as f64 / wall_b_ns.max(1) as f64;
        let efficiency = speedup * f64::from(workers_a) / f64::from(workers_b);
        Self {
            wall_a_ns,
            wall_b_ns,
            workers_a,
            workers_b,
            speedup,
            efficiency,
        }
    }
}

/// One side of the comparison.
#[derive(Debug)]
struct Side {
    doc: Arc<TraceDoc>,
    highlight: Highlight,
    timeline: Timeline,
}

impl Side {
    fn new(doc: Arc<TraceDoc>) -> Self {
        Self {
            highlight: Highlight::new(doc.trace.graph().len()),
            doc,
            timeline: Timeline::new(),
        }
    }
}

/// The state of a compare tab.
#[derive(Debug)]
pub struct CompareTab {
    a: Side,
    b: Side,
    shared: Option<TimelineView>,
    /// The summary shown above the timelines.
    pub summary: Summary,
}

impl CompareTab {
    /// Compares `a` (the baseline, e.g. a serial run) with `b`.
    pub fn new(a: Arc<TraceDoc>, b: Arc<TraceDoc>) -> Self {
        let summary = Summary::new(&a, &b);
        Self {
            a: Side::new(a),
            b: Side::new(b),
            shared: None,
            summary,
        }
    }

    /// The tab title.
    pub fn title(&self) -> String {
        format!("{} vs {}", self.a.doc.title, self.b.doc.title)
    }

    /// The shared view (after the first frame).
    pub fn shared_view(&self) -> Option<TimelineView> {
        self.shared
    }

    /// Shows the tab.
    pub fn ui(&mut self, ui: &mut Ui, theme: &Theme) {
        let s = self.summary;
        egui::Panel::top("compare_summary").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.heading(format!("speedup {:.2}×", s.speedup));
                ui.separator();
                ui.label(format!(
                    "A: {} on {} worker{}   B: {} on {} worker{}",
                    format_ns(s.wall_a_ns),
                    s.workers_a,
                    if s.workers_a == 1 { "" } else { "s" },
                    format_ns(s.wall_b_ns),
                    s.workers_b,
                    if s.workers_b == 1 { "" } else { "s" },
                ));
                ui.separator();
                ui.label(format!("efficiency {:.0} %", s.efficiency * 100.0))
                    .on_hover_text("speedup × A's workers ÷ B's workers");
            });
        });
        let height = ui.available_height() / 2.0;
        let shared = &mut self.shared;
        let end = self.a.doc.model.end_ns().max(self.b.doc.model.end_ns());
        egui::Panel::top("compare_a")
            .exact_size(height)
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                side_ui(ui, &mut self.a, "A", (shared, end), theme);
            });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            side_ui(ui, &mut self.b, "B", (shared, end), theme);
        });
    }
}

fn side_ui(
    ui: &mut Ui,
    side: &mut Side,
    label: &str,
    (shared, extent_end): (&mut Option<TimelineView>, u64),
    theme: &Theme,
) {
    ui.horizontal(|ui| {
        ui.strong(label);
        ui.label(&side.doc.title);
    });
    side.timeline.set_extent(0, extent_end);
    if let Some(view) = shared {
        side.timeline.set_view(*view);
    }
    let doc = Arc::clone(&side.doc);
    let input = TimelineInput {
        trace: &doc.trace,
        index: &doc.index,
        model: &doc.model,
        highlight: &side.highlight,
        theme,
        cursor_ns: None,
        show_critical: false,
        show_all_arrows: false,
        keyboard: ui.rect_contains_pointer(ui.max_rect()),
    };
    let response = ui.push_id(label, |ui| side.timeline.ui(ui, &input)).inner;
    for event in response.events {
        if let TimelineEvent::Select(task) = event {
            side.highlight
                .select(doc.trace.graph(), &doc.index.dependents, task);
        }
    }
    *shared = Some(side.timeline.view);
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_egui::synthetic;

    #[test]
    fn speedup_and_efficiency() {
        let serial = TraceDoc::new(None, synthetic::layered(200, 10, 1, 5).unwrap());
        let parallel = TraceDoc::new(None, synthetic::layered(200, 10, 4, 5).unwrap());
        let s = Summary::new(&serial, &parallel);
        assert_eq!((s.workers_a, s.workers_b), (1, 4));
        assert!(s.speedup > 1.5 && s.speedup <= 4.0, "{s:?}");
        assert!((s.efficiency - s.speedup / 4.0).abs() < 1e-12);
    }
}
