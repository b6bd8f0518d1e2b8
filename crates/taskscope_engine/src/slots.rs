//! Per-run task state: dependency counters, outcomes, and result slots.
//!
//! Each task of a run has a counter and a slot. Its inputs count the counter
//! up as they finish (from zero, so a zeroed buffer is a fresh run); the one
//! that brings it to the task's input count makes the task ready. Once the
//! task has run, its worker replaces the count with the outcome (`DONE` or
//! `FAILED`): nobody counts it any more, and the trace reads the outcomes of a
//! failed run from there.
//!
//! The producer writes its slot once; its consumers read it after the counter
//! says the producer is done. Values move when they can: a slot with one reader
//! (one consumer edge, or one requested output) is taken by that reader without
//! a lock or a clone. A slot with several readers is read under a lock (one of
//! a few striped locks); every reader but the last gets a clone (through the
//! node's clone function), the last one takes the value itself. Users whose
//! values are expensive to clone wrap them in `Arc`.
//!
//! The buffers outlive a run: a pool keeps them for its next run, so a run
//! allocates (and page-faults) nothing per task. Between runs every slot is
//! empty and every read count zero; [`TaskBuffers::prepare`] zeroes the counters.

use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

use parking_lot::Mutex;

use crate::node::{CloneFn, TaskFailure, Value};
use crate::plan::Plan;
use crate::run::LaneSpans;

/// A task's counter after it ran and succeeded.
const DONE: u32 = 1 << 31;
/// A task's counter after it ran and failed.
const FAILED: u32 = 1 << 30;
/// The most inputs one task may have (counts stay below the outcome bits).
pub(crate) const MAX_INPUTS: usize = (FAILED - 1) as usize;

/// Locks for slots with several readers, picked by task index.
const LOCK_STRIPES: usize = 64;

/// What happened to one task of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It did not run (yet).
    NotRun,
    Succeeded,
    Failed,
}

/// A task's result, and when the task ended.
struct Slot {
    value: Value,
    /// The task's end in ns since the run's start, when the run records spans (its
    /// consumers' spans start no earlier).
    end_ns: u64,
}

/// The per-task buffers of a run, reused from run to run.
pub(crate) struct TaskBuffers {
    /// Per task: inputs finished so far, then `DONE` or `FAILED` once it ran.
    counters: Box<[AtomicU32]>,
    /// Per task with several readers: reads so far (back to zero after the last).
    reads: Box<[AtomicU32]>,
    /// Per task: its result until its last reader takes it.
    values: Box<[UnsafeCell<Slot>]>,
    locks: Box<[Mutex<()>]>,
}

// SAFETY: a slot's value is written only by the worker running its task, before that
// worker releases the task's dependents (an AcqRel increment of their counters, the last
// of which the consumer's worker observed before it runs). After that it is only read:
// by its single reader without a lock, or by several readers under its stripe lock.
// The values themselves are `Send`. Counters and read counts are atomics.
unsafe impl Sync for TaskBuffers {}

/// Everything a run needs per task and per lane; a pool keeps one for its next run.
pub(crate) struct RunBuffers {
    pub(crate) tasks: TaskBuffers,
    /// One span buffer per lane (cleared, capacity kept).
    pub(crate) lanes: Vec<LaneSpans>,
}

impl RunBuffers {
    /// Empty buffers; they grow on first use.
    pub(crate) fn new() -> Self {
        Self {
            tasks: TaskBuffers::with_capacity(0),
            lanes: Vec::new(),
        }
    }

    /// Readies the buffers for a run of `tasks` tasks on `lanes` lanes.
    ///
    /// # Complexity
    /// O(`tasks`): zeroes the counters (a `memset`); allocates only when `tasks` is more
    /// than any earlier run had.
    pub(crate) fn prepare(&mut self, tasks: usize, lanes: usize) {
        self.tasks.prepare(tasks);
        self.lanes.resize_with(lanes, Vec::new);
        self.lanes.truncate(lanes);
        for lane in &mut self.lanes {
            lane.clear();
        }
    }
}

/// A zeroed boxed slice of `T`s.
///
/// # Safety
/// All-zero bits must be a valid `T`.
unsafe fn zeroed_slice<T>(len: usize) -> Box<[T]> {
    // SAFETY: per the function's contract. `new_zeroed_slice` uses `calloc`, so fresh
    // memory costs no `memset` (the kernel hands out zeroed pages).
    unsafe { Box::<[T]>::new_zeroed_slice(len).assume_init() }
}

impl TaskBuffers {
    fn with_capacity(tasks: usize) -> Self {
        // SAFETY: zero is a valid `AtomicU32`, and a `Slot` of zero bits is the empty
        // `Value` and 0 (`UnsafeCell` has the layout of its content).
        let (counters, reads, values) = unsafe {
            (
                zeroed_slice(tasks),
                zeroed_slice(tasks),
                zeroed_slice(tasks),
            )
        };
        Self {
            counters,
            reads,
            values,
            locks: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }

    /// How many tasks the buffers hold without growing.
    pub(crate) fn capacity(&self) -> usize {
        self.values.len()
    }

    fn prepare(&mut self, tasks: usize) {
        if self.values.len() < tasks {
            // Every slot is empty between runs, so the old buffers just go.
            *self = Self::with_capacity(tasks);
            return;
        }
        for counter in self.counters.iter_mut().take(tasks) {
            *counter.get_mut() = 0;
        }
    }

    /// Empties every slot and read count after a run that did not end cleanly (a task
    /// failed, or outputs were not all taken), so the buffers can serve another run.
    ///
    /// A value's `Drop` is user code and may panic: each panic is caught (the run has
    /// already failed), and every other value is still dropped.
    pub(crate) fn clear(&mut self) {
        for slot in &mut self.values {
            let value = slot.get_mut().value.take();
            if !value.is_empty()
                && let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value)))
            {
                crate::run::drop_payload(payload);
            }
        }
        for reads in &mut self.reads {
            *reads.get_mut() = 0;
        }
    }

    /// Counts one finished input of `task`, which has `inputs` inputs; returns whether
    /// that was the last one (the task is ready).
    pub(crate) fn arrive(&self, task: u32, inputs: u32) -> bool {
        let Some(counter) = self.counters.get(task as usize) else {
            return false;
        };
        // AcqRel: our result must be visible to whoever runs `task`, and we must see the
        // other inputs' results if we are the one to run it.
        counter.fetch_add(1, Ordering::AcqRel) + 1 == inputs
    }

    /// Records that `task` ran (nobody counts its counter any more).
    pub(crate) fn set_outcome(&self, task: u32, succeeded: bool) {
        if let Some(counter) = self.counters.get(task as usize) {
            counter.store(if succeeded { DONE } else { FAILED }, Ordering::Relaxed);
        }
    }

    /// What happened to `task` (read after the run).
    pub(crate) fn outcome(&self, task: u32) -> Outcome {
        match self
            .counters
            .get(task as usize)
            .map(|c| c.load(Ordering::Relaxed))
        {
            Some(DONE) => Outcome::Succeeded,
            Some(FAILED) => Outcome::Failed,
            _ => Outcome::NotRun,
        }
    }

    /// Stores task `task`'s value.
    ///
    /// # Safety
    /// Only the worker that ran task `task` may call this, once, before it releases the
    /// task's dependents; no reader of this slot may run concurrently.
    pub(crate) unsafe fn put(&self, task: u32, value: Value, end_ns: u64) {
        if let Some(slot) = self.values.get(task as usize) {
            // SAFETY: exclusive access per this function's contract. The slot is empty
            // (between runs every slot is, and a task runs once), so nothing is
            // overwritten that needs dropping: write without reading the old slot first.
            unsafe { slot.get().write(Slot { value, end_ns }) };
        }
    }

    /// Takes the value of task `task`, whose result has a single reader, as a `T`, with
    /// the task's end (ns since the run's start): the fast path of [`TaskBuffers::read_value`]
    /// (same protocol: only after the producer's `put` happened-before this call).
    #[inline]
    pub(crate) fn take_single<T: 'static>(&self, task: u32) -> Result<(T, u64), TaskFailure> {
        let Some(slot) = self.values.get(task as usize) else {
            return Err(internal("input slot out of range"));
        };
        // SAFETY: a slot with a single reader is read exactly once, by that reader, after
        // the producer finished.
        let cell = unsafe { &mut *slot.get() };
        match cell.value.take_as::<T>() {
            Some(value) => Ok((value, cell.end_ns)),
            None if cell.value.is_empty() => Err(internal("input value missing")),
            None => Err(internal("input has an unexpected type")),
        }
    }

    /// One reader's copy of task `task`'s value (the last reader takes the value itself),
    /// and the task's end (ns since the run's start).
    ///
    /// Must only be called after the producer's `put` happened-before this call
    /// (guaranteed by the dependency counters), at most `readers` times in total, where
    /// `readers` is the task's reader count in the plan.
    ///
    /// `clone_fn` clones a value of the producer's output type (used only for shared slots).
    pub(crate) fn read_value(
        &self,
        task: u32,
        readers: u32,
        clone_fn: impl FnOnce() -> Option<CloneFn>,
    ) -> Result<(Value, u64), TaskFailure> {
        let index = task as usize;
        let Some(slot) = self.values.get(index) else {
            return Err(internal("input slot out of range"));
        };
        let value = if readers > 1 {
            let (Some(lock), Some(reads)) =
                (self.locks.get(index % LOCK_STRIPES), self.reads.get(index))
            else {
                return Err(internal("input slot out of range"));
            };
            let _guard = lock.lock();
            let done = reads.load(Ordering::Relaxed) + 1;
            if done > readers {
                return Err(internal("input read more often than it has readers"));
            }
            // SAFETY: readers of a shared slot hold its stripe lock; the producer finished
            // before any reader could start.
            let cell = unsafe { &mut *slot.get() };
            if done == readers {
                reads.store(0, Ordering::Relaxed);
                (cell.value.take(), cell.end_ns)
            } else {
                reads.store(done, Ordering::Relaxed);
                let clone_fn = clone_fn().ok_or_else(|| internal("no clone function"))?;
                (clone_fn(&cell.value).unwrap_or(Value::EMPTY), cell.end_ns)
            }
        } else {
            // SAFETY: a slot with a single reader is read exactly once, by that reader, after
            // the producer finished.
            let cell = unsafe { &mut *slot.get() };
            (cell.value.take(), cell.end_ns)
        };
        if value.0.is_empty() {
            return Err(internal("input value missing"));
        }
        Ok(value)
    }
}

fn downcast<T: 'static>(value: Value) -> Result<T, TaskFailure> {
    value
        .downcast::<T>()
        .map_err(|_| internal("input has an unexpected type"))
}

fn internal(what: &str) -> TaskFailure {
    TaskFailure {
        message: format!("taskscope internal error: {what}"),
    }
}

/// The inputs of one running task, read in argument order.
pub(crate) struct Inputs<'a> {
    buffers: &'a TaskBuffers,
    plan: &'a Plan,
    deps: &'a [u32],
    next: usize,
    /// The latest end (ns since the run's start) of the inputs read so far.
    latest_input_end: u64,
}

impl<'a> Inputs<'a> {
    pub(crate) fn new(buffers: &'a TaskBuffers, plan: &'a Plan, task: u32) -> Self {
        Self {
            buffers,
            plan,
            deps: plan.deps(task),
            next: 0,
            latest_input_end: 0,
        }
    }

    fn next_value(&mut self) -> Result<Value, TaskFailure> {
        let Some(&dep) = self.deps.get(self.next) else {
            return Err(internal("task read more inputs than it has"));
        };
        self.next += 1;
        let plan = self.plan;
        let (value, end_ns) = self.buffers.read_value(dep, plan.readers(dep), || {
            plan.node(dep).map(|n| n.clone_fn)
        })?;
        self.latest_input_end = self.latest_input_end.max(end_ns);
        Ok(value)
    }

    /// The latest end (ns since the run's start) of the inputs read so far.
    pub(crate) fn latest_input_end(&self) -> u64 {
        self.latest_input_end
    }

    /// The next input's value.
    #[inline]
    pub(crate) fn next<T: 'static>(&mut self) -> Result<T, TaskFailure> {
        let Some(&dep) = self.deps.get(self.next) else {
            return Err(internal("task read more inputs than it has"));
        };
        let readers = self.plan.readers(dep);
        if readers > 1 {
            return downcast(self.next_value()?);
        }
        self.next += 1;
        let (value, end_ns) = self.buffers.take_single::<T>(dep)?;
        self.latest_input_end = self.latest_input_end.max(end_ns);
        Ok(value)
    }

    /// All remaining inputs' values, in order.
    pub(crate) fn rest<T: 'static>(&mut self) -> Result<Vec<T>, TaskFailure> {
        let remaining = self.deps.len().saturating_sub(self.next);
        let mut values = Vec::with_capacity(remaining);
        for _ in 0..remaining {
            values.push(self.next()?);
        }
        Ok(values)
    }

    /// Reads and drops the inputs the task did not read, so every slot is emptied by
    /// its readers (a task body normally reads all of its inputs).
    pub(crate) fn finish(&mut self) {
        while self.next < self.deps.len() {
            drop(self.next_value());
        }
    }
}
