//! rayon `join` trees: spans on named pool threads, nesting where a thread runs a join's
//! first half itself, stolen halves on the other lane.
//!
//! One test per file: it installs the global subscriber (the pool's threads do not see a
//! thread's default one).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use taskscope_trace::{TaskId, TaskState, Trace};
use tracing::{Span, info_span};
use tracing_subscriber::prelude::*;

/// A binary tree of joins, `depth` levels below this node; leaves sleep 2 ms. Spans name
/// their parent explicitly: a stolen half runs on another thread, where the current span
/// is not its caller's.
fn node(parent: &Span, depth: u32) -> u32 {
    let span = info_span!(parent: parent, "node", depth);
    let _entered = span.enter();
    if depth == 0 {
        std::thread::sleep(Duration::from_millis(2));
        return 1;
    }
    let (a, b) = rayon::join(|| node(&span, depth - 1), || node(&span, depth - 1));
    a + b
}

#[test]
fn rayon_join_trees_nest_per_thread_and_edges_follow_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rayon.json");
    let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
        .file(&path)
        .try_build()
        .unwrap();
    tracing_subscriber::registry().with(layer).init();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("rayon-{i}"))
        .build()
        .unwrap();
    let root = info_span!("tree");
    let leaves = pool.install(|| node(&root, 3));
    assert_eq!(leaves, 8);
    drop(root);
    guard.finish().unwrap();

    let trace = Trace::open(&path).unwrap();
    let graph = trace.graph();
    assert_eq!(graph.len(), 1 + 15, "the root and 15 nodes");
    assert!(
        graph
            .tasks()
            .all(|t| graph.state(t) == Some(TaskState::Done))
    );
    // The tree: every inner node waits for its two halves, the root for the top node.
    let depth_of = |t: TaskId| -> u32 {
        let fields = trace
            .task_arg(t, "fields")
            .and_then(taskscope_trace::ArgValue::as_str)
            .unwrap();
        let field = fields
            .split(' ')
            .find_map(|w| w.strip_prefix("depth="))
            .unwrap();
        field.parse().unwrap()
    };
    let nodes: Vec<TaskId> = graph
        .tasks()
        .filter(|t| graph.name(*t) == Some("node"))
        .collect();
    assert_eq!(nodes.len(), 15);
    for &n in &nodes {
        let deps = graph.deps(n);
        if depth_of(n) == 0 {
            assert!(deps.is_empty());
        } else {
            assert_eq!(deps.len(), 2);
            assert!(deps.iter().all(|d| depth_of(*d) == depth_of(n) - 1));
        }
    }
    let tree = graph
        .tasks()
        .find(|t| graph.name(*t) == Some("tree"))
        .unwrap();
    assert_eq!(graph.deps(tree).len(), 1);
    assert!(
        trace.spans_by_task().spans(tree).is_empty(),
        "never entered"
    );

    // Two lanes, named after the pool's threads; each node ran once, on one of them.
    let lanes: Vec<&str> = trace.lanes().iter().map(|l| l.name.as_str()).collect();
    let mut sorted = lanes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["rayon-0", "rayon-1"]);
    assert_eq!(trace.spans().len(), 15);
    // Nesting per thread: a node a thread ran inside another node of that thread is deeper,
    // and lies within it.
    for lane in 0..trace.lanes().len() {
        let spans = trace.lane_spans(taskscope_trace::LaneId(lane as u32));
        for s in spans.iter().filter(|s| s.depth > 0) {
            let enclosing = spans.iter().find(|o| {
                o.depth == s.depth - 1 && o.start_ns <= s.start_ns && s.end_ns <= o.end_ns
            });
            assert!(
                enclosing.is_some(),
                "a depth-{} span lies in a depth-{} one",
                s.depth,
                s.depth - 1
            );
        }
    }
    assert!(
        trace.spans().iter().any(|s| s.depth >= 2),
        "a thread ran a join's first half itself"
    );
}
