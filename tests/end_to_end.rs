//! End-to-end: build with the engine, run, save with the trace crate, read back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::thread::sleep;
use std::time::Duration;

use taskscope::trace::{TaskState, Trace};
use taskscope::{Delayed, Scheduler, delayed};

fn inc(x: i64) -> i64 {
    sleep(Duration::from_millis(20));
    x + 1
}

fn add(x: i64, y: i64) -> i64 {
    sleep(Duration::from_millis(20));
    x + y
}

#[test]
fn a_run_saved_and_reopened_is_the_same_trace() {
    let z = delayed!(add(delayed!(inc(1)), delayed!(inc(2))));
    let z2 = delayed!(add(delayed!(inc(3)), delayed!(inc(4))));
    let total = delayed!(add(z, z2));
    let run = total.compute_with(&Scheduler::threads(2)).unwrap();
    assert_eq!(run.value, 14);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("total.json");
    run.trace.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with('{') && text.contains("\"traceEvents\""),
        "Chrome JSON object form"
    );

    let back = Trace::open(&path).unwrap();
    assert_eq!(back.graph().len(), 7);
    assert_eq!(back.spans(), run.trace.spans());
    assert_eq!(back.lanes(), run.trace.lanes());
    for task in back.graph().tasks() {
        assert_eq!(back.graph().key(task), run.trace.graph().key(task));
        assert_eq!(back.graph().deps(task), run.trace.graph().deps(task));
        assert_eq!(back.graph().state(task), Some(TaskState::Done));
    }
    assert_eq!(back.meta().workers, Some(2));
    assert_eq!(back.meta().scheduler.as_deref(), Some("threads"));

    // Saving the same trace again gives the same bytes.
    let again = dir.path().join("again.json");
    run.trace.save(&again).unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());
}

#[test]
fn a_failed_run_keeps_its_partial_trace_through_a_file() {
    let ok = Delayed::value(1_i64);
    let bad = ok.try_then("explode", |_| Err::<i64, _>("boom"));
    let after = &bad + 1;
    let err = after.compute_with(&Scheduler::threads(2)).unwrap_err();
    let trace = err.trace().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("failed.json");
    trace.save(&path).unwrap();
    let back = Trace::open(&path).unwrap();
    let graph = back.graph();
    let state_of = |name: &str| {
        graph
            .tasks()
            .find(|t| graph.name(*t) == Some(name))
            .and_then(|t| graph.state(t))
    };
    assert_eq!(state_of("value"), Some(TaskState::Done));
    assert_eq!(state_of("explode"), Some(TaskState::Failed));
    assert_eq!(state_of("add"), Some(TaskState::NotRun));
}

#[test]
fn a_deep_chain_saves_and_reopens_without_recursion() {
    // 200,000 deep: far past what recursion on a test thread's 2 MiB stack survives, and
    // quick in a debug build (the engine's own test runs a 1,000,000 chain without saving).
    const N: usize = 200_000;
    let mut d = Delayed::value(0_u64);
    for _ in 1..N {
        d = d.then("step", |x| x + 1);
    }
    let run = d.compute_with(&Scheduler::threads(2)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.json");
    run.trace.save(&path).unwrap();
    let back = Trace::open(&path).unwrap();
    assert_eq!(back.spans().len(), N);
    assert_eq!(back.graph().len(), N);
    assert_eq!(back.graph().edge_count(), N - 1);
}

#[test]
fn visualize_draws_the_graph_in_dasks_vocabulary() {
    use taskscope::Visualize;
    let z = delayed!(add(delayed!(inc(1)), delayed!(inc(2))));
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("z.svg");
    let stats = z.visualize(&svg).unwrap();
    assert_eq!(stats.crossings, 0);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(labels.iter().filter(|l| **l == "inc").count(), 2);
    assert_eq!(labels.iter().filter(|l| **l == "add").count(), 1);
    // PNG and DOT by extension; an unknown extension is an error naming it.
    z.visualize(dir.path().join("z.png")).unwrap();
    let dot = dir.path().join("z.dot");
    z.visualize(&dot).unwrap();
    assert!(std::fs::read_to_string(&dot).unwrap().contains("digraph"));
    let err = z.visualize(dir.path().join("z.gif")).unwrap_err();
    assert!(err.to_string().contains("gif"), "{err}");
}
