//! Writes a fresh trace for the viewer-flow checks: the [`mesh`] graph of N tasks
//! (default 10,000; every task feeds two others) run on 2 threads, saved to PATH.
//!
//! Usage: `cargo run --example flows_trace -- PATH [--tasks N]`; `scripts/test.sh`
//! runs it and then `scripts/check_flows_node.sh` on the file.

#[path = "common/mesh.rs"]
mod mesh;

use taskscope::Scheduler;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let mut path = None;
    let mut tasks = 10_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tasks" => tasks = args.next().ok_or("--tasks needs a value")?.parse()?,
            other => path = Some(std::path::PathBuf::from(other)),
        }
    }
    let path = path.ok_or("usage: flows_trace PATH [--tasks N]")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let graph = mesh::mesh(tasks);
    let mut run = graph.compute_with(&Scheduler::threads(2))?;
    run.trace.meta_mut().title = Some(format!("mesh of {tasks} tasks"));
    run.trace.save(&path)?;
    println!(
        "{}: {} tasks, {} spans",
        path.display(),
        run.trace.graph().len(),
        run.trace.spans().len()
    );
    Ok(())
}
