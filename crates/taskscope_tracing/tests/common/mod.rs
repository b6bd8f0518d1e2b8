//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test file uses some of the helpers")]

use std::path::{Path, PathBuf};

use taskscope_trace::{TaskId, Trace};
use taskscope_tracing::{TaskscopeGuard, TaskscopeLayer, TaskscopeLayerBuilder};
use tracing_subscriber::prelude::*;

/// Starts `builder`'s layer writing `dir/run.json`.
pub fn start(
    dir: &Path,
    builder: TaskscopeLayerBuilder,
) -> (TaskscopeLayer, TaskscopeGuard, PathBuf) {
    let path = dir.join("run.json");
    let (layer, guard) = builder.file(&path).try_build().unwrap();
    (layer, guard, path)
}

/// Runs `body` with `builder`'s layer as this thread's subscriber, finishes the file and
/// opens it (checking the streaming file is gone).
pub fn record(dir: &Path, builder: TaskscopeLayerBuilder, body: impl FnOnce()) -> Trace {
    let (layer, guard, path) = start(dir, builder);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), body);
    guard.finish().unwrap();
    assert!(
        !dir.join("run.partial.json").exists(),
        "streaming file removed"
    );
    Trace::open(&path).unwrap()
}

/// The one task named `name`.
pub fn task(trace: &Trace, name: &str) -> TaskId {
    let graph = trace.graph();
    let found: Vec<TaskId> = graph
        .tasks()
        .filter(|t| graph.name(*t) == Some(name))
        .collect();
    assert_eq!(found.len(), 1, "one task named {name}");
    found[0]
}
