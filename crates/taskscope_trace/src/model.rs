//! The validated trace model: a task graph, worker lanes and timed spans.
//!
//! Everything here is index based. Tasks, lanes, names and spans are `u32`
//! newtypes into columnar tables owned by [`Graph`] and [`Trace`]; accessors
//! take an id and return `Option` (or an empty slice) for ids that do not exist.
//!
//! A [`Trace`] is only made by [`TraceBuilder::build`], which checks every id,
//! sorts spans by lane and start time, and records per-lane ranges. Readers of
//! foreign formats parse into a builder once; analysis and drawing then trust
//! the invariants documented on [`Trace`].
//!
//! Times are integer nanoseconds relative to the trace's origin
//! ([`RunMeta::origin_ns`]), never floating-point seconds.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::args::{ArgTable, ArgValue, RunArgs};
use crate::csr::Csr;

/// Errors raised while assembling a [`Graph`] or a [`Trace`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    /// A task lists a dependency id that is not a task of the graph.
    #[error("task {task} depends on task id {dep}, but the graph has only {count} tasks")]
    UnknownDependency {
        /// The task holding the bad reference.
        task: u32,
        /// The id it refers to.
        dep: u32,
        /// How many tasks the graph has.
        count: u32,
    },
    /// A span names a task id that is not in the graph.
    #[error("span {span} refers to task id {task}, but the graph has only {count} tasks")]
    UnknownTask {
        /// Index of the span, in insertion order.
        span: u32,
        /// The task id it refers to.
        task: u32,
        /// How many tasks the graph has.
        count: u32,
    },
    /// A span names a lane id that was never added.
    #[error("span {span} refers to lane id {lane}, but the trace has only {count} lanes")]
    UnknownLane {
        /// Index of the span, in insertion order.
        span: u32,
        /// The lane id it refers to.
        lane: u32,
        /// How many lanes the trace has.
        count: u32,
    },
    /// A span ends before it starts.
    #[error("span {span} ends at {end_ns} ns, before its start at {start_ns} ns")]
    NegativeDuration {
        /// Index of the span, in insertion order.
        span: u32,
        /// Start time in ns.
        start_ns: u64,
        /// End time in ns.
        end_ns: u64,
    },
    /// A flow arrow refers to a span that does not exist.
    #[error("flow {flow} refers to span {span}, but the trace has only {count} spans")]
    UnknownSpan {
        /// Index of the flow, in insertion order.
        flow: u32,
        /// The span index it refers to.
        span: u32,
        /// How many spans the trace has.
        count: u32,
    },
    /// An arg (see [`crate::args`]) is attached to a span or task that does not exist.
    #[error("an arg is attached to {what} id {id}, but the trace has only {count} {what}s")]
    UnknownArgOwner {
        /// `span` or `task`.
        what: &'static str,
        /// The id it is attached to (a span's insertion-order id).
        id: u32,
        /// How many the trace has.
        count: u32,
    },
    /// An arg has a key the taskscope format uses for its own facts
    /// ([`crate::args::SPAN_FIELDS`], [`crate::args::RUN_FIELDS`]).
    #[error("a {what} arg cannot be named {key:?}: the format uses that name itself")]
    ReservedArgKey {
        /// `span` or `run`.
        what: &'static str,
        /// The key.
        key: String,
    },
    /// More items than a `u32` id can address (over four billion).
    #[error("too many {what} for one trace (the limit is {limit})")]
    TooLarge {
        /// What overflowed: "tasks", "spans", "lanes", "names", "key bytes".
        what: &'static str,
        /// The limit that was hit.
        limit: u64,
    },
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into its table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id for table index `index`, or `None` past `u32::MAX`.
            #[inline]
            pub fn from_index(index: usize) -> Option<Self> {
                u32::try_from(index).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A task of the [`Graph`].
    TaskId
);
id_type!(
    /// A lane (worker thread, or an async track) of a [`Trace`].
    LaneId
);
id_type!(
    /// An interned string of [`Names`].
    NameId
);
id_type!(
    /// A span of a [`Trace`], in the trace's sorted order.
    SpanId
);

/// Checked conversion of a table length to the next `u32` id.
fn next_id(len: usize, what: &'static str) -> Result<u32, ModelError> {
    u32::try_from(len).map_err(|_| ModelError::TooLarge {
        what,
        limit: u64::from(u32::MAX),
    })
}

/// An interner of task names: each distinct string is stored once.
#[derive(Clone, Debug, Default)]
pub struct Names {
    strings: Vec<Box<str>>,
    lookup: FxHashMap<Box<str>, NameId>,
}

impl Names {
    /// The id of `name`, adding it if it is new.
    pub fn intern(&mut self, name: &str) -> Result<NameId, ModelError> {
        if let Some(&id) = self.lookup.get(name) {
            return Ok(id);
        }
        let id = NameId(next_id(self.strings.len(), "names")?);
        self.strings.push(name.into());
        self.lookup.insert(name.into(), id);
        Ok(id)
    }

    /// The id of `name` if it was interned.
    pub fn find(&self, name: &str) -> Option<NameId> {
        self.lookup.get(name).copied()
    }

    /// The string behind `id`.
    pub fn get(&self, id: NameId) -> Option<&str> {
        self.strings.get(id.index()).map(AsRef::as_ref)
    }

    /// How many distinct names there are.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether no name was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// All names with their ids, in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (NameId, &str)> {
        self.strings
            .iter()
            .enumerate()
            .map(|(i, s)| (NameId(i as u32), s.as_ref()))
    }
}

/// What happened to a task of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TaskState {
    /// It ran to completion.
    #[default]
    Done,
    /// It ran and failed (panicked or returned an error).
    Failed,
    /// It was ready or running when the run was stopped, and did not finish.
    Cancelled,
    /// It never started (the run stopped before its inputs were ready).
    NotRun,
}

impl TaskState {
    /// The lower-case word used in files: `done`, `failed`, `cancelled`, `not_run`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::NotRun => "not_run",
        }
    }

    /// Parses the word written by [`TaskState::as_str`] (also accepts Dask's `OK`/`error`).
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "done" | "OK" | "ok" | "memory" | "finished" => Some(Self::Done),
            "failed" | "error" | "erred" => Some(Self::Failed),
            "cancelled" | "canceled" => Some(Self::Cancelled),
            "not_run" | "waiting" | "released" => Some(Self::NotRun),
            _ => None,
        }
    }
}

/// What a graph's dependency lists rest on: whether its source recorded them.
///
/// A task without dependencies means "it needs no input" only when they were
/// recorded; a file that cannot carry dependencies (a Dask profiler dump read
/// without its graph file, a Chrome trace without flow arrows) leaves every list
/// empty for lack of knowledge. Readers know which, and say it here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DependencyRecord {
    /// The producer listed every task's inputs (an empty list means none): the
    /// engine, taskscope files, graph files, the `tracing` layer.
    #[default]
    Recorded,
    /// Taken from a foreign file's flow arrows, which may not be all the dependencies.
    FlowArrows,
    /// The source cannot carry dependencies: the lists are empty for lack of knowledge.
    NotRecorded,
}

impl DependencyRecord {
    /// The word used in files: `recorded`, `flow_arrows`, `not_recorded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::FlowArrows => "flow_arrows",
            Self::NotRecorded => "not_recorded",
        }
    }

    /// Parses the word written by [`DependencyRecord::as_str`].
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "recorded" => Some(Self::Recorded),
            "flow_arrows" => Some(Self::FlowArrows),
            "not_recorded" => Some(Self::NotRecorded),
            _ => None,
        }
    }
}

/// A task graph: every node's key, name, dependencies and state, stored in columns.
///
/// Dependencies point from a consumer to its inputs: `deps(t)` are the tasks
/// whose results `t` uses. Whether the lists are known at all is
/// [`Graph::dependency_record`]. Graphs read from foreign files may contain cycles;
/// algorithms that need an order use [`Graph::topological_order`].
#[derive(Clone, Debug, Default)]
pub struct Graph {
    record: DependencyRecord,
    names: Names,
    key_text: String,
    key_ends: Vec<u32>,
    task_names: Vec<NameId>,
    states: Vec<TaskState>,
    dep_ends: Vec<u32>,
    deps: Vec<TaskId>,
}

impl Graph {
    /// How many tasks the graph has.
    pub fn len(&self) -> usize {
        self.task_names.len()
    }

    /// Whether the graph has no task.
    pub fn is_empty(&self) -> bool {
        self.task_names.is_empty()
    }

    /// How many dependency edges the graph has.
    pub fn edge_count(&self) -> usize {
        self.deps.len()
    }

    /// Whether the dependency lists were recorded (see [`DependencyRecord`]).
    pub fn dependency_record(&self) -> DependencyRecord {
        self.record
    }

    /// All task ids, in order.
    pub fn tasks(&self) -> impl ExactSizeIterator<Item = TaskId> + Clone + use<> {
        (0..self.task_names.len() as u32).map(TaskId)
    }

    /// The task's unique key (e.g. `inc-3f2a…`).
    pub fn key(&self, task: TaskId) -> Option<&str> {
        let end = *self.key_ends.get(task.index())? as usize;
        let start = match task.index().checked_sub(1) {
            Some(prev) => *self.key_ends.get(prev)? as usize,
            None => 0,
        };
        self.key_text.get(start..end)
    }

    /// The task's interned name id.
    pub fn name_id(&self, task: TaskId) -> Option<NameId> {
        self.task_names.get(task.index()).copied()
    }

    /// The task's name (the function it runs, e.g. `inc`).
    pub fn name(&self, task: TaskId) -> Option<&str> {
        self.names.get(self.name_id(task)?)
    }

    /// The interned names of the graph.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// What happened to the task.
    pub fn state(&self, task: TaskId) -> Option<TaskState> {
        self.states.get(task.index()).copied()
    }

    /// Sets the state of `task` (nothing if it is not a task of the graph): a live
    /// trace's copy of a graph read once learns how its tasks ended.
    pub(crate) fn set_state(&mut self, task: TaskId, state: TaskState) {
        debug_assert!(task.index() < self.states.len(), "a task of the graph");
        if let Some(s) = self.states.get_mut(task.index()) {
            *s = state;
        }
    }

    /// The tasks whose results `task` uses (empty for an unknown id).
    pub fn deps(&self, task: TaskId) -> &[TaskId] {
        let Some(&end) = self.dep_ends.get(task.index()) else {
            return &[];
        };
        let start = match task.index().checked_sub(1) {
            Some(prev) => self.dep_ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        self.deps.get(start as usize..end as usize).unwrap_or(&[])
    }

    /// The reverse edges: for each task, the tasks that use its result.
    ///
    /// # Complexity
    /// O(V + E) time and memory.
    pub fn dependents(&self) -> Dependents {
        let pairs = self
            .tasks()
            .flat_map(|task| self.deps(task).iter().map(move |dep| (dep.index(), task)));
        Dependents {
            users: Csr::from_pairs(self.len(), pairs),
        }
    }

    /// A map from key to task id, for resolving references by key.
    ///
    /// # Complexity
    /// O(V) time and memory.
    pub fn key_index(&self) -> FxHashMap<&str, TaskId> {
        let mut map = FxHashMap::default();
        map.reserve(self.len());
        for task in self.tasks() {
            if let Some(key) = self.key(task) {
                map.insert(key, task);
            }
        }
        map
    }

    /// The tasks in an order where every task comes after all its dependencies.
    ///
    /// Ties are broken by task id, so the order is deterministic.
    ///
    /// # Complexity
    /// O(V + E) time (Kahn's algorithm), no recursion.
    pub fn topological_order(&self) -> Result<Vec<TaskId>, Cycle> {
        let n = self.len();
        let dependents = self.dependents();
        let mut pending: Vec<u32> = self.tasks().map(|t| self.deps(t).len() as u32).collect();
        let mut order = Vec::with_capacity(n);
        let mut queue: std::collections::VecDeque<TaskId> =
            self.tasks().filter(|t| self.deps(*t).is_empty()).collect();
        while let Some(task) = queue.pop_front() {
            order.push(task);
            for &user in dependents.users(task) {
                if let Some(p) = pending.get_mut(user.index()) {
                    *p -= 1;
                    if *p == 0 {
                        queue.push_back(user);
                    }
                }
            }
        }
        if order.len() == n {
            Ok(order)
        } else {
            let on_cycle = self
                .tasks()
                .find(|t| pending.get(t.index()).is_some_and(|p| *p > 0))
                .unwrap_or_default();
            Err(Cycle { task: on_cycle })
        }
    }
}

/// The graph has a cycle through (or downstream of) `task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the task graph has a cycle (task id {task} is on it or after it)")]
pub struct Cycle {
    /// A task that could not be ordered.
    pub task: TaskId,
}

/// Reverse edges of a [`Graph`], from [`Graph::dependents`].
#[derive(Clone, Debug, Default)]
pub struct Dependents {
    users: Csr<TaskId>,
}

impl Dependents {
    /// The tasks that use the result of `task` (empty for an unknown id), ascending.
    pub fn users(&self, task: TaskId) -> &[TaskId] {
        self.users.row(task.index())
    }
}

/// Builds a [`Graph`] task by task; dependency ids are checked in [`GraphBuilder::build`].
#[derive(Clone, Debug, Default)]
pub struct GraphBuilder {
    graph: Graph,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `tasks` tasks and `edges` edges.
    pub fn with_capacity(tasks: usize, edges: usize) -> Self {
        let mut graph = Graph::default();
        graph.key_ends.reserve(tasks);
        graph.task_names.reserve(tasks);
        graph.states.reserve(tasks);
        graph.dep_ends.reserve(tasks);
        graph.deps.reserve(edges);
        Self { graph }
    }

    /// Reserves room for `bytes` more bytes of key text.
    pub fn reserve_key_bytes(&mut self, bytes: usize) {
        self.graph.key_text.reserve(bytes);
    }

    /// How many tasks were added so far.
    pub fn len(&self) -> usize {
        self.graph.len()
    }

    /// Whether no task was added.
    pub fn is_empty(&self) -> bool {
        self.graph.is_empty()
    }

    /// Adds a task. Its dependencies may name tasks added later; they are checked by `build`.
    pub fn add_task(
        &mut self,
        key: &str,
        name: &str,
        deps: impl IntoIterator<Item = TaskId>,
        state: TaskState,
    ) -> Result<TaskId, ModelError> {
        let name = self.graph.names.intern(name)?;
        self.add_task_named(key, name, deps, state)
    }

    /// Interns a task name, for [`GraphBuilder::add_task_named`].
    pub fn intern_name(&mut self, name: &str) -> Result<NameId, ModelError> {
        self.graph.names.intern(name)
    }

    /// Like [`GraphBuilder::add_task`], with a name already interned by
    /// [`GraphBuilder::intern_name`] (saves a hash lookup per task for bulk producers).
    /// An id that was not interned leaves the task without a readable name.
    pub fn add_task_named(
        &mut self,
        key: &str,
        name: NameId,
        deps: impl IntoIterator<Item = TaskId>,
        state: TaskState,
    ) -> Result<TaskId, ModelError> {
        let id = TaskId(next_id(self.graph.len(), "tasks")?);
        self.graph.key_text.push_str(key);
        self.graph
            .key_ends
            .push(next_id(self.graph.key_text.len(), "key bytes")?);
        self.graph.task_names.push(name);
        self.graph.states.push(state);
        self.graph.deps.extend(deps);
        self.graph
            .dep_ends
            .push(next_id(self.graph.deps.len(), "edges")?);
        Ok(id)
    }

    /// Says whether the dependency lists were recorded (the default: they were).
    pub fn set_dependency_record(&mut self, record: DependencyRecord) {
        self.graph.record = record;
    }

    /// Changes the state of a task already added (ignored for an unknown id).
    pub fn set_state(&mut self, task: TaskId, state: TaskState) {
        if let Some(s) = self.graph.states.get_mut(task.index()) {
            *s = state;
        }
    }

    /// The graph as built so far (dependencies not yet checked).
    pub fn peek(&self) -> &Graph {
        &self.graph
    }

    /// Checks every dependency id and returns the graph.
    pub fn build(self) -> Result<Graph, ModelError> {
        let count = self.graph.len() as u32;
        for task in self.graph.tasks() {
            if let Some(bad) = self.graph.deps(task).iter().find(|d| d.0 >= count) {
                return Err(ModelError::UnknownDependency {
                    task: task.0,
                    dep: bad.0,
                    count,
                });
            }
        }
        Ok(self.graph)
    }
}

/// What a span's interval was spent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum SpanKind {
    /// Running the task's function.
    #[default]
    Compute,
    /// Fetching an input from another worker (Dask's `transfer`).
    Transfer,
    /// Reading a spilled value from disk.
    DiskRead,
    /// Writing a value to disk.
    DiskWrite,
    /// Deserializing an input.
    Deserialize,
    /// Anything else a foreign file records.
    Other,
}

impl SpanKind {
    /// The word used in files: `compute`, `transfer`, `disk-read`, `disk-write`, `deserialize`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compute => "compute",
            Self::Transfer => "transfer",
            Self::DiskRead => "disk-read",
            Self::DiskWrite => "disk-write",
            Self::Deserialize => "deserialize",
            Self::Other => "other",
        }
    }

    /// Parses the word written by [`SpanKind::as_str`]; unknown words are [`SpanKind::Other`].
    pub fn parse(word: &str) -> Self {
        match word {
            "compute" => Self::Compute,
            "transfer" => Self::Transfer,
            "disk-read" => Self::DiskRead,
            "disk-write" => Self::DiskWrite,
            "deserialize" => Self::Deserialize,
            _ => Self::Other,
        }
    }
}

/// One timed interval on one lane, belonging to one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// Start, in ns from the trace origin.
    pub start_ns: u64,
    /// End, in ns from the trace origin (`>= start_ns`).
    pub end_ns: u64,
    /// The task this interval belongs to.
    pub task: TaskId,
    /// The lane it ran on.
    pub lane: LaneId,
    /// What the interval was spent on.
    pub kind: SpanKind,
    /// Nesting depth on its lane (0 = top level), for foreign traces with nested slices.
    pub depth: u16,
    /// The source never closed it (a `B` without `E`); it is kept open to the trace end.
    pub unclosed: bool,
}

impl Span {
    /// `end_ns - start_ns`.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// A lane of the timeline: one worker thread, or one async track of a foreign trace.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Lane {
    /// The lane's name, e.g. `worker 0`.
    pub name: String,
    /// The process (or host, or run) the lane belongs to; lanes are grouped by it.
    pub process: String,
    /// Sort key within its process (Chrome's `thread_sort_index`); ties keep insertion order.
    pub sort_index: i64,
    /// An async track rather than a thread.
    pub is_async: bool,
}

/// A dependency arrow between two spans (from the producer's span to the consumer's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    /// The span the arrow leaves.
    pub from: SpanId,
    /// The span the arrow enters.
    pub to: SpanId,
}

/// A point event (Chrome's `i`/`I`).
#[derive(Clone, Debug, PartialEq)]
pub struct Instant {
    /// When, in ns from the trace origin.
    pub ts_ns: u64,
    /// The lane it belongs to, or `None` for a process- or global-scoped instant.
    pub lane: Option<LaneId>,
    /// Its name.
    pub name: String,
}

/// One sample of a [`Counter`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CounterSample {
    /// When, in ns from the trace origin.
    pub ts_ns: u64,
    /// The value from then on.
    pub value: f64,
}

/// One series of a counter track (Chrome's `C` events), e.g. "running tasks".
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Counter {
    /// The track's name (the `C` event's name).
    pub track: String,
    /// The series within the track (the `args` key).
    pub series: String,
    /// Samples in time order.
    pub samples: Vec<CounterSample>,
}

/// Where a trace came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SourceFormat {
    /// Recorded in memory by the taskscope engine.
    #[default]
    Engine,
    /// A taskscope trace file.
    Taskscope,
    /// A Chrome Trace Event JSON file written by another tool.
    Chrome,
    /// A Ray timeline (`ray.timeline()`).
    Ray,
    /// Dask distributed's `get_task_stream()` data.
    DaskTaskStream,
    /// Dask's `Profiler().results`.
    DaskProfiler,
    /// A Dask graph dump without timings.
    DaskGraph,
}

impl SourceFormat {
    /// A short human-readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Engine => "taskscope engine",
            Self::Taskscope => "taskscope trace",
            Self::Chrome => "Chrome trace",
            Self::Ray => "Ray timeline",
            Self::DaskTaskStream => "Dask task stream",
            Self::DaskProfiler => "Dask profiler",
            Self::DaskGraph => "Dask graph",
        }
    }
}

/// Facts about the run as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RunMeta {
    /// A title for the run (e.g. the example's name), if known.
    pub title: Option<String>,
    /// The scheduler that ran it, e.g. `threads` or `sequential`.
    pub scheduler: Option<String>,
    /// How many workers the scheduler had.
    pub workers: Option<u32>,
    /// Wall time of the run in ns (0 when unknown: then the last span's end is used).
    pub wall_ns: u64,
    /// The machine it ran on.
    pub host: Option<String>,
    /// When it started, as Unix time in ns, if known.
    pub started_at_unix_ns: Option<i64>,
    /// The source clock's reading, in ns, at this trace's time 0.
    pub origin_ns: i64,
    /// Where the trace came from.
    pub source: SourceFormat,
    /// The file format version it was read from, for taskscope files.
    pub format_version: Option<u32>,
}

/// Something a reader noticed and recovered from (a dropped tail, unclosed slices, skipped events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What happened, in words, with counts.
    pub message: String,
}

/// A validated trace: a graph, lanes, and timed spans, plus optional flows, instants and counters.
///
/// Invariants (established by [`TraceBuilder::build`]):
/// - every span's task and lane exist, and `start_ns <= end_ns`;
/// - spans are sorted by `(lane, start_ns, depth)`; [`Trace::lane_spans`] is one contiguous slice;
/// - every flow refers to existing spans (in that sorted order).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    meta: RunMeta,
    /// Shared, so that runs of one graph need not copy it (see [`TraceBuilder::with_shared_graph`]).
    graph: Arc<Graph>,
    lanes: Vec<Lane>,
    spans: Vec<Span>,
    lane_ends: Vec<u32>,
    flows: Vec<Flow>,
    instants: Vec<Instant>,
    counters: Vec<Counter>,
    diagnostics: Vec<Diagnostic>,
    /// Extra facts of a few spans, by [`SpanId`] in sorted order.
    span_args: ArgTable,
    /// Extra facts of a few tasks, by [`TaskId`].
    task_args: ArgTable,
    run_args: RunArgs,
}

impl Trace {
    /// Facts about the run.
    pub fn meta(&self) -> &RunMeta {
        &self.meta
    }

    /// Mutable run facts (title, host…); they carry no invariant.
    pub fn meta_mut(&mut self) -> &mut RunMeta {
        &mut self.meta
    }

    /// The task graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// All lanes, in id order.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// One lane.
    pub fn lane(&self, lane: LaneId) -> Option<&Lane> {
        self.lanes.get(lane.index())
    }

    /// All spans, sorted by `(lane, start_ns, depth)`.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// One span.
    pub fn span(&self, span: SpanId) -> Option<&Span> {
        self.spans.get(span.index())
    }

    /// The range of span ids on `lane` (empty for an unknown lane).
    pub fn lane_span_range(&self, lane: LaneId) -> Range<usize> {
        let Some(&end) = self.lane_ends.get(lane.index()) else {
            return 0..0;
        };
        let start = match lane.index().checked_sub(1) {
            Some(prev) => self.lane_ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        start as usize..end as usize
    }

    /// The spans of one lane, sorted by start time (empty for an unknown lane).
    pub fn lane_spans(&self, lane: LaneId) -> &[Span] {
        self.spans.get(self.lane_span_range(lane)).unwrap_or(&[])
    }

    /// Dependency arrows between spans, sorted.
    pub fn flows(&self) -> &[Flow] {
        &self.flows
    }

    /// Point events.
    pub fn instants(&self) -> &[Instant] {
        &self.instants
    }

    /// Counter series.
    pub fn counters(&self) -> &[Counter] {
        &self.counters
    }

    /// What the reader recovered from.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The extra facts of spans, by [`SpanId`] index (see [`crate::args`]).
    pub fn span_args(&self) -> &ArgTable {
        &self.span_args
    }

    /// The value of arg `key` of `span` (e.g. a transfer's `source`).
    pub fn span_arg(&self, span: SpanId, key: &str) -> Option<&ArgValue> {
        self.span_args.get(span.0, key)
    }

    /// The extra facts of tasks, by [`TaskId`] index (see [`crate::args`]).
    pub fn task_args(&self) -> &ArgTable {
        &self.task_args
    }

    /// The value of arg `key` of `task` (e.g. a failed task's `exception`).
    pub fn task_arg(&self, task: TaskId, key: &str) -> Option<&ArgValue> {
        self.task_args.get(task.0, key)
    }

    /// Run-level facts beyond [`RunMeta`] (e.g. `dask`, the cluster of a Dask run).
    pub fn run_args(&self) -> &RunArgs {
        &self.run_args
    }

    /// The task's name (shortcut through the graph).
    pub fn task_name(&self, task: TaskId) -> Option<&str> {
        self.graph.name(task)
    }

    /// The latest span end, in ns (0 for a trace without spans).
    pub fn end_ns(&self) -> u64 {
        self.spans.iter().map(|s| s.end_ns).max().unwrap_or(0)
    }

    /// The earliest span start, in ns (0 for a trace without spans).
    pub fn start_ns(&self) -> u64 {
        self.spans.iter().map(|s| s.start_ns).min().unwrap_or(0)
    }

    /// The run's wall time: [`RunMeta::wall_ns`] if recorded, else the last span end.
    pub fn wall_ns(&self) -> u64 {
        if self.meta.wall_ns > 0 {
            self.meta.wall_ns
        } else {
            self.end_ns()
        }
    }

    /// For each task, the ids of its spans (in sorted span order).
    ///
    /// # Complexity
    /// O(V + S) time and memory.
    pub fn spans_by_task(&self) -> SpansByTask {
        let pairs = self
            .spans
            .iter()
            .enumerate()
            .map(|(i, span)| (span.task.index(), SpanId(i as u32)));
        SpansByTask {
            ids: Csr::from_pairs(self.graph.len(), pairs),
        }
    }
}

/// The spans of each task, from [`Trace::spans_by_task`].
#[derive(Clone, Debug, Default)]
pub struct SpansByTask {
    ids: Csr<SpanId>,
}

impl SpansByTask {
    /// The spans of `task` (empty for an unknown id or a task that did not run), in
    /// sorted span order.
    pub fn spans(&self, task: TaskId) -> &[SpanId] {
        self.ids.row(task.index())
    }
}

/// Assembles a [`Trace`]; [`TraceBuilder::build`] validates and sorts it.
#[derive(Clone, Debug, Default)]
pub struct TraceBuilder {
    meta: RunMeta,
    graph: GraphBuilder,
    /// A finished graph shared with other traces; `graph` is unused while this is set.
    shared_graph: Option<Arc<Graph>>,
    lanes: Vec<Lane>,
    spans: Vec<Span>,
    flows: Vec<Flow>,
    instants: Vec<Instant>,
    counters: Vec<Counter>,
    diagnostics: Vec<Diagnostic>,
    span_args: ArgTable,
    task_args: ArgTable,
    run_args: RunArgs,
}

impl TraceBuilder {
    /// A builder for a run described by `meta`.
    pub fn new(meta: RunMeta) -> Self {
        Self {
            meta,
            ..Self::default()
        }
    }

    /// A builder around a graph that is already built.
    pub fn with_graph(meta: RunMeta, graph: Graph) -> Self {
        Self {
            meta,
            graph: GraphBuilder { graph },
            ..Self::default()
        }
    }

    /// The run facts, to fill in while reading.
    pub fn meta_mut(&mut self) -> &mut RunMeta {
        &mut self.meta
    }

    /// A builder around a finished graph that other traces share (e.g. every run of one
    /// task graph): the trace points to it instead of copying it. Calling
    /// [`TraceBuilder::graph_mut`] later copies it, if it is still shared.
    pub fn with_shared_graph(meta: RunMeta, graph: Arc<Graph>) -> Self {
        Self {
            meta,
            shared_graph: Some(graph),
            ..Self::default()
        }
    }

    /// The graph under construction.
    pub fn graph_mut(&mut self) -> &mut GraphBuilder {
        if let Some(shared) = self.shared_graph.take() {
            self.graph = GraphBuilder {
                graph: Arc::unwrap_or_clone(shared),
            };
        }
        &mut self.graph
    }

    /// Reserves room for `spans` more spans.
    pub fn reserve_spans(&mut self, spans: usize) {
        self.spans.reserve(spans);
    }

    /// Adds a lane and returns its id.
    pub fn add_lane(&mut self, lane: Lane) -> Result<LaneId, ModelError> {
        let id = LaneId(next_id(self.lanes.len(), "lanes")?);
        self.lanes.push(lane);
        Ok(id)
    }

    /// The lanes added so far.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Adds a span and returns its index in insertion order (for [`TraceBuilder::add_flow`]).
    pub fn add_span(&mut self, span: Span) -> Result<SpanId, ModelError> {
        let id = SpanId(next_id(self.spans.len(), "spans")?);
        self.spans.push(span);
        Ok(id)
    }

    /// Adds spans in bulk, as [`TraceBuilder::add_span`] does one by one (their ids
    /// continue the insertion order).
    pub fn extend_spans(&mut self, spans: &[Span]) -> Result<(), ModelError> {
        next_id(self.spans.len() + spans.len(), "spans")?;
        self.spans.extend_from_slice(spans);
        Ok(())
    }

    /// Adds spans in bulk and takes their vector: the first spans of a builder become
    /// its span storage as they are (no copy); later ones are copied in, as by
    /// [`TraceBuilder::extend_spans`]. For producers that record spans in a vector of
    /// their own (the engine's lanes).
    pub fn append_spans(&mut self, spans: Vec<Span>) -> Result<(), ModelError> {
        next_id(self.spans.len() + spans.len(), "spans")?;
        if self.spans.is_empty() && self.spans.capacity() <= spans.capacity() {
            self.spans = spans;
        } else {
            self.spans.extend_from_slice(&spans);
        }
        Ok(())
    }

    /// The spans added so far, in insertion order.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// Adds a flow arrow between two spans, named by their insertion-order ids.
    pub fn add_flow(&mut self, flow: Flow) {
        self.flows.push(flow);
    }

    /// Adds a point event.
    pub fn add_instant(&mut self, instant: Instant) {
        self.instants.push(instant);
    }

    /// Adds a counter series.
    pub fn add_counter(&mut self, counter: Counter) {
        self.counters.push(counter);
    }

    /// Attaches arg `key` to the span with insertion-order id `span` (checked, and
    /// renumbered with the spans, by [`TraceBuilder::build`]).
    ///
    /// # Errors
    /// [`ModelError::ReservedArgKey`] for a key of [`crate::args::SPAN_FIELDS`].
    pub fn add_span_arg(
        &mut self,
        span: SpanId,
        key: &str,
        value: ArgValue,
    ) -> Result<(), ModelError> {
        if crate::args::SPAN_FIELDS.contains(&key) {
            return Err(ModelError::ReservedArgKey {
                what: "span",
                key: key.to_owned(),
            });
        }
        self.span_args.push(span.0, key, value)
    }

    /// Attaches arg `key` to `task` (checked by [`TraceBuilder::build`]).
    pub fn add_task_arg(
        &mut self,
        task: TaskId,
        key: &str,
        value: ArgValue,
    ) -> Result<(), ModelError> {
        self.task_args.push(task.0, key, value)
    }

    /// Sets run-level arg `key`, replacing an earlier value.
    ///
    /// # Errors
    /// [`ModelError::ReservedArgKey`] for a key of [`crate::args::RUN_FIELDS`].
    pub fn set_run_arg(&mut self, key: &str, value: ArgValue) -> Result<(), ModelError> {
        if crate::args::RUN_FIELDS.contains(&key) {
            return Err(ModelError::ReservedArgKey {
                what: "run",
                key: key.to_owned(),
            });
        }
        self.run_args.set(key, value);
        Ok(())
    }

    /// Records something the reader recovered from.
    pub fn add_diagnostic(&mut self, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            message: message.into(),
        });
    }

    /// Validates every id, sorts spans by `(lane, start_ns, depth)`, remaps flows, and returns the trace.
    ///
    /// # Complexity
    /// O(S log S + F log F + V + E); O(S + F log F + V + E) when each lane's spans come in
    /// order (as in files, written in order of start time).
    pub fn build(self) -> Result<Trace, ModelError> {
        // A shared graph is a built one: its dependencies were checked when it was built.
        let graph = match self.shared_graph {
            Some(shared) => shared,
            None => Arc::new(self.graph.build()?),
        };
        let task_count = graph.len() as u32;
        let lane_count = next_id(self.lanes.len(), "lanes")?;
        // One pass over the spans checks them, counts them per lane (the counts do not
        // depend on the order) and finds out whether they are sorted already.
        let mut lane_ends = vec![0u32; self.lanes.len()];
        let mut already_sorted = true;
        let mut previous: Option<&Span> = None;
        for (i, span) in self.spans.iter().enumerate() {
            let i = i as u32;
            if span.task.0 >= task_count {
                return Err(ModelError::UnknownTask {
                    span: i,
                    task: span.task.0,
                    count: task_count,
                });
            }
            if span.lane.0 >= lane_count {
                return Err(ModelError::UnknownLane {
                    span: i,
                    lane: span.lane.0,
                    count: lane_count,
                });
            }
            if span.end_ns < span.start_ns {
                return Err(ModelError::NegativeDuration {
                    span: i,
                    start_ns: span.start_ns,
                    end_ns: span.end_ns,
                });
            }
            if let Some(end) = lane_ends.get_mut(span.lane.index()) {
                *end += 1;
            }
            if let Some(previous) = previous {
                already_sorted &= span_order(previous) <= span_order(span);
            }
            previous = Some(span);
        }
        let span_count = self.spans.len() as u32;
        self.span_args.check_owners("span", span_count)?;
        self.task_args.check_owners("task", task_count)?;
        for (i, flow) in self.flows.iter().enumerate() {
            for end in [flow.from, flow.to] {
                if end.0 >= span_count {
                    return Err(ModelError::UnknownSpan {
                        flow: i as u32,
                        span: end.0,
                        count: span_count,
                    });
                }
            }
        }

        let (spans, flows, span_args) = if already_sorted {
            let mut flows = self.flows;
            flows.sort_unstable();
            (self.spans, flows, self.span_args.finish(None))
        } else {
            let order = sorted_order(&self.spans, &lane_ends);
            let mut new_id = vec![0u32; order.len()];
            for (new, &old) in order.iter().enumerate() {
                if let Some(slot) = new_id.get_mut(old as usize) {
                    *slot = new as u32;
                }
            }
            let spans: Vec<Span> = order
                .iter()
                .filter_map(|&old| self.spans.get(old as usize).copied())
                .collect();
            let remap = |id: SpanId| SpanId(new_id.get(id.index()).copied().unwrap_or(id.0));
            let mut flows: Vec<Flow> = self
                .flows
                .iter()
                .map(|f| Flow {
                    from: remap(f.from),
                    to: remap(f.to),
                })
                .collect();
            flows.sort_unstable();
            (spans, flows, self.span_args.finish(Some(&new_id)))
        };

        for i in 1..lane_ends.len() {
            lane_ends[i] += lane_ends[i - 1];
        }

        Ok(Trace {
            meta: self.meta,
            graph,
            lanes: self.lanes,
            spans,
            lane_ends,
            flows,
            instants: self.instants,
            counters: self.counters,
            diagnostics: self.diagnostics,
            span_args,
            task_args: self.task_args.finish(None),
            run_args: self.run_args,
        })
    }
}

/// Span indices in order of [`span_order`]; `lane_counts` holds the number of spans of
/// each lane.
///
/// # Complexity
/// O(S) when each lane's spans are in order by themselves, as in files (written in order
/// of start time): a stable counting sort by lane. Else O(S log S).
fn sorted_order(spans: &[Span], lane_counts: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..spans.len() as u32).collect();
    let mut lane_last: Vec<Option<&Span>> = vec![None; lane_counts.len()];
    let lanes_sorted = spans.iter().all(|span| {
        let Some(last) = lane_last.get_mut(span.lane.index()) else {
            return false;
        };
        let in_order = last.is_none_or(|last| span_order(last) <= span_order(span));
        *last = Some(span);
        in_order
    });
    if !lanes_sorted {
        order.sort_by_key(|&i| spans.get(i as usize).map(span_order));
        return order;
    }
    let mut next: Vec<u32> = Vec::with_capacity(lane_counts.len());
    let mut start = 0;
    for &count in lane_counts {
        next.push(start);
        start += count;
    }
    for (old, span) in spans.iter().enumerate() {
        if let Some(slot) = next.get_mut(span.lane.index()) {
            if let Some(place) = order.get_mut(*slot as usize) {
                *place = old as u32;
            }
            *slot += 1;
        }
    }
    debug_assert!(
        order.windows(2).all(|w| {
            let key = |i: u32| spans.get(i as usize).map(span_order);
            key(w[0]) <= key(w[1])
        }),
        "spans sorted by (lane, start, depth, longest first)"
    );
    order
}

/// The sort key of spans within a trace.
fn span_order(span: &Span) -> (LaneId, u64, u16, std::cmp::Reverse<u64>) {
    (
        span.lane,
        span.start_ns,
        span.depth,
        std::cmp::Reverse(span.end_ns),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diamond() -> Trace {
        let mut b = TraceBuilder::new(RunMeta::default());
        let g = b.graph_mut();
        let x = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
        let y = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
        let z = g.add_task("add-3", "add", [x, y], TaskState::Done).unwrap();
        let w0 = b
            .add_lane(Lane {
                name: "worker 0".into(),
                ..Lane::default()
            })
            .unwrap();
        let w1 = b
            .add_lane(Lane {
                name: "worker 1".into(),
                ..Lane::default()
            })
            .unwrap();
        let span = |task, lane, start_ns, end_ns| Span {
            start_ns,
            end_ns,
            task,
            lane,
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        };
        // Inserted out of order on purpose.
        let sz = b.add_span(span(z, w0, 10, 20)).unwrap();
        let sy = b.add_span(span(y, w1, 0, 9)).unwrap();
        let sx = b.add_span(span(x, w0, 0, 10)).unwrap();
        b.add_flow(Flow { from: sx, to: sz });
        b.add_flow(Flow { from: sy, to: sz });
        b.build().unwrap()
    }

    /// A builder with the diamond's graph and two lanes, `worker 0` and `worker 1`.
    fn diamond_graph_on_two_lanes() -> TraceBuilder {
        let mut b = TraceBuilder::with_shared_graph(RunMeta::default(), diamond().graph.clone());
        for name in ["worker 0", "worker 1"] {
            b.add_lane(Lane {
                name: name.into(),
                ..Lane::default()
            })
            .unwrap();
        }
        b
    }

    #[test]
    fn spans_in_order_of_start_sort_by_lane_as_any_order_does() {
        // The diamond's spans as files list them (by start time, lanes interleaved): the
        // counting sort by lane gives what the general sort gives.
        let mut b = diamond_graph_on_two_lanes();
        let span = |task, lane, start_ns, end_ns| Span {
            start_ns,
            end_ns,
            task: TaskId(task),
            lane: LaneId(lane),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        };
        let sx = b.add_span(span(0, 0, 0, 10)).unwrap();
        let sy = b.add_span(span(1, 1, 0, 9)).unwrap();
        let sz = b.add_span(span(2, 0, 10, 20)).unwrap();
        b.add_flow(Flow { from: sy, to: sz });
        b.add_flow(Flow { from: sx, to: sz });
        let t = b.build().unwrap();
        let d = diamond();
        assert_eq!(t.spans(), d.spans());
        assert_eq!(t.flows(), d.flows());
        assert_eq!(t.lane_spans(LaneId(1)).len(), 1);
    }

    #[test]
    fn graph_accessors() {
        let t = diamond();
        let g = t.graph();
        assert_eq!(g.len(), 3);
        assert_eq!(g.key(TaskId(0)), Some("inc-1"));
        assert_eq!(g.key(TaskId(2)), Some("add-3"));
        assert_eq!(g.key(TaskId(3)), None);
        assert_eq!(g.name(TaskId(2)), Some("add"));
        assert_eq!(g.deps(TaskId(2)), &[TaskId(0), TaskId(1)]);
        assert!(g.deps(TaskId(9)).is_empty());
        assert_eq!(g.names().len(), 2);
        let d = g.dependents();
        assert_eq!(d.users(TaskId(0)), &[TaskId(2)]);
        assert!(d.users(TaskId(2)).is_empty());
        assert_eq!(
            g.topological_order().unwrap(),
            vec![TaskId(0), TaskId(1), TaskId(2)]
        );
        assert_eq!(g.key_index().get("add-3"), Some(&TaskId(2)));
    }

    #[test]
    fn spans_sorted_by_lane_and_flows_remapped() {
        let t = diamond();
        let lane0 = t.lane_spans(LaneId(0));
        assert_eq!(lane0.len(), 2);
        assert_eq!(lane0[0].task, TaskId(0));
        assert_eq!(lane0[1].task, TaskId(2));
        assert_eq!(t.lane_spans(LaneId(1))[0].task, TaskId(1));
        // Flows still connect x→z and y→z after sorting.
        let pairs: Vec<(TaskId, TaskId)> = t
            .flows()
            .iter()
            .map(|f| (t.span(f.from).unwrap().task, t.span(f.to).unwrap().task))
            .collect();
        assert!(pairs.contains(&(TaskId(0), TaskId(2))));
        assert!(pairs.contains(&(TaskId(1), TaskId(2))));
        assert_eq!(t.end_ns(), 20);
        let by_task = t.spans_by_task();
        assert_eq!(by_task.spans(TaskId(2)).len(), 1);
    }

    #[test]
    fn builder_rejects_bad_ids() {
        let mut g = GraphBuilder::new();
        g.add_task("a", "a", [TaskId(5)], TaskState::Done).unwrap();
        assert!(matches!(
            g.build(),
            Err(ModelError::UnknownDependency { dep: 5, .. })
        ));

        let mut b = TraceBuilder::new(RunMeta::default());
        b.graph_mut()
            .add_task("a", "a", [], TaskState::Done)
            .unwrap();
        b.add_span(Span {
            start_ns: 5,
            end_ns: 1,
            task: TaskId(0),
            lane: LaneId(0),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
        assert!(matches!(b.build(), Err(ModelError::UnknownLane { .. })));
    }

    #[test]
    fn cycle_is_reported() {
        let mut g = GraphBuilder::new();
        g.add_task("a", "a", [TaskId(1)], TaskState::Done).unwrap();
        g.add_task("b", "b", [TaskId(0)], TaskState::Done).unwrap();
        let g = g.build().unwrap();
        assert!(g.topological_order().is_err());
    }

    #[test]
    fn traces_share_a_graph_until_one_changes_it() {
        let mut g = GraphBuilder::new();
        let a = g.add_task("a-1", "a", [], TaskState::Done).unwrap();
        g.add_task("b-2", "b", [a], TaskState::Done).unwrap();
        let graph = Arc::new(g.build().unwrap());
        let one = TraceBuilder::with_shared_graph(RunMeta::default(), Arc::clone(&graph))
            .build()
            .unwrap();
        let two = TraceBuilder::with_shared_graph(RunMeta::default(), Arc::clone(&graph))
            .build()
            .unwrap();
        assert!(std::ptr::eq(one.graph(), two.graph()), "not copied");
        assert_eq!(one.graph().key(TaskId(1)), Some("b-2"));
        let mut b = TraceBuilder::with_shared_graph(RunMeta::default(), Arc::clone(&graph));
        b.graph_mut().set_state(TaskId(1), TaskState::NotRun);
        let three = b.build().unwrap();
        assert_eq!(three.graph().state(TaskId(1)), Some(TaskState::NotRun));
        assert_eq!(
            graph.state(TaskId(1)),
            Some(TaskState::Done),
            "the shared one is unchanged"
        );

        let mut b = TraceBuilder::with_shared_graph(RunMeta::default(), graph);
        let lane = b.add_lane(Lane::default()).unwrap();
        let span = |task, start_ns| Span {
            start_ns,
            end_ns: start_ns + 1,
            task: TaskId(task),
            lane,
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        };
        b.extend_spans(&[span(0, 10), span(1, 5)]).unwrap();
        assert_eq!(b.add_span(span(1, 20)).unwrap(), SpanId(2));
        let t = b.build().unwrap();
        let starts: Vec<u64> = t.spans().iter().map(|s| s.start_ns).collect();
        assert_eq!(starts, [5, 10, 20]);
    }

    #[test]
    fn appended_span_vectors_are_taken_then_copied() {
        let mut b = diamond_graph_on_two_lanes();
        let span = |task, lane, start_ns| Span {
            start_ns,
            end_ns: start_ns + 1,
            task: TaskId(task),
            lane: LaneId(lane),
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        };
        let mut first = Vec::with_capacity(8);
        first.extend([span(0, 0, 0), span(2, 0, 10)]);
        let storage = first.as_ptr();
        b.append_spans(first).unwrap();
        assert_eq!(
            b.spans().as_ptr(),
            storage,
            "the first vector is taken as it is"
        );
        b.append_spans(vec![span(1, 1, 0)]).unwrap();
        assert_eq!(b.spans().as_ptr(), storage, "later ones are copied into it");
        let t = b.build().unwrap();
        let order = |t: &Trace| -> Vec<(TaskId, LaneId, u64)> {
            t.spans()
                .iter()
                .map(|s| (s.task, s.lane, s.start_ns))
                .collect()
        };
        assert_eq!(order(&t), order(&diamond()));
    }
}
