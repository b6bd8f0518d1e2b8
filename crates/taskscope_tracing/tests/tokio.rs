//! A tokio multi-thread runtime: async spans polled on several workers, tasks that await
//! each other and say so with `follows_from`.
//!
//! One test per file: it installs the global subscriber (tokio's workers do not see a
//! thread's default one).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use taskscope_trace::{TaskId, TaskState, Trace};
use tracing::{Instrument, info, info_span};
use tracing_subscriber::prelude::*;

/// Work that keeps a worker busy (the time a poll takes is what the trace measures).
fn busy(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

async fn fetch(name: &'static str, polls: u32) -> u32 {
    for _ in 0..polls {
        busy(2);
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    info!(name, "fetched");
    polls
}

/// The program: two fetches, a task that combines them, then two tasks that meet.
fn program() -> u32 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    // Both workers block on this at once, so both hold a slice at the same time.
    let both = std::sync::Arc::new(std::sync::Barrier::new(2));
    runtime.block_on(
        async {
            let a_span = info_span!("fetch", source = "a");
            let b_span = info_span!("fetch", source = "b");
            let a = tokio::spawn(fetch("a", 4).instrument(a_span.clone()));
            let b = tokio::spawn(fetch("b", 2).instrument(b_span.clone()));
            let combine = info_span!("combine");
            combine.follows_from(&a_span);
            combine.follows_from(&b_span);
            let combined = tokio::spawn(
                async move {
                    let total = a.await.unwrap() + b.await.unwrap();
                    tokio::task::yield_now().await;
                    busy(5);
                    total
                }
                .instrument(combine),
            );
            let total = combined.await.unwrap();
            let barriers: Vec<_> = (0..2)
                .map(|_| {
                    let both = std::sync::Arc::clone(&both);
                    tokio::spawn(
                        async move {
                            both.wait();
                        }
                        .instrument(info_span!("rendezvous")),
                    )
                })
                .collect();
            for b in barriers {
                b.await.unwrap();
            }
            total
        }
        .instrument(info_span!("main")),
    )
}

#[test]
fn tokio_tasks_are_tasks_with_their_waits_as_edges() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokio.json");
    let (layer, guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
        .file(&path)
        .try_build()
        .unwrap();
    tracing_subscriber::registry().with(layer).init();

    let total = program();
    assert_eq!(total, 6);
    guard.finish().unwrap();

    let trace = Trace::open(&path).unwrap();
    let graph = trace.graph();
    let named = |name: &str| -> Vec<TaskId> {
        graph
            .tasks()
            .filter(|t| graph.name(*t) == Some(name))
            .collect()
    };
    let [fetch_a, fetch_b] = named("fetch")[..] else {
        panic!("two fetch tasks")
    };
    assert_eq!(graph.key(fetch_a), Some("fetch-1"));
    assert_eq!(
        trace
            .task_arg(fetch_a, "fields")
            .and_then(taskscope_trace::ArgValue::as_str),
        Some("source=\"a\"")
    );
    assert_eq!(
        trace
            .task_arg(fetch_a, "target")
            .and_then(taskscope_trace::ArgValue::as_str),
        Some("tokio")
    );
    let [combine] = named("combine")[..] else {
        panic!("one combine task")
    };
    let [main] = named("main")[..] else {
        panic!("one main task")
    };

    // combine follows from both fetches; main waits for every span created inside it.
    let mut combine_deps = graph.deps(combine).to_vec();
    combine_deps.sort_unstable();
    assert_eq!(combine_deps, [fetch_a, fetch_b]);
    assert_eq!(
        graph.deps(main).len(),
        5,
        "two fetches, combine, two rendezvous"
    );
    assert!(
        graph
            .tasks()
            .all(|t| graph.state(t) == Some(TaskState::Done))
    );

    // An async span gets one slice per poll, each on the lane of the worker that polled it.
    let by_task = trace.spans_by_task();
    assert!(
        by_task.spans(fetch_a).len() >= 5,
        "4 sleeps: at least 5 polls"
    );
    let worker_lanes: Vec<&str> = trace
        .lanes()
        .iter()
        .map(|l| l.name.as_str())
        .filter(|n| n.starts_with("tokio-rt-worker"))
        .collect();
    assert_eq!(worker_lanes, ["tokio-rt-worker #1", "tokio-rt-worker #2"]);
    for task in [fetch_a, fetch_b, combine] {
        for &span in by_task.spans(task) {
            let lane = trace.span(span).unwrap().lane;
            assert!(worker_lanes.contains(&trace.lane(lane).unwrap().name.as_str()));
        }
    }
    // The rendezvous spans ran at the same time on the two workers.
    let rendezvous: Vec<_> = named("rendezvous")
        .into_iter()
        .map(|t| *trace.span(by_task.spans(t)[0]).unwrap())
        .collect();
    assert_ne!(rendezvous[0].lane, rendezvous[1].lane);
    assert!(
        rendezvous[0].start_ns < rendezvous[1].end_ns
            && rendezvous[1].start_ns < rendezvous[0].end_ns
    );

    // Events landed on the workers' lanes.
    let fetched: Vec<&str> = trace
        .instants()
        .iter()
        .map(|i| i.name.as_str())
        .filter(|n| n.starts_with("INFO fetched"))
        .collect();
    assert_eq!(fetched.len(), 2);

    // The analysis sees the graph: the critical path (by time spent in polls) runs through
    // the follows_from edges.
    let cp = taskscope_trace::analysis::critical_path(&trace);
    assert_eq!(
        cp.dependencies,
        taskscope_trace::analysis::DependencySource::Graph
    );
    let path_names: Vec<&str> = cp.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(path_names, ["fetch", "combine", "main"]);
}
