//! [`Crafted`]: hand-made traces, tasks named by key and spans placed by lane and time.
//!
//! A crafted trace is written from literals in a test, so a mistake in it (an
//! unknown key, a span ending before it starts) is a bug in that test: the
//! builder panics naming it, rather than making every call site unwrap.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "a crafted trace is test input written as literals; a bad literal panics, naming the key"
)]

use std::collections::HashMap;

use taskscope_trace::{
    DependencyRecord, Flow, Lane, LaneId, RunMeta, Span, SpanId, SpanKind, TaskId, TaskState,
    Trace, TraceBuilder,
};

/// One second, in ns.
pub const S: u64 = 1_000_000_000;
/// One millisecond, in ns.
pub const MS: u64 = 1_000_000;
/// One microsecond, in ns.
pub const US: u64 = 1_000;

/// A trace under construction, with tasks named by key.
#[derive(Debug)]
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

    /// Marks task `key` as ended in `state` (e.g. failed).
    pub fn set_state(&mut self, key: &str, state: TaskState) {
        let id = self.id(key);
        self.builder.graph_mut().set_state(id, state);
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

    /// Says whether the trace's dependencies were recorded (by default they were).
    pub fn dependency_record(&mut self, record: DependencyRecord) {
        self.builder.graph_mut().set_dependency_record(record);
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
