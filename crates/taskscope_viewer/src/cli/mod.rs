//! The command-line subcommands that do not open a window: `stats`, `compare`,
//! `convert`, `export`. Each reads any file the trace reader accepts, prints a
//! readable report (or `--json`), and returns an error naming the file on bad input.

use std::io::Write as _;
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

/// Writes `text` to standard output. A closed pipe (`taskscope stats … | head`) is
/// an `io::Error` of kind `BrokenPipe`, which `main` turns into a quiet exit
/// ([`is_broken_pipe`]), never a panic as `print!` would.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `value` as pretty JSON and a newline to standard output (see [`print_out`]).
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Whether `error` comes from writing to a pipe whose reader has gone: the program
/// then ends quietly, as Unix tools do.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
