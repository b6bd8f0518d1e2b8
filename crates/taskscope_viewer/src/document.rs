//! A loaded trace and everything the views precompute from it (runtime data, never persisted).

use std::path::PathBuf;

use taskscope_egui::{GraphLayout, TimelineModel, TraceIndex, simple_layered_layout};
use taskscope_trace::Trace;

/// One opened trace with its indexes and graph layout. Shared read-only by the tabs that show it.
#[derive(Debug)]
pub struct TraceDoc {
    /// The file it came from (`None` for a built-in demo).
    pub path: Option<PathBuf>,
    /// The tab title: the file name, or the run's title.
    pub title: String,
    /// The trace.
    pub trace: Trace,
    /// Reverse edges, spans per task, task times, name colours.
    pub index: TraceIndex,
    /// The timeline's lane layout, culling index and concurrency profile.
    pub model: TimelineModel,
    /// The graph drawing.
    pub layout: GraphLayout,
}

impl TraceDoc {
    /// Builds the indexes and layout of `trace`.
    ///
    /// # Complexity
    /// O(S log S + V log V + E).
    pub fn new(path: Option<PathBuf>, trace: Trace) -> Self {
        let title = path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| trace.meta().title.clone())
            .unwrap_or_else(|| "trace".to_owned());
        let index = TraceIndex::new(&trace);
        let model = TimelineModel::new(&trace);
        let layout = simple_layered_layout(trace.graph());
        Self {
            path,
            title,
            trace,
            index,
            model,
            layout,
        }
    }

    /// The run's wall time in ns (from the first span start to the end).
    pub fn wall_ns(&self) -> u64 {
        self.model.end_ns().saturating_sub(self.model.start_ns())
    }
}
