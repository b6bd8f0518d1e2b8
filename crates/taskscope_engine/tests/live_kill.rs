//! A run streaming its trace is killed with SIGKILL: the file it leaves opens, with the
//! whole graph, every span that was in the file before the kill, the tasks running at the
//! kill as running (unclosed spans, not finished), and the other tasks not finished.
//!
//! The test binary re-invokes itself as the child (the environment variable names the
//! file), so that the child is a real process that can be killed mid-run.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use taskscope_engine::{Delayed, Scheduler, combine};
use taskscope_trace::index::{RunState, TaskTimes};
use taskscope_trace::{TaskState, Trace};

const CHILD_ENV: &str = "TASKSCOPE_TEST_KILLED_STREAM";
const TASKS: u64 = 200;

/// The child: 200 tasks of 20 ms on 2 workers (about 2 s), streamed to `path`.
fn child(path: &str) {
    let leaves: Vec<Delayed<u64>> = (0..TASKS)
        .map(|i| {
            Delayed::from_fn("nap", move || {
                std::thread::sleep(Duration::from_millis(20));
                i
            })
        })
        .collect();
    let total = combine("gather", leaves, |v| v.into_iter().sum::<u64>());
    total
        .compute_with(&Scheduler::threads(2).stream_to(path))
        .unwrap();
}

#[test]
fn a_killed_run_leaves_a_stream_that_opens() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.json");
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args(["a_killed_run_leaves_a_stream_that_opens", "--exact"])
        .env(CHILD_ENV, &path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for some spans, then kill at once (SIGKILL on Unix: no destructor runs).
    let deadline = Instant::now() + Duration::from_mins(1);
    let before = loop {
        if let Ok(t) = Trace::open(&path)
            && t.spans().len() >= 6
        {
            break t;
        }
        if Instant::now() > deadline || process.try_wait().unwrap().is_some() {
            let _ = process.kill();
            panic!("the child streamed no spans in time (or ended first)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    process.kill().unwrap();
    let status = process.wait().unwrap();
    assert!(!status.success(), "killed, not finished: {status:?}");

    let after = Trace::open(&path).unwrap();
    let graph = after.graph();
    assert_eq!(graph.len() as u64, TASKS + 1, "the whole graph");
    assert!(
        after
            .diagnostics()
            .iter()
            .any(|d| d.message.contains("taskscope_graph")),
        "{:?}",
        after.diagnostics()
    );
    // Every span in the file before the kill is still there, the same (a task seen
    // running then may have ended since: the same start, on the same lane).
    assert!(after.spans().len() >= before.spans().len());
    for span in before.spans() {
        let survives = if span.unclosed {
            after.spans().iter().any(|s| {
                (s.task, s.lane, s.start_ns) == (span.task, span.lane, span.start_ns)
                    && s.end_ns >= span.end_ns
            })
        } else {
            after.spans().contains(span)
        };
        assert!(survives, "{span:?} survives the kill");
    }
    // Tasks whose span ended finished; those running at the kill (their span unclosed)
    // did not, and are running at the end of the file; the others (the gather among
    // them) did not run.
    let times = TaskTimes::new(&after);
    let end_ns = after.spans().iter().map(|s| s.end_ns).max().unwrap();
    let running: Vec<_> = after.spans().iter().filter(|s| s.unclosed).collect();
    assert!(
        !running.is_empty() && running.len() <= 2,
        "the tasks running at the kill (2 workers of 20 ms tasks, a tick every 50 ms): {running:?}"
    );
    for span in &running {
        assert_eq!(span.end_ns, end_ns, "an unclosed span lasts to the end");
        assert_eq!(times.state_at(span.task, end_ns), RunState::Running);
    }
    let mut ended = vec![false; graph.len()];
    for span in after.spans().iter().filter(|s| !s.unclosed) {
        ended[span.task.index()] = true;
    }
    for task in graph.tasks() {
        let expected = if ended[task.index()] {
            TaskState::Done
        } else {
            TaskState::NotRun
        };
        assert_eq!(graph.state(task), Some(expected), "{task:?}");
        if !ended[task.index()] && !running.iter().any(|s| s.task == task) {
            assert_eq!(times.state_at(task, end_ns), RunState::NotRun, "{task:?}");
        }
    }
    assert!(after.spans().len() < graph.len(), "killed mid-run");
}
