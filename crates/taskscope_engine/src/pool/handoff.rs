//! The handoff of one run between the calling thread and the pool's workers, and the
//! registry of which workers exist.
//!
//! # Protocol
//! - **Register.** A worker exists once [`Handoff::register`] gave it an index; indices
//!   are handed out once each, in order, up to the pool's size. A failed spawn leaves
//!   the index free for the next attempt: there is never a second worker with the same
//!   index, however spawning fails.
//! - **Publish.** The caller publishes a job pointer for every registered worker at
//!   once: each index is marked *pending*, the generation moves on, all are woken.
//! - **Take.** A worker takes the job of a generation it has not seen, and only if its
//!   own index is pending (so a worker that did not exist at publication never takes it).
//! - **Report.** A worker clears its own index when it will not touch the job again.
//! - **Unpublish.** The caller waits until no index is pending, then removes the job.
//!   Termination is tied to the identities of the workers the job was published to,
//!   not to a count of reports: a report from anyone else is impossible by construction
//!   (and caught by a `debug_assert!`), so the job cannot be freed while one of them
//!   still uses it.
//!
//! All of it happens under one lock, once per worker per run: simplicity over speed,
//! since a run costs microseconds at least anyway.
//!
//! # Proof
//! The `loom` model at the end of this file checks every interleaving of publishing
//! a job to two workers, their taking and reporting it, and unpublishing it, against
//! loom's model of memory: the caller's write to the job's memory after
//! [`Handoff::wait_and_unpublish`] never races a worker's read of it. Run it with
//! `RUSTFLAGS="--cfg loom" cargo test -p taskscope_engine --lib --release loom
//! --target-dir target/loom` (the lock and condition variables are loom's then).

use sync::{Condvar, Mutex};

/// The lock and condition variable of the handoff: `parking_lot`'s, or `loom`'s when
/// built for the model. Both with the same by-value `wait`.
#[cfg(not(loom))]
mod sync {
    pub(super) use parking_lot::{Mutex, MutexGuard};

    #[derive(Default)]
    pub(super) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        pub(super) fn new() -> Self {
            Self::default()
        }
        pub(super) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(&mut guard);
            guard
        }
        pub(super) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

#[cfg(loom)]
mod sync {
    use std::sync::PoisonError;

    pub(super) use loom::sync::MutexGuard;

    pub(super) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(super) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }
        pub(super) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    pub(super) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(super) fn new() -> Self {
            Self(loom::sync::Condvar::new())
        }
        pub(super) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
        }
        pub(super) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

/// The handoff state shared by a pool's caller side and its workers.
pub(super) struct Handoff<J> {
    state: Mutex<State<J>>,
    /// Workers wait here for a job or shutdown.
    wake: Condvar,
    /// The publisher waits here for the last report.
    reported: Condvar,
}

struct State<J> {
    /// How many workers the pool may have.
    capacity: usize,
    /// Workers that exist: indices `0..registered`.
    registered: usize,
    generation: u64,
    job: Option<J>,
    /// Per worker index: whether it has yet to report on the published job.
    pending: Vec<bool>,
    pending_count: usize,
    shutdown: bool,
}

/// What a worker gets from [`Handoff::next_job`].
pub(super) enum Next<J> {
    /// A job to work on; report it with [`Handoff::report`].
    Job(J),
    /// The pool is gone: exit.
    Shutdown,
}

impl<J: Copy> Handoff<J> {
    /// A handoff for a pool of `capacity` workers.
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                capacity,
                registered: 0,
                generation: 0,
                job: None,
                pending: vec![false; capacity],
                pending_count: 0,
                shutdown: false,
            }),
            wake: Condvar::new(),
            reported: Condvar::new(),
        }
    }

    /// Starts every worker not started yet, in index order, with `spawn(index,
    /// generation)`; an index counts as registered only once `spawn` succeeded.
    ///
    /// Stops at the first error and returns it; the workers started so far stay
    /// registered, and the next call starts the rest.
    pub(super) fn register<E>(
        &self,
        mut spawn: impl FnMut(usize, u64) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut state = self.state.lock();
        while state.registered < state.capacity {
            let index = state.registered;
            // Holding the lock while spawning: the new worker's first act is to lock it.
            spawn(index, state.generation)?;
            state.registered += 1;
        }
        Ok(())
    }

    /// Publishes `job` to every registered worker.
    ///
    /// Only one job is published at a time (the pool's run lock sees to it); the caller
    /// must call [`Handoff::wait_and_unpublish`] before the job's memory is released.
    pub(super) fn publish(&self, job: J) {
        let mut state = self.state.lock();
        debug_assert!(
            state.job.is_none() && state.pending_count == 0,
            "one job at a time"
        );
        let registered = state.registered;
        for (index, pending) in state.pending.iter_mut().enumerate() {
            *pending = index < registered;
        }
        state.pending_count = registered;
        state.generation += 1;
        state.job = Some(job);
        drop(state);
        self.wake.notify_all();
    }

    /// Waits until every worker the job was published to has reported, then removes it.
    pub(super) fn wait_and_unpublish(&self) {
        let mut state = self.state.lock();
        while state.pending_count > 0 {
            state = self.reported.wait(state);
        }
        state.job = None;
    }

    /// Worker `index`'s next job, or shutdown; `seen` is the last generation it saw.
    pub(super) fn next_job(&self, index: usize, seen: &mut u64) -> Next<J> {
        let mut state = self.state.lock();
        loop {
            if state.shutdown {
                return Next::Shutdown;
            }
            if state.generation != *seen {
                *seen = state.generation;
                if let Some(job) = state.job
                    && state.pending.get(index).copied().unwrap_or(false)
                {
                    return Next::Job(job);
                }
            }
            state = self.wake.wait(state);
        }
    }

    /// Worker `index` is done with the published job and will not touch it again.
    pub(super) fn report(&self, index: usize) {
        let mut state = self.state.lock();
        let was_pending = state
            .pending
            .get_mut(index)
            .map(|p| std::mem::replace(p, false));
        debug_assert_eq!(
            was_pending,
            Some(true),
            "worker {index} reports once per job"
        );
        if was_pending == Some(true) {
            state.pending_count -= 1;
            if state.pending_count == 0 {
                self.reported.notify_all();
            }
        }
    }

    /// Tells every worker to exit (they finish the job they are on first).
    pub(super) fn shut_down(&self) {
        self.state.lock().shutdown = true;
        self.wake.notify_all();
    }
}

#[cfg(all(test, loom))]
mod loom_model {
    use loom::cell::UnsafeCell;
    use loom::sync::Arc;
    use loom::thread;

    use super::{Handoff, Next};

    /// Two runs published to two workers: each worker reads the job's memory between
    /// taking the job and reporting it; after `wait_and_unpublish` the caller writes it
    /// (as freeing the job would). Loom fails the model if any write races a read.
    #[test]
    fn the_job_outlives_every_use_by_the_workers_it_was_published_to() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let handoff = Arc::new(Handoff::<usize>::new(2));
            let memory = Arc::new(UnsafeCell::new(0_u64));
            let mut workers = Vec::new();
            let registered = handoff.register(|index, generation| {
                let (handoff, memory) = (Arc::clone(&handoff), Arc::clone(&memory));
                workers.push(thread::spawn(move || {
                    let mut seen = generation;
                    while let Next::Job(job) = handoff.next_job(index, &mut seen) {
                        // SAFETY (of the model): a read, checked by loom for races.
                        let value = memory.with(|p| unsafe { *p });
                        assert_eq!(value as usize + 1, job, "the job's memory is this run's");
                        handoff.report(index);
                    }
                }));
                Ok::<(), ()>(())
            });
            assert!(registered.is_ok());
            for run in 1..=2_usize {
                handoff.publish(run);
                handoff.wait_and_unpublish();
                // "Free" the job: a write that races any worker still reading.
                // SAFETY (of the model): a write, checked by loom for races.
                memory.with_mut(|p| unsafe { *p = run as u64 });
            }
            handoff.shut_down();
            for worker in workers {
                assert!(worker.join().is_ok());
            }
        });
    }
}
