//! `taskscope convert IN -o OUT.json`: any readable input to a taskscope trace file.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::{Input, open};

/// Options of `taskscope convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    input: Input,

    /// Where to write the taskscope trace file (written atomically).
    #[arg(short, long, value_name = "OUT.json")]
    output: PathBuf,
}

/// Runs `taskscope convert`.
pub fn run(args: &ConvertArgs) -> anyhow::Result<()> {
    let trace = open(&args.input.file, args.input.graph.as_deref())?;
    trace
        .save(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "wrote {} ({} tasks, {} spans, {} lanes, from a {})",
        args.output.display(),
        trace.graph().len(),
        trace.spans().len(),
        trace.lanes().len(),
        trace.meta().source.as_str()
    );
    Ok(())
}
