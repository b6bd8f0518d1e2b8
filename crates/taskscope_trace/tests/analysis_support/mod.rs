//! Crafted traces for the analysis tests (the builder is the shared
//! [`taskscope_fixtures::Crafted`]): the tutorial's `total` as Dask and as
//! taskscope ran it.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test file uses a different part of the helpers"
)]

use taskscope_trace::Trace;

pub use taskscope_fixtures::{Crafted, MS, S, US, id};

/// The tutorial's `total = add(z, z2)` graph (inc/add sleep 1 s) as Dask's
/// 2-thread pool ran it: z before x2 and y2, so it takes 5 s where 4 s suffice.
/// Lanes and times follow `sum.profiler.json`, with the final `add` lasting 1 s.
pub fn dask_total_on_two_threads() -> Trace {
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("y", "inc", &[], 1, 0, S);
    t.task_run("z", "add", &["x", "y"], 0, S, 2 * S);
    t.task_run("x2", "inc", &[], 1, S, 2 * S);
    t.task_run("y2", "inc", &[], 0, 2 * S, 3 * S);
    t.task_run("z2", "add", &["x2", "y2"], 1, 3 * S, 4 * S);
    t.task_run("total", "add", &["z", "z2"], 0, 4 * S, 5 * S);
    t.build()
}

/// The same graph scheduled well: 4 s on two lanes.
pub fn total_in_four_seconds() -> Trace {
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("y", "inc", &[], 1, 0, S);
    t.task_run("z", "add", &["x", "y"], 0, 2 * S, 3 * S);
    t.task_run("x2", "inc", &[], 0, S, 2 * S);
    t.task_run("y2", "inc", &[], 1, S, 2 * S);
    t.task_run("z2", "add", &["x2", "y2"], 1, 2 * S, 3 * S);
    t.task_run("total", "add", &["z", "z2"], 0, 3 * S, 4 * S);
    t.build()
}
