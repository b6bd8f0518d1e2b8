//! The streaming trace of a run: the watcher thread moves the spans the workers published
//! into a [`StreamWriter`] and flushes it on every tick; the run's end appends the rest.
//!
//! A task seen running at a tick (in its lane's running slot, its span not published yet)
//! is written as a `B` event, and its span, once it arrives, as the `E` that closes it
//! (an `X` otherwise). The `B`'s time is the start the engine records for the span: the
//! start the worker published, or the latest end of the task's inputs if later
//! (`RunState::run_task`'s rule; the inputs' spans were all published before the task
//! could start, so the watcher has them). The one difference: a task that fails before
//! reading all its inputs gets a span clamped only to the inputs it read, so its slice
//! may start later in the stream than in the saved trace, by at most the time between its
//! published start and the end of an input it did not read.
//!
//! This module decides what reaches the file and when an error stops the stream. The
//! bytes are the trace crate's (`taskscope_trace::format::StreamWriter`).

use std::path::Path;
use std::sync::Arc;

use taskscope_trace::{FormatError, Graph, Lane, LaneId, StreamWriter, TaskId, TaskState, Trace};

use super::log::LogReader;
use super::{Entry, LiveLane};

/// A run's stream, owned by the watcher thread.
pub(crate) struct Stream {
    writer: StreamWriter,
    graph: Arc<Graph>,
    /// Per task: its span's end + 1 once published, 0 before (allocated at the first tick).
    ends: Vec<u64>,
    /// Per lane: the task running at this tick and its published start (reused).
    running: Vec<Option<(u32, u64)>>,
    /// The first write error; nothing more is written after it.
    error: Option<FormatError>,
}

impl Stream {
    /// Creates the file with the run's graph and its lanes (the compute fails at once if
    /// the file cannot be created: before any task runs).
    pub(crate) fn create(
        path: &Path,
        graph: Arc<Graph>,
        lanes: &[Lane],
    ) -> Result<Self, FormatError> {
        Ok(Self {
            writer: StreamWriter::create(path, Arc::clone(&graph), lanes)?,
            graph,
            ends: Vec::new(),
            running: Vec::new(),
            error: None,
        })
    }

    /// Writes the tasks of `lanes` (the lanes of `readers`, in order) running now, and
    /// every span published since the last tick, into the file; and, while a task is
    /// running, how far the run has got (`now_ns`, if known), so that a reader sees how
    /// long it has been running.
    pub(crate) fn tick(
        &mut self,
        lanes: &[LiveLane],
        readers: &mut [LogReader<'_, Entry>],
        now_ns: Option<u64>,
    ) {
        if self.error.is_some() {
            return;
        }
        if self.ends.is_empty() {
            self.ends = vec![0; self.graph.len()];
        }
        // The running slots first: what their workers published before (their earlier
        // spans, and so the spans of the running tasks' inputs, which ended before those
        // tasks were ready) is visible to the drains below.
        self.running.clear();
        self.running
            .extend(lanes.iter().map(|lane| lane.running.read()));
        debug_assert_eq!(lanes.len(), readers.len(), "a reader per lane");
        for reader in readers {
            let (writer, ends) = (&mut self.writer, &mut self.ends);
            reader.drain(|entry| {
                let span = entry.span;
                let status = if entry.failed {
                    TaskState::Failed
                } else {
                    TaskState::Done
                };
                if let Some(end) = ends.get_mut(span.task.index()) {
                    *end = span.end_ns.saturating_add(1);
                }
                match writer.open_task(span.lane) {
                    Some((task, _)) if task == span.task => writer.push_end(&span, status),
                    _ => writer.push_span(&span, status),
                }
            });
        }
        for (lane, running) in self.running.iter().enumerate() {
            let lane = LaneId(lane as u32);
            let Some((task, base_ns)) = *running else {
                continue;
            };
            let ended = self.ends.get(task as usize).is_none_or(|&e| e > 0);
            if ended || self.writer.open_task(lane).is_some() {
                continue;
            }
            let start_ns = span_start(&self.graph, &self.ends, TaskId(task), base_ns);
            self.writer.push_begin(TaskId(task), lane, start_ns);
        }
        let open = (0..lanes.len()).filter_map(|l| self.writer.open_task(LaneId(l as u32)));
        // Now is after every open task's start (the clock moves on); the max only guards
        // against two cores' clocks disagreeing by a little.
        if let Some(latest_start) = open.map(|(_, start_ns)| start_ns).max()
            && let Some(now_ns) = now_ns
        {
            self.writer.push_now(now_ns.max(latest_start));
        }
        if let Err(e) = self.writer.flush() {
            self.error = Some(e);
        }
    }

    /// Ends the stream: with `trace`, the run's trace, the file becomes what
    /// `trace.save` writes; without (the trace could not be built), it stays a
    /// truncated stream. Returns the first error of the whole stream.
    pub(crate) fn finish(self, trace: Option<&Trace>) -> Result<(), FormatError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match trace {
            Some(trace) => self.writer.finish(trace),
            None => Ok(()),
        }
    }
}

/// The start the engine records for the span of `task` published with `base_ns`: the
/// latest of `base_ns` and its inputs' ends (`ends`: end + 1 per task, 0 unknown).
fn span_start(graph: &Graph, ends: &[u64], task: TaskId, base_ns: u64) -> u64 {
    graph.deps(task).iter().fold(base_ns, |start, dep| {
        let end = ends.get(dep.index()).copied().unwrap_or(0);
        // The input's span was published before the task could start (module docs).
        debug_assert!(end > 0, "the span of input {dep:?} of {task:?} is known");
        start.max(end.saturating_sub(1))
    })
}
