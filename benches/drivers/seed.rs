//! Workload driver for `scripts/bench.sh`: the Dask tutorial's graphs (`examples/common/cases.rs`)
//! run sequentially and on 2 threads, several times each, with wall times printed as JSON lines
//! and the last run's traces saved for `taskscope compare`.
//!
//! Prints `{"case", "tasks", "system", "secs": [...], "trace"}` per case and scheduler.
//!
//! Usage: `TASKSCOPE_STEP_MS=50 cargo bench --bench seed -- OUT_DIR [--reps 3] [--workers 2]`

use std::time::Instant;

use taskscope::Scheduler;

#[path = "../../examples/common/cases.rs"]
#[allow(dead_code)] // The printing helpers there serve the `seed` and `tutorial` examples.
mod cases;

#[path = "args.rs"]
mod args;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let mut out = None;
    let mut reps = 3;
    let mut workers = 2;
    let Some(args) =
        args::driver_args("cargo bench --bench seed -- OUT_DIR [--reps N] [--workers N]")
    else {
        return Ok(());
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => reps = args.next().ok_or("--reps needs a value")?.parse()?,
            "--workers" => workers = args.next().ok_or("--workers needs a value")?.parse()?,
            dir => out = Some(std::path::PathBuf::from(dir)),
        }
    }
    let out = out.ok_or("usage: cargo bench --bench seed -- OUT_DIR [--reps N] [--workers N]")?;
    std::fs::create_dir_all(&out)?;
    let schedulers = [
        ("serial", Scheduler::sequential()),
        ("threads", Scheduler::threads(workers)),
    ];
    for (name, about, graph) in cases::cases() {
        let tasks = graph.graph()?.len();
        for (kind, scheduler) in &schedulers {
            let mut secs = Vec::with_capacity(reps);
            let mut last = None;
            for _ in 0..reps {
                let start = Instant::now();
                let run = graph.compute_with(scheduler)?;
                secs.push(start.elapsed().as_secs_f64());
                last = Some(run);
            }
            let mut run = last.ok_or("--reps must be at least 1")?;
            run.trace.meta_mut().title = Some(format!("{name} ({kind}): {about}"));
            let path = out.join(format!("{name}_{kind}.json"));
            run.trace.save(&path)?;
            let items: Vec<String> = secs.iter().map(|s| format!("{s:.6}")).collect();
            println!(
                "{{\"case\":\"{name}\",\"tasks\":{tasks},\"system\":\"taskscope_{kind}\",\"value\":{},\"secs\":[{}],\"trace\":\"{}\"}}",
                run.value,
                items.join(","),
                path.display()
            );
        }
    }
    Ok(())
}
