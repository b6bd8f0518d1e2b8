//! What every scheduler shares: running one task, recording its span, and
//! turning a finished run into a [`Trace`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use parking_lot::Mutex;
use taskscope_trace::{
    Lane, LaneId, ModelError, NameId, RunMeta, SourceFormat, Span, SpanKind, TaskId, TaskState,
    Trace, TraceBuilder,
};

use crate::node::{TaskFailure, Value};
use crate::plan::Plan;
use crate::slots::{Inputs, Slots};

/// The process-wide calibrated clock (TSC-based where available; ~7 ns a reading).
pub(crate) fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// One recorded task execution, in raw clock ticks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawSpan {
    pub(crate) task: u32,
    pub(crate) start: u64,
    pub(crate) end: u64,
}

const NOT_STARTED: u8 = 0;
const SUCCEEDED: u8 = 1;
const FAILED: u8 = 2;

/// The first failure of a run.
pub(crate) struct Failure {
    pub(crate) task: u32,
    pub(crate) message: String,
}

/// Per-run state that every worker reads.
pub(crate) struct RunState<'p, 'g> {
    pub(crate) plan: &'p Plan<'g>,
    pub(crate) slots: Slots,
    outcome: Box<[AtomicU8]>,
    /// Set when a task fails: no new task starts.
    pub(crate) abort: AtomicBool,
    failure: Mutex<Option<Failure>>,
    failed_count: AtomicUsize,
    pub(crate) record: bool,
}

impl<'p, 'g> RunState<'p, 'g> {
    pub(crate) fn new(plan: &'p Plan<'g>, record: bool) -> Self {
        let slots = Slots::new(&plan.readers);
        Self {
            plan,
            slots,
            outcome: (0..plan.len())
                .map(|_| AtomicU8::new(NOT_STARTED))
                .collect(),
            abort: AtomicBool::new(false),
            failure: Mutex::new(None),
            failed_count: AtomicUsize::new(0),
            record,
        }
    }

    /// Runs task `task` and records its span; returns whether it succeeded.
    ///
    /// On failure the run is aborted and the first failure kept.
    pub(crate) fn run_task(&self, task: u32, spans: &mut Vec<RawSpan>) -> bool {
        let Some(node) = self.plan.nodes.get(task as usize) else {
            return false;
        };
        let mut inputs = Inputs::new(&self.slots, &self.plan.nodes, self.plan.deps(task));
        let clock = clock();
        let start = if self.record { clock.raw() } else { 0 };
        // The task body is user code: a panic is caught here and becomes this task's failure.
        let result = catch_unwind(AssertUnwindSafe(|| (node.func)(&mut inputs)));
        if self.record {
            spans.push(RawSpan {
                task,
                start,
                end: clock.raw(),
            });
        }
        let outcome = match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(TaskFailure { message })) => Err(message),
            Err(payload) => Err(panic_message(payload.as_ref())),
        };
        self.finish(task, outcome)
    }

    fn finish(&self, task: u32, outcome: Result<Value, String>) -> bool {
        match outcome {
            Ok(value) => {
                // SAFETY: this worker ran `task`; its dependents are released only after we return.
                unsafe { self.slots.put(task, value) };
                if let Some(o) = self.outcome.get(task as usize) {
                    o.store(SUCCEEDED, Ordering::Relaxed);
                }
                true
            }
            Err(message) => {
                if let Some(o) = self.outcome.get(task as usize) {
                    o.store(FAILED, Ordering::Relaxed);
                }
                self.failed_count.fetch_add(1, Ordering::Relaxed);
                let mut first = self.failure.lock();
                if first.is_none() {
                    *first = Some(Failure { task, message });
                }
                self.abort.store(true, Ordering::SeqCst);
                false
            }
        }
    }

    /// The first failure and how many tasks failed, if any did.
    pub(crate) fn take_failure(&self) -> Option<(Failure, usize)> {
        let failure = self.failure.lock().take()?;
        Some((failure, self.failed_count.load(Ordering::Relaxed)))
    }

    /// What happened to each task, for the trace.
    fn states(&self) -> Vec<TaskState> {
        let outcomes: Vec<u8> = self
            .outcome
            .iter()
            .map(|o| o.load(Ordering::Relaxed))
            .collect();
        (0..self.plan.len() as u32)
            .map(|t| match outcomes.get(t as usize).copied() {
                Some(SUCCEEDED) => TaskState::Done,
                Some(FAILED) => TaskState::Failed,
                _ => {
                    let ready = self
                        .plan
                        .deps(t)
                        .iter()
                        .all(|&d| outcomes.get(d as usize).copied() == Some(SUCCEEDED));
                    if ready {
                        TaskState::Cancelled
                    } else {
                        TaskState::NotRun
                    }
                }
            })
            .collect()
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked with a non-string payload".to_owned()
    }
}

/// What a scheduler reports about a finished run.
pub(crate) struct RunRecord {
    pub(crate) scheduler: &'static str,
    /// Spans per worker lane.
    pub(crate) lanes: Vec<Vec<RawSpan>>,
    pub(crate) t0: u64,
    pub(crate) wall_ns: u64,
    pub(crate) started_at_unix_ns: Option<i64>,
}

/// The graph of a plan as a trace graph (keys, names, dependencies, states).
pub(crate) fn trace_graph(
    plan: &Plan<'_>,
    states: Option<&[TaskState]>,
) -> Result<taskscope_trace::Graph, ModelError> {
    let edges = (0..plan.len() as u32).map(|t| plan.deps(t).len()).sum();
    let mut graph = taskscope_trace::GraphBuilder::with_capacity(plan.len(), edges);
    // Keys are `name-<16 hex>`; names are short, so this is close (it only grows if not).
    graph.reserve_key_bytes(plan.len() * 24);
    // Consecutive tasks mostly share a name (`&'static str`s of the same function):
    // remember the last one by address and length to skip the interner's hash.
    let mut last_name: Option<(*const u8, usize, NameId)> = None;
    let mut key = String::new();
    for (i, node) in plan.nodes.iter().enumerate() {
        let name: &str = &node.name;
        let name_id = match last_name {
            Some((ptr, len, id)) if ptr == name.as_ptr() && len == name.len() => id,
            _ => {
                let id = graph.intern_name(name)?;
                last_name = Some((name.as_ptr(), name.len(), id));
                id
            }
        };
        key.clear();
        key.push_str(name);
        key.push('-');
        push_hex16(&mut key, node.key_hash);
        let state = states
            .and_then(|s| s.get(i).copied())
            .unwrap_or(TaskState::NotRun);
        graph.add_task_named(
            &key,
            name_id,
            plan.deps(i as u32).iter().map(|&d| TaskId(d)),
            state,
        )?;
    }
    graph.build()
}

/// Appends `value` as 16 lower-case hex digits (the key's hash part).
fn push_hex16(out: &mut String, value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        let nibble = ((value >> (shift * 4)) & 0xf) as usize;
        out.push(char::from(DIGITS.get(nibble).copied().unwrap_or(b'0')));
    }
}

/// Assembles the trace of a finished run.
pub(crate) fn build_trace(
    state: &RunState<'_, '_>,
    record: &RunRecord,
) -> Result<Trace, ModelError> {
    let states = state.states();
    let graph = trace_graph(state.plan, Some(&states))?;
    let meta = RunMeta {
        scheduler: Some(record.scheduler.to_owned()),
        workers: Some(record.lanes.len() as u32),
        wall_ns: record.wall_ns,
        host: host_name(),
        started_at_unix_ns: record.started_at_unix_ns,
        source: SourceFormat::Engine,
        ..RunMeta::default()
    };
    let mut builder = TraceBuilder::with_graph(meta, graph);
    builder.reserve_spans(record.lanes.iter().map(Vec::len).sum());
    let clock = clock();
    for (index, spans) in record.lanes.iter().enumerate() {
        let lane = builder.add_lane(Lane {
            name: format!("worker {index}"),
            process: format!("taskscope {}", record.scheduler),
            sort_index: index as i64,
            is_async: false,
        })?;
        add_lane_spans(&mut builder, lane, spans, |raw| {
            clock.delta_as_nanos(record.t0, raw)
        })?;
    }
    builder.build()
}

fn add_lane_spans(
    builder: &mut TraceBuilder,
    lane: LaneId,
    spans: &[RawSpan],
    to_ns: impl Fn(u64) -> u64,
) -> Result<(), ModelError> {
    for raw in spans {
        let start_ns = to_ns(raw.start);
        builder.add_span(Span {
            start_ns,
            end_ns: to_ns(raw.end).max(start_ns),
            task: TaskId(raw.task),
            lane,
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })?;
    }
    Ok(())
}

fn host_name() -> Option<String> {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// Unix time now, in ns.
pub(crate) fn unix_now_ns() -> Option<i64> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// Runs every task on the calling thread in plan order (a topological order): the serial baseline.
pub(crate) fn run_sequential(state: &RunState<'_, '_>) -> RunRecord {
    let clock = clock();
    let started_at_unix_ns = unix_now_ns();
    let t0 = clock.raw();
    let mut spans = Vec::with_capacity(if state.record { state.plan.len() } else { 0 });
    for task in 0..state.plan.len() as u32 {
        if !state.run_task(task, &mut spans) {
            break;
        }
    }
    let wall_ns = clock.delta_as_nanos(t0, clock.raw());
    RunRecord {
        scheduler: "sequential",
        lanes: vec![spans],
        t0,
        wall_ns,
        started_at_unix_ns,
    }
}
