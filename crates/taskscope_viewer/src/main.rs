//! `taskscope`: the command line and desktop viewer.
//!
//! `taskscope FILE...` and `taskscope view FILE...` open the viewer. Further
//! subcommands are variants of [`Command`]; each dispatches to its own module.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use taskscope_viewer::{Demo, StartupOptions};

mod cli;

/// Lazy task graphs: see what happened.
#[derive(Debug, Parser)]
#[command(name = "taskscope", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// With no subcommand: trace files to open in the viewer.
    #[command(flatten)]
    view: ViewArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open trace files in the desktop viewer.
    View(ViewArgs),
    /// Summary, critical path, concurrency, per-name statistics and findings of a run.
    Stats(cli::stats::StatsArgs),
    /// Compare two runs (e.g. serial vs parallel): speed-up, efficiency, per-task changes.
    Compare(cli::compare::CompareArgs),
    /// Convert any readable trace (Chrome, Perfetto, Dask, Ray) to a taskscope trace file.
    Convert(cli::convert::ConvertArgs),
    /// Draw a trace's task graph (SVG, PNG, DOT) and/or its Gantt timeline (SVG, PNG).
    Export(cli::export::ExportArgs),
}

/// Options of the viewer.
#[derive(Debug, Args)]
struct ViewArgs {
    /// Trace files to open, one tab each.
    files: Vec<PathBuf>,

    /// Follow a trace file while it is written (repeatable): new spans appear as they
    /// arrive, with a progress panel; the tab becomes an ordinary one when the file is complete.
    #[arg(long, value_name = "FILE")]
    follow: Vec<PathBuf>,

    /// Open a built-in example (repeatable): diamond, layered, layered-serial, grouped.
    #[arg(long, value_name = "NAME", value_parser = ["diamond", "layered", "layered-serial", "grouped"])]
    demo: Vec<String>,

    /// Open a compare tab of two traces (A is the baseline).
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    compare: Option<Vec<PathBuf>>,

    /// Select the task with this key in the first trace opened.
    #[arg(long, value_name = "KEY")]
    select: Option<String>,

    /// Put the replay cursor at this fraction (0 to 1) of the first trace opened.
    #[arg(long, value_name = "FRACTION")]
    replay_at: Option<f64>,

    /// Colour theme (overrides the saved one).
    #[arg(long, value_parser = ["dark", "light"])]
    theme: Option<String>,

    /// Folder of sample traces listed on the start page (default: ./traces).
    #[arg(long, value_name = "DIR")]
    traces_dir: Option<PathBuf>,
}

impl ViewArgs {
    fn into_options(self) -> StartupOptions {
        let compare = self.compare.and_then(|v| match v.as_slice() {
            [a, b] => Some((a.clone(), b.clone())),
            _ => None,
        });
        StartupOptions {
            files: self.files,
            follow: self.follow,
            demos: self
                .demo
                .iter()
                .filter_map(|d| Demo::from_name(d))
                .collect(),
            compare,
            compare_options: taskscope_trace::analysis::CompareOptions::default(),
            select: self.select,
            replay_at: self.replay_at,
            dark: self.theme.map(|t| t == "dark"),
            traces_dir: self.traces_dir,
        }
    }
}

/// With nothing to open, `taskscope` (and so `cargo run` at the repository root) opens the
/// seed example's bundled traces: `total` on 2 threads, and its serial run against its
/// 4-thread run in a compare tab. The start page lists the rest.
fn with_samples(mut options: StartupOptions) -> StartupOptions {
    if !options.files.is_empty()
        || !options.follow.is_empty()
        || !options.demos.is_empty()
        || options.compare.is_some()
    {
        return options;
    }
    let dir = options
        .traces_dir
        .clone()
        .unwrap_or_else(taskscope_viewer::app::default_traces_dir);
    let threads2 = dir.join("total_threads2.json");
    if threads2.is_file() {
        options.files.push(threads2);
    }
    let (serial, parallel) = (
        dir.join("total_serial.json"),
        dir.join("total_parallel.json"),
    );
    if serial.is_file() && parallel.is_file() {
        options.compare = Some((serial, parallel));
    }
    options
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => taskscope_viewer::run(with_samples(cli.view.into_options())),
        Some(Command::View(args)) => taskscope_viewer::run(args.into_options()),
        Some(Command::Stats(args)) => cli::stats::run(&args),
        Some(Command::Compare(args)) if args.gui => {
            cli::compare::gui_options(args).and_then(taskscope_viewer::run)
        }
        Some(Command::Compare(args)) => cli::compare::run(&args),
        Some(Command::Convert(args)) => cli::convert::run(&args),
        Some(Command::Export(args)) => cli::export::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output has gone (`… | head`): stop quietly with the
        // status a shell reports for a process ended by SIGPIPE (128 + 13).
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::from(141),
        Err(e) => {
            eprintln!("taskscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}
