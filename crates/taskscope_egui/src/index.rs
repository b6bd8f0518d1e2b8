//! Per-trace lookups that several widgets share, computed once when a trace is opened.

use egui::Color32;
use taskscope_trace::{Dependents, SpanId, SpansByTask, TaskId, Trace};

use crate::replay::TaskTimes;
use crate::theme::name_palette;

/// Reverse edges, spans per task, task times and name colours of one trace.
///
/// It does not own the trace; pass the same trace it was built from to every method.
#[derive(Clone, Debug, Default)]
pub struct TraceIndex {
    /// For each task, the tasks that use its result.
    pub dependents: Dependents,
    /// For each task, its spans.
    pub spans_by_task: SpansByTask,
    /// For each task, its first start and last end.
    pub task_times: TaskTimes,
    /// The colour of each interned name, indexed by `NameId`.
    pub name_colors: Vec<Color32>,
}

impl TraceIndex {
    /// Builds the index of `trace`.
    ///
    /// # Complexity
    /// O(V + E + S) time and memory.
    pub fn new(trace: &Trace) -> Self {
        Self {
            dependents: trace.graph().dependents(),
            spans_by_task: trace.spans_by_task(),
            task_times: TaskTimes::from_trace(trace),
            name_colors: name_palette(trace.graph().names()),
        }
    }

    /// The colour of `task`'s name (grey for an unknown task).
    pub fn task_color(&self, trace: &Trace, task: TaskId) -> Color32 {
        trace
            .graph()
            .name_id(task)
            .and_then(|n| self.name_colors.get(n.index()).copied())
            .unwrap_or(Color32::GRAY)
    }

    /// The span of `task` that starts first.
    pub fn first_span(&self, trace: &Trace, task: TaskId) -> Option<SpanId> {
        self.spans_by_task
            .spans(task)
            .iter()
            .copied()
            .min_by_key(|s| trace.span(*s).map(|s| s.start_ns))
    }

    /// The span of `task` that ends last.
    pub fn last_span(&self, trace: &Trace, task: TaskId) -> Option<SpanId> {
        self.spans_by_task
            .spans(task)
            .iter()
            .copied()
            .max_by_key(|s| trace.span(*s).map(|s| s.end_ns))
    }
}
