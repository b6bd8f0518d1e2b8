//! The progress panel of a followed run, in the spirit of the Dask dashboard's
//! progress bars: one bar per key-prefix group with its finished and failed tasks
//! (failures in red), and above them the whole run's count, rate and time left.
//!
//! The figures come from the trace crate
//! ([`run_progress`](taskscope_trace::analysis::run_progress), computed once per
//! document by [`TraceDoc::progress`], and the index's
//! [`KeyGroups`](taskscope_trace::index::KeyGroups)) and the colours from the layout
//! crate's task-state palette (the graph's and the timeline's); this panel only
//! paints them.

use egui::{Color32, Rect, Sense, Ui, vec2};
use taskscope_egui::Theme;
use taskscope_egui::theme::rgb;
use taskscope_layout::theme::state_color;
use taskscope_trace::TaskState;
use taskscope_trace::analysis::{RunProgress, format_count, format_duration_ns};

use crate::document::TraceDoc;

/// At most this many groups are listed (the largest runs have thousands of prefixes).
pub const MAX_GROUPS: usize = 500;

/// The sentence above the bars: finished of total, failures, rate, time left.
pub fn summary(p: &RunProgress) -> String {
    let finished = (p.done + p.failed) as u64;
    let mut parts = vec![if p.total_known {
        format!(
            "{} of {} tasks finished",
            format_count(finished),
            format_count(p.total as u64)
        )
    } else {
        format!("{} tasks finished", format_count(finished))
    }];
    if p.failed > 0 {
        parts.push(format!(", {} failed", format_count(p.failed as u64)));
    }
    parts.push(format!(" in {}", format_duration_ns(p.elapsed_ns)));
    if let Some(rate) = p.tasks_per_s {
        parts.push(format!(" · {} tasks/s", rate_text(rate)));
    }
    parts.push(format!(" · {}", p.estimate));
    parts.concat()
}

/// A rate with three significant figures (it is finite and positive: see [`RunProgress`]).
fn rate_text(rate: f64) -> String {
    debug_assert!(rate.is_finite() && rate > 0.0);
    if rate >= 100.0 {
        format_count(rate.round() as u64)
    } else if rate >= 10.0 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}

/// Shows the panel for `doc`.
pub fn ui(ui: &mut Ui, doc: &TraceDoc, theme: &Theme) {
    let progress = doc.progress();
    ui.heading("Progress");
    ui.label(summary(progress));
    ui.separator();
    let groups = doc.index.groups(doc.trace.graph());
    let done = rgb(state_color(TaskState::Done));
    let failed = rgb(state_color(TaskState::Failed));
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for g in groups.all().iter().take(MAX_GROUPS) {
                let total = if progress.total_known {
                    g.tasks
                } else {
                    g.ran.max(1)
                };
                let finished = g.states.done + g.states.failed;
                let count = if progress.total_known {
                    format!(
                        "{} / {}",
                        format_count(finished as u64),
                        format_count(g.tasks as u64)
                    )
                } else {
                    format_count(finished as u64)
                };
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(&g.name).monospace())
                        .on_hover_text(format!(
                            "{} done, {} failed, {} not finished",
                            g.states.done,
                            g.states.failed,
                            g.tasks.saturating_sub(finished)
                        ));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(count);
                    });
                });
                bar(
                    ui,
                    [(g.states.done, done), (g.states.failed, failed)],
                    total,
                    theme.not_run,
                );
            }
            if groups.len() > MAX_GROUPS {
                ui.weak(format!(
                    "and {} more groups",
                    format_count((groups.len() - MAX_GROUPS) as u64)
                ));
            }
        });
}

/// A bar of `total` units: each `(count, colour)` part from the left, the rest in `rest`.
fn bar(ui: &mut Ui, parts: [(usize, Color32); 2], total: usize, rest: Color32) {
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(vec2(width, 8.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, rest);
    let mut x = rect.left();
    for (count, colour) in parts {
        let w = width * (count as f32 / total.max(1) as f32).min(1.0);
        let part = Rect::from_min_max(
            egui::pos2(x, rect.top()),
            egui::pos2((x + w).min(rect.right()), rect.bottom()),
        );
        painter.rect_filled(part, 0.0, colour);
        x = part.right();
    }
}

#[cfg(test)]
mod tests {
    use taskscope_trace::analysis::Estimate;

    use super::*;

    #[test]
    fn the_summary_says_what_is_known() {
        let mut p = RunProgress {
            total: 10,
            done: 3,
            failed: 1,
            total_known: true,
            elapsed_ns: 4_000_000,
            tasks_per_s: Some(1000.0),
            estimate: Estimate::Left { ns: 6_000_000 },
        };
        assert_eq!(
            summary(&p),
            "4 of 10 tasks finished, 1 failed in 4.00 ms · 1,000 tasks/s · about 6.00 ms left"
        );
        p.total_known = false;
        p.failed = 0;
        p.estimate = Estimate::TotalUnknown;
        assert_eq!(
            summary(&p),
            "3 tasks finished in 4.00 ms · 1,000 tasks/s · no estimate: the file names tasks only as they finish, so the total is not known"
        );
        p.tasks_per_s = None;
        p.estimate = Estimate::NoRateYet;
        assert!(!summary(&p).contains("tasks/s"));
    }
}
