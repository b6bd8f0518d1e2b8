//! The `taskscope` command line: stats, compare, convert; exit codes 0 / 1 / 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

use taskscope_trace::{SourceFormat, Trace};

fn taskscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taskscope"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sample(name: &str) -> String {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../traces")).join(name);
    assert!(path.exists(), "bundled sample {name} is missing");
    path.display().to_string()
}

/// A file of the shared fixtures: beside the repository, or under `$TASKSCOPE_SHARED`
/// (for worktrees that live elsewhere).
fn shared(path: &str) -> Option<String> {
    let root = std::env::var_os("TASKSCOPE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    );
    let p = root.join(path);
    if p.exists() {
        Some(p.display().to_string())
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

#[test]
fn stats_reports_the_critical_path_and_names() {
    let out = taskscope(&["stats", &sample("total_threads2.json")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("7 tasks, 6 dependencies, 7 spans on 2 lanes"),
        "{text}"
    );
    assert!(text.contains("Critical path: 3 tasks"), "{text}");
    assert!(text.contains("inc       4"), "{text}");
    assert!(text.contains("add       3"), "{text}");
}

#[test]
fn stats_json_is_machine_readable() {
    let out = taskscope(&["stats", "--json", &sample("prod_chain_threads2.json")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["tasks"], 15);
    // The path ends at the last `mul`; where it starts depends on which `inc` finished last.
    let steps = json["critical_path"]["steps"].as_array().unwrap();
    assert_eq!(steps.last().unwrap()["name"], "mul");
    let findings = json["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["kind"] == "serial_reduction"
            && f["message"].as_str().unwrap().contains("7 `mul` tasks")),
        "the product chain is reported: {findings:?}"
    );
}

#[test]
fn compare_shows_the_speedup_of_the_parallel_run() {
    let out = taskscope(&[
        "compare",
        &sample("total_serial.json"),
        &sample("total_parallel.json"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("B is faster: speed-up 2.3"), "{text}");
    assert!(
        text.contains("7 by key"),
        "the seed's runs share their keys: {text}"
    );

    let out = taskscope(&[
        "compare",
        "--json",
        &sample("total_serial.json"),
        &sample("total_threads2.json"),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let speedup = json["speedup"].as_f64().unwrap();
    assert!((1.6..1.9).contains(&speedup), "7 s vs 4 s: {speedup}");
}

#[test]
fn compare_works_across_engines_with_a_dask_trace() {
    let (Some(dask), Some(graph)) = (
        shared("dask/sum.profiler.json"),
        shared("dask/sum.graph.json"),
    ) else {
        return;
    };
    // Dask's sum([z, z2]) on 2 threads against ours: Dask has one more task (`_swap`).
    let out = taskscope(&[
        "compare",
        &dask,
        &sample("sum_threads2.json"),
        "--graph-a",
        &graph,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Dask's final `add` reads the `_swap`, ours reads two `add`s: it sits elsewhere in
    // the graph and does not pair, so 6 of 7 and 6 of 8 pair: not the same work.
    assert!(text.contains("6 by name and order; 2 only in A"), "{text}");
    assert!(text.starts_with("A and B did different work"), "{text}");
    assert!(!text.contains("faster: speed-up"), "{text}");
    let out = taskscope(&[
        "compare",
        "--force",
        "--json",
        &dask,
        &sample("sum_threads2.json"),
        "--graph-a",
        &graph,
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&json["same_work"], &json["forced"]),
        (&false.into(), &true.into())
    );
    assert_eq!(json["faster"], "b", "ours takes 3 s where Dask took 4 s");
    assert!(json["speedup"].as_f64().unwrap() > 1.0);
}

#[test]
fn compare_refuses_a_speedup_between_different_work() {
    let Some(tree) = shared("dask/tree1024.taskstream.json") else {
        return;
    };
    let out = taskscope(&["compare", &sample("total_threads2.json"), &tree]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "A and B did different work: 7 of A's 7 tasks and 7 of B's 2,047 tasks found a partner"
        ),
        "{text}"
    );
    assert!(text.contains("--force"), "{text}");
    let out = taskscope(&["compare", "--json", &sample("total_threads2.json"), &tree]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["same_work"], false);
    assert!(json["speedup"].is_null() && json["parallel_efficiency"].is_null());
    assert!(
        json["critical_path_speedup"].is_null(),
        "B's dependencies were not recorded"
    );
}

#[test]
fn convert_writes_a_taskscope_file_from_a_dask_task_stream() {
    let (Some(stream), Some(graph)) = (
        shared("dask/xyz.taskstream.json"),
        shared("dask/xyz.graph.json"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("xyz.json");
    let out = taskscope(&[
        "convert",
        &stream,
        "--graph",
        &graph,
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let trace = Trace::open(&out_path).unwrap();
    assert_eq!(trace.meta().source, SourceFormat::Taskscope);
    assert_eq!(trace.graph().len(), 3);
    assert_eq!(trace.graph().edge_count(), 2);
}

#[test]
fn bad_input_exits_1_naming_the_file_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": }]}").unwrap();
    let out = taskscope(&["stats", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("broken.json"), "{err}");
    assert!(
        err.contains("broken.json:1:"),
        "the line and column are named: {err}"
    );
    assert!(err.contains("byte"), "the byte offset is named: {err}");

    let out = taskscope(&["stats", dir.path().join("missing.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing.json"));

    let out = taskscope(&["stats", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = taskscope(&["compare", "only-one.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_command_has_help() {
    for cmd in ["stats", "compare", "convert", "view"] {
        let out = taskscope(&[cmd, "--help"]);
        assert!(out.status.success());
        assert!(stdout(&out).contains("Usage"));
    }
}

#[test]
fn export_draws_the_graph_and_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("graph.svg");
    let dot = dir.path().join("graph.dot");
    let png = dir.path().join("timeline.png");
    let out = taskscope(&[
        "export",
        &sample("total_threads2.json"),
        "--graph",
        svg.to_str().unwrap(),
        "--timeline",
        png.to_str().unwrap(),
        "--critical-path",
        "--stats",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("graph: 14 nodes, 13 edges"),
        "Dask's task + output-box vocabulary: {text}"
    );
    assert!(text.contains("0 crossings"), "{text}");
    assert!(text.contains("timeline: 2 lanes, 7 spans"), "{text}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));

    let out = taskscope(&[
        "export",
        &sample("xyz_threads2.json"),
        "--graph",
        dot.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&dot).unwrap().contains("digraph"));

    // A timeline cannot be DOT, an unknown extension is named, and one output is required.
    let bad = dir.path().join("timeline.dot");
    let out = taskscope(&[
        "export",
        &sample("xyz_threads2.json"),
        "--timeline",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("timeline.dot"), "{}", stderr(&out));
    let out = taskscope(&["export", &sample("xyz_threads2.json")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn export_draws_a_dask_graph_file_with_its_trace() {
    let (Some(trace), Some(graph)) = (
        shared("dask/tree1024.profiler.json"),
        shared("dask/tree1024.graph.json"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("tree.svg");
    let out = taskscope(&[
        "export",
        &trace,
        "--graph-file",
        &graph,
        "--graph",
        svg.to_str().unwrap(),
        "--stats",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // 2,047 tasks are above the grouping threshold: one node per key prefix.
    let text = stdout(&out);
    assert!(text.contains("graph: "), "{text}");
    let nodes: usize = text
        .split("graph: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(nodes < 100, "collapsed into groups: {text}");
}

#[test]
fn stats_tells_unrecorded_dependencies_from_none_and_points_to_the_graph_file() {
    let (Some(dump), Some(graph)) = (
        shared("dask/sum.profiler.json"),
        shared("dask/sum.graph.json"),
    ) else {
        return;
    };
    let out = taskscope(&["stats", &dump]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("8 tasks, no dependencies recorded (pass the Dask graph dump with --graph-file GRAPH.json"),
        "{text}"
    );
    assert!(
        text.contains("Critical path: not known, the file recorded no dependencies"),
        "{text}"
    );
    assert!(!text.contains("ready from the start"), "{text}");
    assert!(!text.contains("no number of workers beats"), "{text}");
    assert!(text.contains("so this assumes independent tasks"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&taskscope(&["stats", "--json", &dump]).stdout).unwrap();
    assert_eq!(json["summary"]["dependencies"], "not_recorded");
    assert_eq!(json["critical_path"]["dependencies"], "not_recorded");

    // The graph file, by its one name and by the old spelling: 2 s path, 3× bound.
    for option in ["--graph-file", "--graph"] {
        let out = taskscope(&["stats", &dump, option, &graph]);
        assert!(out.status.success(), "{option}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("8 tasks, 7 dependencies"), "{text}");
        assert!(
            text.contains("2.00 s of 4.00 s wall time (50%); total work 6.00 s, so no number of workers beats 3.00× speed-up"),
            "{text}"
        );
    }
}

#[test]
fn nested_spans_count_once_in_the_work() {
    let Some(trace) = shared("fixtures/public-traces/catapult_simple_trace.json") else {
        return;
    };
    let json: serde_json::Value =
        serde_json::from_slice(&taskscope(&["stats", "--json", &trace]).stdout).unwrap();
    // 12 spans on 2 lanes busy for 66 µs in all, in a 52 µs run.
    assert_eq!(json["critical_path"]["total_work_ns"], 66_000);
    assert_eq!(json["concurrency"]["busy_ns"], 66_000);
    let names = json["names"].as_array().unwrap();
    let self_total: u64 = names.iter().map(|n| n["self_ns"].as_u64().unwrap()).sum();
    assert_eq!(self_total, 66_000);
}

#[test]
fn a_zero_length_run_has_words_for_undefined_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zero.json");
    std::fs::write(
        &path,
        r#"{"traceEvents":[{"ph":"X","name":"only","ts":5,"dur":0,"pid":1,"tid":1}]}"#,
    )
    .unwrap();
    let out = taskscope(&["stats", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("1 task, no dependencies recorded, 1 span on 1 lane"),
        "{text}"
    );
    assert!(text.contains("nothing to predict"), "{text}");
    for bad in [" - ", "NaN", "inf"] {
        assert!(!text.contains(bad), "{bad:?} in {text}");
    }
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    for json in [true, false] {
        let mut args = vec!["stats".to_owned()];
        if json {
            args.push("--json".to_owned());
        }
        args.push(sample("prod_chain_threads2.json"));
        // The reader is gone before anything is written, as `head` is after its lines:
        // the pipe's read end is closed before the program starts (closing it after the
        // start would race with the program filling the pipe's buffer and exiting 0).
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_taskscope"))
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(err.is_empty(), "nothing on stderr: {err}");
        assert_eq!(
            out.status.code(),
            Some(141),
            "the shell's status for SIGPIPE"
        );
    }
}

#[test]
fn a_converted_file_keeps_that_no_dependencies_were_recorded() {
    let Some(dump) = shared("dask/sum.profiler.json") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("sum.json");
    let out = taskscope(&["convert", &dump, "-o", out_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert!(written.contains(r#""dependencies":"not_recorded"}"#));
    // Read back, the statistics still say it, as they do for the dump itself.
    let text = stdout(&taskscope(&["stats", out_path.to_str().unwrap()]));
    assert!(
        text.contains("Critical path: not known, the file recorded no dependencies"),
        "{text}"
    );
}

#[test]
fn claims_from_flow_arrows_carry_their_assumption() {
    let Some(trace) = shared("fixtures/public-traces/perfetto_flow_events_json_v2.json") else {
        return;
    };
    let text = stdout(&taskscope(&["stats", &trace]));
    assert!(text.contains("dependencies (from flow arrows)"), "{text}");
    assert!(
        text.contains("Critical path (assuming the file's flow arrows are all its dependencies): "),
        "{text}"
    );
    assert!(
        text.contains(
            "longest path first; assuming the file's flow arrows are all its dependencies;"
        ),
        "{text}"
    );
}

#[test]
fn compare_gui_refuses_what_it_cannot_honour() {
    // No window opens: the options are refused before the viewer starts.
    let (a, b) = (sample("total_serial.json"), sample("total_threads2.json"));
    let out = taskscope(&["compare", "--gui", "--graph-file-a", &a, &a, &b]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--gui does not read graph files"),
        "{}",
        stderr(&out)
    );
    let out = taskscope(&["compare", "--gui", "--json", &a, &b]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("give one of them"),
        "{}",
        stderr(&out)
    );
}
