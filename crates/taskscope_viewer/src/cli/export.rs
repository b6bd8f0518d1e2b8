//! `taskscope export FILE --graph out.svg|png|dot --timeline out.svg|png`: drawings of a
//! trace's graph (Dask's `visualize()` look) and of its Gantt timeline, without Graphviz.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use taskscope_layout::{
    Arrows, ColorBy, GraphOptions, LayoutError, RankDir, TimelineOptions, export_graph,
    export_timeline, run_summary,
};
use taskscope_trace::analysis::critical_path;

use super::{open, print_out};

/// Options of `taskscope export`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // Each bool is an independent command-line flag.
#[command(group(ArgGroup::new("what").required(true).multiple(true).args(["graph", "timeline"])))]
pub struct ExportArgs {
    /// The trace file (any format the reader accepts).
    file: PathBuf,

    /// A Dask graph file giving the dependencies of a Dask trace.
    #[arg(long, value_name = "GRAPH.json")]
    graph_file: Option<PathBuf>,

    /// Draw the task graph into this file (.svg, .png or .dot).
    #[arg(long, value_name = "OUT")]
    graph: Option<PathBuf>,

    /// Draw the Gantt timeline into this file (.svg or .png).
    #[arg(long, value_name = "OUT")]
    timeline: Option<PathBuf>,

    /// Where inputs are drawn relative to their consumers.
    #[arg(long, value_enum, default_value_t = Direction::Bt)]
    direction: Direction,

    /// Tasks only, without Dask's output boxes.
    #[arg(long)]
    compact: bool,

    /// Draw every task even above the grouping threshold (1,000 tasks).
    #[arg(long)]
    full: bool,

    /// How graph nodes are filled.
    #[arg(long, value_enum, default_value_t = Fill::None)]
    color_by: Fill,

    /// Outline the critical path in the graph.
    #[arg(long)]
    critical_path: bool,

    /// Dependency arrows in the timeline.
    #[arg(long, value_enum, default_value_t = ArrowKind::None)]
    arrows: ArrowKind,

    /// A title (default: a summary of the run).
    #[arg(long)]
    title: Option<String>,

    /// Print the layout's statistics (edge crossings, layers, size).
    #[arg(long)]
    stats: bool,
}

/// Rank direction, as in Graphviz.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Direction {
    /// Inputs at the bottom (Dask's default).
    Bt,
    /// Inputs at the top.
    Tb,
    /// Inputs on the left.
    Lr,
    /// Inputs on the right.
    Rl,
}

/// Node fill.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Fill {
    /// White, as Dask draws them.
    None,
    /// By task name, in the viewer's colours (failed tasks in red).
    Name,
    /// By measured duration.
    Duration,
    /// By state (done, failed, not run).
    State,
    /// By the lane that ran the task.
    Lane,
}

/// Timeline arrows.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ArrowKind {
    /// No arrows.
    None,
    /// The trace's flow arrows.
    Flows,
    /// From each input's end to its consumer's start.
    Deps,
    /// Flows if the trace has any, else dependencies.
    Auto,
}

/// Runs `taskscope export`.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let trace = open(&args.file, args.graph_file.as_deref())?;
    let title = args.title.clone().unwrap_or_else(|| run_summary(&trace));
    if let Some(out) = &args.graph {
        let mut options = GraphOptions::default()
            .with_rank_dir(match args.direction {
                Direction::Bt => RankDir::BottomToTop,
                Direction::Tb => RankDir::TopToBottom,
                Direction::Lr => RankDir::LeftToRight,
                Direction::Rl => RankDir::RightToLeft,
            })
            .with_compact(args.compact)
            .with_full(args.full)
            .with_color_by(match args.color_by {
                Fill::None => ColorBy::None,
                Fill::Name => ColorBy::Name,
                Fill::Duration => ColorBy::Duration,
                Fill::State => ColorBy::State,
                Fill::Lane => ColorBy::Lane,
            })
            .with_title(title.clone());
        if args.critical_path {
            options = options.with_highlight(critical_path(&trace).steps.iter().map(|s| s.task));
        }
        let stats = match export_graph(trace.graph(), Some(&trace), out, &options) {
            // Too big to lay out: name the trace, and say what would help.
            Err(LayoutError::TooLarge(e)) => anyhow::bail!(
                "{}: cannot draw its task graph: {e}{}",
                args.file.display(),
                if args.full {
                    "; without --full, graphs over 1,000 tasks are drawn as key groups"
                } else {
                    ""
                }
            ),
            result => result?,
        };
        eprintln!("wrote {}", out.display());
        if args.stats {
            print_out(&format!("graph: {stats}\n"))?;
        }
    }
    if let Some(out) = &args.timeline {
        let options = TimelineOptions {
            arrows: match args.arrows {
                ArrowKind::None => Arrows::None,
                ArrowKind::Flows => Arrows::Flows,
                ArrowKind::Deps => Arrows::Dependencies,
                ArrowKind::Auto => Arrows::Auto,
            },
            title: Some(title),
            ..TimelineOptions::default()
        };
        let stats = export_timeline(&trace, out, &options)?;
        eprintln!("wrote {}", out.display());
        if args.stats {
            print_out(&format!("timeline: {stats}\n"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use taskscope_trace::{GraphBuilder, RunMeta, TaskId, TaskState, TraceBuilder};

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ExportArgs,
    }

    #[test]
    fn a_graph_too_big_to_lay_out_is_an_error_naming_the_trace() {
        // config-0, then 2,000 steps each using config-0 and the step before: drawn in
        // full, the edges from config-0 would need about 4 million dummy nodes.
        let mut g = GraphBuilder::new();
        let config = g
            .add_task("config-0", "config", [], TaskState::Done)
            .unwrap();
        let mut prev: Option<TaskId> = None;
        for i in 0..2_000 {
            let deps: Vec<TaskId> = std::iter::once(config).chain(prev).collect();
            prev = Some(
                g.add_task(&format!("step-{i}"), "step", deps, TaskState::Done)
                    .unwrap(),
            );
        }
        let trace = TraceBuilder::with_graph(RunMeta::default(), g.build().unwrap())
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("chain.json");
        trace.save(&file).unwrap();
        let out = dir.path().join("chain.svg");
        let export = |full: bool| {
            let mut argv = vec![
                "export".to_owned(),
                file.display().to_string(),
                "--graph".to_owned(),
                out.display().to_string(),
            ];
            if full {
                argv.push("--full".to_owned());
            }
            run(&Cli::try_parse_from(argv).unwrap().args)
        };
        let message = format!("{:#}", export(true).unwrap_err());
        assert!(
            message.contains("chain.json")
                && message.contains("2000000")
                && message.contains("--full"),
            "{message}"
        );
        assert!(!out.exists());
        // Grouped (two key groups), it draws.
        export(false).unwrap();
        assert!(out.exists());
    }
}
