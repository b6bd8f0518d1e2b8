//! A loaded trace and everything the views precompute from it (runtime data, never persisted).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use taskscope_egui::{GraphLayout, TimelineLanes};
use taskscope_layout::{DrawingOptions, graph_drawing};
use taskscope_trace::analysis::{
    CriticalPath, Finding, NameStats, RunProgress, WorkerStats, advise, critical_path, name_stats,
    run_progress, worker_stats,
};
use taskscope_trace::{Trace, TraceIndex};

/// What is computed after a trace is shown: the graph drawing and the analyses.
#[derive(Debug)]
pub struct Analyses {
    /// The default graph drawing (groups collapsed, output boxes shown); tabs
    /// replace it with drawings of their [`crate::drawing::DrawingQueue`] when the
    /// user expands groups.
    pub layout: Arc<GraphLayout>,
    /// The critical path.
    pub critical: CriticalPath,
    /// Per-name duration statistics, largest total first.
    pub stats: Vec<NameStats>,
    /// The advisor's findings, most important first.
    pub findings: Vec<Finding>,
    /// Time per worker in compute, transfers, disk and deserialize.
    pub workers: Vec<WorkerStats>,
}

impl Analyses {
    /// Lays out `trace`'s graph (`index` is its index) and analyses the run.
    ///
    /// # Complexity
    /// That of the layout and the analyses: about O(S log S + V log V + E).
    pub fn new(trace: &Trace, index: &TraceIndex) -> Self {
        Self {
            layout: Arc::new(default_drawing(trace, index)),
            critical: critical_path(trace),
            stats: name_stats(trace),
            findings: advise(trace),
            workers: worker_stats(trace, index.workers()),
        }
    }
}

/// The default graph drawing of `trace` (groups collapsed, output boxes shown).
///
/// # Complexity
/// That of the layout: about O(V log V + E).
pub fn default_drawing(trace: &Trace, index: &TraceIndex) -> GraphLayout {
    // With nothing expanded a drawing is never refused (it falls back to simple
    // layers); the empty drawing only stands for that impossible case.
    graph_drawing(trace, index, &DrawingOptions::default())
        .map_or_else(|_| GraphLayout::default(), GraphLayout::new)
}

/// One opened trace with what the views need. Shared read-only by the tabs that show it.
///
/// It is built in two stages so that a big trace shows as soon as it is read:
/// [`TraceDoc::first_stage`] builds what the timeline needs; [`TraceDoc::complete`]
/// (run afterwards on the loader thread) adds the [`Analyses`], which the UI reads
/// through [`TraceDoc::analyses`] once they are there.
///
/// A followed file's trace so far is a *live* document ([`TraceDoc::live`]): it has a
/// graph drawing but no analyses (statistics, advisor, critical path), which come with
/// the finished file's ordinary document. Successive live documents of a graph that
/// does not change (a taskscope stream's) say so ([`TraceDoc::same_graph`]), so that
/// views keep what refers to its tasks.
#[derive(Debug)]
pub struct TraceDoc {
    /// The file it came from (`None` for a built-in demo).
    pub path: Option<PathBuf>,
    /// The tab title: the file name, or the run's title.
    pub title: String,
    /// The trace.
    pub trace: Trace,
    /// What is derived from the trace once: reverse edges, spans per task, task
    /// times, palette entries, the concurrency profile, key groups.
    pub index: TraceIndex,
    /// The timeline's lane layout and culling index.
    pub model: TimelineLanes,
    analyses: OnceLock<Analyses>,
    /// [`Trace::wall_ns`], a pass over the spans when the file has no wall time:
    /// computed once, not in every frame's status line.
    wall_ns: u64,
    /// The run's progress (the live tab's panel), computed once.
    progress: OnceLock<RunProgress>,
    /// A live document's graph drawing (ordinary documents have theirs in the analyses).
    live_drawing: Option<Arc<GraphLayout>>,
    /// Shared by the documents of one graph ([`TraceDoc::same_graph`]).
    graph_token: Arc<()>,
}

impl TraceDoc {
    /// Builds everything at once (both stages).
    pub fn new(path: Option<PathBuf>, trace: Trace) -> Self {
        let doc = Self::first_stage(path, trace);
        doc.complete();
        doc
    }

    /// Builds what the timeline needs: the trace's index, lanes, culling index.
    ///
    /// # Complexity
    /// O(S log L + V + E) for S spans on L lanes.
    pub fn first_stage(path: Option<PathBuf>, trace: Trace) -> Self {
        let index = TraceIndex::new(&trace);
        Self::with_index(path, trace, index)
    }

    /// [`TraceDoc::first_stage`] with the trace's index already built.
    fn with_index(path: Option<PathBuf>, trace: Trace, index: TraceIndex) -> Self {
        let title = path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| trace.meta().title.clone())
            .unwrap_or_else(|| "trace".to_owned());
        let model = TimelineLanes::new(&trace, &index);
        let wall_ns = trace.wall_ns();
        Self {
            path,
            title,
            trace,
            index,
            model,
            analyses: OnceLock::new(),
            wall_ns,
            progress: OnceLock::new(),
            live_drawing: None,
            graph_token: Arc::new(()),
        }
    }

    /// The document of a followed file's trace so far: what the timeline needs, the key
    /// groups and progress (the progress panel's) and the graph drawing. It never gets
    /// [`Analyses`] ([`TraceDoc::complete`] does nothing for it).
    ///
    /// `previous` is the live document of the same file before it grew, when the graph
    /// did not change (a taskscope stream's graph event gives it whole; only states
    /// change): the index is grown from its index ([`TraceIndex::grown`]: the graph's
    /// parts shared, the groups' tasks kept) and the two are the [same
    /// graph](TraceDoc::same_graph). Without it the graph is indexed from scratch.
    ///
    /// The graph is laid out again either way: a drawing's labels, tooltips and group
    /// summaries tell the tasks' durations and states, which change with every update.
    ///
    /// # Complexity
    /// With `previous`: O(S log L + V) plus the groups' summaries and the layout,
    /// nothing per edge or key for the index. Without: that of
    /// [`TraceDoc::first_stage`], the key groups and the layout.
    pub fn live(path: Option<PathBuf>, trace: Trace, previous: Option<&TraceDoc>) -> Self {
        let index = match previous {
            Some(p) => TraceIndex::grown(&trace, &p.index),
            None => TraceIndex::new(&trace),
        };
        let mut doc = Self::with_index(path, trace, index);
        // Built here, off the UI thread, not in the progress panel's frames.
        doc.progress();
        doc.live_drawing = Some(Arc::new(default_drawing(&doc.trace, &doc.index)));
        if let Some(p) = previous {
            debug_assert_eq!(p.trace.graph().len(), doc.trace.graph().len());
            doc.graph_token = Arc::clone(&p.graph_token);
        }
        doc
    }

    /// Whether `other` shows the same graph (the same tasks with the same ids, keys and
    /// dependencies; states may differ): successive live documents of a stream.
    pub fn same_graph(&self, other: &TraceDoc) -> bool {
        Arc::ptr_eq(&self.graph_token, &other.graph_token)
    }

    /// Whether this is a followed file's trace so far ([`TraceDoc::live`]).
    pub fn is_live(&self) -> bool {
        self.live_drawing.is_some()
    }

    /// The default graph drawing: a live document's, or the analyses' once computed.
    pub fn drawing(&self) -> Option<Arc<GraphLayout>> {
        self.live_drawing
            .clone()
            .or_else(|| self.analyses().map(|a| Arc::clone(&a.layout)))
    }

    /// Computes the [`Analyses`] if they are not there yet (call it off the UI thread);
    /// nothing for a live document.
    pub fn complete(&self) {
        if self.is_live() {
            return;
        }
        self.analyses
            .get_or_init(|| Analyses::new(&self.trace, &self.index));
    }

    /// The graph drawing and the analyses, once computed.
    pub fn analyses(&self) -> Option<&Analyses> {
        self.analyses.get()
    }

    /// The run's wall time in ns ([`Trace::wall_ns`]).
    pub fn wall_ns(&self) -> u64 {
        debug_assert_eq!(self.wall_ns, self.trace.wall_ns());
        self.wall_ns
    }

    /// The run's progress ([`run_progress`]: tasks finished per key group, rate, time
    /// left), computed on the first call (a live document's when it is built).
    ///
    /// # Complexity
    /// O(S + V) on the first call (the key groups, the run's extent), O(1) after.
    pub fn progress(&self) -> &RunProgress {
        self.progress
            .get_or_init(|| run_progress(&self.trace, &self.index))
    }

    /// The tasks of the critical path, in order (empty until the analyses are done).
    pub fn critical_tasks(&self) -> Vec<taskscope_trace::TaskId> {
        self.analyses()
            .map(|a| a.critical.steps.iter().map(|s| s.task).collect())
            .unwrap_or_default()
    }
}
