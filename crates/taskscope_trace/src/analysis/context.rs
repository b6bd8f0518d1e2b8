//! What every analysis needs first: each task's measured times, its dependencies
//! (from the graph, or from flow arrows), and an order that respects them.
//!
//! Definitions shared by the whole `analysis` module:
//! - A task **ran** when it has at least one span.
//! - Its **duration** is the length of the union of its `Compute` spans; a task
//!   with no `Compute` span (a foreign file that labels slices otherwise) uses the
//!   union of all its spans. Overlapping spans of one task are counted once.
//! - Its **start** is the earliest start of any of its spans, its **end** the latest end.
//! - **Dependencies** come from the graph when it has edges, else from flow arrows
//!   (span → span, mapped to task → task, self-arrows and duplicates dropped); a graph
//!   without edges whose dependencies were not recorded
//!   ([`crate::DependencyRecord::NotRecorded`]) has none known.
//! - Dependencies are ordered by Kahn's algorithm. When the dependencies contain a
//!   cycle, the algorithm gets stuck; it then releases, among the tasks it could not
//!   order, the one that started first (then the lowest id), and ignores its
//!   dependencies that were not yet ordered. Every analysis uses only the edges that
//!   agree with this order, so it always sees an acyclic graph; the number of
//!   ignored edges is reported.

use rustc_hash::FxHashSet;
use serde::Serialize;

use super::pieces::Pieces;
pub(crate) use crate::index::TaskTimes;
use crate::model::{DependencyRecord, TaskId, Trace};

/// Where the dependencies used by an analysis came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencySource {
    /// The task graph's recorded edges (none means the tasks need no input).
    Graph,
    /// Flow arrows between spans of a foreign file, which may not be all the
    /// dependencies (see [`crate::DependencyRecord::FlowArrows`]).
    Flows,
    /// The file could not record dependencies ([`crate::DependencyRecord::NotRecorded`]):
    /// every claim that rests on them is left out or says it assumes independent tasks.
    NotRecorded,
}

impl DependencySource {
    /// Whether dependencies are known at all (from the graph or from flow arrows).
    pub fn is_known(self) -> bool {
        self != Self::NotRecorded
    }
}

/// Compressed rows: for each task, a slice of task ids.
pub(crate) type Csr = crate::csr::Csr<TaskId>;

/// The dependencies of each task, borrowed from the graph or built from flows.
#[derive(Debug)]
pub(crate) enum Deps<'a> {
    /// The graph's own edge lists, recorded by its producer.
    Graph(&'a crate::model::Graph),
    /// The graph's edge lists, taken from a foreign file's flow arrows by its reader.
    Flows(&'a crate::model::Graph),
    /// Edges derived from flow arrows (or none at all).
    Owned(Csr, DependencySource),
}

impl Deps<'_> {
    /// The tasks `task` depends on.
    pub(crate) fn of(&self, task: TaskId) -> &[TaskId] {
        match self {
            Self::Graph(graph) | Self::Flows(graph) => graph.deps(task),
            Self::Owned(csr, _) => csr.row(task.index()),
        }
    }

    /// Where the edges came from.
    pub(crate) fn source(&self) -> DependencySource {
        match self {
            Self::Graph(_) => DependencySource::Graph,
            Self::Flows(_) => DependencySource::Flows,
            Self::Owned(_, source) => *source,
        }
    }
}

/// The dependencies of `trace`'s tasks (see the module docs for the source rule).
///
/// # Complexity
/// O(1) for graph edges; O(V + F log F) for F flow arrows.
pub(crate) fn dependencies(trace: &Trace) -> Deps<'_> {
    let graph = trace.graph();
    let record = graph.dependency_record();
    if graph.edge_count() > 0 {
        debug_assert!(
            record != DependencyRecord::NotRecorded,
            "a graph with edges recorded some dependencies"
        );
        return match record {
            DependencyRecord::FlowArrows => Deps::Flows(graph),
            DependencyRecord::Recorded | DependencyRecord::NotRecorded => Deps::Graph(graph),
        };
    }
    if trace.flows().is_empty() {
        return match record {
            DependencyRecord::Recorded => Deps::Graph(graph),
            DependencyRecord::FlowArrows | DependencyRecord::NotRecorded => {
                Deps::Owned(Csr::default(), DependencySource::NotRecorded)
            }
        };
    }
    // (consumer, producer) pairs, i.e. rows of dependencies.
    let mut pairs: Vec<(TaskId, TaskId)> = trace
        .flows()
        .iter()
        .filter_map(|flow| {
            let from = trace.span(flow.from)?.task;
            let to = trace.span(flow.to)?.task;
            (from != to).then_some((to, from))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    Deps::Owned(
        Csr::from_pairs(
            graph.len(),
            pairs.iter().map(|&(row, item)| (row.index(), item)),
        ),
        DependencySource::Flows,
    )
}

/// The reverse of `deps`: for each task, the tasks that depend on it, ascending.
///
/// # Complexity
/// O(V + E).
pub(crate) fn dependents(deps: &Deps<'_>, task_count: usize) -> Csr {
    let pairs = (0..task_count).flat_map(|t| {
        let task = TaskId(t as u32);
        deps.of(task).iter().map(move |dep| (dep.index(), task))
    });
    Csr::from_pairs(task_count, pairs)
}

/// A dependency-respecting order of all tasks, with cycles broken (see the module docs).
#[derive(Clone, Debug, Default)]
pub(crate) struct Order {
    /// Tasks in order.
    pub(crate) tasks: Vec<TaskId>,
    /// `position[t]` is the index of task `t` in `tasks` (left empty by
    /// [`Order::identity`]; only consulted when edges were ignored).
    pub(crate) position: Vec<u32>,
    /// Dependency edges ignored to break cycles.
    pub(crate) ignored_edges: u64,
}

impl Order {
    /// Whether every dependency has a lower id than its task, so that id order is
    /// already a dependency order (the engine and most files number tasks that way).
    ///
    /// # Complexity
    /// O(V + E), sequential.
    pub(crate) fn ids_are_ordered(deps: &Deps<'_>, task_count: usize) -> bool {
        (0..task_count).all(|t| deps.of(TaskId(t as u32)).iter().all(|d| d.index() < t))
    }

    /// Id order, for graphs where [`Order::ids_are_ordered`] holds.
    pub(crate) fn identity(task_count: usize) -> Self {
        Self {
            tasks: (0..task_count).map(|t| TaskId(t as u32)).collect(),
            // Not consulted: with no ignored edge, `keeps` answers without it.
            position: Vec::new(),
            ignored_edges: 0,
        }
    }

    /// Orders the tasks by Kahn's algorithm (FIFO, ties by id), breaking cycles.
    ///
    /// # Complexity
    /// O(V + E), plus O(V log V) once if a cycle has to be broken. No recursion.
    pub(crate) fn new(deps: &Deps<'_>, users: &Csr, times: &TaskTimes, task_count: usize) -> Self {
        let mut pending: Vec<u32> = (0..task_count)
            .map(|t| deps.of(TaskId(t as u32)).len() as u32)
            .collect();
        let mut placed = vec![false; task_count];
        let mut order = Vec::with_capacity(task_count);
        let mut queue: std::collections::VecDeque<TaskId> = (0..task_count)
            .filter(|&t| pending.get(t).copied() == Some(0))
            .map(|t| TaskId(t as u32))
            .collect();
        // Built only when a cycle is met: tasks by (first start, id).
        let mut by_start: Option<Vec<TaskId>> = None;
        let mut cursor = 0usize;
        let mut ignored_edges = 0u64;
        while order.len() < task_count {
            let task = if let Some(task) = queue.pop_front() {
                task
            } else {
                let candidates = by_start.get_or_insert_with(|| {
                    let mut all: Vec<TaskId> = (0..task_count).map(|t| TaskId(t as u32)).collect();
                    all.sort_by_key(|&t| (times.start(t), t));
                    all
                });
                while candidates
                    .get(cursor)
                    .is_some_and(|t| placed.get(t.index()).copied().unwrap_or(true))
                {
                    cursor += 1;
                }
                let Some(&forced) = candidates.get(cursor) else {
                    break;
                };
                if let Some(p) = pending.get_mut(forced.index()) {
                    ignored_edges += u64::from(*p);
                    *p = 0;
                }
                forced
            };
            if let Some(p) = placed.get_mut(task.index()) {
                if *p {
                    continue;
                }
                *p = true;
            }
            order.push(task);
            for &user in users.row(task.index()) {
                if let Some(p) = pending.get_mut(user.index())
                    && *p > 0
                {
                    *p -= 1;
                    if *p == 0 && !placed.get(user.index()).copied().unwrap_or(true) {
                        queue.push_back(user);
                    }
                }
            }
        }
        let mut position = vec![0u32; task_count];
        for (i, task) in order.iter().enumerate() {
            if let Some(p) = position.get_mut(task.index()) {
                *p = i as u32;
            }
        }
        Self {
            tasks: order,
            position,
            ignored_edges,
        }
    }

    /// Whether the edge `dep → task` agrees with the order (is not ignored).
    pub(crate) fn keeps(&self, dep: TaskId, task: TaskId) -> bool {
        if self.ignored_edges == 0 {
            // Without a broken cycle every edge agrees with the order.
            return true;
        }
        match (
            self.position.get(dep.index()),
            self.position.get(task.index()),
        ) {
            (Some(d), Some(t)) => d < t,
            _ => false,
        }
    }
}

/// Everything most analyses start from, computed once.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    /// The trace being analysed.
    pub(crate) trace: &'a Trace,
    /// Measured per-task times.
    pub(crate) times: TaskTimes,
    /// Dependencies (graph or flows).
    pub(crate) deps: Deps<'a>,
    /// A cycle-free order.
    pub(crate) order: Order,
    /// The pieces of work and the waits between them.
    pub(crate) pieces: Pieces,
}

impl<'a> Context<'a> {
    /// Measures and orders `trace`.
    ///
    /// # Complexity
    /// O(V + E + S) (plus the sorts noted on [`TaskTimes::new`], [`dependencies`] and [`Order::new`]).
    pub(crate) fn new(trace: &'a Trace) -> Self {
        let n = trace.graph().len();
        let times = TaskTimes::new(trace);
        let deps = dependencies(trace);
        let order = if Order::ids_are_ordered(&deps, n) {
            Order::identity(n)
        } else {
            Order::new(&deps, &dependents(&deps, n), &times, n)
        };
        let pieces = Pieces::new(trace, &times, &deps);
        Self {
            trace,
            times,
            deps,
            order,
            pieces,
        }
    }

    /// The dependencies of `task` that ran and that agree with the order.
    pub(crate) fn kept_deps(&self, task: TaskId) -> impl Iterator<Item = TaskId> + '_ {
        self.deps
            .of(task)
            .iter()
            .copied()
            .filter(move |&d| self.times.ran(d) && self.order.keeps(d, task))
    }

    /// For each task, its depth: 0 for tasks without kept dependencies, else one
    /// more than the deepest dependency. Counts hops, not time.
    ///
    /// # Complexity
    /// O(V + E).
    pub(crate) fn depths(&self) -> Vec<u32> {
        let mut depth = vec![0u32; self.times.duration_ns.len()];
        for &task in &self.order.tasks {
            let d = self
                .deps
                .of(task)
                .iter()
                .filter(|&&dep| self.order.keeps(dep, task))
                .map(|dep| depth.get(dep.index()).copied().unwrap_or(0) + 1)
                .max()
                .unwrap_or(0);
            if let Some(slot) = depth.get_mut(task.index()) {
                *slot = d;
            }
        }
        depth
    }

    /// The time from the first span start to the last span end.
    pub(crate) fn extent_ns(&self) -> u64 {
        self.trace.end_ns().saturating_sub(self.trace.start_ns())
    }
}

/// Distinct task ids, keeping the first occurrence's order.
pub(crate) fn dedup_keep_order(tasks: &mut Vec<TaskId>) {
    let mut seen = FxHashSet::default();
    tasks.retain(|t| seen.insert(*t));
}
