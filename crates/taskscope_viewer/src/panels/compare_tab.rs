//! The compare tab: two runs' timelines stacked on one shared time axis, and a summary.
//!
//! Both runs' times start at 0, so the same instant lines up vertically;
//! zooming or panning either timeline moves both.

use std::sync::Arc;

use egui::Ui;
use taskscope_egui::{Highlight, Theme, Timeline, TimelineEvent, TimelineInput, TimelineView};
use taskscope_trace::analysis::{
    CompareOptions, Comparison, Simulation, compare_with, format_duration_ns as format_ns,
    format_factor, format_percent, simulate,
};

use crate::background::{Job, Poll};
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
    /// `wall_a / wall_b` (above 1 when B is faster); shown as a speed-up only when
    /// the runs did the same work.
    pub speedup: f64,
    /// Whether the runs did the same work ([`Comparison::same_work`]).
    pub same_work: bool,
    /// The relative efficiency (from the analysis' comparison), if defined.
    pub efficiency: Option<f64>,
    /// The speed-up the critical path allows at most, if defined.
    pub critical_path_bound: Option<f64>,
}

impl Summary {
    /// The headline numbers of `comparison` (of A with B).
    pub fn new(comparison: &Comparison) -> Self {
        let wall_a_ns = comparison.a.wall_ns;
        let wall_b_ns = comparison.b.wall_ns;
        Self {
            wall_a_ns,
            wall_b_ns,
            workers_a: comparison.a.workers,
            workers_b: comparison.b.workers,
            speedup: wall_a_ns as f64 / wall_b_ns.max(1) as f64,
            same_work: comparison.same_work,
            efficiency: comparison.parallel_efficiency,
            critical_path_bound: comparison.critical_path_speedup,
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

/// What the comparison thread sends back, in this order.
#[derive(Debug)]
enum Computed {
    /// The comparison of A with B (fast: shown first).
    Comparison(Box<Comparison>),
    /// B's predicted makespans on k workers (slow on big graphs: list scheduling).
    Prediction(Simulation),
}

/// The state of a compare tab.
///
/// The comparison and the k-worker prediction are computed on a background
/// thread (the prediction takes seconds on a million tasks); the timelines show
/// at once and the summary fills in when its numbers arrive. Closing the tab
/// drops the job and its results.
#[derive(Debug)]
pub struct CompareTab {
    a: Side,
    b: Side,
    shared: Option<TimelineView>,
    summary: Option<Summary>,
    comparison: Option<Box<Comparison>>,
    prediction: Option<Simulation>,
    job: Option<Job<Computed>>,
    error: Option<String>,
}

impl CompareTab {
    /// Compares `a` (the baseline, e.g. a serial run) with `b` on a background thread,
    /// with `options` as `taskscope compare` takes them; `repaint` is called when a
    /// result arrives.
    ///
    /// # Complexity
    /// O(V + E) here; the thread does `taskscope_trace::analysis::compare` and
    /// `simulate`: O(S log S + V log V + E).
    pub fn new(
        a: Arc<TraceDoc>,
        b: Arc<TraceDoc>,
        options: CompareOptions,
        repaint: impl Fn() + Send + 'static,
    ) -> Self {
        let (job_a, job_b) = (Arc::clone(&a), Arc::clone(&b));
        let what = format!("comparing {} with {}", a.title, b.title);
        let job = Job::spawn(
            "taskscope-compare",
            what,
            move |send: &dyn Fn(Computed) -> bool| {
                let comparison = compare_with(&job_a.trace, &job_b.trace, &options);
                // The prediction (tens of seconds on a 10^6-task trace) only if the tab is still open.
                if send(Computed::Comparison(Box::new(comparison))) {
                    send(Computed::Prediction(simulate(&job_b.trace)));
                }
            },
            repaint,
        );
        let (job, error) = match job {
            Ok(job) => (Some(job), None),
            Err(e) => (None, Some(e)),
        };
        Self {
            a: Side::new(a),
            b: Side::new(b),
            shared: None,
            summary: None,
            comparison: None,
            prediction: None,
            job,
            error,
        }
    }

    /// Collects what the background thread has computed so far (called every frame).
    pub fn poll(&mut self) {
        let Some(job) = &mut self.job else {
            return;
        };
        loop {
            match job.poll() {
                Poll::Pending => return,
                Poll::Message(Computed::Comparison(c)) => {
                    self.summary = Some(Summary::new(&c));
                    self.comparison = Some(c);
                }
                Poll::Message(Computed::Prediction(p)) => self.prediction = Some(p),
                Poll::Finished => break,
                Poll::Died(e) => {
                    self.error = Some(e);
                    break;
                }
            }
        }
        self.job = None;
    }

    /// Whether the comparison or the prediction is still being computed.
    pub fn is_computing(&self) -> bool {
        self.job.is_some()
    }

    /// The headline numbers, once computed.
    pub fn summary(&self) -> Option<Summary> {
        self.summary
    }

    /// The full comparison (per-task changes), once computed.
    pub fn comparison(&self) -> Option<&Comparison> {
        self.comparison.as_deref()
    }

    /// Predicted makespans of B's graph on 1 to 2 × B's workers, once computed.
    pub fn prediction(&self) -> Option<&Simulation> {
        self.prediction.as_ref()
    }

    /// Why the numbers could not be computed, if they could not.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The tab title.
    pub fn title(&self) -> String {
        format!("{} vs {}", self.a.doc.title, self.b.doc.title)
    }

    fn changes_ui(ui: &mut Ui, c: &Comparison) {
        let header = format!(
            "Per-task changes: {} tasks matched; in B, the slower ones took {} more in all, the faster ones {} less",
            c.changes.len(),
            format_ns(c.total_slowdown_ns),
            format_ns(c.total_speedup_ns)
        );
        // A collapsing section whose header wraps in a narrow window (egui's
        // `CollapsingHeader` keeps its text on one line).
        let id = ui.make_persistent_id("compare_changes");
        let mut header_clicked = false;
        let mut section =
            egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, false)
                .show_header(ui, |ui| {
                    let label = egui::Label::new(header).wrap().sense(egui::Sense::click());
                    header_clicked = ui.add(label).clicked();
                });
        if header_clicked {
            section.toggle();
        }
        section.body(|ui| {
            if c.top_slowdowns.is_empty() {
                ui.label("No task got slower in B.");
                return;
            }
            ui.label("The tasks that account for most of the slowdown:");
            egui::ScrollArea::horizontal()
                .id_salt("top_slowdowns_scroll")
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    egui::Grid::new("top_slowdowns")
                        .striped(true)
                        .show(ui, |ui| {
                            for h in ["name", "key in A", "A", "B", "change"] {
                                ui.strong(h);
                            }
                            ui.end_row();
                            for t in &c.top_slowdowns {
                                ui.label(&t.name);
                                ui.monospace(&t.a_key);
                                ui.label(format_ns(t.a_duration_ns));
                                ui.label(format_ns(t.b_duration_ns));
                                ui.label(format!("+{}", format_ns(t.change_ns.unsigned_abs())));
                                ui.end_row();
                            }
                        });
                });
        });
    }

    /// The shared view (after the first frame).
    pub fn shared_view(&self) -> Option<TimelineView> {
        self.shared
    }

    /// Shows the tab.
    pub fn ui(&mut self, ui: &mut Ui, theme: &Theme) {
        self.poll();
        // The summary wraps at the window's width and scrolls when it is taller than
        // half the window, so the timelines keep the rest.
        let summary_max_height = ui.available_height() * 0.5;
        egui::Panel::top("compare_summary").show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("compare_summary_scroll")
                .max_height(summary_max_height)
                .auto_shrink([false, true])
                .show(ui, |ui| self.summary_panel(ui));
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

    /// The summary strip: the headline numbers, the prediction and the per-task changes.
    fn summary_panel(&self, ui: &mut Ui) {
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let Some(s) = self.summary else {
            if self.job.is_some() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Comparing the runs…");
                });
            }
            return;
        };
        if let Some(c) = &self.comparison {
            // The analysis' verdict, word for word as `taskscope compare` prints it.
            ui.label(c.verdict());
        }
        ui.horizontal_wrapped(|ui| {
            summary_ui(ui, &s);
            ui.separator();
            match &self.prediction {
                Some(prediction) => {
                    let predictions = prediction
                        .points
                        .iter()
                        .filter(|p| p.workers.is_power_of_two() || p.workers == s.workers_b)
                        .map(|p| format!("{}: {}", p.workers, format_ns(p.makespan_ns)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    ui.label(format!(
                        "predicted for B's graph on k workers: {predictions}"
                    ))
                    .on_hover_text("list scheduling of B's tasks with their measured durations");
                }
                None if self.job.is_some() => {
                    ui.spinner();
                    ui.label("predicting B's graph on k workers…");
                }
                None => {}
            }
        });
        if let Some(c) = &self.comparison {
            Self::changes_ui(ui, c);
        }
    }
}

fn summary_ui(ui: &mut Ui, s: &Summary) {
    if s.same_work {
        ui.heading(format!("speedup {}", format_factor(s.speedup)));
    } else {
        ui.heading("different work: no speedup");
    }
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
    if let Some(e) = s.efficiency {
        ui.separator();
        ui.label(format!("efficiency {}", format_percent(e)))
            .on_hover_text("relative efficiency: speed-up × the slower run's workers ÷ the faster run's workers");
    }
    if let Some(bound) = s.critical_path_bound {
        ui.separator();
        ui.label(format!(
            "critical path allows at most {}",
            format_factor(bound)
        ))
        .on_hover_text("total work ÷ critical path of the slower run");
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
                .select(doc.trace.graph(), doc.index.dependents(), task);
        }
    }
    *shared = Some(side.timeline.view);
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use taskscope_fixtures as synthetic;

    /// The compare tab of `a` and `b`, once its background work is done.
    fn computed(a: TraceDoc, b: TraceDoc, options: CompareOptions) -> CompareTab {
        let mut tab = CompareTab::new(Arc::new(a), Arc::new(b), options, || {});
        let deadline = Instant::now() + Duration::from_secs(20);
        while tab.is_computing() {
            assert!(Instant::now() < deadline, "the comparison did not finish");
            std::thread::sleep(Duration::from_millis(5));
            tab.poll();
        }
        assert_eq!(tab.error(), None);
        tab
    }

    #[test]
    fn force_is_passed_to_the_comparison() {
        // Different work: 200 tasks against 40 share no key beyond the first 40.
        let doc = |tasks| TraceDoc::new(None, synthetic::layered(tasks, 10, 2, 5).unwrap());
        let plain = computed(doc(200), doc(40), CompareOptions::default());
        let c = plain.comparison().unwrap();
        assert!(!c.same_work && !c.forced && c.speedup.is_none(), "{c:?}");
        let forced = computed(doc(200), doc(40), CompareOptions { force: true });
        let c = forced.comparison().unwrap();
        assert!(!c.same_work && c.forced && c.speedup.is_some(), "{c:?}");
    }

    #[test]
    fn speedup_and_efficiency() {
        let serial = TraceDoc::new(None, synthetic::layered(200, 10, 1, 5).unwrap());
        let parallel = TraceDoc::new(None, synthetic::layered(200, 10, 4, 5).unwrap());
        let tab = computed(serial, parallel, CompareOptions::default());
        let s = tab.summary().unwrap();
        assert_eq!((s.workers_a, s.workers_b), (1, 4));
        assert!(s.same_work, "the same graph on 1 and 4 workers");
        assert!(
            tab.comparison()
                .unwrap()
                .verdict()
                .starts_with("B is faster: speed-up"),
            "the tab shows the analysis' verdict"
        );
        assert!(s.speedup > 1.5 && s.speedup <= 4.0, "{s:?}");
        assert!(
            (s.efficiency.unwrap() - s.speedup / 4.0).abs() < 1e-9,
            "{s:?}"
        );
        assert!(s.critical_path_bound.unwrap() >= s.speedup * 0.99, "{s:?}");
        assert_eq!(tab.prediction().unwrap().points.len(), 8);
        assert_eq!(tab.comparison().unwrap().changes.len(), 200);
    }
}
