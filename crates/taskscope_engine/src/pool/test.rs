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
    match rx.recv_timeout(limit) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?}: the pool hangs")
        }
        // `f` panicked (its message is above): not a hang.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the test's body failed"),
    }
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

/// `n` leaves making `Loud` values (counted in `made`) and one failing leaf, gathered:
/// the run fails, and the values made are left for the engine to drop.
fn loud_failing_gather(
    n: usize,
    made: &Arc<AtomicUsize>,
    dropped: &Arc<AtomicUsize>,
) -> Delayed<u8> {
    let leaves: Vec<Delayed<Loud>> = (0..n)
        .map(|_| {
            let (dropped, made) = (Arc::clone(dropped), Arc::clone(made));
            Delayed::from_fn("loud", move || {
                made.fetch_add(1, Ordering::SeqCst);
                Loud(Arc::clone(&dropped))
            })
        })
        .chain([Delayed::from_fn("bad", || -> Loud { panic!("bad leaf") })])
        .collect();
    combine("all", leaves, |v: Vec<Loud>| {
        std::mem::forget(v);
        0_u8
    })
}

#[test]
fn values_whose_drop_panics_are_all_dropped_after_a_failed_run() {
    for scheduler in [Scheduler::threads(2), Scheduler::sequential()] {
        let dropped = Arc::new(AtomicUsize::new(0));
        let made = Arc::new(AtomicUsize::new(0));
        let all = loud_failing_gather(100, &made, &dropped);
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

#[test]
fn a_panic_of_the_work_loop_stops_the_run_with_an_internal_error_and_the_worker_lives_on() {
    let scheduler = Scheduler::threads(2);
    let scheduler = within(Duration::from_secs(30), move || {
        let pool = pool_of(&scheduler);
        pool.panic_in_work_loop.store(true, Ordering::SeqCst);
        for _ in 0..5 {
            let err = gather(1_000).compute_with(&scheduler).unwrap_err();
            assert!(
                matches!(&err, ComputeError::Internal(m) if m.contains("worker 0 panicked outside a task")),
                "{err}"
            );
        }
        pool.panic_in_work_loop.store(false, Ordering::SeqCst);
        assert_eq!(
            gather(1_000).compute_with(&scheduler).unwrap().value,
            999 * 1_000 / 2
        );
        scheduler
    });
    assert_eq!(settle_live(pool_of(&scheduler), 2), 2);
}

#[test]
fn a_task_panicking_on_every_worker_at_once_fails_the_run_once() {
    const WORKERS: usize = 3;
    let scheduler = Scheduler::threads(WORKERS);
    let barrier = Arc::new(std::sync::Barrier::new(WORKERS));
    let leaves: Vec<Delayed<u64>> = (0..WORKERS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            Delayed::from_fn("boom", move || -> u64 {
                // Every worker is inside a task when they all panic.
                barrier.wait();
                panic!("boom {i}")
            })
        })
        .collect();
    let all = combine("all", leaves, |v| v.len());
    let scheduler = within(Duration::from_secs(30), move || {
        let err = all.compute_with(&scheduler).unwrap_err();
        let ComputeError::TaskFailed(failed) = &err else {
            panic!("expected a task failure, got {err}");
        };
        assert_eq!(failed.failed_tasks, WORKERS);
        assert!(failed.message.starts_with("panicked: boom"), "{err}");
        assert_eq!(gather(10).compute_with(&scheduler).unwrap().value, 45);
        scheduler
    });
    assert_eq!(settle_live(pool_of(&scheduler), WORKERS), WORKERS);
}

#[test]
fn a_spawn_failing_on_the_first_worker_is_an_error_and_a_retry_starts_them_all() {
    let scheduler = Scheduler::threads(2);
    let pool = pool_of(&scheduler);
    pool.fail_spawn_from.store(0, Ordering::SeqCst);
    for _ in 0..3 {
        let err = gather(10).compute_with(&scheduler).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("could not start worker threads"),
            "{err}"
        );
    }
    assert_eq!(pool.shared.live.load(Ordering::SeqCst), 0);
    pool.fail_spawn_from.store(usize::MAX, Ordering::SeqCst);
    assert_eq!(gather(10).compute_with(&scheduler).unwrap().value, 45);
    assert_eq!(settle_live(pool, 2), 2);
}

#[test]
fn the_same_scheduler_serves_a_thousand_computes_after_faults_without_hanging_or_leaking() {
    let scheduler = Scheduler::threads(2);
    let made = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (scheduler, made, dropped) = within(Duration::from_mins(2), move || {
        let fine = gather(200);
        let failing = {
            let leaves = (0..50_u64).map(|i| {
                Delayed::from_fn("maybe", move || -> u64 {
                    assert!(i != 25, "leaf 25 fails");
                    i
                })
            });
            combine("sum", leaves, |v| v.into_iter().sum::<u64>())
        };
        let erring = Delayed::value(1_u64).try_then("check", |_| Err::<u64, _>("no"));
        let payload = Delayed::from_fn("payload", || -> u64 { std::panic::panic_any(PanicOnDrop) });
        let loud = loud_failing_gather(20, &made, &dropped);
        for round in 0..1_000 {
            match round % 5 {
                0 => assert!(failing.compute_with(&scheduler).is_err()),
                1 => assert!(erring.compute_with(&scheduler).is_err()),
                2 => assert!(payload.compute_with(&scheduler).is_err()),
                3 => assert!(loud.compute_with(&scheduler).is_err()),
                _ => assert_eq!(fine.compute_with(&scheduler).unwrap().value, 199 * 200 / 2),
            }
        }
        (scheduler, made, dropped)
    });
    assert_eq!(
        made.load(Ordering::SeqCst),
        dropped.load(Ordering::SeqCst),
        "every value was dropped"
    );
    let pool = pool_of(&scheduler);
    assert_eq!(settle_live(pool, 2), 2, "no worker died or was added");
    assert!(
        pool.buffers
            .lock()
            .as_mut()
            .is_some_and(|b| b.tasks.is_clean()),
        "the kept buffers are clean"
    );
    // Dropping the last handle lets the workers exit.
    let shared = Arc::clone(&pool.shared);
    drop(scheduler);
    let deadline = Instant::now() + Duration::from_secs(5);
    while shared.live.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(shared.live.load(Ordering::SeqCst), 0, "the workers exited");
}

/// The span of the task named `name` in a run's trace: (start, end) in ns.
fn span_named(trace: &taskscope_trace::Trace, name: &str) -> (u64, u64) {
    let span = trace
        .spans()
        .iter()
        .find(|s| trace.graph().name(s.task) == Some(name))
        .unwrap_or_else(|| panic!("a span of {name}"));
    (span.start_ns, span.end_ns)
}

/// Arrivals at a task with many inputs are counted in batches (`job::Batch`), and no
/// task waits for one: the worker that ran the last inputs of `sum` counts them before it
/// starts `long` (a root of no higher priority, taken next), so `sum` runs before `long`
/// on one worker, and on two runs beside it instead of after it.
#[test]
fn a_wide_task_does_not_wait_for_its_inputs_batch_while_its_worker_runs_another_task() {
    const LONG: Duration = Duration::from_millis(150);
    for (scheduler, round) in [Scheduler::threads(1), Scheduler::threads(2)]
        .iter()
        .flat_map(|s| (0..4).map(move |round| (s, round)))
    {
        let inputs: Vec<Delayed<u64>> = (0..64)
            .map(|i| Delayed::from_fn("input", move || i))
            .collect();
        let sum = combine("sum", inputs, |v| v.into_iter().sum::<u64>());
        let long = Delayed::from_fn("long", || {
            std::thread::sleep(LONG);
            1_000_u64
        });
        let out = combine("out", [sum, long], |v| v.into_iter().sum::<u64>());
        let run = out.compute_with(scheduler).unwrap();
        assert_eq!(run.value, 63 * 64 / 2 + 1_000);
        let (sum_start, _) = span_named(&run.trace, "sum");
        let (long_start, long_end) = span_named(&run.trace, "long");
        assert!(
            sum_start < long_end,
            "{} workers, round {round}: sum started at {sum_start} ns, after long \
             ({long_start}..{long_end} ns)",
            run.trace.meta().workers.unwrap_or(0)
        );
    }
}

/// Wide tasks sharing inputs, and tasks feeding several wide tasks at once (only one
/// batch is open at a time), give the sequential scheduler's results on every run.
#[test]
fn batched_arrivals_give_the_sequential_results() {
    let threads = Scheduler::threads(3);
    let sequential = Scheduler::sequential();
    let leaves: Vec<Delayed<u64>> = (0..500)
        .map(|i| Delayed::from_fn("leaf", move || i * 7 + 1))
        .collect();
    // Overlapping windows: each leaf feeds up to three wide sums.
    let sums: Vec<Delayed<u64>> = (0..20)
        .map(|w| {
            let window = leaves.iter().skip(w * 20).take(60).cloned();
            combine("window", window, |v| v.into_iter().sum::<u64>())
        })
        .collect();
    let total = combine("total", sums, |v| {
        v.into_iter()
            .fold(0_u64, |a, b| a.wrapping_mul(31).wrapping_add(b))
    });
    let expected = total.compute_with(&sequential).unwrap().value;
    // A miscounted arrival would leave a task never ready: a hang, so bounded.
    within(Duration::from_mins(1), move || {
        for _ in 0..200 {
            assert_eq!(total.compute_with(&threads).unwrap().value, expected);
        }
    });
}
