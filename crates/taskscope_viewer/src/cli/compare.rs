//! `taskscope compare A B`: two runs of (typically) the same graph side by side.

use std::path::PathBuf;

use std::fmt::Write as _;

use clap::Args;
use taskscope_trace::analysis::{
    CompareOptions, Comparison, compare_with, format_duration_ns as dur,
};
use taskscope_viewer::StartupOptions;

use super::table::Table;
use super::{open, print_json, print_out};

/// Options of `taskscope compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first run (the baseline, e.g. the serial one).
    pub a: PathBuf,
    /// The second run (e.g. the parallel one).
    pub b: PathBuf,

    /// A Dask graph file giving A's dependencies (`--graph-a` is an old spelling).
    #[arg(long = "graph-file-a", alias = "graph-a", value_name = "GRAPH.json")]
    pub graph_a: Option<PathBuf>,

    /// A Dask graph file giving B's dependencies (`--graph-b` is an old spelling).
    #[arg(long = "graph-file-b", alias = "graph-b", value_name = "GRAPH.json")]
    pub graph_b: Option<PathBuf>,

    /// Print machine-readable JSON instead of tables.
    #[arg(long)]
    pub json: bool,

    /// Give the speed-up and efficiency even when the runs did different work
    /// (the output says it was forced).
    #[arg(long)]
    pub force: bool,

    /// Open the comparison in the viewer's compare tab instead of printing it.
    #[arg(long)]
    pub gui: bool,

    /// How many per-task changes to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

/// The viewer's start-up options for `taskscope compare --gui`: a compare tab of A and B
/// with `--force` passed on. The compare tab opens files on its own, so the options
/// it cannot honour are refused rather than ignored.
pub fn gui_options(args: CompareArgs) -> anyhow::Result<StartupOptions> {
    if args.graph_a.is_some() || args.graph_b.is_some() {
        anyhow::bail!(
            "--gui does not read graph files yet: convert the run first \
             (`taskscope convert RUN --graph-file GRAPH.json -o RUN.taskscope.json`) \
             and compare the converted file"
        );
    }
    if args.json {
        anyhow::bail!("--json prints to the terminal and --gui opens a window: give one of them");
    }
    Ok(StartupOptions {
        compare: Some((args.a, args.b)),
        compare_options: CompareOptions { force: args.force },
        ..StartupOptions::default()
    })
}

/// Runs `taskscope compare` (without `--gui`).
pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let a = open(&args.a, args.graph_a.as_deref())?;
    let b = open(&args.b, args.graph_b.as_deref())?;
    let comparison = compare_with(&a, &b, &CompareOptions { force: args.force });
    if args.json {
        print_json(&comparison)?;
    } else {
        print_out(&render(
            &comparison,
            &args.a.display().to_string(),
            &args.b.display().to_string(),
            args.top,
        ))?;
    }
    Ok(())
}

fn render(c: &Comparison, a_name: &str, b_name: &str, top: usize) -> String {
    // The verdict first: whether the runs did the same work decides what follows.
    let mut out = c.verdict();
    if !c.same_work && !c.forced {
        out.push_str(" (--force gives them anyway.)");
    }
    out.push_str("\n\n");
    let mut runs = Table::new(&[
        "run",
        "workers",
        "tasks",
        "wall time",
        "total work",
        "critical path",
    ]);
    for (label, name, r) in [("A ", a_name, &c.a), ("B ", b_name, &c.b)] {
        runs.row(vec![
            format!("{}{name}", label),
            r.workers.to_string(),
            r.tasks.to_string(),
            dur(r.wall_ns),
            dur(r.total_work_ns),
            if r.dependencies_known {
                dur(r.critical_path_ns)
            } else {
                "not known (no dependencies recorded)".to_owned()
            },
        ]);
    }
    out.push_str(&runs.render());
    out.push('\n');
    let _ = writeln!(
        out,
        "Tasks matched: {} by key, {} by name and order; {} only in A, {} only in B",
        c.matched_by_key, c.matched_by_name, c.only_in_a, c.only_in_b
    );
    let _ = writeln!(
        out,
        "Task time lost in B: {}, gained: {}",
        dur(c.total_slowdown_ns),
        dur(c.total_speedup_ns)
    );
    if !c.top_slowdowns.is_empty() {
        let _ = writeln!(
            out,
            "\nThe slowdowns that explain most of it ({} of {}):",
            dur(c.top_slowdowns_ns),
            dur(c.total_slowdown_ns)
        );
        let mut t = Table::new(&["task", "key in B", "A", "B", "change"]);
        for ch in c.top_slowdowns.iter().take(top) {
            t.row(vec![
                ch.name.clone(),
                ch.b_key.clone(),
                dur(ch.a_duration_ns),
                dur(ch.b_duration_ns),
                format!("+{}", dur(ch.change_ns.unsigned_abs())),
            ]);
        }
        for line in t.render().lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
