//! `taskscope export FILE --graph out.svg|png|dot --timeline out.svg|png`: drawings of a
//! trace's graph (Dask's `visualize()` look) and of its Gantt timeline, without Graphviz.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use taskscope_layout::{
    Arrows, ColorBy, GraphOptions, RankDir, TimelineOptions, export_graph, export_timeline,
    run_summary,
};
use taskscope_trace::analysis::critical_path;

use super::open;

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
                Fill::Duration => ColorBy::Duration,
                Fill::State => ColorBy::State,
                Fill::Lane => ColorBy::Lane,
            })
            .with_title(title.clone());
        if args.critical_path {
            options = options.with_highlight(critical_path(&trace).steps.iter().map(|s| s.task));
        }
        let stats = export_graph(trace.graph(), Some(&trace), out, &options)?;
        eprintln!("wrote {}", out.display());
        if args.stats {
            println!("graph: {stats}");
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
            println!("timeline: {stats}");
        }
    }
    Ok(())
}
