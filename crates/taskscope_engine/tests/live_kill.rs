//! A run streaming its trace is killed with SIGKILL: the file it leaves opens, with the
//! whole graph, every span that was in the file before the kill, and the other tasks
//! not finished.
//!
//! The test binary re-invokes itself as the child (the environment variable names the
//! file), so that the child is a real process that can be killed mid-run.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use taskscope_engine::{Delayed, Scheduler, combine};
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
    // Every span in the file before the kill is still there, the same.
    assert!(after.spans().len() >= before.spans().len());
    for span in before.spans() {
        assert!(after.spans().contains(span), "{span:?} survives the kill");
    }
    // Tasks with a span finished; the others (the gather among them) did not.
    let mut with_span = vec![false; graph.len()];
    for span in after.spans() {
        with_span[span.task.index()] = true;
    }
    for task in graph.tasks() {
        let expected = if with_span[task.index()] {
            TaskState::Done
        } else {
            TaskState::NotRun
        };
        assert_eq!(graph.state(task), Some(expected), "{task:?}");
    }
    assert!(after.spans().len() < graph.len(), "killed mid-run");
}
