//! Nested synchronous spans on one thread, events, fields and the builder's options.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use taskscope_trace::{ArgValue, TaskId, TaskState};
use tracing::{info, info_span};

mod common;
use common::{record, task};

/// The line of this file where `text` first appears.
fn line_of(text: &str) -> usize {
    include_str!("nested.rs")
        .lines()
        .position(|l| l.contains(text))
        .unwrap()
        + 1
}

fn work() {
    let outer = info_span!("outer", job = 7).entered();
    for i in 0..2 {
        let _inner = info_span!("inner", i).entered();
        info!(step = i, "working");
        let _leaf = info_span!("leaf").entered();
    }
    drop(outer);
}

#[test]
fn nested_spans_nest_and_children_are_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let trace = record(
        dir.path(),
        taskscope_tracing::TaskscopeLayerBuilder::new().title("nested"),
        work,
    );
    let graph = trace.graph();
    assert_eq!(graph.len(), 5, "outer, two inner, two leaf");
    assert_eq!(trace.meta().title.as_deref(), Some("nested"));

    // One lane, named after the test's thread.
    assert_eq!(trace.lanes().len(), 1);
    let thread = std::thread::current().name().unwrap().to_owned();
    assert_eq!(trace.lanes()[0].name, thread);

    // Spans keep their nesting: outer at depth 0 encloses the rest.
    let outer = task(&trace, "outer");
    let spans = trace.spans();
    assert_eq!(spans.len(), 5);
    let outer_span = spans.iter().find(|s| s.task == outer).unwrap();
    assert_eq!(outer_span.depth, 0);
    for s in spans.iter().filter(|s| s.task != outer) {
        assert!(s.start_ns >= outer_span.start_ns && s.end_ns <= outer_span.end_ns);
        let name = graph.name(s.task).unwrap();
        assert_eq!(s.depth, if name == "inner" { 1 } else { 2 }, "{name}");
    }

    // Keys: name-index, tasks in creation order; fields and callsite are the task's args.
    assert_eq!(graph.key(TaskId(0)), Some("outer-0"));
    assert_eq!(graph.key(TaskId(1)), Some("inner-1"));
    let arg = |t: u32, k: &str| trace.task_arg(TaskId(t), k).cloned();
    assert_eq!(arg(0, "fields"), Some(ArgValue::Str("job=7".into())));
    assert_eq!(arg(0, "target"), Some(ArgValue::Str("nested".into())));
    assert_eq!(arg(1, "fields"), Some(ArgValue::Str("i=0".into())));
    let file = arg(1, "file").unwrap();
    assert!(
        file.as_str().unwrap().ends_with("tests/nested.rs"),
        "{file:?}"
    );
    assert_eq!(
        arg(1, "line").and_then(|l| l.as_i64()),
        Some(i64::try_from(line_of("info_span!(\"inner\"")).unwrap())
    );

    // A parent waits for its children.
    let mut deps: Vec<&str> = graph
        .deps(outer)
        .iter()
        .map(|d| graph.name(*d).unwrap())
        .collect();
    deps.sort_unstable();
    assert_eq!(deps, ["inner", "inner"]);
    for inner in graph.tasks().filter(|t| graph.name(*t) == Some("inner")) {
        assert_eq!(graph.deps(inner).len(), 1);
        assert_eq!(graph.name(graph.deps(inner)[0]), Some("leaf"));
    }
    assert!(
        graph
            .tasks()
            .all(|t| graph.state(t) == Some(TaskState::Done))
    );

    // Events are instants on the lane.
    let names: Vec<&str> = trace.instants().iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["INFO working step=0", "INFO working step=1"]);
    assert!(
        trace
            .instants()
            .iter()
            .all(|i| i.lane == Some(taskscope_trace::LaneId(0)))
    );
    assert!(trace.diagnostics().is_empty(), "{:?}", trace.diagnostics());
}
