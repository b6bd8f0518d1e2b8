//! What every scheduler shares: the state of one run ([`RunState`]), running one
//! task of it, and the sequential scheduler. Its submodules hold the run's buffers
//! (`buffers`) and the recording of spans into a [`Trace`](taskscope_trace::Trace)
//! (`record`).
//!
//! Depends on the plan, the slot protocol and the task type; knows nothing of threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use parking_lot::Mutex;
use taskscope_trace::{LaneId, Span, SpanKind, TaskId, TaskState};

use crate::plan::Plan;
use crate::slots::{Outcome, TaskBuffers};
use crate::task::{Inputs, TaskFailure};
use crate::unwind::{drop_payload, panic_message};

mod buffers;
mod record;

pub(crate) use buffers::{LaneSpans, RunBuffers, advise_huge_pages};
pub(crate) use record::{RunRecord, build_trace, clock, unix_now_ns, worker_lane};

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
    /// Where the lanes publish progress and spans while the run goes (`crate::live`).
    pub(crate) live: Option<&'a crate::live::LiveLanes>,
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
            live: None,
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
    ///
    /// # Safety
    /// `task` is ready: every one of its inputs ran and succeeded in this run, and their
    /// [`TaskBuffers::output`] writes happened-before this call. Each task is run at most once per
    /// run. (The schedulers guarantee it: the sequential one runs tasks in plan order,
    /// the pool runs a task once its dependency counter says all inputs arrived.)
    pub(crate) unsafe fn run_task(
        &self,
        task: u32,
        spans: &mut LaneSpans,
        lane: LaneId,
        last_end: &mut Option<u64>,
    ) -> bool {
        let Some(node) = self.plan.node(task) else {
            debug_assert!(false, "task {task} is in the plan");
            return false;
        };
        // SAFETY: the inputs of a ready task finished (this function's contract); the
        // reader counts are the plan's, which built this run's buffers.
        let mut inputs =
            unsafe { Inputs::new(self.tasks, self.plan.deps(task), self.plan.reader_counts()) };
        let clock = clock();
        let now_ns = || clock.delta_as_nanos(self.t0, clock.raw());
        let fresh_start = match *last_end {
            None if self.record => now_ns(),
            _ => 0,
        };
        // A streamed run shows the task as running from now on (`crate::live`).
        if self.record
            && let Some(live) = self.live
        {
            live.task_starts(lane, task, last_end.unwrap_or(fresh_start));
        }
        // The task body is user code, and so are the drops of the inputs it did not read
        // (emptied by every reader, so each slot is empty after the run): a panic in
        // either is caught here and becomes this task's failure.
        #[cfg(feature = "tracing")]
        let span = {
            let graph = self.plan.graph();
            let id = TaskId(task);
            tracing::info_span!(
                target: "taskscope::task",
                "task",
                name = graph.name(id).unwrap_or_default(),
                key = graph.key(id).unwrap_or_default(),
            )
        };
        // SAFETY: this thread runs `task`, once (this function's contract); its dependents
        // are released only after we return.
        let Some(mut output) = (unsafe { self.tasks.output(task) }) else {
            return self.fail(task, TaskFailure::internal("no result slot").message);
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            #[cfg(feature = "tracing")]
            let _entered = span.enter();
            (node.func)(&mut inputs, output.value())?;
            inputs.finish()
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
            Ok(Ok(())) => {
                debug_assert!(!output.value().is_empty(), "task {task} wrote its value");
                output.set_end(end);
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
    pub(crate) fn unfinished_states(&self) -> Vec<(u32, TaskState)> {
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
                        .all(|&d| outcome(d.0) == Outcome::Succeeded);
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

/// Runs every task on the calling thread in plan order (a topological order): the serial baseline.
pub(crate) fn run_sequential(state: &RunState<'_>, mut lane: LaneSpans) -> RunRecord {
    let clock = clock();
    let started_at_unix_ns = unix_now_ns();
    if state.record {
        lane.reserve(state.plan.len());
        advise_huge_pages(lane.spare_capacity_mut());
    }
    let mut last_end = None;
    let mut live = crate::live::hook(state.live, 0, &lane);
    for task in 0..state.plan.len() as u32 {
        // SAFETY: plan order is a topological order, and the loop stops at the first
        // failure: every input of `task` ran and succeeded before, on this thread.
        let ok = unsafe { state.run_task(task, &mut lane, LaneId(0), &mut last_end) };
        if let Some(live) = &mut live {
            live.task_ran(&lane, ok);
        }
        if !ok {
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
