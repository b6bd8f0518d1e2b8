//! A loaded trace and everything the views precompute from it (runtime data, never persisted).

use std::path::PathBuf;

use taskscope_egui::timeline::concurrency::ConcurrencyProfile as StripProfile;
use taskscope_egui::{GraphLayout, TimelineModel, TraceIndex, graph_layout};
use taskscope_trace::Trace;
use taskscope_trace::analysis::{
    ConcurrencyProfile, CriticalPath, Finding, NameStats, advise, concurrency_profile,
    critical_path, name_stats,
};

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
    /// The critical path.
    pub critical: CriticalPath,
    /// Per-name duration statistics, largest total first.
    pub stats: Vec<NameStats>,
    /// Running lanes over time and per-lane utilisation.
    pub profile: ConcurrencyProfile,
    /// The advisor's findings, most important first.
    pub findings: Vec<Finding>,
}

impl TraceDoc {
    /// Builds the indexes, the layout and the analyses of `trace` (call it off the UI thread).
    ///
    /// # Complexity
    /// O(S log S + V log V + E), dominated by the analyses and the layout.
    pub fn new(path: Option<PathBuf>, trace: Trace) -> Self {
        let title = path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| trace.meta().title.clone())
            .unwrap_or_else(|| "trace".to_owned());
        let index = TraceIndex::new(&trace);
        let profile = concurrency_profile(&trace);
        let (times, running) = profile.steps.iter().copied().unzip();
        let model =
            TimelineModel::with_concurrency(&trace, StripProfile::from_steps(times, running));
        let layout = graph_layout(&trace);
        let critical = critical_path(&trace);
        let stats = name_stats(&trace);
        let findings = advise(&trace);
        Self {
            path,
            title,
            trace,
            index,
            model,
            layout,
            critical,
            stats,
            profile,
            findings,
        }
    }

    /// The run's wall time in ns ([`Trace::wall_ns`]).
    pub fn wall_ns(&self) -> u64 {
        self.trace.wall_ns()
    }

    /// The tasks of the critical path, in order.
    pub fn critical_tasks(&self) -> Vec<taskscope_trace::TaskId> {
        self.critical.steps.iter().map(|s| s.task).collect()
    }
}
