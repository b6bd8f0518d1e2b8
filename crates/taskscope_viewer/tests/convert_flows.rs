//! `taskscope convert` output shows every dependency as an arrow in Perfetto and Chrome
//! DevTools (their flow-binding rules replayed by `taskscope_test_support::viewer_flows`),
//! on the real Dask task streams and profiler results in `../shared/dask`.

#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

use std::path::PathBuf;
use std::process::Command;

use taskscope_test_support::viewer_flows::check;

/// `../shared/dask` beside the repository (as CI lays it out), or under
/// `TASKSCOPE_SHARED_DIR` when set (a work tree elsewhere).
fn shared_dask() -> Option<PathBuf> {
    let shared = std::env::var_os("TASKSCOPE_SHARED_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    );
    let dir = shared.join("dask");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!("skipping: {} not found", dir.display());
        None
    }
}

/// Per converted file: dependencies with both tasks run, and how many of them Perfetto
/// and DevTools draw as arrows (from the replays; the inputs are fixed, so are these).
///
/// Dask's profiler records tasks of one thread that overlap without nesting (409 pairs in
/// `tree1024.profiler.json`), and the distributed task stream of `tree1024` has some
/// too, and clocks that put a consumer's start before its producer's. Perfetto moves a
/// slice that overlaps another on its thread to an overflow track, where flow events
/// cannot reach it, so their arrows land on the overlapped slice; DevTools draws an
/// arrow from the earlier start. Everywhere else both draw every dependency.
const EXPECTED: [(&str, &str, usize, usize, usize); 8] = [
    ("xyz", "taskstream", 2, 2, 2),
    ("xyz", "profiler", 2, 2, 2),
    ("sum", "taskstream", 7, 7, 7),
    ("sum", "profiler", 7, 6, 7),
    ("prod_chain", "taskstream", 14, 14, 14),
    ("prod_chain", "profiler", 14, 11, 14),
    ("tree1024", "taskstream", 2046, 1975, 2044),
    ("tree1024", "profiler", 2046, 1439, 2046),
];

#[test]
fn converted_dask_runs_show_their_dependencies() {
    let Some(dir) = shared_dask() else {
        return;
    };
    let out_dir = tempfile::tempdir().unwrap();
    for (case, kind, dependencies, perfetto, devtools) in EXPECTED {
        let input = dir.join(format!("{case}.{kind}.json"));
        let graph = dir.join(format!("{case}.graph.json"));
        let out = out_dir.path().join(format!("{case}.{kind}.taskscope.json"));
        let status = Command::new(env!("CARGO_BIN_EXE_taskscope"))
            .args(["convert", input.to_str().unwrap(), "--graph"])
            .args([graph.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let result = check(&std::fs::read(&out).unwrap(), &format!("{case}.{kind}")).unwrap();
        assert_eq!(
            (
                result.dependencies,
                result.perfetto.matching,
                result.devtools.matching
            ),
            (dependencies, perfetto, devtools),
            "{result}"
        );
        let exact = perfetto == dependencies && devtools == dependencies;
        assert_eq!(result.is_exact(), exact, "{result}");
        // Every broken rule is the data's: overlapping spans, or a consumer that started
        // before its producer (its `f` comes before the `s`).
        assert!(
            result
                .problems
                .iter()
                .all(|p| p.contains("overlaps") || p.contains("no flow start")),
            "{result}"
        );
    }
}
