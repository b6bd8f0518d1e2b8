//! The per-trace index: every fact derived from a trace that more than one place
//! needs, computed once and borrowed by the analyses, the scenes of
//! `taskscope_layout`, the egui widgets and the viewer.
//!
//! What it holds ([`TraceIndex`]):
//! - reverse edges ([`crate::Dependents`]) and each task's spans ([`crate::SpansByTask`]);
//! - per-task times, durations and lanes ([`TaskTimes`], with [`RunState`] for replays);
//! - each task's palette entry ([`crate::PaletteIndex`]): its name's colour everywhere;
//! - the concurrency profile: busy lanes over time as a step function with block
//!   maxima, and per-lane busy time ([`ConcurrencyProfile`]);
//! - key-prefix groups with their summaries ([`KeyGroups`], by Dask's [`key_split`]),
//!   built on first use (grouping costs a pass over every key; small graphs never
//!   need it), and their parts ([`KeyGroups::split`]);
//! - a task's neighbourhood, its inputs and users a few steps out ([`neighbourhood`]);
//! - workers: lanes grouped by process, with cluster addresses and io lanes
//!   ([`Workers`]), to resolve a transfer's sender.
//!
//! Durations are printed everywhere by [`crate::analysis::format_duration_ns`].
//! This module decides nothing about drawing: colours as RGB, what is drawn and
//! how it is laid out belong to `taskscope_layout`.
//!
//! # Growing traces
//! Everything here is built by passes over the spans and tasks in id order with
//! counting sorts, so a trace that grows by appended spans (a live trace) can
//! rebuild its index in O(V + E + S log L) after each batch, off the UI thread.
//! When its graph stays the same (a taskscope stream's graph event gives it whole),
//! [`TraceIndex::grown`] shares the graph's parts with the previous index and keeps
//! the key groups' tasks, so only what depends on the spans is built again.
//! The parts could also grow in place: [`TaskTimes`] and the palette entries are
//! per task and take new spans and tasks one by one (min/max, a union for the few
//! tasks with several spans); the step function appends while new spans start after
//! its last step and needs a re-merge only for late spans; reverse edges and spans
//! per task are compressed rows that take appended tasks at the end; groups number
//! groups by first appearance, so new tasks only add to the summaries (and new
//! groups at the end).

mod groups;
mod neighbours;
mod times;
mod workers;

use std::sync::{Arc, OnceLock};

pub use groups::{
    GroupInfo, KeyGroups, PartOf, SPLIT_PARTS, StateCounts, is_part_of, key_prefix, key_split,
};
pub use neighbours::{NEIGHBOURHOOD_LIMIT, NEIGHBOURHOOD_STEPS, neighbourhood};
pub use times::{RunState, TaskTimes};
pub use workers::{Worker, Workers};

pub use crate::analysis::ConcurrencyProfile;
use crate::analysis::concurrency_profile;
use crate::model::{Dependents, Graph, SpanId, SpansByTask, TaskId, Trace};
use crate::palette::PaletteIndex;

/// Derived facts of one trace (see the module docs), computed once.
///
/// It does not own the trace; pass the same trace (or graph) it was built from to
/// the methods that take one.
#[derive(Debug, Default)]
pub struct TraceIndex {
    /// Shared with [`TraceIndex::grown`] indexes of the same graph.
    dependents: Arc<Dependents>,
    spans_by_task: SpansByTask,
    times: TaskTimes,
    /// Shared like `dependents`.
    palette: Arc<[PaletteIndex]>,
    concurrency: ConcurrencyProfile,
    groups: OnceLock<Arc<KeyGroups>>,
    workers: Workers,
}

impl Clone for TraceIndex {
    fn clone(&self) -> Self {
        let groups = OnceLock::new();
        if let Some(g) = self.groups.get() {
            let _ = groups.set(Arc::clone(g));
        }
        Self {
            dependents: Arc::clone(&self.dependents),
            spans_by_task: self.spans_by_task.clone(),
            times: self.times.clone(),
            palette: Arc::clone(&self.palette),
            concurrency: self.concurrency.clone(),
            groups,
            workers: self.workers.clone(),
        }
    }
}

impl TraceIndex {
    /// Builds the index of `trace` (groups are built on first use).
    ///
    /// # Complexity
    /// O(V + E + S log L) time, O(V + E + S) memory, for V tasks, E dependencies and S
    /// spans on L lanes (plus the unions of the few tasks with several spans).
    pub fn new(trace: &Trace) -> Self {
        let graph = trace.graph();
        Self {
            dependents: Arc::new(graph.dependents()),
            spans_by_task: trace.spans_by_task(),
            times: TaskTimes::new(trace),
            palette: task_palette(graph).into(),
            concurrency: concurrency_profile(trace),
            groups: OnceLock::new(),
            workers: Workers::new(trace),
        }
    }

    /// The index of `trace`, a trace whose graph has the tasks, keys, names and
    /// dependencies of the graph `previous` indexes (states may differ), e.g. a live
    /// trace that grew by spans: what depends on the graph alone (reverse edges, palette
    /// entries) is shared with `previous`, the key groups keep their tasks and are only
    /// summed again (if `previous` had built them), and what depends on the spans is
    /// built.
    ///
    /// Same answers as [`TraceIndex::new`] of `trace`.
    ///
    /// # Complexity
    /// O(V + S log L) time (plus O(V log V + E) for the groups' summaries), and no
    /// work per edge, name or key; the shared parts take no memory.
    pub fn grown(trace: &Trace, previous: &TraceIndex) -> Self {
        let graph = trace.graph();
        debug_assert_eq!(previous.palette.len(), graph.len(), "the same tasks");
        let times = TaskTimes::new(trace);
        let groups = OnceLock::new();
        if let Some(g) = previous.groups.get() {
            let _ = groups.set(Arc::new(g.regrouped(graph, &times)));
        }
        Self {
            dependents: Arc::clone(&previous.dependents),
            spans_by_task: trace.spans_by_task(),
            times,
            palette: Arc::clone(&previous.palette),
            concurrency: concurrency_profile(trace),
            groups,
            workers: Workers::new(trace),
        }
    }

    /// The index of a graph that has not run (no spans): every task "did not run".
    ///
    /// # Complexity
    /// O(V + E).
    pub fn of_graph(graph: &Graph) -> Self {
        Self {
            dependents: Arc::new(graph.dependents()),
            spans_by_task: SpansByTask::default(),
            times: TaskTimes::not_run(graph.len()),
            palette: task_palette(graph).into(),
            concurrency: concurrency_profile(&Trace::default()),
            groups: OnceLock::new(),
            workers: Workers::default(),
        }
    }

    /// How many lanes are busy at `t_ns`, as the replay shows it: the concurrency
    /// profile's count, plus the tasks that never end (an unclosed span: they were
    /// running where the trace was cut off, see [`TaskTimes::state_at`]) whose spans
    /// stop at or before `t_ns`.
    ///
    /// # Complexity
    /// O(log steps + log u) for the u unfinished tasks.
    pub fn running_at(&self, t_ns: u64) -> u32 {
        self.concurrency
            .steps
            .running_at(t_ns)
            .saturating_add(self.times.unfinished_past_their_spans(t_ns))
    }

    /// For each task, the tasks that use its result.
    pub fn dependents(&self) -> &Dependents {
        &self.dependents
    }

    /// For each task, its spans.
    pub fn spans_by_task(&self) -> &SpansByTask {
        &self.spans_by_task
    }

    /// Per-task times, durations and lanes.
    pub fn times(&self) -> &TaskTimes {
        &self.times
    }

    /// The palette entry of `task`'s name: its colour in every picture.
    pub fn palette(&self, task: TaskId) -> PaletteIndex {
        self.palette.get(task.index()).copied().unwrap_or_default()
    }

    /// Busy lanes over time and per-lane busy time (empty for [`TraceIndex::of_graph`]).
    pub fn concurrency(&self) -> &ConcurrencyProfile {
        &self.concurrency
    }

    /// The lanes grouped into workers (empty for [`TraceIndex::of_graph`]).
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// How many workers ran `trace` (the trace this index was built from): see
    /// [`Workers::worker_count`].
    pub fn worker_count(&self, trace: &Trace) -> u32 {
        self.workers.worker_count(trace, &self.times)
    }

    /// The key-prefix groups of `graph` (the graph this index was built from), built
    /// on the first call.
    ///
    /// # Complexity
    /// O(V × key length + V log V + E) on the first call, O(1) after.
    pub fn groups(&self, graph: &Graph) -> &Arc<KeyGroups> {
        debug_assert!(
            self.times.len() == graph.len(),
            "the index was built from this graph"
        );
        self.groups
            .get_or_init(|| Arc::new(KeyGroups::new(graph, &self.times)))
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

/// Each task's palette entry, hashing each distinct name once.
///
/// # Complexity
/// O(total name bytes + V).
fn task_palette(graph: &Graph) -> Vec<PaletteIndex> {
    let by_name: Vec<PaletteIndex> = graph
        .names()
        .iter()
        .map(|(_, name)| PaletteIndex::of_name(name))
        .collect();
    graph
        .tasks()
        .map(|t| {
            graph
                .name_id(t)
                .and_then(|n| by_name.get(n.index()).copied())
                .unwrap_or_else(|| PaletteIndex::of_name(""))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lane, LaneId, RunMeta, Span, SpanKind, TaskState, TraceBuilder};

    /// A graph of `inc-i` and `add-i` tasks, the first `spans` of them run on two lanes.
    fn grown_run(spans: usize) -> Trace {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let mut prev = None;
        for i in 0..8u64 {
            let inc = g
                .add_task(&format!("inc-{i}"), "inc", [], TaskState::NotRun)
                .unwrap();
            let deps: Vec<TaskId> = prev.into_iter().chain([inc]).collect();
            prev = Some(
                g.add_task(&format!("add-{i}"), "add", deps, TaskState::NotRun)
                    .unwrap(),
            );
        }
        b.add_lane(Lane::default()).unwrap();
        b.add_lane(Lane::default()).unwrap();
        for i in 0..spans {
            let task = TaskId(i as u32);
            b.graph_mut().set_state(task, TaskState::Done);
            let start_ns = i as u64 * 10;
            b.add_span(Span {
                start_ns,
                end_ns: start_ns + 15,
                task,
                lane: LaneId(i as u32 % 2),
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
        b.build().unwrap()
    }

    #[test]
    fn a_grown_index_answers_as_a_new_one_and_shares_the_graphs_parts() {
        let mut previous = TraceIndex::new(&grown_run(3));
        for spans in [3, 4, 9, 16] {
            let trace = grown_run(spans);
            // Groups built on the previous index are carried on; else built on first use.
            let had_groups = previous.groups.get().is_some();
            let grown = TraceIndex::grown(&trace, &previous);
            let new = TraceIndex::new(&trace);
            assert_eq!(grown.groups.get().is_some(), had_groups);
            let graph = trace.graph();
            for t in graph.tasks() {
                assert_eq!(grown.dependents().users(t), new.dependents().users(t));
                assert_eq!(grown.palette(t), new.palette(t));
                assert_eq!(grown.spans_by_task().spans(t), new.spans_by_task().spans(t));
            }
            assert_eq!(grown.times(), new.times());
            assert_eq!(grown.concurrency(), new.concurrency());
            assert_eq!(grown.groups(graph), new.groups(graph));
            assert_eq!(
                grown.groups(graph).get(0).unwrap().states.done,
                spans.div_ceil(2)
            );
            // Nothing of the graph was built again.
            assert!(Arc::ptr_eq(&grown.dependents, &previous.dependents));
            assert!(Arc::ptr_eq(&grown.palette, &previous.palette));
            previous = grown;
        }
    }

    #[test]
    fn running_counts_agree_with_the_states_of_a_cut_off_trace() {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let done = g.add_task("done", "f", [], TaskState::Done).unwrap();
        let open = g.add_task("open", "f", [], TaskState::NotRun).unwrap();
        b.add_lane(Lane::default()).unwrap();
        b.add_lane(Lane::default()).unwrap();
        let span = |task, lane, (start_ns, end_ns), unclosed| Span {
            start_ns,
            end_ns,
            task,
            lane: LaneId(lane),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed,
        };
        b.add_span(span(done, 0, (0, 10), false)).unwrap();
        // Running where the trace was cut off: its span ends there, at 30.
        b.add_span(span(open, 1, (20, 30), true)).unwrap();
        let trace = b.build().unwrap();
        let index = TraceIndex::new(&trace);
        for t in [0, 5, 10, 20, 29, 30, 31, u64::MAX] {
            let running = trace
                .graph()
                .tasks()
                .filter(|&task| index.times().state_at(task, t) == RunState::Running)
                .count();
            assert_eq!(index.running_at(t) as usize, running, "at {t}");
        }
        assert_eq!(
            index.running_at(30),
            1,
            "running at the end of what was read"
        );
    }

    #[test]
    fn one_index_answers_every_derived_question() {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
        let z = g.add_task("add-3", "add", [x, y], TaskState::Done).unwrap();
        b.add_lane(Lane::default()).unwrap();
        b.add_lane(Lane::default()).unwrap();
        for (task, lane, s, e) in [(x, 0, 0, 10), (y, 1, 0, 9), (z, 0, 10, 20)] {
            b.add_span(Span {
                start_ns: s,
                end_ns: e,
                task,
                lane: LaneId(lane),
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
        let trace = b.build().unwrap();
        let index = TraceIndex::new(&trace);
        assert_eq!(index.dependents().users(x), &[z]);
        assert_eq!(index.spans_by_task().spans(z).len(), 1);
        assert_eq!(index.times().duration_ns(z), Some(10));
        assert_eq!(index.palette(x), PaletteIndex::of_name("inc"));
        assert_eq!(index.palette(z), PaletteIndex::of_name("add"));
        assert_eq!(index.concurrency().max_running, 2);
        assert_eq!(index.concurrency().steps.running_at(9), 1);
        let groups = index.groups(trace.graph());
        assert_eq!(groups.len(), 2);
        assert!(
            Arc::ptr_eq(groups, index.groups(trace.graph())),
            "built once"
        );
        assert!(Arc::ptr_eq(groups, index.clone().groups(trace.graph())));
        let first = index.first_span(&trace, z).unwrap();
        assert_eq!(trace.span(first).unwrap().start_ns, 10);
        let bare = TraceIndex::of_graph(trace.graph());
        assert_eq!(bare.times().ran_count(), 0);
        assert_eq!(bare.groups(trace.graph()).get(0).unwrap().ran, 0);
    }
}
