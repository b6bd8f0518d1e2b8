//! List-scheduling simulation on crafted traces.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, S, dask_total_on_two_threads};
use taskscope_trace::RunMeta;
use taskscope_trace::analysis::{simulate, simulate_makespan, worker_count};

#[test]
fn total_graph_on_one_to_four_workers() {
    let trace = dask_total_on_two_threads();
    let sim = simulate(&trace);
    assert_eq!(sim.measured_workers, 2);
    assert_eq!(sim.measured_wall_ns, 5 * S);
    assert_eq!(sim.total_work_ns, 7 * S);
    assert_eq!(sim.critical_path_ns, 3 * S);
    let rows: Vec<(u32, u64, u64)> = sim
        .points
        .iter()
        .map(|p| (p.workers, p.makespan_ns, p.lower_bound_ns))
        .collect();
    // Longest remaining path first finds the 4 s schedule Dask missed on 2
    // workers. The bound (3.5 s = 7 s / 2) is not reachable with 1 s tasks; nor is
    // 3 s on 3 workers, which would need all four `inc`s done within 1 s.
    assert_eq!(
        rows,
        vec![
            (1, 7 * S, 7 * S),
            (2, 4 * S, 3_500_000_000),
            (3, 4 * S, 3 * S),
            (4, 3 * S, 3 * S),
        ]
    );
    assert_eq!(sim.points[1].speedup, Some(1.75));
}

#[test]
fn longest_remaining_path_goes_first() {
    // On one worker order does not matter; on two, starting `long_head` (whose
    // chain is 4 ms) before the three 1 ms singles gives 4 ms instead of 5 ms.
    let mut t = Crafted::new(2);
    t.task_run("single1", "f", &[], 0, 0, MS);
    t.task_run("single2", "f", &[], 0, MS, 2 * MS);
    t.task_run("single3", "f", &[], 0, 2 * MS, 3 * MS);
    t.task_run("long_head", "g", &[], 1, 0, MS);
    t.task_run("long_tail", "g", &["long_head"], 1, MS, 4 * MS);
    let trace = t.build();
    assert_eq!(simulate_makespan(&trace, 2), 4 * MS);
    assert_eq!(simulate_makespan(&trace, 1), 7 * MS);
    // 0 workers is treated as 1.
    assert_eq!(simulate_makespan(&trace, 0), 7 * MS);
}

#[test]
fn zero_length_tasks_and_recorded_workers() {
    let meta = RunMeta {
        workers: Some(3),
        ..RunMeta::default()
    };
    let mut t = Crafted::with_meta(1, meta);
    t.task_run("a", "inc", &[], 0, 0, MS);
    t.task_run("b", "mul", &["a"], 0, MS, MS);
    t.task_run("c", "mul", &["b"], 0, MS, MS);
    t.task_run("d", "inc", &["c"], 0, MS, 2 * MS);
    let trace = t.build();
    assert_eq!(worker_count(&trace), 3);
    let sim = simulate(&trace);
    assert_eq!(sim.points.len(), 6);
    assert!(sim.points.iter().all(|p| p.makespan_ns == 2 * MS));
    assert!(sim.points.iter().all(|p| p.lower_bound_ns == 2 * MS));
}

#[test]
fn lower_bound_uses_work_over_workers_rounded_up() {
    let mut t = Crafted::new(3);
    for (i, lane) in [0usize, 1, 2].iter().enumerate() {
        t.task_run(&format!("t{i}"), "f", &[], *lane, 0, 10);
    }
    t.task_run("t3", "f", &[], 0, 10, 20);
    let sim = simulate(&t.build());
    let p2 = &sim.points[1];
    assert_eq!((p2.workers, p2.makespan_ns, p2.lower_bound_ns), (2, 20, 20));
    let p4 = &sim.points[3];
    // 40 ns of work on 4 workers: 10 ns, the critical path is 10 ns too.
    assert_eq!((p4.workers, p4.makespan_ns, p4.lower_bound_ns), (4, 10, 10));
    let p5 = &sim.points[4];
    assert_eq!((p5.workers, p5.lower_bound_ns), (5, 10));
}

#[test]
fn simulation_is_deterministic() {
    let a = serde_json::to_string(&simulate(&dask_total_on_two_threads())).unwrap();
    let b = serde_json::to_string(&simulate(&dask_total_on_two_threads())).unwrap();
    assert_eq!(a, b);
}
