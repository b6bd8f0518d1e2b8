//! What every scheduler shares: running one task, recording its span, and
//! turning a finished run into a [`Trace`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use taskscope_trace::{
    Lane, LaneId, ModelError, RunMeta, SourceFormat, Span, SpanKind, TaskId, TaskState, Trace,
    TraceBuilder,
};

use crate::node::TaskFailure;
use crate::plan::Plan;
use crate::slots::{Inputs, Outcome, TaskBuffers};

/// The process-wide calibrated clock (TSC-based where available; a reading costs
/// ~7 ns on bare metal, ~23 ns in the VM these benchmarks ran in).
pub(crate) fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// A lane's spans, in nanoseconds since the run started.
pub(crate) type LaneSpans = Vec<Span>;

/// The first failure of a run.
pub(crate) struct Failure {
    pub(crate) task: u32,
    pub(crate) message: String,
}

/// Per-run state that every worker reads.
pub(crate) struct RunState<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) tasks: &'a TaskBuffers,
    /// Set when a task fails: no new task starts.
    pub(crate) abort: AtomicBool,
    failure: Mutex<Option<Failure>>,
    /// An engine fault that stopped the run (see [`RunState::fail_internal`]).
    internal: Mutex<Option<String>>,
    failed_count: AtomicUsize,
    pub(crate) record: bool,
    /// The run's start, in raw clock ticks: spans are in nanoseconds since then.
    pub(crate) t0: u64,
}

impl<'a> RunState<'a> {
    /// A run of `plan` in `tasks` (prepared for `plan.len()` tasks).
    pub(crate) fn new(plan: &'a Plan, tasks: &'a TaskBuffers, record: bool) -> Self {
        Self {
            plan,
            tasks,
            abort: AtomicBool::new(false),
            failure: Mutex::new(None),
            internal: Mutex::new(None),
            failed_count: AtomicUsize::new(0),
            record,
            t0: clock().raw(),
        }
    }

    /// Runs task `task` and records its span; returns whether it succeeded.
    ///
    /// `last_end` is the end (ns) of the task this lane ran just before, if it went
    /// straight on to this one; it becomes this task's end.
    ///
    /// **One clock reading per task.** A span ends with a reading taken right after
    /// the task's body (before its consumers are released). When the lane went straight
    /// from one task to the next, the next span starts at the later of the previous
    /// span's end and its inputs' ends: no second reading, and the span also covers the
    /// scheduling step between the two tasks (tens of nanoseconds). After the lane was
    /// idle (or for its first task), the span starts with a reading of its own. Either
    /// way a span never starts before its inputs' spans end nor overlaps its lane's
    /// previous span. (A reading of the TSC costs ~20 ns in a VM: a second one per
    /// task would be most of the recording's cost.) Readings are turned into nanoseconds
    /// since the run's start right away (a multiply and a shift).
    ///
    /// On failure the run is aborted and the first failure kept.
    pub(crate) fn run_task(
        &self,
        task: u32,
        spans: &mut LaneSpans,
        lane: LaneId,
        last_end: &mut Option<u64>,
    ) -> bool {
        let Some(node) = self.plan.node(task) else {
            return false;
        };
        let mut inputs = Inputs::new(self.tasks, self.plan, task);
        let clock = clock();
        let now_ns = || clock.delta_as_nanos(self.t0, clock.raw());
        let fresh_start = match *last_end {
            None if self.record => now_ns(),
            _ => 0,
        };
        // The task body is user code, and so are the drops of the inputs it did not read
        // (emptied by every reader, so each slot is empty after the run): a panic in
        // either is caught here and becomes this task's failure.
        let result = catch_unwind(AssertUnwindSafe(|| {
            let result = (node.func)(&mut inputs);
            if result.is_ok() {
                inputs.finish();
            }
            result
        }));
        let mut end = 0;
        if self.record {
            // Clocks of different cores may disagree by a little: clamp, so a span still
            // starts after its inputs end and ends after it starts.
            let start = last_end
                .unwrap_or(fresh_start)
                .max(inputs.latest_input_end());
            end = now_ns().max(start);
            spans.push(Span {
                start_ns: start,
                end_ns: end,
                task: TaskId(task),
                lane,
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            });
            *last_end = Some(end);
        }
        match result {
            Ok(Ok(value)) => {
                // SAFETY: this worker ran `task`; its dependents are released only after we return.
                unsafe { self.tasks.put(task, value, end) };
                self.tasks.set_outcome(task, true);
                true
            }
            Ok(Err(TaskFailure { message })) => self.fail(task, message),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                drop_payload(payload);
                self.fail(task, message)
            }
        }
    }

    /// Stops the run for a fault of the engine itself (not of a task), e.g. a worker that
    /// panicked outside a task body; the compute returns [`ComputeError::Internal`].
    ///
    /// [`ComputeError::Internal`]: crate::ComputeError::Internal
    #[cold]
    pub(crate) fn fail_internal(&self, message: String) {
        let mut internal = self.internal.lock();
        if internal.is_none() {
            *internal = Some(message);
        }
        self.abort.store(true, Ordering::SeqCst);
    }

    /// The engine fault that stopped the run, if any (see [`RunState::fail_internal`]).
    pub(crate) fn take_internal(&self) -> Option<String> {
        self.internal.lock().take()
    }

    #[cold]
    fn fail(&self, task: u32, message: String) -> bool {
        self.tasks.set_outcome(task, false);
        self.failed_count.fetch_add(1, Ordering::Relaxed);
        let mut first = self.failure.lock();
        if first.is_none() {
            *first = Some(Failure { task, message });
        }
        self.abort.store(true, Ordering::SeqCst);
        false
    }

    /// Whether a task failed (the run stopped early).
    pub(crate) fn failed(&self) -> bool {
        self.failed_count.load(Ordering::Relaxed) > 0
    }

    /// The first failure and how many tasks failed, if any did.
    pub(crate) fn take_failure(&self) -> Option<(Failure, usize)> {
        let failure = self.failure.lock().take()?;
        Some((failure, self.failed_count.load(Ordering::Relaxed)))
    }

    /// What happened to each task that did not finish, for the trace of a failed run.
    ///
    /// Returns `(task, state)` for every task whose state is not `Done`; empty when no
    /// task failed (then every task finished).
    fn unfinished_states(&self) -> Vec<(u32, TaskState)> {
        if !self.failed() {
            return Vec::new();
        }
        let outcome = |t: u32| self.tasks.outcome(t);
        (0..self.plan.len() as u32)
            .filter_map(|t| match outcome(t) {
                Outcome::Succeeded => None,
                Outcome::Failed => Some((t, TaskState::Failed)),
                Outcome::NotRun => {
                    let ready = self
                        .plan
                        .deps(t)
                        .iter()
                        .all(|&d| outcome(d) == Outcome::Succeeded);
                    Some((
                        t,
                        if ready {
                            TaskState::Cancelled
                        } else {
                            TaskState::NotRun
                        },
                    ))
                }
            })
            .collect()
    }
}

/// Drops a panic's payload, which is user data: its `Drop` may panic in turn. That
/// second panic is caught, and its own payload forgotten (leaked) rather than dropped,
/// so nothing unwinds out of here.
pub(crate) fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(second);
    }
}

/// A panic's message, from its payload (`&str` or `String`; other payloads get a fixed text).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
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
    /// Spans per worker lane, in nanoseconds since the run started.
    pub(crate) lanes: Vec<LaneSpans>,
    pub(crate) wall_ns: u64,
    pub(crate) started_at_unix_ns: Option<i64>,
}

/// Assembles the trace of a finished run from its graph (every task `Done`; shared, and
/// copied only for a failed run, whose tasks get their states) and spans.
pub(crate) fn build_trace(
    state: &RunState<'_>,
    graph: Arc<taskscope_trace::Graph>,
    record: &RunRecord,
) -> Result<Trace, ModelError> {
    let meta = RunMeta {
        scheduler: Some(record.scheduler.to_owned()),
        workers: Some(record.lanes.len() as u32),
        wall_ns: record.wall_ns,
        host: host_name().map(str::to_owned),
        started_at_unix_ns: record.started_at_unix_ns,
        source: SourceFormat::Engine,
        ..RunMeta::default()
    };
    let mut builder = TraceBuilder::with_shared_graph(meta, graph);
    for (task, task_state) in state.unfinished_states() {
        builder.graph_mut().set_state(TaskId(task), task_state);
    }
    builder.reserve_spans(record.lanes.iter().map(Vec::len).sum());
    for (index, spans) in record.lanes.iter().enumerate() {
        // Lanes get ids 0, 1, … in the order they are added: the ids the spans carry.
        builder.add_lane(Lane {
            name: format!("worker {index}"),
            process: format!("taskscope {}", record.scheduler),
            sort_index: index as i64,
            is_async: false,
        })?;
        builder.extend_spans(spans)?;
    }
    builder.build()
}

/// The host's name, looked up once.
fn host_name() -> Option<&'static str> {
    static HOST: OnceLock<Option<String>> = OnceLock::new();
    HOST.get_or_init(|| {
        std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
    })
    .as_deref()
}

/// Unix time now, in ns.
pub(crate) fn unix_now_ns() -> Option<i64> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// Runs every task on the calling thread in plan order (a topological order): the serial baseline.
pub(crate) fn run_sequential(state: &RunState<'_>, mut lane: LaneSpans) -> RunRecord {
    let clock = clock();
    let started_at_unix_ns = unix_now_ns();
    if state.record {
        lane.reserve(state.plan.len());
    }
    let mut last_end = None;
    for task in 0..state.plan.len() as u32 {
        if !state.run_task(task, &mut lane, LaneId(0), &mut last_end) {
            break;
        }
    }
    let wall_ns = clock.delta_as_nanos(state.t0, clock.raw());
    RunRecord {
        scheduler: "sequential",
        lanes: vec![lane],
        wall_ns,
        started_at_unix_ns,
    }
}
