//! Result slots: where a finished task leaves its value for its consumers.
//!
//! Each task of a run has one slot. The producer writes it once; its consumers
//! read it after the dependency counter says the producer is done.
//!
//! Values move when they can: a slot with one reader (one consumer edge, or one
//! requested output) is taken by that reader without a lock or a clone. A slot
//! with several readers is guarded by a small lock; every reader but the last
//! gets a clone (through the node's clone function), the last one takes the
//! value itself. Users whose values are expensive to clone wrap them in `Arc`.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, Ordering};

use parking_lot::Mutex;

use crate::node::{CloneFn, Node, TaskFailure, Value};

struct Slot {
    value: UnsafeCell<Option<Value>>,
    /// Readers that have not read yet; only touched under `lock` when `shared`.
    readers_left: AtomicU32,
    shared: bool,
    lock: Mutex<()>,
}

/// The result slots of one run, indexed by task index.
pub(crate) struct Slots {
    slots: Box<[Slot]>,
}

// SAFETY: a slot's `value` is written only by the worker running its task, before that
// worker releases the task's dependents (a Release decrement that each consumer's worker
// Acquires before it runs). After that it is only read: by its single reader without a
// lock, or by several readers under `lock`. The values themselves are `Send`.
unsafe impl Sync for Slots {}

impl Slots {
    /// Slots for tasks with the given reader counts.
    pub(crate) fn new(readers: &[u32]) -> Self {
        let slots = readers
            .iter()
            .map(|&readers| Slot {
                value: UnsafeCell::new(None),
                readers_left: AtomicU32::new(readers),
                shared: readers > 1,
                lock: Mutex::new(()),
            })
            .collect();
        Self { slots }
    }

    /// Stores task `index`'s value.
    ///
    /// # Safety
    /// Only the worker that ran task `index` may call this, once, before it releases the
    /// task's dependents; no reader of this slot may run concurrently.
    pub(crate) unsafe fn put(&self, index: u32, value: Value) {
        if let Some(slot) = self.slots.get(index as usize) {
            // SAFETY: exclusive access per this function's contract.
            unsafe { *slot.value.get() = Some(value) };
        }
    }

    /// One reader's copy of task `index`'s value (the last reader takes the value itself).
    ///
    /// Must only be called after the producer's `put` happened-before this call
    /// (guaranteed by the dependency counters), at most `readers` times in total.
    ///
    /// `clone_fn` clones a value of the producer's output type (used only for shared slots).
    pub(crate) fn read<T: 'static>(
        &self,
        index: u32,
        clone_fn: impl FnOnce() -> Option<CloneFn>,
    ) -> Result<T, TaskFailure> {
        downcast(self.read_value(index, clone_fn)?)
    }

    /// Like [`Slots::read`], without the downcast.
    pub(crate) fn read_value(
        &self,
        index: u32,
        clone_fn: impl FnOnce() -> Option<CloneFn>,
    ) -> Result<Value, TaskFailure> {
        let Some(slot) = self.slots.get(index as usize) else {
            return Err(internal("input slot out of range"));
        };
        let value = if slot.shared {
            let _guard = slot.lock.lock();
            let left = slot.readers_left.load(Ordering::Relaxed);
            if left == 0 {
                return Err(internal("input read more often than it has readers"));
            }
            slot.readers_left.store(left - 1, Ordering::Relaxed);
            // SAFETY: readers of a shared slot hold `lock`; the producer finished before any
            // reader could start.
            let cell = unsafe { &mut *slot.value.get() };
            if left == 1 {
                cell.take()
            } else {
                let clone_fn = clone_fn().ok_or_else(|| internal("no clone function"))?;
                cell.as_ref().and_then(clone_fn)
            }
        } else {
            // SAFETY: a slot with a single reader is read exactly once, by that reader, after
            // the producer finished.
            unsafe { (*slot.value.get()).take() }
        };
        value.ok_or_else(|| internal("input value missing"))
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
    slots: &'a Slots,
    nodes: &'a [&'a Node],
    deps: &'a [u32],
    next: usize,
}

impl<'a> Inputs<'a> {
    pub(crate) fn new(slots: &'a Slots, nodes: &'a [&'a Node], deps: &'a [u32]) -> Self {
        Self {
            slots,
            nodes,
            deps,
            next: 0,
        }
    }

    /// The next input's value.
    pub(crate) fn next<T: 'static>(&mut self) -> Result<T, TaskFailure> {
        let Some(&dep) = self.deps.get(self.next) else {
            return Err(internal("task read more inputs than it has"));
        };
        self.next += 1;
        let nodes = self.nodes;
        self.slots
            .read(dep, || nodes.get(dep as usize).map(|n| n.clone_fn))
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
}
