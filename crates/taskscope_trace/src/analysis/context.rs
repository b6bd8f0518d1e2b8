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
//!   (span → span, mapped to task → task, self-arrows and duplicates dropped).
//! - Dependencies are ordered by Kahn's algorithm. When the dependencies contain a
//!   cycle, the algorithm gets stuck; it then releases, among the tasks it could not
//!   order, the one that started first (then the lowest id), and ignores its
//!   dependencies that were not yet ordered. Every analysis uses only the edges that
//!   agree with this order, so it always sees an acyclic graph; the number of
//!   ignored edges is reported.

use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::model::{SpanKind, TaskId, Trace};

/// Where the dependencies used by an analysis came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencySource {
    /// The task graph's edges.
    Graph,
    /// Flow arrows between spans (foreign traces without a graph).
    Flows,
    /// Neither: every task is treated as independent.
    None,
}

/// Compressed rows: for each task, a slice of task ids.
#[derive(Clone, Debug, Default)]
pub(crate) struct Csr {
    starts: Vec<u32>,
    items: Vec<TaskId>,
}

impl Csr {
    /// The row of `task` (empty for an unknown id).
    pub(crate) fn row(&self, task: TaskId) -> &[TaskId] {
        let (Some(&start), Some(&end)) = (
            self.starts.get(task.index()),
            self.starts.get(task.index() + 1),
        ) else {
            return &[];
        };
        self.items.get(start as usize..end as usize).unwrap_or(&[])
    }

    /// Builds rows from `(row, item)` pairs; `rows` is the number of rows.
    ///
    /// # Complexity
    /// O(rows + pairs), two passes (counting sort).
    fn from_pairs(rows: usize, pairs: &[(TaskId, TaskId)]) -> Self {
        let mut starts = vec![0u32; rows + 1];
        for (row, _) in pairs {
            if let Some(c) = starts.get_mut(row.index() + 1) {
                *c += 1;
            }
        }
        prefix_sum(&mut starts);
        let mut fill = starts.clone();
        let mut items = vec![TaskId(0); pairs.len()];
        for &(row, item) in pairs {
            if let Some(slot) = fill.get_mut(row.index()) {
                if let Some(out) = items.get_mut(*slot as usize) {
                    *out = item;
                }
                *slot += 1;
            }
        }
        Self { starts, items }
    }
}

/// Turns counts (shifted by one) into start offsets.
fn prefix_sum(counts: &mut [u32]) {
    let mut total = 0u32;
    for c in counts.iter_mut() {
        total = total.saturating_add(*c);
        *c = total;
    }
}

/// The dependencies of each task, borrowed from the graph or built from flows.
#[derive(Debug)]
pub(crate) enum Deps<'a> {
    /// The graph's own edge lists.
    Graph(&'a crate::model::Graph),
    /// Edges derived from flow arrows (or none at all).
    Owned(Csr, DependencySource),
}

impl Deps<'_> {
    /// The tasks `task` depends on.
    pub(crate) fn of(&self, task: TaskId) -> &[TaskId] {
        match self {
            Self::Graph(graph) => graph.deps(task),
            Self::Owned(csr, _) => csr.row(task),
        }
    }

    /// Where the edges came from.
    pub(crate) fn source(&self) -> DependencySource {
        match self {
            Self::Graph(_) => DependencySource::Graph,
            Self::Owned(_, source) => *source,
        }
    }
}

/// Measured per-task times, from [`TaskTimes::of`].
#[derive(Clone, Debug, Default)]
pub(crate) struct TaskTimes {
    /// Union of the task's compute spans (see the module docs), 0 if it did not run.
    pub(crate) duration_ns: Vec<u64>,
    /// Earliest span start, `u64::MAX` if it did not run.
    pub(crate) start_ns: Vec<u64>,
    /// Latest span end, 0 if it did not run.
    pub(crate) end_ns: Vec<u64>,
    /// Sum of `duration_ns` over all tasks.
    pub(crate) total_work_ns: u64,
    /// How many tasks ran.
    pub(crate) ran_count: usize,
}

impl TaskTimes {
    /// Measures every task of `trace`.
    ///
    /// # Complexity
    /// O(V + S) when every task has at most one span of the kind that counts,
    /// plus O(M log M) for the M spans of tasks that have several.
    pub(crate) fn of(trace: &Trace) -> Self {
        // Per-task flags: whether it has one / several compute spans, one / several spans.
        const COMPUTE: u8 = 1;
        const MANY_COMPUTE: u8 = 2;
        const ANY: u8 = 4;
        const MANY_ANY: u8 = 8;
        let n = trace.graph().len();
        let mut start_ns = vec![u64::MAX; n];
        let mut end_ns = vec![0u64; n];
        // The sum of compute spans; fixed up below for tasks that need a union.
        let mut duration_ns = vec![0u64; n];
        let mut flags = vec![0u8; n];
        for span in trace.spans() {
            let t = span.task.index();
            let (Some(s), Some(e), Some(d), Some(f)) = (
                start_ns.get_mut(t),
                end_ns.get_mut(t),
                duration_ns.get_mut(t),
                flags.get_mut(t),
            ) else {
                continue;
            };
            *s = (*s).min(span.start_ns);
            *e = (*e).max(span.end_ns);
            *f |= if *f & ANY == 0 { ANY } else { MANY_ANY };
            if span.kind == SpanKind::Compute {
                *d = d.saturating_add(span.duration_ns());
                *f |= if *f & COMPUTE == 0 {
                    COMPUTE
                } else {
                    MANY_COMPUTE
                };
            }
        }
        // Tasks whose duration is not simply their one compute span's.
        let uses_compute = |f: u8| f & COMPUTE != 0;
        let needs_union = |f: u8| {
            if uses_compute(f) {
                f & MANY_COMPUTE != 0
            } else {
                f & ANY != 0
            }
        };
        if flags.iter().any(|&f| needs_union(f)) {
            let mut pieces: Vec<(u32, u64, u64)> = trace
                .spans()
                .iter()
                .filter(|s| {
                    let f = flags.get(s.task.index()).copied().unwrap_or(0);
                    needs_union(f) && (s.kind == SpanKind::Compute || !uses_compute(f))
                })
                .map(|s| (s.task.0, s.start_ns, s.end_ns))
                .collect();
            pieces.sort_unstable();
            for group in pieces.chunk_by(|a, b| a.0 == b.0) {
                let Some(&(task, _, _)) = group.first() else {
                    continue;
                };
                let union = union_length(group.iter().map(|&(_, s, e)| (s, e)));
                if let Some(d) = duration_ns.get_mut(task as usize) {
                    *d = union;
                }
            }
        }
        let total_work_ns = duration_ns.iter().fold(0u64, |a, &d| a.saturating_add(d));
        let ran_count = flags.iter().filter(|&&f| f & ANY != 0).count();
        Self {
            duration_ns,
            start_ns,
            end_ns,
            total_work_ns,
            ran_count,
        }
    }

    /// Whether `task` has at least one span.
    pub(crate) fn ran(&self, task: TaskId) -> bool {
        self.start_ns
            .get(task.index())
            .is_some_and(|&s| s != u64::MAX)
    }

    /// The task's measured duration (0 if unknown).
    pub(crate) fn duration(&self, task: TaskId) -> u64 {
        self.duration_ns.get(task.index()).copied().unwrap_or(0)
    }

    /// The task's first span start (`u64::MAX` if it did not run).
    pub(crate) fn start(&self, task: TaskId) -> u64 {
        self.start_ns.get(task.index()).copied().unwrap_or(u64::MAX)
    }

    /// The task's last span end (0 if it did not run).
    pub(crate) fn end(&self, task: TaskId) -> u64 {
        self.end_ns.get(task.index()).copied().unwrap_or(0)
    }
}

/// Total length of the union of intervals given in ascending order of start.
pub(crate) fn union_length(intervals: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut total = 0u64;
    let mut current: Option<(u64, u64)> = None;
    for (start, end) in intervals {
        match current {
            Some((s, e)) if start <= e => current = Some((s, e.max(end))),
            Some((s, e)) => {
                total = total.saturating_add(e - s);
                current = Some((start, end));
            }
            None => current = Some((start, end)),
        }
    }
    if let Some((s, e)) = current {
        total = total.saturating_add(e - s);
    }
    total
}

/// The dependencies of `trace`'s tasks (see the module docs for the source rule).
///
/// # Complexity
/// O(1) for graph edges; O(V + F log F) for F flow arrows.
pub(crate) fn dependencies(trace: &Trace) -> Deps<'_> {
    let graph = trace.graph();
    if graph.edge_count() > 0 {
        return Deps::Graph(graph);
    }
    if trace.flows().is_empty() {
        return Deps::Owned(Csr::from_pairs(graph.len(), &[]), DependencySource::None);
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
        Csr::from_pairs(graph.len(), &pairs),
        DependencySource::Flows,
    )
}

/// The reverse of `deps`: for each task, the tasks that depend on it, ascending.
///
/// # Complexity
/// O(V + E).
pub(crate) fn dependents(deps: &Deps<'_>, task_count: usize) -> Csr {
    let mut starts = vec![0u32; task_count + 1];
    let mut edges = 0usize;
    for t in 0..task_count {
        for dep in deps.of(TaskId(t as u32)) {
            if let Some(c) = starts.get_mut(dep.index() + 1) {
                *c += 1;
                edges += 1;
            }
        }
    }
    prefix_sum(&mut starts);
    let mut fill = starts.clone();
    let mut items = vec![TaskId(0); edges];
    for t in 0..task_count {
        let task = TaskId(t as u32);
        for dep in deps.of(task) {
            if let Some(slot) = fill.get_mut(dep.index()) {
                if let Some(out) = items.get_mut(*slot as usize) {
                    *out = task;
                }
                *slot += 1;
            }
        }
    }
    Csr { starts, items }
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
            for &user in users.row(task) {
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
    /// Reverse dependencies, built on first use (the critical path of a graph
    /// whose ids are already in dependency order never needs them).
    users: std::cell::OnceCell<Csr>,
    /// A cycle-free order.
    pub(crate) order: Order,
}

impl<'a> Context<'a> {
    /// Measures and orders `trace`.
    ///
    /// # Complexity
    /// O(V + E + S) (plus the sorts noted on [`TaskTimes::of`], [`dependencies`] and [`Order::new`]).
    pub(crate) fn new(trace: &'a Trace) -> Self {
        let n = trace.graph().len();
        let times = TaskTimes::of(trace);
        let deps = dependencies(trace);
        let users = std::cell::OnceCell::new();
        let order = if Order::ids_are_ordered(&deps, n) {
            Order::identity(n)
        } else {
            let built = users.get_or_init(|| dependents(&deps, n));
            Order::new(&deps, built, &times, n)
        };
        Self {
            trace,
            times,
            deps,
            users,
            order,
        }
    }

    /// The tasks that depend on each task.
    ///
    /// # Complexity
    /// O(V + E) on first use, O(1) after.
    pub(crate) fn users(&self) -> &Csr {
        self.users
            .get_or_init(|| dependents(&self.deps, self.times.duration_ns.len()))
    }

    /// The dependencies of `task` that ran and that agree with the order.
    pub(crate) fn kept_deps(&self, task: TaskId) -> impl Iterator<Item = TaskId> + '_ {
        self.deps
            .of(task)
            .iter()
            .copied()
            .filter(move |&d| self.times.ran(d) && self.order.keeps(d, task))
    }

    /// The dependents of `task` that ran and whose edge agrees with the order.
    pub(crate) fn kept_users(&self, task: TaskId) -> impl Iterator<Item = TaskId> + '_ {
        self.users()
            .row(task)
            .iter()
            .copied()
            .filter(move |&u| self.times.ran(u) && self.order.keeps(task, u))
    }

    /// For each task that ran, the longest measured path from it to the end,
    /// its own duration included (the "b-level"); 0 for tasks that did not run.
    ///
    /// # Complexity
    /// O(V + E), iterating the order backwards.
    pub(crate) fn bottom_levels(&self) -> Vec<u64> {
        let mut level = vec![0u64; self.times.duration_ns.len()];
        for &task in self.order.tasks.iter().rev() {
            if !self.times.ran(task) {
                continue;
            }
            let below = self
                .kept_users(task)
                .map(|u| level.get(u.index()).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            if let Some(l) = level.get_mut(task.index()) {
                *l = below.saturating_add(self.times.duration(task));
            }
        }
        level
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
