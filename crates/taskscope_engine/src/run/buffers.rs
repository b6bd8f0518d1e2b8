//! The buffers of one run, kept by a pool for its next run: the per-task slots and
//! the per-lane span buffers.

use taskscope_trace::Span;

use crate::slots::TaskBuffers;

/// A lane's spans, in nanoseconds since the run started.
pub(crate) type LaneSpans = Vec<Span>;

/// Everything a run needs per task and per lane; a pool keeps one for its next run.
pub(crate) struct RunBuffers {
    pub(crate) tasks: TaskBuffers,
    /// One span buffer per lane (cleared, capacity kept).
    pub(crate) lanes: Vec<LaneSpans>,
}

impl Default for RunBuffers {
    /// Empty buffers; they grow on first use.
    fn default() -> Self {
        Self {
            tasks: TaskBuffers::with_capacity(0),
            lanes: Vec::new(),
        }
    }
}

impl RunBuffers {
    /// Readies the buffers for a run of `tasks` tasks on `lanes` lanes.
    ///
    /// # Complexity
    /// O(`tasks`): zeroes the counters (a `memset`); allocates only when `tasks` is more
    /// than any earlier run had.
    pub(crate) fn prepare(&mut self, tasks: usize, lanes: usize) {
        self.tasks.prepare(tasks);
        self.lanes.resize_with(lanes, Vec::new);
        self.lanes.truncate(lanes);
        for lane in &mut self.lanes {
            lane.clear();
        }
    }
}
