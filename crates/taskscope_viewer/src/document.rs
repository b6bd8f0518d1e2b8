//! A loaded trace and everything the views precompute from it (runtime data, never persisted).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use taskscope_egui::timeline::concurrency::ConcurrencyProfile as StripProfile;
use taskscope_egui::{
    DrawingOptions, DrawingTooBig, GraphLayout, KeyGroups, TimelineModel, TraceIndex,
    graph_drawing_with_groups, graph_layout,
};
use taskscope_trace::Trace;
use taskscope_trace::analysis::{
    ConcurrencyProfile, CriticalPath, Finding, NameStats, advise, concurrency_profile,
    critical_path, name_stats,
};

use crate::background::{Job, Poll};

/// What is computed after a trace is shown: the graph drawing and the analyses.
#[derive(Debug)]
pub struct Analyses {
    /// The default graph drawing (groups collapsed, output boxes shown); tabs
    /// replace it with [`DrawingJob`]s when the user expands groups.
    pub layout: Arc<GraphLayout>,
    /// The critical path.
    pub critical: CriticalPath,
    /// Per-name duration statistics, largest total first.
    pub stats: Vec<NameStats>,
    /// The advisor's findings, most important first.
    pub findings: Vec<Finding>,
}

impl Analyses {
    /// Lays out `trace`'s graph and analyses the run.
    ///
    /// # Complexity
    /// That of the layout and the analyses: about O(S log S + V log V + E).
    pub fn new(trace: &Trace) -> Self {
        Self {
            layout: Arc::new(graph_layout(trace)),
            critical: critical_path(trace),
            stats: name_stats(trace),
            findings: advise(trace),
        }
    }
}

/// One opened trace with what the views need. Shared read-only by the tabs that show it.
///
/// It is built in two stages so that a big trace shows as soon as it is read:
/// [`TraceDoc::first_stage`] builds what the timeline needs; [`TraceDoc::complete`]
/// (run afterwards on the loader thread) adds the [`Analyses`], which the UI reads
/// through [`TraceDoc::analyses`] once they are there.
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
    /// Running lanes over time and per-lane utilisation.
    pub profile: ConcurrencyProfile,
    analyses: OnceLock<Analyses>,
}

impl TraceDoc {
    /// Builds everything at once (both stages).
    pub fn new(path: Option<PathBuf>, trace: Trace) -> Self {
        let doc = Self::first_stage(path, trace);
        doc.complete();
        doc
    }

    /// Builds what the timeline needs: indexes, lanes, the concurrency profile.
    ///
    /// # Complexity
    /// O(S log L + V + E) for S spans on L lanes.
    pub fn first_stage(path: Option<PathBuf>, trace: Trace) -> Self {
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
        Self {
            path,
            title,
            trace,
            index,
            model,
            profile,
            analyses: OnceLock::new(),
        }
    }

    /// Computes the [`Analyses`] if they are not there yet (call it off the UI thread).
    pub fn complete(&self) {
        self.analyses.get_or_init(|| Analyses::new(&self.trace));
    }

    /// The graph drawing and the analyses, once computed.
    pub fn analyses(&self) -> Option<&Analyses> {
        self.analyses.get()
    }

    /// The run's wall time in ns ([`Trace::wall_ns`]).
    pub fn wall_ns(&self) -> u64 {
        self.trace.wall_ns()
    }

    /// The tasks of the critical path, in order (empty until the analyses are done).
    pub fn critical_tasks(&self) -> Vec<taskscope_trace::TaskId> {
        self.analyses()
            .map(|a| a.critical.steps.iter().map(|s| s.task).collect())
            .unwrap_or_default()
    }
}

/// A graph drawing being laid out on a background thread (after the user expanded
/// or collapsed a group, or switched output boxes on or off): a [`Job`] sending one
/// drawing.
///
/// The UI keeps showing the old drawing and polls; the thread never touches the UI.
#[derive(Debug)]
pub struct DrawingJob {
    options: DrawingOptions,
    job: Job<Result<GraphLayout, DrawingTooBig>>,
}

impl DrawingJob {
    /// Starts laying out `doc`'s graph with `options`; `repaint` is called when done.
    /// `groups`, the key groups of an earlier drawing of `doc`, spare the thread
    /// grouping every task again.
    ///
    /// # Errors
    /// When the thread cannot be started (the message says so).
    pub fn spawn(
        doc: Arc<TraceDoc>,
        options: DrawingOptions,
        groups: Option<Arc<KeyGroups>>,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let thread_options = options.clone();
        let job = Job::spawn(
            "taskscope-graph-layout",
            "laying out the graph".to_owned(),
            move |send: &dyn Fn(Result<GraphLayout, DrawingTooBig>) -> bool| {
                // Not wanted any more when a newer request replaced this one.
                send(graph_drawing_with_groups(
                    &doc.trace,
                    &thread_options,
                    groups,
                ));
            },
            repaint,
        )?;
        Ok(Self { options, job })
    }

    /// Whether the thread has sent its result (which [`DrawingJob::poll`] then returns).
    pub fn is_finished(&self) -> bool {
        self.job.has_ended()
    }

    /// The options being laid out.
    pub fn options(&self) -> &DrawingOptions {
        &self.options
    }

    /// The drawing once ready: `None` while the thread works, then the drawing, a
    /// refusal, or a message if the thread died.
    pub fn poll(&mut self) -> Option<Result<GraphLayout, String>> {
        match self.job.poll() {
            Poll::Pending => None,
            Poll::Message(result) => Some(result.map_err(|e| e.to_string())),
            Poll::Finished => Some(Err("the layout thread sent no drawing".to_owned())),
            Poll::Died(message) => Some(Err(message)),
        }
    }
}
