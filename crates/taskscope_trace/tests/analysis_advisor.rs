//! The advisor on crafted traces: each finding fires on the pattern it describes,
//! with true numbers, and stays silent on its counterpart.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, S, US, dask_total_on_two_threads, id, total_in_four_seconds};
use taskscope_trace::SpanKind;
use taskscope_trace::Trace;
use taskscope_trace::analysis::{
    AdvisorOptions, Facts, Finding, FindingKind, Severity, advise, advise_with, simulate_makespan,
};

fn of_kind(findings: &[Finding], kind: FindingKind) -> Vec<&Finding> {
    findings.iter().filter(|f| f.kind() == kind).collect()
}

fn only(findings: &[Finding], kind: FindingKind) -> &Finding {
    let found = of_kind(findings, kind);
    assert_eq!(found.len(), 1, "expected one {kind:?} in {findings:#?}");
    found[0]
}

fn keys(trace: &Trace, f: &Finding) -> Vec<String> {
    f.tasks
        .iter()
        .map(|&t| trace.graph().key(t).unwrap().to_owned())
        .collect()
}

/// `np.prod([delayed(inc)(x) for x in data])` as Dask's 2 threads ran it (from
/// `prod_chain.profiler.json`): 8 `inc` of 1 s, 7 zero-length `mul` folding from the left.
fn prod_chain() -> Trace {
    let mut t = Crafted::new(2);
    for i in 0..8u64 {
        let (lane, start) = ((i % 2) as usize, (i / 2) * S);
        t.task_run(&format!("inc-{i}"), "inc", &[], lane, start, start + S);
    }
    let mut previous = "inc-0".to_owned();
    for j in 1..8u64 {
        let key = format!("mul-{j}");
        let at = j.div_ceil(2) * S;
        let other = format!("inc-{j}");
        t.task_run(&key, "mul", &[&previous, &other], 0, at, at);
        previous = key;
    }
    t.build()
}

#[test]
fn a_left_fold_is_a_serial_reduction() {
    let trace = prod_chain();
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::SerialReduction);
    let Facts::SerialReduction(r) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!(
        (r.name.as_str(), r.chain_len, r.inputs, r.tree_depth),
        ("mul", 7, 8, 3)
    );
    assert_eq!((r.total_ns, r.on_path_ns), (0, 0));
    assert!(
        f.to_string().starts_with(
            "the 7 `mul` tasks form a serial chain of depth 7, each waiting for the previous one; \
             combining their 8 inputs as a balanced tree would have depth 3."
        ),
        "{}",
        f.to_string()
    );
    assert!(
        f.to_string()
            .contains("take 0 ns in total, none of it on the critical path"),
        "{}",
        f.to_string()
    );
    // Zero-length `mul`s cost nothing here: worth knowing, no more.
    assert_eq!(f.severity, Severity::Info);
    let expected: Vec<String> = (1..8).map(|j| format!("mul-{j}")).collect();
    assert_eq!(keys(&trace, f), expected);
}

#[test]
fn a_slow_fold_on_the_critical_path_is_a_warning() {
    let mut t = Crafted::new(4);
    for i in 0..5u64 {
        t.task_run(&format!("x{i}"), "load", &[], (i % 4) as usize, 0, MS);
    }
    let mut previous = "x0".to_owned();
    for j in 1..5u64 {
        let key = format!("add{j}");
        t.task_run(
            &key,
            "add",
            &[&previous, &format!("x{j}")],
            0,
            j * 10 * MS,
            (j + 1) * 10 * MS,
        );
        previous = key;
    }
    let trace = t.build();
    let f = only(&advise(&trace), FindingKind::SerialReduction).clone();
    let Facts::SerialReduction(r) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!((r.chain_len, r.inputs, r.tree_depth), (4, 5, 3));
    assert_eq!((r.total_ns, r.on_path_ns), (40 * MS, 40 * MS));
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.to_string()
            .contains("the 4 `add` tasks form a serial chain of depth 4"),
        "{}",
        f.to_string()
    );
    assert!(
        f.to_string()
            .contains("their 5 inputs as a balanced tree would have depth 3"),
        "{}",
        f.to_string()
    );
    assert!(
        f.to_string()
            .contains("take 40.0 ms in total, 40.0 ms of it on the critical path"),
        "{}",
        f.to_string()
    );
    assert_eq!(f.impact_ns, 40 * MS);
}

#[test]
fn a_tree_reduction_and_a_plain_chain_are_not_serial_reductions() {
    // tree: 8 leaves, pairwise `add` (depth 3).
    let mut t = Crafted::new(2);
    for i in 0..8u64 {
        t.task_run(
            &format!("leaf{i}"),
            "inc",
            &[],
            (i % 2) as usize,
            i * MS,
            (i + 1) * MS,
        );
    }
    let mut level: Vec<String> = (0..8).map(|i| format!("leaf{i}")).collect();
    let mut clock = 10 * MS;
    let mut n = 0;
    while level.len() > 1 {
        let mut next = Vec::new();
        for pair in level.chunks(2) {
            let key = format!("add{n}");
            n += 1;
            t.task_run(&key, "add", &[&pair[0], &pair[1]], 0, clock, clock + MS);
            clock += MS;
            next.push(key);
        }
        level = next;
    }
    // chain: `inc` → `inc` → … with one input each is a pipeline, not a reduction.
    t.task_run("c0", "step", &[], 1, 0, MS);
    for i in 1..10u64 {
        t.task_run(
            &format!("c{i}"),
            "step",
            &[&format!("c{}", i - 1)],
            1,
            i * MS,
            (i + 1) * MS,
        );
    }
    assert!(of_kind(&advise(&t.build()), FindingKind::SerialReduction).is_empty());
}

#[test]
fn short_tasks_are_reported_with_the_measured_gap() {
    let mut t = Crafted::new(1);
    // 20 `inc` of 2 µs, each 50 µs after the previous one ended.
    let mut clock = 0;
    for i in 0..20 {
        t.task_run(&format!("inc-{i}"), "inc", &[], 0, clock, clock + 2 * US);
        clock += 52 * US;
    }
    let trace = t.build();
    let f = only(&advise(&trace), FindingKind::ShortTasks).clone();
    let Facts::ShortTasks(st) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!((st.count, st.median_ns, st.total_ns), (20, 2 * US, 40 * US));
    assert_eq!((st.threshold_ns, st.under_threshold), (10 * US, true));
    assert_eq!(st.gap_ns, Some(50 * US));
    assert!(st.under_gap());
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.tasks.len(), 20);
    assert!(
        f.to_string().starts_with("20 `inc` tasks have a median duration of 2.00 µs, 40.0 µs of work in total (under 10.0 µs): at that size"),
        "{}",
        f.to_string()
    );
    assert!(
        f.to_string().contains("In this run the median gap between consecutive tasks on a lane is 50.0 µs, longer than the median task itself (the gaps add up to about 1.00 ms for these tasks)."),
        "{}",
        f.to_string()
    );
    assert_eq!(f.impact_ns, MS);
}

#[test]
fn tasks_shorter_than_the_gaps_between_them_are_short() {
    // 12 tasks of 1 ms on one lane, 3 ms apart: above 10 µs, but the lane spends
    // 3 ms between tasks for each 1 ms in one.
    let mut t = Crafted::new(1);
    for i in 0..12u64 {
        t.task_run(&format!("t{i}"), "inc", &[], 0, i * 4 * MS, i * 4 * MS + MS);
    }
    let trace = t.build();
    let f = only(&advise(&trace), FindingKind::ShortTasks).clone();
    let Facts::ShortTasks(st) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!((st.count, st.median_ns, st.gap_ns), (12, MS, Some(3 * MS)));
    assert!(!st.under_threshold && st.under_gap());
    assert_eq!(
        f.to_string(),
        "12 `inc` tasks have a median duration of 1.00 ms, 12.0 ms of work in total, but the \
         median gap between consecutive tasks on a lane is 3.00 ms, longer than the median task \
         itself (the gaps add up to about 36.0 ms for these tasks): the workers spent more time \
         between tasks than in them. If that gap is scheduling overhead, fewer, larger tasks \
         would amortize it."
    );
    assert_eq!(f.impact_ns, 36 * MS);
    assert_eq!(f.tasks.len(), 12);
}

#[test]
fn few_or_long_tasks_are_not_short_tasks() {
    let mut t = Crafted::new(1);
    for i in 0..9u64 {
        t.task_run(&format!("tiny-{i}"), "tiny", &[], 0, i * MS, i * MS + US);
    }
    for i in 0..20u64 {
        let start = 10 * MS + i * 20 * US;
        t.task_run(&format!("ok-{i}"), "ok", &[], 0, start, start + 15 * US);
    }
    assert!(of_kind(&advise(&t.build()), FindingKind::ShortTasks).is_empty());
}

#[test]
fn dask_total_on_two_threads_loses_a_second_to_its_order() {
    let trace = dask_total_on_two_threads();
    let findings = advise(&trace);
    // No lane is idle while a task is ready: y2 waits 1–2 s while both lanes are
    // busy (z and x2); from 2 s on, one lane idles but nothing is ready. The
    // second is lost earlier, by starting z before y2.
    assert!(
        of_kind(&findings, FindingKind::IdleWhileReady).is_empty(),
        "{findings:#?}"
    );
    let f = only(&findings, FindingKind::SchedulingOrder);
    let Facts::SchedulingOrder(o) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!((o.extent_ns, o.workers, o.idle_ns), (5 * S, 2, 3 * S));
    assert_eq!(
        (o.at_ns, o.started_left_ns, o.waiting_left_ns),
        (S, 2 * S, 3 * S)
    );
    assert_eq!((o.waiting_ready_ns, o.waiting_start_ns), (None, 2 * S));
    assert_eq!(
        (o.started.key.as_deref(), o.waiting.key.as_deref()),
        (Some("z"), Some("y2"))
    );
    assert_eq!(
        (o.inversions, o.model_ns, o.gain_ns, o.overhead_ns),
        (1, 4 * S, S, 0)
    );
    assert_eq!(
        f.to_string(),
        "the tasks ran for 5.00 s on 2 workers, and the workers were idle for 3.00 s of that \
         (30% of worker time). At 1.00 s, `add` (key `z`), with 2.00 s of work left on its \
         longest path, started while `inc` (key `y2`), ready since the start with 3.00 s left \
         on its path, waited until 2.00 s. Running the longest remaining path first, the same \
         tasks with their measured times finish in 4.00 s on 2 workers, 1.00 s (20%) sooner (a \
         list-scheduling model: each task occupies a worker for as long as its spans did here)."
    );
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.impact_ns, S);
    assert_eq!(keys(&trace, f), ["y2", "z"]);
    // That is the only thing to say about this run.
    assert_eq!(findings.len(), 1, "{findings:#?}");
}

#[test]
fn the_order_model_charges_transfers_to_their_task() {
    // w (1 s, nothing after it) ran before y (whose consumer z follows): an
    // inversion. z spent 1 s fetching its input before its 1 s compute. Counting
    // compute only, 2 s would suffice; with z's transfer, the model needs 3 s.
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("w", "other", &[], 1, 0, S);
    t.task_run("y", "inc", &[], 0, S, 2 * S);
    t.task("z", "add", &["x", "y"]);
    t.span("z", 1, 2 * S, 3 * S, SpanKind::Transfer, 0);
    t.run("z", 1, 3 * S, 4 * S);
    let trace = t.build();
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::SchedulingOrder);
    assert!(
        f.to_string()
            .contains("finish in 3.00 s on 2 workers, 1.00 s (25%) sooner"),
        "{}",
        f.to_string()
    );
    assert_eq!(keys(&trace, f), ["y", "w"]);
    assert_eq!(simulate_makespan(&trace, 2), 2 * S);
}

#[test]
fn a_good_order_has_nothing_to_report() {
    let findings = advise(&total_in_four_seconds());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn idle_lanes_while_a_task_was_ready() {
    let mut t = Crafted::new(2);
    t.task_run("a", "load", &[], 0, 0, S);
    t.task_run("b", "work", &[], 1, 0, 3 * S);
    // c is ready at 1 s (a done), lane 0 idles 1–2 s, c starts at 2 s.
    t.task_run("c", "use", &["a"], 0, 2 * S, 3 * S);
    let trace = t.build();
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::IdleWhileReady);
    let Facts::IdleWhileReady(idle) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!(
        (idle.wasted_ns, idle.workers, idle.extent_ns),
        (S, 2, 3 * S)
    );
    assert_eq!(
        (idle.waiting_tasks, idle.worst.key.as_deref()),
        (1, Some("c"))
    );
    assert_eq!((idle.worst_ready_ns, idle.worst_start_ns), (Some(S), 2 * S));
    assert_eq!(
        f.to_string(),
        "workers sat idle for 1.00 s of worker time while tasks were ready to run (17% of 2 \
         workers × 3.00 s; 1 task waited). The longest such wait: `use` (key `c`) was ready at \
         1.00 s but started at 2.00 s."
    );
    assert_eq!(f.impact_ns, S);
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(keys(&trace, f), ["c"]);
}

#[test]
fn waiting_while_every_lane_is_busy_is_not_idle_while_ready() {
    let mut t = Crafted::new(1);
    t.task_run("a", "f", &[], 0, 0, S);
    t.task_run("b", "f", &[], 0, S, 2 * S);
    t.task_run("c", "f", &[], 0, 2 * S, 3 * S);
    let findings = advise(&t.build());
    assert!(
        of_kind(&findings, FindingKind::IdleWhileReady).is_empty(),
        "{findings:#?}"
    );
}

#[test]
fn idle_time_is_counted_once_per_idle_worker() {
    // Three workers; two tasks ready from 0 but started at 1 s; one lane busy 0–2 s.
    let mut t = Crafted::new(3);
    t.task_run("busy", "f", &[], 0, 0, 2 * S);
    t.task_run("late1", "f", &[], 1, S, 2 * S);
    t.task_run("late2", "f", &[], 2, S, 2 * S);
    let trace = t.build();
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::IdleWhileReady);
    // min(2 waiting, 2 idle) × 1 s.
    assert_eq!(f.impact_ns, 2 * S);
    assert!(
        f.to_string()
            .starts_with("workers sat idle for 2.00 s of worker time"),
        "{}",
        f.to_string()
    );
    assert!(
        f.to_string()
            .contains("(33% of 3 workers × 2.00 s; 2 tasks waited)"),
        "{}",
        f.to_string()
    );
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(keys(&trace, f), ["late1", "late2"]);
}

#[test]
fn critical_path_bounds_the_speedup() {
    // xyz: inc, inc → add on 2 lanes: 3 s of work, a 2 s path: at most 1.5× on any number of workers.
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, S);
    t.task_run("y", "inc", &[], 1, 0, S);
    t.task_run("z", "add", &["x", "y"], 0, S, 2 * S);
    let trace = t.build();
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::CriticalPathBound);
    let Facts::CriticalPathBound(cp) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!(
        (cp.path_tasks, cp.path_names.clone()),
        (2, vec!["inc".to_owned(), "add".to_owned()])
    );
    assert_eq!(
        (cp.path_ns, cp.extent_ns, cp.total_work_ns, cp.workers),
        (2 * S, 2 * S, 3 * S, 2)
    );
    assert!((cp.max_speedup() - 1.5).abs() < 1e-12);
    assert_eq!(
        f.to_string(),
        "the critical path, 2 tasks (inc → add), takes 2.00 s: 100% of the run's 2.00 s. No \
         schedule can finish sooner, so with 3.00 s of work in all, this graph runs at most \
         1.50× faster than serially on any number of workers, less than the 2 workers here."
    );
    assert_eq!(keys(&trace, f), ["x", "z"]);
    assert_eq!(f.severity, Severity::Warning);
    // 2 s path against 1.5 s of work per worker.
    assert_eq!(f.impact_ns, 500 * MS);
}

#[test]
fn a_wide_graph_is_not_bounded_by_its_path() {
    let mut t = Crafted::new(2);
    for i in 0..6u64 {
        t.task_run(
            &format!("t{i}"),
            "f",
            &[],
            (i % 2) as usize,
            (i / 2) * S,
            (i / 2 + 1) * S,
        );
    }
    t.task_run("end", "g", &["t4", "t5"], 0, 3 * S, 3 * S + MS);
    assert!(of_kind(&advise(&t.build()), FindingKind::CriticalPathBound).is_empty());
}

#[test]
fn one_task_dominating_the_run() {
    let mut t = Crafted::new(2);
    t.task_run("load-1", "load", &[], 0, 0, 3 * S);
    t.task_run("a", "f", &[], 1, 0, 500 * MS);
    t.task_run("b", "f", &[], 1, 500 * MS, S);
    t.task_run("c", "g", &["load-1", "b"], 0, 3 * S, 4 * S);
    let trace = t.build();
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::DominantTask);
    let Facts::DominantTask(d) = &f.facts else {
        panic!("{f:?}")
    };
    assert_eq!(
        (d.duration_ns, d.extent_ns, d.total_work_ns),
        (3 * S, 4 * S, 5 * S)
    );
    assert_eq!(d.task.key.as_deref(), Some("load-1"));
    assert_eq!(
        f.to_string(),
        "one task, `load` (key `load-1`), ran for 3.00 s: 75% of the run's 4.00 s and 60% of \
         all task time. The run cannot finish sooner than this task alone unless it is split \
         into smaller tasks."
    );
    assert_eq!(f.tasks, vec![id(&trace, "load-1")]);
    assert_eq!(f.impact_ns, 3 * S);
}

#[test]
fn balanced_tasks_do_not_dominate() {
    let mut t = Crafted::new(2);
    for i in 0..4u64 {
        t.task_run(
            &format!("t{i}"),
            "f",
            &[],
            (i % 2) as usize,
            (i / 2) * S,
            (i / 2 + 1) * S,
        );
    }
    assert!(of_kind(&advise(&t.build()), FindingKind::DominantTask).is_empty());
}

#[test]
fn options_change_thresholds_and_cap_task_lists() {
    let mut t = Crafted::new(1);
    for i in 0..5u64 {
        t.task_run(
            &format!("t{i}"),
            "f",
            &[],
            0,
            i * 20 * US,
            i * 20 * US + 5 * US,
        );
    }
    let trace = t.build();
    assert!(of_kind(&advise(&trace), FindingKind::ShortTasks).is_empty());
    let options = AdvisorOptions {
        min_short_tasks: 5,
        max_listed_tasks: 2,
        ..AdvisorOptions::default()
    };
    let findings = advise_with(&trace, &options);
    let f = only(&findings, FindingKind::ShortTasks);
    assert_eq!(keys(&trace, f), ["t0", "t1"]);
    assert_eq!(f.more_tasks, 3);
}

#[test]
fn findings_are_sorted_and_serialize_as_plain_json() {
    let mut t = Crafted::new(2);
    t.task_run("x", "inc", &[], 0, 0, 3 * S);
    t.task_run("y", "inc", &[], 1, 0, 100 * MS);
    t.task_run("z", "add", &["x", "y"], 0, 3 * S, 4 * S);
    let findings = advise(&t.build());
    let kinds: Vec<FindingKind> = findings.iter().map(Finding::kind).collect();
    // Both are warnings; x (3 s at stake) before the path (4 s against 2.05 s per worker).
    assert_eq!(
        kinds,
        [FindingKind::DominantTask, FindingKind::CriticalPathBound]
    );
    assert_eq!(findings[1].impact_ns, 1_950 * MS);
    let json = serde_json::to_string(&findings[0]).unwrap();
    assert!(
        json.starts_with(r#"{"kind":"dominant_task","severity":"warning","impact_ns":3000000000,"tasks":[0],"more_tasks":0,"message":"one task"#),
        "{json}"
    );
    // The numbers follow the sentence.
    assert!(
        json.contains(r#""facts":{"task":{"name":"inc","key":"x"},"duration_ns":3000000000"#),
        "{json}"
    );
}

/// `idle_lanes_while_a_task_was_ready`'s run, with its one dependency as `record` says.
fn idle_lane_run(record: taskscope_trace::DependencyRecord) -> Trace {
    let mut t = Crafted::new(2);
    t.task("a", "load", &[]);
    let a = t.run("a", 0, 0, S);
    t.task_run("b", "work", &[], 1, 0, 3 * S);
    let graph_deps: &[&str] = if record == taskscope_trace::DependencyRecord::Recorded {
        &["a"]
    } else {
        &[]
    };
    t.task("c", "use", graph_deps);
    let c = t.run("c", 0, 2 * S, 3 * S);
    if record == taskscope_trace::DependencyRecord::FlowArrows {
        t.flow(a, c);
    }
    t.dependency_record(record);
    t.build()
}

#[test]
fn without_recorded_dependencies_nothing_is_claimed_about_waiting() {
    // The file cannot say that `c` needed `a`: "ready from the start" would be false.
    let trace = idle_lane_run(taskscope_trace::DependencyRecord::NotRecorded);
    let findings = advise(&trace);
    for kind in [
        FindingKind::IdleWhileReady,
        FindingKind::SchedulingOrder,
        FindingKind::CriticalPathBound,
        FindingKind::SerialReduction,
    ] {
        assert!(of_kind(&findings, kind).is_empty(), "{findings:#?}");
    }
}

#[test]
fn claims_from_flow_arrows_say_what_they_assume() {
    let trace = idle_lane_run(taskscope_trace::DependencyRecord::FlowArrows);
    let findings = advise(&trace);
    let f = only(&findings, FindingKind::IdleWhileReady);
    assert_eq!(
        f.assumption,
        Some(taskscope_trace::analysis::Assumption::FlowArrowsAreDependencies)
    );
    assert_eq!(
        f.to_string(),
        "assuming the file's flow arrows are all its dependencies, workers sat idle for 1.00 s \
         of worker time while tasks were ready to run (17% of 2 workers × 3.00 s; 1 task \
         waited). The longest such wait: `use` (key `c`) was ready at 1.00 s but started at \
         2.00 s."
    );
    let json = serde_json::to_value(f).unwrap();
    assert_eq!(json["assumption"], "flow_arrows_are_dependencies");
}

#[test]
fn containment_edges_are_not_waits() {
    // As the `tracing` layer records it: `pipeline` depends on the spans created in it
    // and contains them; `parse` depends on `download`.
    let mut t = Crafted::new(2);
    t.task_run("download", "download", &[], 1, S, 2 * S);
    t.task_run("parse", "parse", &["download"], 1, 3 * S, 5 * S);
    t.task_run("pipeline", "pipeline", &["download", "parse"], 0, 0, 10 * S);
    let trace = t.build();
    let findings = advise(&trace);
    for kind in [FindingKind::IdleWhileReady, FindingKind::SchedulingOrder] {
        assert!(
            of_kind(&findings, kind).is_empty(),
            "nothing was ready or waiting: {findings:#?}"
        );
    }
    let cp = taskscope_trace::analysis::critical_path(&trace);
    assert!(cp.length_ns <= trace.wall_ns(), "{cp:?}");
    assert_eq!(cp.total_work_ns, 10 * S + 3 * S, "lanes' busy time");
}
