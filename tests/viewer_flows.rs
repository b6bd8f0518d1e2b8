//! Saved traces show every dependency as an arrow in Perfetto and Chrome DevTools
//! (their flow-binding rules replayed by `taskscope_test_support::viewer_flows`).

#![allow(clippy::unwrap_used, reason = "tests")]

#[path = "../examples/common/mesh.rs"]
mod mesh;

use taskscope::Scheduler;
use taskscope_test_support::viewer_flows::assert_every_dependency_is_an_arrow;

/// Runs `graph` with `scheduler`, saves the trace as a user would and checks the file.
fn check_saved_run(tasks: usize, scheduler: &Scheduler) {
    let run = mesh::mesh(tasks).compute_with(scheduler).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    run.trace.save(&path).unwrap();
    let result = assert_every_dependency_is_an_arrow(&std::fs::read(&path).unwrap(), "run.json");
    let edges: usize = run
        .trace
        .graph()
        .tasks()
        .map(|t| run.trace.graph().deps(t).len())
        .sum();
    assert_eq!(
        result.dependencies, edges,
        "every task ran: every edge is drawn"
    );
    assert!(edges > tasks, "the mesh fans in and out ({edges} edges)");
}

#[test]
fn a_saved_run_of_10000_tasks_on_2_threads_shows_every_dependency() {
    check_saved_run(10_000, &Scheduler::threads(2));
}

#[test]
fn a_saved_sequential_run_shows_every_dependency() {
    check_saved_run(500, &Scheduler::sequential());
}

#[test]
fn the_sample_traces_show_every_dependency() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/traces");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the sample traces are there");
    for path in files {
        let name = path.display().to_string();
        let result = assert_every_dependency_is_an_arrow(&std::fs::read(&path).unwrap(), &name);
        assert!(result.dependencies > 0, "{name}");
    }
}
