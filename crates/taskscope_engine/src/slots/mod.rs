//! Per-run task state: dependency counters, outcomes, and result slots.
//!
//! Each task of a run has a counter and a slot. Its finished inputs are counted
//! up on it (from zero, so a zeroed buffer is a fresh run; one at a time or, by
//! the pool, several at once); the count that reaches the task's input count
//! makes the task ready. Once the
//! task has run, its worker replaces the count with the outcome (`DONE` or
//! `FAILED`): nobody counts it any more, and the trace reads the outcomes of a
//! failed run from there.
//!
//! # The slot protocol
//! The producer writes its slot once ([`TaskBuffers::output`]); its readers read it
//! ([`TaskBuffers::read`], [`TaskBuffers::discard`]) only after the counters say the
//! producer is done, that is after the producer's write *happened-before* the read
//! (the producer's `AcqRel` increment of its consumer's counter, observed by whoever
//! runs the consumer). Each slot is read at most as often as its task has *readers*
//! (consumer edges plus requested outputs, counted by the plan). These are the
//! callers' promises, so the three are `unsafe fn`s.
//!
//! Values move when they can: a slot with one reader is taken by that reader
//! without a lock or a clone. A slot with several readers is read under a lock
//! (one of a few striped locks); every reader but the last gets a clone, the last
//! one takes the value itself. Users whose values are expensive to clone wrap them
//! in `Arc`.
//!
//! The buffers outlive a run: a pool keeps them for its next run, so a run
//! allocates (and page-faults) nothing per task. Between runs every slot is
//! empty and every read count zero; [`TaskBuffers::prepare`] zeroes the counters.
//!
//! This module knows nothing of graphs or plans: task indices, counts and values.

use std::cell::UnsafeCell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

use parking_lot::Mutex;

use crate::unwind::drop_payload;
use crate::value::Value;

/// A task's counter after it ran and succeeded.
const DONE: u32 = 1 << 31;
/// A task's counter after it ran and failed.
const FAILED: u32 = 1 << 30;
/// The highest input count a counter can reach without colliding with the outcome bits.
pub(crate) const MAX_COUNT: u32 = FAILED - 1;

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

/// Why a slot could not be read: each is a broken engine invariant, never user data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SlotError {
    /// The task index is beyond the buffers.
    OutOfRange,
    /// The slot is empty: its value was taken already, or never put.
    Missing,
    /// The slot holds a value of another type than the reader asked for.
    WrongType,
    /// The slot was read more often than its task has readers.
    ReadTooOften,
}

impl fmt::Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OutOfRange => "input slot out of range",
            Self::Missing => "input value missing",
            Self::WrongType => "input has an unexpected type",
            Self::ReadTooOften => "input read more often than it has readers",
        })
    }
}

/// A task's result, and when the task ended.
struct Slot {
    value: Value,
    /// The task's end in ns since the run's start, when the run records spans (its
    /// consumers' spans start no earlier).
    end_ns: u64,
}

/// A running task's own slot (see [`TaskBuffers::output`]).
pub(crate) struct Output<'a> {
    slot: &'a mut Slot,
}

impl Output<'_> {
    /// Where the task's value goes (empty until the task function writes it).
    pub(crate) fn value(&mut self) -> &mut Value {
        &mut self.slot.value
    }

    /// Records the task's end (ns since the run's start), once it succeeded.
    pub(crate) fn set_end(&mut self, end_ns: u64) {
        self.slot.end_ns = end_ns;
    }
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
// worker releases the task's dependents (see the module's protocol, which `output`, `read`
// and `discard` require of their callers). After that it is only read: by its single
// reader without a lock, or by several readers under its stripe lock. The values
// themselves are `Send + Sync` (see `Value`). Counters and read counts are atomics.
unsafe impl Sync for TaskBuffers {}

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
    /// Buffers for runs of up to `tasks` tasks, every slot empty.
    pub(crate) fn with_capacity(tasks: usize) -> Self {
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

    /// Readies the buffers for a run of `tasks` tasks: zeroes their counters, and grows
    /// the buffers if they are too small.
    ///
    /// # Complexity
    /// O(`tasks`) (a `memset`); allocates only when `tasks` is more than the capacity.
    pub(crate) fn prepare(&mut self, tasks: usize) {
        if self.values.len() < tasks {
            // Every slot is empty between runs, so the old buffers just go.
            *self = Self::with_capacity(tasks);
            return;
        }
        for counter in self.counters.iter_mut().take(tasks) {
            *counter.get_mut() = 0;
        }
        debug_assert!(self.is_clean(), "every slot is empty between runs");
    }

    /// Whether every slot is empty and every read count zero (the state between runs).
    pub(crate) fn is_clean(&mut self) -> bool {
        self.values.iter_mut().all(|s| s.get_mut().value.is_empty())
            && self.reads.iter_mut().all(|r| *r.get_mut() == 0)
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
                drop_payload(payload);
            }
        }
        for reads in &mut self.reads {
            *reads.get_mut() = 0;
        }
    }

    /// Counts one finished input of `task`, which has `inputs` inputs; returns whether
    /// that was the last one (the task is ready).
    pub(crate) fn arrive(&self, task: u32, inputs: u32) -> bool {
        self.arrive_many(task, 1, inputs)
    }

    /// Counts `count` finished inputs of `task` at once (the caller put their values
    /// before this call); returns whether they were the last ones (the task is ready).
    pub(crate) fn arrive_many(&self, task: u32, count: u32, inputs: u32) -> bool {
        let Some(counter) = self.counters.get(task as usize) else {
            debug_assert!(false, "task {task} beyond the buffers");
            return false;
        };
        debug_assert!(count >= 1, "an arrival counts at least one input");
        // AcqRel: our results must be visible to whoever runs `task`, and we must see the
        // other inputs' results if we are the one to run it.
        let arrived = counter.fetch_add(count, Ordering::AcqRel) + count;
        debug_assert!(arrived <= inputs, "task {task} got more inputs than it has");
        arrived == inputs
    }

    /// How many inputs of `task` were counted so far (a plain load: others may be
    /// counting at the same time; 0 for a task beyond the buffers).
    pub(crate) fn arrived(&self, task: u32) -> u32 {
        let counter = self.counters.get(task as usize);
        debug_assert!(counter.is_some(), "task {task} beyond the buffers");
        counter.map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Records that `task` ran (nobody counts its counter any more).
    pub(crate) fn set_outcome(&self, task: u32, succeeded: bool) {
        let Some(counter) = self.counters.get(task as usize) else {
            debug_assert!(false, "task {task} beyond the buffers");
            return;
        };
        counter.store(if succeeded { DONE } else { FAILED }, Ordering::Relaxed);
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

    /// Task `task`'s slot, for the worker running the task to write its value into
    /// (the task function writes it in place: a value moved out of the function and
    /// into the slot went through the stack three times) and then its end.
    ///
    /// The slot is empty: between runs every slot is, and a task runs once. A task that
    /// fails after writing its value leaves it there; the run then ends unclean and
    /// [`TaskBuffers::clear`] drops it.
    ///
    /// # Safety
    /// Only the worker that runs task `task` may call this, once per run, and use the
    /// slot only until it releases the task's dependents; no reader of this slot may run
    /// meanwhile.
    pub(crate) unsafe fn output(&self, task: u32) -> Option<Output<'_>> {
        let slot = self.values.get(task as usize);
        debug_assert!(slot.is_some(), "task {task} beyond the buffers");
        // SAFETY: exclusive access per this function's contract.
        let slot = unsafe { &mut *slot?.get() };
        debug_assert!(slot.value.is_empty(), "task {task} put twice");
        Some(Output { slot })
    }

    /// Stores task `task`'s value and end (ns since the run's start).
    ///
    /// # Safety
    /// As for [`TaskBuffers::output`].
    #[cfg(test)]
    pub(crate) unsafe fn put(&self, task: u32, value: Value, end_ns: u64) {
        // SAFETY: per this function's contract.
        if let Some(mut out) = unsafe { self.output(task) } {
            // The slot is empty (the contract): the assignment drops only the empty value.
            *out.value() = value;
            out.set_end(end_ns);
        }
    }

    /// One reader's read of task `task`'s value as a `T`, with the task's end (ns since
    /// the run's start). With one reader (`readers == 1`) the value is taken, without a
    /// lock; with several, every reader but the last gets a clone and the last one the
    /// value, under the slot's stripe lock.
    ///
    /// # Safety
    /// The producer's write of its slot ([`output`](TaskBuffers::output)) happened-before
    /// this call, and `readers` is the task's reader count in the run: the slot is read (by `read` or
    /// [`discard`](TaskBuffers::discard)) at most `readers` times in the run, and if
    /// `readers == 1` by no other thread at the same time.
    #[inline]
    pub(crate) unsafe fn read<T: Clone + 'static>(
        &self,
        task: u32,
        readers: u32,
    ) -> Result<(T, u64), SlotError> {
        let index = task as usize;
        let slot = self.values.get(index).ok_or(SlotError::OutOfRange)?;
        if readers <= 1 {
            debug_assert_eq!(readers, 1, "a read slot has a reader");
            // SAFETY: a slot with a single reader is read once, by that reader, after the
            // producer finished (this function's contract): no other access overlaps.
            let cell = unsafe { &mut *slot.get() };
            return match cell.value.take_as::<T>() {
                Some(value) => Ok((value, cell.end_ns)),
                None if cell.value.is_empty() => Err(SlotError::Missing),
                None => Err(SlotError::WrongType),
            };
        }
        let (lock, reads) = self.shared_parts(index)?;
        let _guard = lock.lock();
        // SAFETY: readers of a shared slot hold its stripe lock; the producer finished
        // before any reader could start (this function's contract).
        let cell = unsafe { &mut *slot.get() };
        let done = Self::count_read(cell, reads, readers)?;
        let value = if done == readers {
            reads.store(0, Ordering::Relaxed);
            cell.value.take_as::<T>()
        } else {
            reads.store(done, Ordering::Relaxed);
            cell.value.downcast_ref::<T>().cloned()
        };
        value
            .map(|value| (value, cell.end_ns))
            .ok_or(SlotError::WrongType)
    }

    /// Counts one read of a shared slot (under its stripe lock); returns how many reads
    /// were made so far, this one included. An empty slot or one read `readers` times
    /// already is an error, and the count is left as it was.
    fn count_read(cell: &Slot, reads: &AtomicU32, readers: u32) -> Result<u32, SlotError> {
        if cell.value.is_empty() {
            return Err(SlotError::Missing);
        }
        let done = reads.load(Ordering::Relaxed) + 1;
        if done > readers {
            return Err(SlotError::ReadTooOften);
        }
        Ok(done)
    }

    /// One reader's read of task `task`'s value that does not want it: counts the read,
    /// and the last reader drops the value (no clone is made). Returns the task's end.
    ///
    /// The drop runs the value's `Drop` (user code) on the calling thread.
    ///
    /// # Safety
    /// As for [`TaskBuffers::read`].
    pub(crate) unsafe fn discard(&self, task: u32, readers: u32) -> Result<u64, SlotError> {
        let index = task as usize;
        let slot = self.values.get(index).ok_or(SlotError::OutOfRange)?;
        let taken = if readers <= 1 {
            // SAFETY: as in `read`, single reader.
            let cell = unsafe { &mut *slot.get() };
            (cell.value.take(), cell.end_ns)
        } else {
            let (lock, reads) = self.shared_parts(index)?;
            let _guard = lock.lock();
            // SAFETY: as in `read`, under the stripe lock.
            let cell = unsafe { &mut *slot.get() };
            let done = Self::count_read(cell, reads, readers)?;
            if done == readers {
                reads.store(0, Ordering::Relaxed);
                (cell.value.take(), cell.end_ns)
            } else {
                reads.store(done, Ordering::Relaxed);
                return Ok(cell.end_ns);
            }
        };
        let (value, end_ns) = taken;
        if value.is_empty() {
            return Err(SlotError::Missing);
        }
        // Dropped outside the stripe lock: user code.
        drop(value);
        Ok(end_ns)
    }

    /// The stripe lock and read count of a slot with several readers.
    fn shared_parts(&self, index: usize) -> Result<(&Mutex<()>, &AtomicU32), SlotError> {
        match (self.locks.get(index % LOCK_STRIPES), self.reads.get(index)) {
            (Some(lock), Some(reads)) => Ok((lock, reads)),
            _ => Err(SlotError::OutOfRange),
        }
    }
}

#[cfg(test)]
mod test;
