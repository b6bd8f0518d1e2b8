//! The progress bar and the streaming trace on real computes.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use taskscope_trace::{TaskId, TaskState, Trace};

use super::Progress;
use crate::{ComputeError, Delayed, Scheduler, combine};

/// `n` tasks sleeping `ms` each, gathered by one more task.
fn sleepy(n: u64, ms: u64) -> Delayed<u64> {
    let leaves: Vec<Delayed<u64>> = (0..n)
        .map(|i| {
            Delayed::from_fn("nap", move || {
                std::thread::sleep(Duration::from_millis(ms));
                i
            })
        })
        .collect();
    combine("gather", leaves, |v| v.into_iter().sum::<u64>())
}

fn captured(scheduler: Scheduler, min_time: Duration) -> (Scheduler, Arc<Mutex<String>>) {
    let buffer = Arc::new(Mutex::new(String::new()));
    let mut scheduler = scheduler.progress_with(Some(Progress {
        min_time,
        force: false,
    }));
    scheduler.live.captured = Some(Arc::clone(&buffer));
    (scheduler, buffer)
}

fn written(trace: &Trace) -> Vec<u8> {
    let mut out = Vec::new();
    trace.write_to(&mut out).unwrap();
    out
}

#[test]
fn the_bar_draws_progress_and_a_final_line() {
    let (scheduler, text) = captured(Scheduler::threads(2), Duration::ZERO);
    let run = sleepy(12, 40).compute_with(&scheduler).unwrap();
    assert_eq!(run.value, 66);
    let text = text.lock().clone();
    // Redrawn in place while it ran (about 250 ms: several ticks of 50 ms) ...
    assert!(text.contains(" elapsed, "), "{text:?}");
    assert!(text.contains("% | "), "{text:?}");
    // ... and ended with the final line.
    let last = text.lines().last().unwrap();
    let last = last.rsplit('\r').next().unwrap().trim_end();
    assert!(
        last.starts_with("[####################] 100% | 13/13 tasks | done in "),
        "{last:?}"
    );
}

#[test]
fn a_quick_compute_draws_nothing() {
    let (scheduler, text) = captured(Scheduler::threads(2), Duration::from_secs(30));
    sleepy(4, 1).compute_with(&scheduler).unwrap();
    assert_eq!(text.lock().as_str(), "");
}

#[test]
fn a_failed_run_ends_the_bar_with_what_happened() {
    let (scheduler, text) = captured(Scheduler::sequential(), Duration::ZERO);
    let ok = Delayed::from_fn("ok", || {
        std::thread::sleep(Duration::from_millis(60));
        1_u64
    });
    let bad = ok.then("bad", |_| -> u64 { panic!("no") });
    let err = bad
        .then("after", |x| x + 1)
        .compute_with(&scheduler)
        .unwrap_err();
    assert!(matches!(err, ComputeError::TaskFailed(_)));
    let text = text.lock().clone();
    let last = text
        .lines()
        .last()
        .unwrap()
        .rsplit('\r')
        .next()
        .unwrap()
        .trim_end();
    assert!(
        last.starts_with("[#############>------] 66% | 2/3 tasks | stopped after ")
            && last.ends_with(": a task failed"),
        "{last:?}"
    );
}

#[test]
fn a_finished_stream_is_the_saved_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    for scheduler in [Scheduler::threads(2), Scheduler::sequential()] {
        let run = sleepy(40, 0)
            .compute_with(&scheduler.stream_to(&path))
            .unwrap();
        let back = Trace::open(&path).unwrap();
        assert_eq!(written(&back), written(&run.trace));
        assert!(back.diagnostics().is_empty(), "{:?}", back.diagnostics());
        assert_eq!(back.spans().len(), 41);
    }
}

#[test]
fn a_failed_runs_stream_is_its_partial_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("failed.json");
    let a = Delayed::from_fn("a", || 1_u64);
    let bad = a.then("bad", |_| -> u64 { panic!("no") });
    let err = bad
        .then("after", |x| x + 1)
        .compute_with(&Scheduler::threads(2).stream_to(&path))
        .unwrap_err();
    let back = Trace::open(&path).unwrap();
    assert_eq!(written(&back), written(err.trace().unwrap()));
    assert_eq!(back.graph().state(TaskId(1)), Some(TaskState::Failed));
}

#[test]
fn a_running_stream_reads_as_the_run_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.json");
    // One worker, 16 tasks of 30 ms: about half a second.
    let graph = sleepy(15, 30);
    let scheduler = Scheduler::threads(1).stream_to(&path);
    let seen = std::thread::scope(|s| {
        let run = s.spawn(|| graph.compute_with(&scheduler).unwrap());
        let mut seen = Vec::new();
        while !run.is_finished() {
            if let Ok(t) = Trace::open(&path)
                && t.diagnostics()
                    .iter()
                    .any(|d| d.message.contains("taskscope_graph"))
            {
                assert_eq!(t.graph().len(), 16, "the whole graph, always");
                let done = t
                    .graph()
                    .tasks()
                    .filter(|&task| t.graph().state(task) == Some(TaskState::Done))
                    .count();
                assert_eq!(
                    done,
                    t.spans().len(),
                    "tasks with spans are done, others not"
                );
                seen.push(t.spans().len());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        run.join().unwrap();
        seen
    });
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    // Spans arrived while the run went on (flushed every 50 ms, tasks end every 30 ms).
    assert!(
        seen.iter().any(|&n| n > 0 && n < 16),
        "spans while running: {seen:?}"
    );
}

#[test]
fn a_stream_that_cannot_be_created_fails_the_compute_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing/run.json");
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let task = Delayed::from_fn("t", move || {
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        1_u64
    });
    let err = task
        .compute_with(&Scheduler::threads(2).stream_to(&path))
        .unwrap_err();
    assert!(matches!(err, ComputeError::Stream(_)), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
}
