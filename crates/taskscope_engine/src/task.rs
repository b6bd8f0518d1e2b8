//! What a task is to the engine: a function that reads its [`Inputs`] and fills its
//! result slot with a [`Value`], or fails with a [`TaskFailure`].
//!
//! Graph nodes store a [`TaskFn`]; the runner calls it with the task's inputs. This
//! module sits between the two: it knows the slot protocol (`slots`), not graphs,
//! plans or pools.

use taskscope_trace::TaskId;

use crate::slots::{SlotError, TaskBuffers};
use crate::value::Value;

/// Why a task did not produce a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskFailure {
    pub(crate) message: String,
}

impl TaskFailure {
    /// A failure that is an engine bug, not the task's own error.
    pub(crate) fn internal(what: impl std::fmt::Display) -> Self {
        Self {
            message: format!("taskscope internal error: {what}"),
        }
    }
}

impl From<SlotError> for TaskFailure {
    fn from(error: SlotError) -> Self {
        Self::internal(error)
    }
}

/// The body of a task: reads its inputs, writes its output into the empty value it is
/// given (the task's result slot, see [`TaskBuffers::output`]).
pub(crate) type TaskFn =
    dyn Fn(&mut Inputs<'_>, &mut Value) -> Result<(), TaskFailure> + Send + Sync;

/// The inputs of one running task, read in argument order.
pub(crate) struct Inputs<'a> {
    buffers: &'a TaskBuffers,
    /// The task's inputs, in argument order.
    deps: &'a [TaskId],
    /// Every task's reader count, indexed by task.
    readers: &'a [u32],
    next: usize,
    /// The latest end (ns since the run's start) of the inputs read so far.
    latest_input_end: u64,
}

impl<'a> Inputs<'a> {
    /// The inputs `deps` of a task, whose values are in `buffers`; `readers` are the
    /// reader counts of every task of the run.
    ///
    /// # Safety
    /// Every task in `deps` has finished and put its value, and that happened-before
    /// this call; `readers` are the run's reader counts (see the protocol of
    /// [`TaskBuffers::read`]); the task these are the inputs of runs once in the run,
    /// and only this value reads its inputs.
    pub(crate) unsafe fn new(
        buffers: &'a TaskBuffers,
        deps: &'a [TaskId],
        readers: &'a [u32],
    ) -> Self {
        Self {
            buffers,
            deps,
            readers,
            next: 0,
            latest_input_end: 0,
        }
    }

    /// The latest end (ns since the run's start) of the inputs read so far.
    pub(crate) fn latest_input_end(&self) -> u64 {
        self.latest_input_end
    }

    /// The next input and its reader count, moving on.
    fn advance(&mut self) -> Result<(u32, u32), TaskFailure> {
        let Some(&TaskId(dep)) = self.deps.get(self.next) else {
            return Err(TaskFailure::internal("task read more inputs than it has"));
        };
        self.next += 1;
        let readers = self.readers.get(dep as usize).copied();
        debug_assert!(readers.is_some_and(|r| r >= 1), "an input has a reader");
        Ok((dep, readers.ok_or(SlotError::OutOfRange)?))
    }

    /// The next input's value.
    #[inline]
    pub(crate) fn next<T: Clone + 'static>(&mut self) -> Result<T, TaskFailure> {
        let (dep, readers) = self.advance()?;
        // SAFETY: per `Inputs::new`, `dep` finished before this task started, and this
        // task reads each of its input edges once (`advance` moves on).
        let (value, end_ns) = unsafe { self.buffers.read::<T>(dep, readers)? };
        self.latest_input_end = self.latest_input_end.max(end_ns);
        Ok(value)
    }

    /// All remaining inputs' values, in order.
    pub(crate) fn rest<T: Clone + 'static>(&mut self) -> Result<Vec<T>, TaskFailure> {
        let remaining = self.deps.len().saturating_sub(self.next);
        let mut values = Vec::with_capacity(remaining);
        for _ in 0..remaining {
            values.push(self.next()?);
        }
        Ok(values)
    }

    /// Reads and drops the inputs the task did not read, so every slot is emptied by
    /// its readers (a task body normally reads all of its inputs). Runs the dropped
    /// values' `Drop` (user code): call it where a panic is caught.
    pub(crate) fn finish(&mut self) -> Result<(), TaskFailure> {
        while self.next < self.deps.len() {
            let (dep, readers) = self.advance()?;
            // SAFETY: as in `next`.
            let end_ns = unsafe { self.buffers.discard(dep, readers)? };
            self.latest_input_end = self.latest_input_end.max(end_ns);
        }
        Ok(())
    }
}
