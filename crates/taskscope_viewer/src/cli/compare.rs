//! `taskscope compare A B`: two runs of (typically) the same graph side by side.

use std::path::PathBuf;

use std::fmt::Write as _;

use clap::Args;
use taskscope_trace::analysis::{
    CompareOptions, Comparison, compare_with, format_duration_ns as dur,
};

use super::open;
use super::table::Table;

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

/// Runs `taskscope compare` (without `--gui`).
pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let a = open(&args.a, args.graph_a.as_deref())?;
    let b = open(&args.b, args.graph_b.as_deref())?;
    let comparison = compare_with(&a, &b, &CompareOptions { force: args.force });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
    } else {
        print!(
            "{}",
            render(
                &comparison,
                &args.a.display().to_string(),
                &args.b.display().to_string(),
                args.top
            )
        );
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
            dur(r.critical_path_ns),
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
