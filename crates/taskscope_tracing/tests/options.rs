//! The builder's options, composition with other layers and filters, and what the guard
//! does with a trace that is not finished when it drops.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use taskscope_trace::{TaskId, TaskState, Trace};
use taskscope_tracing::TaskscopeLayerBuilder;
use tracing::{field, info, info_span};
use tracing_subscriber::prelude::*;

mod common;
use common::{record, start, task};

fn keys(trace: &Trace) -> Vec<&str> {
    let graph = trace.graph();
    graph.tasks().map(|t| graph.key(t).unwrap()).collect()
}

fn names(trace: &Trace, tasks: &[TaskId]) -> Vec<String> {
    let mut names: Vec<String> = tasks
        .iter()
        .map(|t| trace.graph().name(*t).unwrap().to_owned())
        .collect();
    names.sort_unstable();
    names
}

/// outer > noise > kept, with an event in `kept`.
fn filtered_work() {
    let _outer = info_span!("outer").entered();
    let _noise = info_span!(target: "noisy", "noise").entered();
    let _kept = info_span!("kept").entered();
    info!(target: "noisy", "hidden?");
}

#[test]
fn without_fields_and_locations_keys_are_name_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let builder = TaskscopeLayerBuilder::new()
        .fields(false)
        .locations(false)
        .events(false);
    let trace = record(dir.path(), builder, || {
        let a = info_span!("a", x = 1, y = field::Empty);
        a.record("y", "later");
        a.in_scope(|| info!("not recorded"));
    });
    assert_eq!(keys(&trace), ["a-0"]);
    assert!(trace.task_args().is_empty(), "no fields, no callsite");
    assert!(trace.instants().is_empty());
}

#[test]
fn recorded_fields_join_the_fields_arg() {
    let dir = tempfile::tempdir().unwrap();
    let builder = TaskscopeLayerBuilder::new().locations(false);
    let trace = record(dir.path(), builder, || {
        let a = info_span!("a", x = 1, y = field::Empty);
        a.record("y", "later");
        a.in_scope(|| {});
    });
    assert_eq!(keys(&trace), ["a-0"]);
    assert_eq!(
        trace
            .task_arg(taskscope_trace::TaskId(0), "fields")
            .and_then(taskscope_trace::ArgValue::as_str),
        Some(r#"x=1 y="later""#)
    );
}

#[test]
fn follows_from_is_an_edge_between_sibling_spans() {
    let dir = tempfile::tempdir().unwrap();
    let trace = record(dir.path(), TaskscopeLayerBuilder::new(), || {
        let load = info_span!("load");
        load.in_scope(|| {});
        let use_it = info_span!("use");
        use_it.follows_from(&load);
        use_it.in_scope(|| {});
    });
    let (load, use_it) = (task(&trace, "load"), task(&trace, "use"));
    assert_eq!(trace.graph().deps(use_it), [load]);
    assert!(trace.graph().deps(load).is_empty());
}

#[test]
fn the_span_filter_attaches_spans_to_their_nearest_recorded_ancestor() {
    let dir = tempfile::tempdir().unwrap();
    let builder = TaskscopeLayerBuilder::new().span_filter(|meta| meta.target() != "noisy");
    let trace = record(dir.path(), builder, filtered_work);
    assert_eq!(
        names(&trace, &trace.graph().tasks().collect::<Vec<_>>()),
        ["kept", "outer"]
    );
    let (outer, kept) = (task(&trace, "outer"), task(&trace, "kept"));
    assert_eq!(trace.graph().deps(outer), [kept]);
    // Depth counts recorded spans only: `kept` sits right inside `outer`.
    let kept_span = trace.spans().iter().find(|s| s.task == kept).unwrap();
    assert_eq!(kept_span.depth, 1);
    // The span filter does not filter events.
    assert_eq!(trace.instants().len(), 1);
}

#[test]
fn per_layer_filters_compose_like_the_span_filter() {
    let dir = tempfile::tempdir().unwrap();
    let (layer, guard, path) = start(dir.path(), TaskscopeLayerBuilder::new());
    let filter = tracing_subscriber::filter::filter_fn(|meta| meta.target() != "noisy");
    let subscriber = tracing_subscriber::registry().with(layer.with_filter(filter));
    tracing::subscriber::with_default(subscriber, filtered_work);
    guard.finish().unwrap();
    let trace = Trace::open(&path).unwrap();
    let (outer, kept) = (task(&trace, "outer"), task(&trace, "kept"));
    assert_eq!(trace.graph().len(), 2);
    assert_eq!(trace.graph().deps(outer), [kept]);
    assert!(
        trace.instants().is_empty(),
        "the per-layer filter hides the noisy event"
    );
}

#[test]
fn two_layers_record_independently() {
    let dir = tempfile::tempdir().unwrap();
    let (one_path, two_path) = (dir.path().join("one.json"), dir.path().join("two.json"));
    let (one, one_guard) = TaskscopeLayerBuilder::new()
        .file(&one_path)
        .try_build()
        .unwrap();
    let (two, two_guard) = TaskscopeLayerBuilder::new()
        .file(&two_path)
        .span_filter(|meta| meta.name() == "b")
        .try_build()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(one).with(two);
    tracing::subscriber::with_default(subscriber, || {
        info_span!("a").in_scope(|| info_span!("b").in_scope(|| {}));
    });
    one_guard.finish().unwrap();
    two_guard.finish().unwrap();
    let one = Trace::open(&one_path).unwrap();
    let two = Trace::open(&two_path).unwrap();
    assert_eq!(
        names(&one, &one.graph().tasks().collect::<Vec<_>>()),
        ["a", "b"]
    );
    assert_eq!(names(&two, &two.graph().tasks().collect::<Vec<_>>()), ["b"]);
    assert_eq!(two.spans()[0].depth, 0);
}

#[test]
fn spans_still_entered_at_the_end_are_flagged_unclosed() {
    let dir = tempfile::tempdir().unwrap();
    let (layer, guard, path) = start(dir.path(), TaskscopeLayerBuilder::new());
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let _outer = info_span!("outer").entered();
        info_span!("inner").in_scope(|| {});
        let never = info_span!("never_entered");
        guard.finish().unwrap();
        drop(never);
    });
    let trace = Trace::open(&path).unwrap();
    let graph = trace.graph();
    let outer = task(&trace, "outer");
    assert_eq!(graph.state(outer), Some(TaskState::Cancelled));
    assert_eq!(graph.state(task(&trace, "inner")), Some(TaskState::Done));
    assert_eq!(
        graph.state(task(&trace, "never_entered")),
        Some(TaskState::NotRun)
    );
    let outer_span = trace.spans().iter().find(|s| s.task == outer).unwrap();
    assert!(outer_span.unclosed);
    assert_eq!(outer_span.end_ns, trace.end_ns());
    assert_eq!(
        trace.diagnostics()[0].message,
        "1 span was still entered when the trace was written; its slice ends at the trace's \
         end and is flagged unclosed"
    );
}

#[test]
fn the_size_limit_holds_and_the_file_says_recording_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    let max = 64 * 1024;
    let (layer, guard) = TaskscopeLayerBuilder::new()
        .file(&path)
        .max_file_size(max)
        .try_build()
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let _run = info_span!("run").entered();
        for i in 0..5_000 {
            let _s = info_span!("item", i, text = "quote \" and tab \t").entered();
            info!(i, "event");
        }
    });
    guard.finish().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size <= max, "{size} bytes written for a limit of {max}");
    // The bound counts every number at its longest, so it stops somewhat early; with
    // short keys (fields and callsites are args, written once) a bit over 40 % is used.
    assert!(
        size > max * 2 / 5,
        "the limit is not far below the real size: {size}"
    );
    let trace = Trace::open(&path).unwrap();
    assert!(trace.spans().len() < 5_000);
    assert!(
        trace.diagnostics().iter().any(|d| d
            .message
            .starts_with("recording stopped when the trace reached its size limit of 65536 bytes"))
    );
}

#[test]
fn flush_writes_the_streaming_file_and_the_end_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    let (layer, guard) = TaskscopeLayerBuilder::new()
        .file(&path)
        .stream_interval(None)
        .try_build()
        .unwrap();
    let partial = guard.streaming_path().unwrap().to_path_buf();
    assert_eq!(partial, dir.path().join("run.partial.json"));
    assert!(
        !partial.exists(),
        "no streaming file before the first flush"
    );
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        info_span!("first").in_scope(|| {});
        guard.flush().unwrap();
        let so_far = Trace::open(&partial).unwrap();
        assert_eq!(keys(&so_far).len(), 1);
        info_span!("second").in_scope(|| {});
    });
    assert!(!path.exists());
    guard.finish().unwrap();
    assert!(!partial.exists());
    assert_eq!(Trace::open(&path).unwrap().graph().len(), 2);
}

#[test]
fn a_layer_that_cannot_write_says_where_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("run.json");
    let err = TaskscopeLayerBuilder::new()
        .file(&path)
        .try_build()
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("run.partial.json"), "{text}");
    let (layer, guard) = TaskscopeLayerBuilder::new().file(&path).build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        info_span!("ignored").in_scope(|| {});
    });
    assert!(guard.flush().is_err());
    let finished = guard.finish().unwrap_err().to_string();
    assert!(finished.contains("run.partial.json"), "{finished}");
}
