//! [`RunningSlot`]: the task a lane is running, published by its worker as the task
//! starts and read by the watcher thread at each tick, so that a task that has started and
//! not ended yet shows as running in the stream.
//!
//! Why not the span log: a task's span is known only once it ended, and a log entry per
//! start would double the log. Why not a lock: the budget is a few nanoseconds per task.
//! The slot holds two numbers (the task, and the start its span gets unless an input ended
//! later), written by one worker and read by one watcher, as a sequence lock whose
//! sequence is the task itself: a task starts once per run, so the same task number never
//! comes back to make a torn read look whole.
//!
//! The protocol (Boehm, "Can seqlocks get along with programming language memory
//! models?", 2012): the writer stores [`NONE`] (`Relaxed`), a `Release` fence, the start
//! (`Relaxed`) and the task (`Release`). The reader loads the task (`Acquire`), the start
//! (`Relaxed`), an `Acquire` fence, and the task again (`Relaxed`): the two loads agree only
//! if the start read is the one written with that task. Everything the worker did before
//! publishing (the spans it pushed to its log before) happens-before what the watcher does
//! after its first load. All of it is atomics: a wrong caller gets a wrong answer, never
//! undefined behaviour.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

/// The slot's task while none is published (or one is being written).
const NONE: u32 = 0;

/// The task one lane runs (see the module docs). One worker writes it, one watcher reads.
#[derive(Debug, Default)]
pub(crate) struct RunningSlot {
    /// `task + 1`, or [`NONE`].
    task: AtomicU32,
    /// The start published with the task, in ns since the run's start.
    base_ns: AtomicU64,
}

impl RunningSlot {
    /// Publishes `task` as started, its span starting at `base_ns` unless an input of it
    /// ended later. Called by the lane's worker only.
    #[inline]
    pub(crate) fn publish(&self, task: u32, base_ns: u64) {
        debug_assert!(task < u32::MAX, "task numbers fit with the NONE offset");
        self.task.store(NONE, Ordering::Relaxed);
        // Release: a reader that sees the new start (below) also sees NONE above.
        fence(Ordering::Release);
        self.base_ns.store(base_ns, Ordering::Relaxed);
        // Release: the start and everything the worker did before happen-before a reader
        // that loads this task with Acquire.
        self.task.store(task.wrapping_add(1), Ordering::Release);
    }

    /// The task published last and its start, if one is and it was not being replaced
    /// while read (then the next tick sees it). Called by the watcher only.
    pub(crate) fn read(&self) -> Option<(u32, u64)> {
        let first = self.task.load(Ordering::Acquire);
        if first == NONE {
            return None;
        }
        let base_ns = self.base_ns.load(Ordering::Relaxed);
        // Acquire: if the start read above was written for a later task, the NONE stored
        // before it is visible to the load below.
        fence(Ordering::Acquire);
        let second = self.task.load(Ordering::Relaxed);
        (first == second).then(|| (first - 1, base_ns))
    }
}

#[cfg(test)]
mod tests {
    use super::RunningSlot;

    #[test]
    fn an_empty_slot_reads_none_and_a_published_one_its_task() {
        let slot = RunningSlot::default();
        assert_eq!(slot.read(), None);
        slot.publish(0, 5);
        assert_eq!(slot.read(), Some((0, 5)));
        slot.publish(7, 9);
        assert_eq!(slot.read(), Some((7, 9)));
    }

    #[test]
    fn a_reader_never_sees_a_start_of_another_task() {
        // The writer publishes task i with start 3i; every pair read must match.
        const N: u32 = 1_000_000;
        let slot = RunningSlot::default();
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..N {
                    slot.publish(i, 3 * u64::from(i));
                }
            });
            let mut seen = 0u32;
            while seen + 1 < N {
                if let Some((task, base_ns)) = slot.read() {
                    assert_eq!(base_ns, 3 * u64::from(task));
                    assert!(task >= seen, "tasks come in order");
                    seen = task;
                }
            }
        });
    }
}
