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
                let ended = t.spans().iter().filter(|s| !s.unclosed).count();
                assert_eq!(
                    done, ended,
                    "tasks with spans that ended are done, others not"
                );
                // One worker: at most one task seen running.
                assert!(t.spans().len() - ended <= 1, "{:?}", t.spans());
                seen.push(ended);
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

/// Polls the stream at `path` while `run` goes on; returns the traces read that show a
/// task running (an unclosed span).
fn traces_with_a_running_task<T: Send>(
    path: &std::path::Path,
    run: impl FnOnce() -> T + Send,
) -> (Vec<Trace>, T) {
    std::thread::scope(|s| {
        let run = s.spawn(run);
        let mut seen = Vec::new();
        while !run.is_finished() {
            if let Ok(t) = Trace::open(path)
                && t.spans().iter().any(|span| span.unclosed)
            {
                seen.push(t);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (seen, run.join().unwrap())
    })
}

#[test]
fn a_task_running_at_a_tick_shows_as_running_then_ends_as_recorded() {
    use taskscope_trace::index::{RunState, TaskTimes};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("running.json");
    // A quick input on one lane, then a slow task that reads it (several ticks long).
    let a = Delayed::from_fn("a", || 1_u64);
    let slow = a.then("slow", |x| {
        std::thread::sleep(Duration::from_millis(300));
        x + 1
    });
    let scheduler = Scheduler::threads(2).stream_to(&path);
    let (seen, run) = traces_with_a_running_task(&path, || slow.compute_with(&scheduler).unwrap());
    let slow_task = TaskId(1);
    let recorded = run
        .trace
        .spans()
        .iter()
        .find(|s| s.task == slow_task)
        .unwrap();
    // (The quick task could be seen running too, if a tick fell within its microseconds.)
    let seen: Vec<&Trace> = seen
        .iter()
        .filter(|t| t.spans().iter().any(|s| s.unclosed && s.task == slow_task))
        .collect();
    assert!(!seen.is_empty(), "the slow task was seen running");
    // Its span lasts as far as the run has got: longer at later ticks.
    assert!(
        seen.iter().any(|t| t
            .spans()
            .iter()
            .any(|s| s.unclosed && s.task == slow_task && s.end_ns > s.start_ns + 20_000_000)),
        "seen running for more than 20 ms"
    );
    for t in seen {
        let open = t
            .spans()
            .iter()
            .find(|s| s.unclosed && s.task == slow_task)
            .unwrap();
        assert_eq!(
            (open.lane, open.start_ns),
            (recorded.lane, recorded.start_ns)
        );
        assert!(
            open.end_ns <= recorded.end_ns,
            "{open:?} within {recorded:?}"
        );
        assert_eq!(t.graph().state(slow_task), Some(TaskState::NotRun));
        let times = TaskTimes::new(t);
        assert_eq!(times.state_at(slow_task, open.end_ns), RunState::Running);
        assert_eq!(times.state_at(TaskId(0), open.end_ns), RunState::Done);
    }
    // Finished: the saved trace, the B/E pair read as the recorded span.
    let back = Trace::open(&path).unwrap();
    assert_eq!(written(&back), written(&run.trace));
    let text = std::fs::read_to_string(&path).unwrap();
    let begins = text.matches("{\"ph\":\"B\"").count();
    assert!(begins >= 1, "the slow task seen running");
    assert_eq!(
        text.matches("{\"ph\":\"E\"").count(),
        begins,
        "each B closed"
    );
}

#[test]
fn a_failed_task_seen_running_is_failed_in_the_stream() {
    use taskscope_trace::index::{RunState, TaskTimes};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("failing.json");
    let a = Delayed::from_fn("a", || 1_u64);
    let bad = a.then("bad", |x| -> u64 {
        std::thread::sleep(Duration::from_millis(200));
        assert!(x > 1, "no");
        x
    });
    let scheduler = Scheduler::threads(2).stream_to(&path);
    let (seen, result) = traces_with_a_running_task(&path, || {
        bad.then("after", |x| x + 1).compute_with(&scheduler)
    });
    let err = result.unwrap_err();
    let bad_task = TaskId(1);
    assert!(
        seen.iter()
            .any(|t| t.spans().iter().any(|s| s.unclosed && s.task == bad_task)),
        "the failing task was seen running"
    );
    let back = Trace::open(&path).unwrap();
    assert_eq!(written(&back), written(err.trace().unwrap()));
    assert_eq!(back.graph().state(bad_task), Some(TaskState::Failed));
    let end = back
        .spans()
        .iter()
        .find(|s| s.task == bad_task)
        .unwrap()
        .end_ns;
    assert_eq!(
        TaskTimes::new(&back).state_at(bad_task, end),
        RunState::Failed
    );
}
