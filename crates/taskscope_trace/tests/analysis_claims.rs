//! What the analysis states holds (issue 18's proof): random DAGs with random
//! durations, run through a list schedule on 1–8 workers and written as trace files,
//! then read back and analysed; random nested call stacks for the work's definition.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, US};
use proptest::prelude::*;
use taskscope_trace::analysis::{
    Facts, advise, compare, concurrency_profile, critical_path, name_stats, simulate,
};
use taskscope_trace::{SpanKind, Trace};

/// A random DAG: task `i` depends on up to 3 earlier tasks (`picks`), lasts
/// `durations[i]` µs.
#[derive(Clone, Debug)]
struct Dag {
    durations: Vec<u64>,
    deps: Vec<Vec<usize>>,
}

fn dag() -> impl Strategy<Value = Dag> {
    (1usize..40).prop_flat_map(|n| {
        (
            proptest::collection::vec(0u64..1_000, n),
            proptest::collection::vec(proptest::collection::vec(0usize..1_000, 0..4), n),
        )
            .prop_map(|(durations, picks)| {
                let deps = picks
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let mut d: Vec<usize> = if i == 0 {
                            Vec::new()
                        } else {
                            p.iter().map(|x| x % i).collect()
                        };
                        d.sort_unstable();
                        d.dedup();
                        d
                    })
                    .collect();
                Dag { durations, deps }
            })
    })
}

/// Runs `dag` through a list schedule on `workers` lanes (ready tasks in id order,
/// each on the lane free first) and writes it as a trace file, read back. Keys are
/// `{prefix}t{i}`.
fn run(dag: &Dag, workers: usize, prefix: &str) -> Trace {
    let n = dag.durations.len();
    let mut t = Crafted::new(workers);
    let mut end = vec![0u64; n];
    let mut lane_free = vec![0u64; workers];
    for i in 0..n {
        let ready = dag.deps[i].iter().map(|&d| end[d]).max().unwrap_or(0);
        let (lane, free) = lane_free
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(l, f)| (f.max(ready), l))
            .unwrap();
        let start = ready.max(free);
        end[i] = start + dag.durations[i] * US;
        lane_free[lane] = end[i];
        let keys: Vec<String> = dag.deps[i]
            .iter()
            .map(|d| format!("{prefix}t{d}"))
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        t.task_run(&format!("{prefix}t{i}"), "f", &refs, lane, start, end[i]);
    }
    let mut bytes = Vec::new();
    t.build().write_to(&mut bytes).unwrap();
    Trace::from_slice(&bytes, "random.json").unwrap()
}

/// No sentence carries a placeholder or an undefined number.
fn prose_is_defined(text: &str) -> Result<(), TestCaseError> {
    for bad in [" - ", "NaN", "inf", "n/a"] {
        prop_assert!(!text.contains(bad), "{bad:?} in {text:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn what_the_analysis_states_holds(dag in dag(), workers in 1usize..=8) {
        let trace = run(&dag, workers, "");
        let wall = trace.wall_ns();
        let lanes = trace.lanes().len() as u64;
        let cp = critical_path(&trace);
        prop_assert!(cp.length_ns <= wall, "critical path {} > wall {wall}", cp.length_ns);
        prop_assert!(cp.total_work_ns <= wall * lanes);
        let busy = concurrency_profile(&trace).busy_ns;
        prop_assert_eq!(cp.total_work_ns, busy, "nothing nests: work is busy time");

        // The k-worker prediction lies between the lower bound and Graham's bound
        // (the model adds no per-task charge).
        let sim = simulate(&trace);
        for p in &sim.points {
            let k = u64::from(p.workers);
            let lower = cp.length_ns.max(sim.total_work_ns.div_ceil(k));
            prop_assert!(p.makespan_ns >= lower, "{p:?} below {lower}");
            prop_assert!(p.makespan_ns <= sim.total_work_ns / k + cp.length_ns + 1, "{p:?}");
        }

        // A run against itself: speed-up 1, every task by key, no change.
        let c = compare(&trace, &trace);
        prop_assert!(c.same_work);
        prop_assert_eq!(c.speedup.filter(|_| wall > 0), (wall > 0).then_some(1.0));
        prop_assert_eq!(c.matched_by_key, c.a.tasks);
        prop_assert_eq!((c.total_slowdown_ns, c.total_speedup_ns), (0, 0));
        prose_is_defined(&c.verdict())?;

        // The advisor's possible time is never above the achieved one.
        for f in advise(&trace) {
            prose_is_defined(&f.to_string())?;
            match &f.facts {
                Facts::SchedulingOrder(s) => prop_assert!(s.model_ns <= s.extent_ns, "{f}"),
                Facts::CriticalPathBound(b) => prop_assert!(b.path_ns <= b.extent_ns, "{f}"),
                Facts::IdleWhileReady(i) => {
                    prop_assert!(i.wasted_ns <= u64::from(i.workers) * i.extent_ns, "{f}");
                }
                _ => {}
            }
        }
    }

    #[test]
    fn serial_and_parallel_runs_of_one_graph_match_task_for_task(
        dag in dag(),
        workers in 2usize..=8,
    ) {
        let serial = run(&dag, 1, "");
        let parallel = run(&dag, workers, "");
        let n = dag.durations.len() as u64;
        let c = compare(&serial, &parallel);
        prop_assert_eq!((c.matched_by_key, c.only_in_a, c.only_in_b), (n, 0, 0));
        prop_assert!(c.same_work);
        prop_assert!(c.changes.iter().all(|ch| ch.change_ns == 0));
        // Renamed keys: by name and place in the graph, still every task.
        let renamed = run(&dag, workers, "other-");
        let c = compare(&serial, &renamed);
        prop_assert_eq!((c.matched_by_name, c.only_in_a, c.only_in_b), (n, 0, 0));
        prop_assert!(c.same_work);
        prose_is_defined(&c.verdict())?;
    }

    #[test]
    fn nested_call_stacks_count_each_busy_instant_once(
        stacks in proptest::collection::vec(
            proptest::collection::vec((0u64..50, 1u64..50, 0usize..4), 1..12),
            1..4,
        ),
    ) {
        // Per lane: calls placed one after another at the top, each with up to 3
        // levels of calls nested at its start (shorter, so they end within it).
        let mut t = Crafted::new(stacks.len());
        let mut union = 0u64;
        let mut k = 0;
        for (lane, calls) in stacks.iter().enumerate() {
            let mut clock = 0;
            for &(gap, len, depth) in calls {
                let start = clock + gap * US;
                let end = start + len * US * 8;
                union += end - start;
                for d in 0..=depth {
                    let key = format!("c{k}");
                    k += 1;
                    t.task(&key, "call", &[]);
                    let inner_end = start + ((len * US * 8) >> d).max(1);
                    t.span(&key, lane, start + d as u64, inner_end.max(start + d as u64), SpanKind::Compute, d as u16);
                }
                clock = end;
            }
        }
        let trace = t.build();
        let cp = critical_path(&trace);
        prop_assert_eq!(cp.total_work_ns, union, "work is the lanes' busy time");
        prop_assert_eq!(concurrency_profile(&trace).busy_ns, union);
        let self_total: u64 = name_stats(&trace).iter().map(|s| s.self_ns).sum();
        prop_assert_eq!(self_total, union);
        prop_assert!(cp.length_ns <= trace.wall_ns());
    }
}
