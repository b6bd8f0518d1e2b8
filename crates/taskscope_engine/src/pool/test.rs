//! Faults of the pool: failed spawns, panics outside task bodies, values whose `Drop` panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::Pool;
use crate::scheduler::Kind;
use crate::{ComputeError, Delayed, Scheduler, combine};

fn pool_of(scheduler: &Scheduler) -> &Pool {
    match &scheduler.kind {
        Kind::Threads(pool) => pool,
        Kind::Sequential => panic!("a thread scheduler"),
    }
}

/// Runs `f` on its own thread and fails the test if it does not return within `limit`
/// (a hang is a failure, not a test that never ends).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}: the pool hangs"))
}

fn gather(n: u64) -> Delayed<u64> {
    let leaves: Vec<Delayed<u64>> = (0..n)
        .map(|i| Delayed::from_fn("leaf", move || i))
        .collect();
    combine("gather", leaves, |v| v.into_iter().sum::<u64>())
}

/// Waits (a little) until the pool has `n` live worker threads; returns how many it has.
fn settle_live(pool: &Pool, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let live = pool.shared.live.load(Ordering::SeqCst);
        if live == n || Instant::now() > deadline {
            return live;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_failed_spawn_never_leaves_duplicate_workers() {
    let scheduler = Scheduler::threads(2);
    let graph = gather(2_000);
    let (scheduler, graph) = within(Duration::from_mins(1), move || {
        let pool = pool_of(&scheduler);
        pool.fail_spawn_from.store(1, Ordering::SeqCst);
        let err = graph.compute_with(&scheduler).unwrap_err();
        assert!(matches!(err, ComputeError::Spawn(_)), "{err}");
        pool.fail_spawn_from.store(usize::MAX, Ordering::SeqCst);
        for _ in 0..300 {
            assert_eq!(
                graph.compute_with(&scheduler).unwrap().value,
                1_999 * 2_000 / 2
            );
        }
        (scheduler, graph)
    });
    assert_eq!(
        settle_live(pool_of(&scheduler), 2),
        2,
        "exactly the pool's two workers exist"
    );
    drop(graph);
}

/// A panic payload whose own `Drop` panics: dropping it runs user code.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("the payload's drop panicked");
    }
}

#[test]
fn a_panic_payload_whose_drop_panics_fails_the_task_without_hanging() {
    let scheduler = Scheduler::threads(2);
    within(Duration::from_secs(30), move || {
        let bad = Delayed::from_fn("bad", || -> u64 { std::panic::panic_any(PanicOnDrop) });
        for _ in 0..3 {
            let err = bad.compute_with(&scheduler).unwrap_err();
            let ComputeError::TaskFailed(failed) = &err else {
                panic!("expected a task failure, got {err}");
            };
            assert_eq!(failed.name, "bad");
            assert_eq!(gather(100).compute_with(&scheduler).unwrap().value, 4_950);
        }
    });
}

/// A value whose `Drop` counts, then panics.
#[derive(Clone)]
struct Loud(Arc<AtomicUsize>);

impl Drop for Loud {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("a value's drop panicked");
    }
}

#[test]
fn values_whose_drop_panics_are_all_dropped_after_a_failed_run() {
    for scheduler in [Scheduler::threads(2), Scheduler::sequential()] {
        let dropped = Arc::new(AtomicUsize::new(0));
        let made = Arc::new(AtomicUsize::new(0));
        let leaves: Vec<Delayed<Loud>> = (0..100)
            .map(|_| {
                let (dropped, made) = (Arc::clone(&dropped), Arc::clone(&made));
                Delayed::from_fn("loud", move || {
                    made.fetch_add(1, Ordering::SeqCst);
                    Loud(Arc::clone(&dropped))
                })
            })
            .chain([Delayed::from_fn("bad", || -> Loud { panic!("bad leaf") })])
            .collect();
        let all = combine("all", leaves, |v: Vec<Loud>| {
            std::mem::forget(v);
            0_u8
        });
        let (scheduler, all, dropped, made) = within(Duration::from_secs(30), move || {
            let err = all.compute_with(&scheduler).unwrap_err();
            assert!(matches!(err, ComputeError::TaskFailed(_)), "{err}");
            (scheduler, all, dropped, made)
        });
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            made.load(Ordering::SeqCst),
            "every value made was dropped once"
        );
        drop(all);
        assert_eq!(gather(100).compute_with(&scheduler).unwrap().value, 4_950);
    }
}

#[test]
fn a_value_whose_drop_panics_in_its_consumer_fails_that_task() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&dropped);
    let loud = Delayed::from_fn("loud", move || Loud(Arc::clone(&d)));
    let consume = loud.then("consume", |v: Loud| {
        drop(v);
        1_u8
    });
    let scheduler = Scheduler::threads(2);
    let err = within(Duration::from_secs(30), move || {
        consume.compute_with(&scheduler).unwrap_err()
    });
    let ComputeError::TaskFailed(failed) = &err else {
        panic!("expected a task failure, got {err}");
    };
    assert_eq!(failed.name, "consume");
    assert!(failed.message.contains("a value's drop panicked"), "{err}");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}
