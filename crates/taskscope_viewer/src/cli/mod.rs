//! The command-line subcommands that do not open a window: `stats`, `compare`,
//! `convert`, `export`. Each reads any file the trace reader accepts, prints a
//! readable report (or `--json`), and returns an error naming the file on bad input.

use std::path::{Path, PathBuf};

use clap::Args;
use taskscope_trace::Trace;

pub mod compare;
pub mod convert;
pub mod export;
pub mod stats;
mod table;

/// A trace file and, optionally, a graph file that goes with it (Dask graph dumps).
#[derive(Debug, Args)]
pub struct Input {
    /// The trace file (taskscope, Chrome/Perfetto JSON, Dask task stream or profiler, Ray timeline).
    pub file: PathBuf,

    /// A Dask graph file (`{"tasks": [{key, name, deps}]}`) giving the dependencies
    /// (`--graph` is an old spelling).
    #[arg(long = "graph-file", alias = "graph", value_name = "GRAPH.json")]
    pub graph: Option<PathBuf>,
}

/// Opens a trace (with its graph file, if given). Reader errors already name the file
/// and the position, so they are passed on as they are.
pub fn open(file: &Path, graph: Option<&Path>) -> anyhow::Result<Trace> {
    Ok(match graph {
        Some(graph) => Trace::open_with_graph(file, graph)?,
        None => Trace::open(file)?,
    })
}
