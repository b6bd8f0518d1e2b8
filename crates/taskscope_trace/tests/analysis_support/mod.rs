//! Crafted traces for the analysis tests: tasks by key, spans by lane and time.
#![allow(
    dead_code,
    reason = "each test file uses a different part of the helpers"
)]

use std::collections::HashMap;

use taskscope_trace::{
    Flow, Lane, LaneId, RunMeta, Span, SpanId, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};

/// One second, in ns.
pub const S: u64 = 1_000_000_000;
/// One millisecond, in ns.
pub const MS: u64 = 1_000_000;
/// One microsecond, in ns.
pub const US: u64 = 1_000;

/// A trace under construction, with tasks named by key.
pub struct Crafted {
    builder: TraceBuilder,
    lanes: Vec<LaneId>,
    keys: HashMap<String, TaskId>,
}

impl Crafted {
    /// A trace with `lanes` lanes named `worker 0`, `worker 1`, ….
    pub fn new(lanes: usize) -> Self {
        Self::with_meta(lanes, RunMeta::default())
    }

    /// A trace with `lanes` lanes and the given run facts.
    pub fn with_meta(lanes: usize, meta: RunMeta) -> Self {
        let mut builder = TraceBuilder::new(meta);
        let lanes = (0..lanes)
            .map(|i| {
                builder
                    .add_lane(Lane {
                        name: format!("worker {i}"),
                        ..Lane::default()
                    })
                    .unwrap()
            })
            .collect();
        Self {
            builder,
            lanes,
            keys: HashMap::new(),
        }
    }

    /// Adds a task whose dependencies are named by key (added before).
    pub fn task(&mut self, key: &str, name: &str, deps: &[&str]) -> TaskId {
        let deps: Vec<TaskId> = deps.iter().map(|d| self.id(d)).collect();
        let id = self
            .builder
            .graph_mut()
            .add_task(key, name, deps, TaskState::Done)
            .unwrap();
        self.keys.insert(key.to_owned(), id);
        id
    }

    /// Adds a task that did not run.
    pub fn not_run(&mut self, key: &str, name: &str, deps: &[&str]) -> TaskId {
        let id = self.task(key, name, deps);
        self.builder.graph_mut().set_state(id, TaskState::NotRun);
        id
    }

    /// Adds a compute span for task `key`.
    pub fn run(&mut self, key: &str, lane: usize, start_ns: u64, end_ns: u64) -> SpanId {
        self.span(key, lane, start_ns, end_ns, SpanKind::Compute, 0)
    }

    /// Adds a task and one compute span for it.
    pub fn task_run(
        &mut self,
        key: &str,
        name: &str,
        deps: &[&str],
        lane: usize,
        start_ns: u64,
        end_ns: u64,
    ) -> TaskId {
        let id = self.task(key, name, deps);
        self.run(key, lane, start_ns, end_ns);
        id
    }

    /// Adds any span for task `key`.
    pub fn span(
        &mut self,
        key: &str,
        lane: usize,
        start_ns: u64,
        end_ns: u64,
        kind: SpanKind,
        depth: u16,
    ) -> SpanId {
        let task = self.id(key);
        self.builder
            .add_span(Span {
                start_ns,
                end_ns,
                task,
                lane: self.lanes[lane],
                kind,
                depth,
                unclosed: false,
            })
            .unwrap()
    }

    /// Adds a flow arrow between two spans.
    pub fn flow(&mut self, from: SpanId, to: SpanId) {
        self.builder.add_flow(Flow { from, to });
    }

    /// The id of task `key`.
    pub fn id(&self, key: &str) -> TaskId {
        *self
            .keys
            .get(key)
            .unwrap_or_else(|| panic!("no task {key}"))
    }

    /// Validates and returns the trace.
    pub fn build(self) -> Trace {
        self.builder.build().unwrap()
    }
}

/// The id of the task with `key` in a built trace.
pub fn id(trace: &Trace, key: &str) -> TaskId {
    *trace
        .graph()
        .key_index()
        .get(key)
        .unwrap_or_else(|| panic!("no task {key}"))
}

/// The tutorial's `total = add(z, z2)` graph (inc/add sleep 1 s) as Dask's
/// 2-thread pool ran it: z before x2 and y2, so it takes 5 s where 4 s suffice.
/// Lanes and times follow `sum.profiler.json`, with the final `add` lasting 1 s.
pub fn dask_total_on_two_threads() -> Trace {
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("y", "inc", &[], 1, 0, S);
    t.task_run("z", "add", &["x", "y"], 0, S, 2 * S);
    t.task_run("x2", "inc", &[], 1, S, 2 * S);
    t.task_run("y2", "inc", &[], 0, 2 * S, 3 * S);
    t.task_run("z2", "add", &["x2", "y2"], 1, 3 * S, 4 * S);
    t.task_run("total", "add", &["z", "z2"], 0, 4 * S, 5 * S);
    t.build()
}

/// The same graph scheduled well: 4 s on two lanes.
pub fn total_in_four_seconds() -> Trace {
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("y", "inc", &[], 1, 0, S);
    t.task_run("z", "add", &["x", "y"], 0, 2 * S, 3 * S);
    t.task_run("x2", "inc", &[], 0, S, 2 * S);
    t.task_run("y2", "inc", &[], 1, S, 2 * S);
    t.task_run("z2", "add", &["x2", "y2"], 1, 2 * S, 3 * S);
    t.task_run("total", "add", &["z", "z2"], 0, 3 * S, 4 * S);
    t.build()
}
