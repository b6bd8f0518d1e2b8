//! Programs that do not end well: one whose `main` panics (the guard drops while the
//! stack unwinds) and one that aborts (no guard drop at all; the streaming file is left).
//!
//! Each test runs itself again as a child process (the same test binary, this one test,
//! with an environment variable telling it to be the failing program), as a real program
//! would fail: with the global subscriber installed and the process ending.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use taskscope_trace::{TaskState, Trace};
use tracing::info_span;
use tracing_subscriber::prelude::*;

mod common;
use common::task;

/// Tells the child which file to write.
const CHILD_FILE: &str = "TASKSCOPE_TRACING_TEST_FILE";

/// Runs test `name` of this binary as a child writing `path`; returns its output.
fn run_child(name: &str, path: &Path) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(CHILD_FILE, path)
        .output()
        .unwrap()
}

/// The file the child should write, when this process is the child.
fn child_file() -> Option<PathBuf> {
    std::env::var_os(CHILD_FILE).map(PathBuf::from)
}

#[test]
fn a_program_that_panics_leaves_a_readable_file() {
    if let Some(path) = child_file() {
        // The failing program: `main` as a user writes it.
        let (layer, _guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
            .file(&path)
            .build();
        tracing_subscriber::registry().with(layer).init();
        let _main = info_span!("main").entered();
        info_span!("setup").in_scope(|| {});
        let _step = info_span!("step", n = 3).entered();
        panic!("the program failed on purpose");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panic.json");
    let out = run_child("a_program_that_panics_leaves_a_readable_file", &path);
    assert!(!out.status.success(), "the child panicked");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the program failed on purpose"), "{stderr}");
    assert!(
        !stderr.contains("taskscope_tracing:"),
        "the guard reported no error: {stderr}"
    );

    let trace = Trace::open(&path).unwrap();
    assert!(!dir.path().join("panic.partial.json").exists());
    let graph = trace.graph();
    assert_eq!(graph.len(), 3);
    let (main, setup, step) = (
        task(&trace, "main"),
        task(&trace, "setup"),
        task(&trace, "step"),
    );
    // The spans the panic unwound through failed; the one that ended before is done.
    assert_eq!(graph.state(setup), Some(TaskState::Done));
    assert_eq!(graph.state(step), Some(TaskState::Failed));
    assert_eq!(graph.state(main), Some(TaskState::Failed));
    let mut deps = graph.deps(main).to_vec();
    deps.sort_unstable();
    assert_eq!(deps, [setup, step]);
    // Every slice ended (unwinding left the spans before the guard dropped).
    assert_eq!(trace.spans().len(), 3);
    assert!(trace.spans().iter().all(|s| !s.unclosed));
    assert_eq!(graph.key(step), Some("step-2"));
    assert_eq!(
        trace
            .task_arg(step, "fields")
            .and_then(taskscope_trace::ArgValue::as_str),
        Some("n=3")
    );
}

#[test]
fn a_program_that_aborts_leaves_its_streaming_file() {
    if let Some(path) = child_file() {
        let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
            .file(&path)
            .build();
        tracing_subscriber::registry().with(layer).init();
        let _main = info_span!("main").entered();
        for i in 0..3 {
            info_span!("step", i).in_scope(|| {});
        }
        guard.flush().unwrap();
        // Neither unwinding nor the guard's drop: the process ends here.
        std::process::abort();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abort.json");
    let out = run_child("a_program_that_aborts_leaves_its_streaming_file", &path);
    assert!(!out.status.success(), "the child aborted");
    assert!(!path.exists(), "no final file without the guard");

    let trace = Trace::open(dir.path().join("abort.partial.json")).unwrap();
    let graph = trace.graph();
    assert_eq!(graph.len(), 4);
    let main = task(&trace, "main");
    // `main` was still entered: its slice reaches the end of the snapshot, flagged.
    assert_eq!(graph.state(main), Some(TaskState::Cancelled));
    let by_task = trace.spans_by_task();
    let main_span = trace.span(by_task.spans(main)[0]).unwrap();
    assert!(main_span.unclosed);
    assert_eq!(trace.spans().len(), 4);
    assert!(
        graph
            .tasks()
            .filter(|t| *t != main)
            .all(|t| graph.state(t) == Some(TaskState::Done))
    );
    assert!(
        trace
            .diagnostics()
            .iter()
            .any(|d| d.message.starts_with("1 span was still entered")),
        "{:?}",
        trace.diagnostics()
    );
}
