//! The analysis on Dask's real traces in `../shared/dask/` (`Profiler().results`
//! of the threaded scheduler and `get_task_stream()` of a LocalCluster, each with
//! its graph file), read by the crate's own readers. Skips when the files are absent.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use std::path::PathBuf;

use taskscope_trace::Trace;
use taskscope_trace::analysis::{
    Finding, FindingKind, advise, critical_path, simulate, worker_count,
};

fn dask_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/dask"))
}

/// `NAME.profiler.json` (threaded scheduler) with its graph.
fn load(name: &str) -> Option<Trace> {
    open(name, "profiler")
}

fn kinds(trace: &Trace) -> Vec<FindingKind> {
    advise(trace).iter().map(Finding::kind).collect()
}

#[test]
fn xyz_is_bounded_by_its_critical_path() {
    let Some(trace) = load("xyz") else { return };
    let findings = advise(&trace);
    assert_eq!(kinds(&trace), [FindingKind::CriticalPathBound]);
    assert!(
        findings[0].to_string().contains("at most 1.50× faster"),
        "{}",
        findings[0].to_string()
    );
    assert_eq!(critical_path(&trace).steps.len(), 2);
}

#[test]
fn sum_on_two_threads_loses_a_second_to_dask_order() {
    // FIGURES.md: on the 2-thread pool z runs at 1–2 s and z2 at 3–4 s because
    // dask.order starts z before x2 and y2; the best possible is 3 s.
    let Some(trace) = load("sum") else { return };
    assert_eq!(worker_count(&trace), 2);
    let findings = advise(&trace);
    assert_eq!(
        kinds(&trace),
        [FindingKind::SchedulingOrder],
        "{findings:#?}"
    );
    let message = &findings[0].to_string();
    assert!(
        message.starts_with("the tasks ran for 4.00 s on 2 workers"),
        "{message}"
    );
    assert!(message.contains("At 1.00 s, `add`"), "{message}");
    // The reader's times give 999 ms or 1.00 s here, depending on rounding.
    assert!(
        message.contains("finish in 3.00 s on 2 workers, "),
        "{message}"
    );
    assert!(message.contains(" (25%) sooner"), "{message}");
    let two = &simulate(&trace).points[1];
    assert_eq!(two.workers, 2);
    assert!(
        (3_000_000_000..3_010_000_000).contains(&two.makespan_ns),
        "{two:?}"
    );
}

#[test]
fn prod_chain_is_a_serial_reduction() {
    let Some(trace) = load("prod_chain") else {
        return;
    };
    let findings = advise(&trace);
    assert_eq!(
        kinds(&trace),
        [FindingKind::SerialReduction],
        "{findings:#?}"
    );
    assert!(
        findings[0].to_string().starts_with(
            "the 7 `mul` tasks form a serial chain of depth 7, each waiting for the previous \
             one; combining their 8 inputs as a balanced tree would have depth 3."
        ),
        "{}",
        findings[0].to_string()
    );
    assert_eq!(findings[0].tasks.len(), 7);
    // One `inc` and the seven `mul`s that follow it.
    let cp = critical_path(&trace);
    assert_eq!(cp.steps.len(), 8);
    assert!(cp.steps.iter().skip(1).all(|s| s.name == "mul"));
}

#[test]
fn tree1024_has_a_depth_11_path_and_nothing_to_report() {
    let Some(trace) = load("tree1024") else {
        return;
    };
    assert_eq!(trace.graph().len(), 2047);
    let cp = critical_path(&trace);
    assert_eq!(cp.steps.len(), 11);
    assert_eq!(cp.steps[0].name, "inc");
    assert!(cp.steps.iter().skip(1).all(|s| s.name == "add"));
    let findings = advise(&trace);
    assert!(findings.is_empty(), "{findings:#?}");
}

/// `NAME.SUFFIX.json` with `NAME.graph.json`, through the crate's own reader.
fn open(name: &str, suffix: &str) -> Option<Trace> {
    let dir = dask_dir();
    let path = dir.join(format!("{name}.{suffix}.json"));
    if !path.exists() {
        eprintln!("skipping: {} not found", path.display());
        return None;
    }
    Some(Trace::open_with_graph(path, dir.join(format!("{name}.graph.json"))).unwrap())
}

#[test]
fn reader_traces_give_the_same_findings() {
    let Some(sum) = open("sum", "profiler") else {
        return;
    };
    assert_eq!(kinds(&sum), [FindingKind::SchedulingOrder]);
    let Some(prod) = open("prod_chain", "taskstream") else {
        return;
    };
    assert_eq!(kinds(&prod), [FindingKind::SerialReduction]);
    let Some(xyz) = open("xyz", "taskstream") else {
        return;
    };
    assert_eq!(kinds(&xyz), [FindingKind::CriticalPathBound]);
}

#[test]
fn distributed_tree1024_spends_more_time_between_tasks_than_in_them() {
    // FIGURES.md: distributed costs 2.6–6.5 ms per trivial task; tree1024's tasks
    // sleep 1 ms, and the run takes 8.7–12.4 s against about 1 s threaded.
    let Some(trace) = open("tree1024", "taskstream") else {
        return;
    };
    let findings = advise(&trace);
    let idle = findings
        .iter()
        .find(|f| f.kind() == FindingKind::IdleWhileReady)
        .unwrap();
    assert!(
        idle.to_string().starts_with("workers sat idle for "),
        "{}",
        idle.to_string()
    );
    assert!(
        idle.to_string()
            .contains("`inc` (key `inc-0`) was ready from the start"),
        "{}",
        idle.to_string()
    );
    let short: Vec<String> = findings
        .iter()
        .filter(|f| f.kind() == FindingKind::ShortTasks)
        .map(ToString::to_string)
        .collect();
    assert_eq!(short.len(), 2, "{findings:#?}");
    assert!(
        short.iter().any(|m| m.starts_with("1024 `inc` tasks")),
        "{short:?}"
    );
    assert!(
        short.iter().any(|m| m.starts_with("1023 `add` tasks")),
        "{short:?}"
    );
    assert!(
        short
            .iter()
            .all(|m| m.contains("the workers spent more time between tasks than in them"))
    );
}

#[test]
fn threads_against_distributed_matches_every_key() {
    let (Some(threads), Some(distributed)) =
        (open("tree1024", "profiler"), open("tree1024", "taskstream"))
    else {
        return;
    };
    let c = taskscope_trace::analysis::compare(&threads, &distributed);
    assert_eq!(
        (
            c.matched_by_key,
            c.matched_by_name,
            c.only_in_a,
            c.only_in_b
        ),
        (2047, 0, 0, 0)
    );
    assert_eq!(c.faster, Some(taskscope_trace::analysis::Side::A));
    let speedup = c.speedup.unwrap();
    assert!(speedup > 5.0, "{speedup}");
    assert!(!c.top_slowdowns.is_empty() && c.top_slowdowns.len() <= 10);
    assert!(
        c.top_slowdowns
            .windows(2)
            .all(|w| w[0].change_ns >= w[1].change_ns)
    );
}
