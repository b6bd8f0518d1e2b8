//! A tab that follows a trace file while it is written (`taskscope view --follow FILE`,
//! File → Follow…).
//!
//! It is an ordinary [`TraceTab`] whose document is replaced by each snapshot the
//! [`FollowJob`] hands over, plus a line saying what is being followed and the
//! progress panel. While it follows "now", the replay cursor sits at the end of the
//! run so far (graph nodes show waiting / running / done / failed in the replay
//! colours) and the timeline fits the run so far, its end ("now") at the right edge;
//! scrolling or zooming the timeline stops that until "Back to now". When the file is complete the app turns the tab into an ordinary trace tab
//! ([`LiveTab::into_finished`]).

use std::path::PathBuf;
use std::sync::Arc;

use egui::Ui;
use taskscope_egui::{Theme, TimelineView};
use taskscope_trace::Trace;
use taskscope_trace::analysis::{format_count, format_counted};

use super::progress;
use super::trace_tab::TraceTab;
use crate::app::AppCommand;
use crate::document::TraceDoc;
use crate::follow::{FollowJob, FollowUpdate};
use crate::loader::ParseFn;
use crate::settings::Settings;

/// The state of one followed file's tab.
#[derive(Debug)]
pub struct LiveTab {
    /// The trace so far, with its views.
    pub tab: TraceTab,
    /// Whether the views stay on the end of the run ("now").
    pub follow_now: bool,
    /// Why following stopped, if it failed.
    pub error: Option<String>,
    /// Whether the progress panel is shown.
    pub show_progress: bool,
    job: FollowJob,
    /// The complete trace, once the file is complete.
    finished: Option<Arc<TraceDoc>>,
    /// The timeline view last set for "now" (a different view at the next frame means
    /// the user moved it).
    pinned: Option<TimelineView>,
    /// How many snapshots were shown.
    snapshots: u64,
}

impl LiveTab {
    /// Starts following `path`; `repaint` is called when a snapshot is ready.
    pub fn spawn(
        path: PathBuf,
        parse: ParseFn,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let job = FollowJob::spawn(path.clone(), parse, repaint)?;
        let doc = Arc::new(TraceDoc::new(Some(path), Trace::default()));
        Ok(Self {
            tab: TraceTab::new(doc),
            follow_now: true,
            error: None,
            show_progress: true,
            job,
            finished: None,
            pinned: None,
            snapshots: 0,
        })
    }

    /// The tab title: the file name, marked live.
    pub fn title(&self) -> String {
        format!("{} (live)", self.tab.doc.title)
    }

    /// How many snapshots of the file were shown so far.
    pub fn snapshots(&self) -> u64 {
        self.snapshots
    }

    /// Whether the file is complete (the app then calls [`LiveTab::into_finished`]).
    pub fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// The ordinary trace tab of the complete file, keeping the views.
    pub fn into_finished(mut self) -> TraceTab {
        if let Some(doc) = self.finished.take() {
            self.tab.set_doc(doc);
        }
        self.tab.replay.active = false;
        self.tab.replay.pause();
        self.tab
    }

    /// Takes what the follower thread handed over.
    pub fn poll(&mut self) {
        match self.job.poll() {
            Some(FollowUpdate::Live(doc)) => {
                let old = Arc::clone(&self.tab.doc);
                let same_graph = old.same_graph(&doc);
                self.tab.set_doc(doc);
                // Freed on the follower thread, not in this frame.
                self.job.retire(old);
                if self.follow_now && !same_graph {
                    // The drawing changed: keep all of it in view.
                    self.tab.graph.request_fit();
                }
                self.snapshots += 1;
            }
            Some(FollowUpdate::Finished(doc)) => {
                self.snapshots += 1;
                self.finished = Some(doc);
            }
            Some(FollowUpdate::Failed(e)) => self.error = Some(e),
            None => {}
        }
    }

    /// Puts the replay cursor and the timeline on the end of the run so far.
    fn keep_to_now(&mut self) {
        let doc = Arc::clone(&self.tab.doc);
        let (start, end) = (doc.model.start_ns(), doc.model.end_ns());
        let replay = &mut self.tab.replay;
        replay.active = true;
        replay.playing = false;
        replay.cursor_ns = end;
        let timeline = &mut self.tab.timeline;
        let width = timeline.last_width_px();
        if width <= 0.0 {
            // Before the first frame the timeline fits the run by itself.
            self.pinned = None;
            return;
        }
        let mut view = TimelineView::fit(start, end, width);
        // As the widget limits every view (a run of no length cannot be fitted exactly),
        // so that only the user's scrolling or zooming changes it.
        view.clamp_to(start, end, width);
        timeline.set_view(view);
        self.pinned = Some(view);
    }

    /// Shows the tab.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        settings: &mut Settings,
        theme: &Theme,
        keyboard: bool,
    ) -> Vec<AppCommand> {
        self.poll();
        if self.follow_now
            && let Some(pinned) = self.pinned
            && self.tab.timeline.view != pinned
        {
            // The user scrolled or zoomed the timeline since "now" was set: leave "now"
            // until asked back.
            self.follow_now = false;
            self.pinned = None;
        }
        if self.follow_now {
            self.keep_to_now();
        }
        egui::Panel::top("live").show(ui, |ui| self.live_bar(ui));
        if self.show_progress {
            egui::Panel::right("progress")
                .resizable(true)
                .default_size(280.0)
                .max_size(ui.available_width() * 0.35)
                .show(ui, |ui| progress::ui(ui, &self.tab.doc, theme));
        }
        self.tab.ui(ui, settings, theme, keyboard)
    }

    fn live_bar(&mut self, ui: &mut Ui) {
        let status = self.job.status();
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, "LIVE");
            ui.label(format!(
                "Following {} · {} events · {} read",
                self.job.path().display(),
                format_count(status.events),
                bytes_text(status.bytes_read)
            ));
            if status.restarts > 0 {
                ui.weak(format!(
                    "· rewritten {}, read again from the start",
                    format_counted(u64::from(status.restarts), "time", "times")
                ));
            }
            if let Some(note) = &status.note {
                ui.weak(format!("· {note}"));
            }
            ui.weak("· statistics at the end")
                .on_hover_text(super::stats::LIVE_ANALYSES);
            ui.separator();
            if self.follow_now {
                ui.weak("on now")
                    .on_hover_text("Scroll or zoom the timeline to look around");
            } else if ui
                .button("Back to now")
                .on_hover_text("Keep the views on the end of the run as it grows")
                .clicked()
            {
                self.follow_now = true;
            }
            ui.toggle_value(&mut self.show_progress, "Progress");
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
    }
}

/// A byte count in B, KB, MB or GB (decimal units), for the live line.
fn bytes_text(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::bytes_text;

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(bytes_text(0), "0 B");
        assert_eq!(bytes_text(999), "999 B");
        assert_eq!(bytes_text(1_500), "1.5 KB");
        assert_eq!(bytes_text(577_000_000), "577.0 MB");
        assert_eq!(bytes_text(2_000_000_000), "2.0 GB");
    }
}
