//! Workload driver for `scripts/bench.sh`: scheduling overhead with trivial tasks.
//!
//! The four shapes of `benches/engine.rs` (gather, chain, tree, mapreduce), each run
//! by taskscope on 2 threads with tracing on and off, by the sequential scheduler, and
//! by a bare dependency-counting executor on `crossbeam-deque` (the same baseline as
//! `benches/engine.rs`, copied here so the figures come from one process). Graph
//! building is timed separately.
//!
//! Prints one JSON object per line: `{"shape", "n", "tasks", "system", "secs": [...]}`.
//!
//! Usage: `cargo run --release --example bench_overhead -- [--shapes gather,chain]
//! [--sizes 10000,100000] [--reps 3] [--workers 2]`

use std::hint::black_box;
use std::time::Instant;

use taskscope::Scheduler;

type BoxError = Box<dyn std::error::Error>;

#[path = "../benches/support/shapes.rs"]
mod shapes;

#[path = "../benches/support/bare.rs"]
mod bare;
use bare::BareGraph;

fn list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:.9}")).collect();
    format!("[{}]", items.join(","))
}

fn emit(shape: &str, n: usize, tasks: usize, system: &str, secs: &[f64]) {
    println!(
        "{{\"shape\":\"{shape}\",\"n\":{n},\"tasks\":{tasks},\"system\":\"{system}\",\"secs\":{}}}",
        list(secs)
    );
}

/// Measures one shape and size; prints its JSON lines.
fn case(
    shape: &str,
    n: usize,
    reps: usize,
    workers: usize,
    schedulers: &[Scheduler; 3],
) -> Result<(), BoxError> {
    let [traced, untraced, sequential] = schedulers;
    // Building: a fresh graph per repetition; dropping it is not timed.
    let mut build_secs = Vec::with_capacity(reps);
    let mut graph = shapes::build(shape, n).ok_or_else(|| format!("unknown shape {shape:?}"))?;
    for _ in 0..reps {
        drop(graph);
        let start = Instant::now();
        graph = shapes::build(shape, n).ok_or_else(|| format!("unknown shape {shape:?}"))?;
        build_secs.push(start.elapsed().as_secs_f64());
    }
    let tasks = graph.graph()?.len();
    emit(shape, n, tasks, "build", &build_secs);
    let bare = BareGraph::shape(shape, n).ok_or_else(|| format!("unknown shape {shape:?}"))?;
    if bare.len() != tasks {
        return Err(format!(
            "{shape}/{n}: baseline has {} tasks, taskscope {tasks}",
            bare.len()
        )
        .into());
    }
    // Interleave the systems repetition by repetition, so load spikes on this
    // shared machine hit all of them alike.
    let mut secs: [Vec<f64>; 4] = Default::default();
    black_box(bare.run(workers));
    black_box(graph.compute_with(traced)?.value);
    black_box(graph.compute_with(untraced)?.value);
    black_box(graph.compute_with(sequential)?.value);
    for _ in 0..reps {
        let start = Instant::now();
        black_box(bare.run(workers));
        secs[0].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(graph.compute_with(traced)?.value);
        secs[1].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(graph.compute_with(untraced)?.value);
        secs[2].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(graph.compute_with(sequential)?.value);
        secs[3].push(start.elapsed().as_secs_f64());
    }
    let names = [
        "baseline",
        "taskscope",
        "taskscope_untraced",
        "taskscope_sequential",
    ];
    for (name, s) in names.iter().zip(&secs) {
        emit(shape, n, tasks, name, s);
    }
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let mut shapes = vec![
        "gather".to_owned(),
        "chain".to_owned(),
        "tree".to_owned(),
        "mapreduce".to_owned(),
    ];
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    let mut reps = 3;
    let mut workers = 2;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--shapes" => shapes = value.split(',').map(str::to_owned).collect(),
            "--sizes" => {
                sizes = value.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "--reps" => reps = value.parse()?,
            "--workers" => workers = value.parse()?,
            other => return Err(format!("unknown option {other:?}").into()),
        }
    }
    let traced = Scheduler::threads(workers);
    let untraced = Scheduler::threads(workers).tracing(false);
    let sequential = Scheduler::sequential().tracing(false);
    let mut failed = false;
    let schedulers = [traced, untraced, sequential];
    for shape in &shapes {
        for &n in &sizes {
            if let Err(e) = case(shape, n, reps, workers, &schedulers) {
                // Only the message: a failed run's error carries its whole (partial) trace.
                let mut message: String = e.to_string().chars().take(300).collect();
                message = message.replace('\\', "\\\\").replace('"', "\\\"");
                println!(
                    "{{\"shape\":\"{shape}\",\"n\":{n},\"system\":\"error\",\"message\":\"{message}\"}}"
                );
                eprintln!("{shape}/{n}: {message}");
                failed = true;
            }
        }
    }
    if failed {
        return Err("some cases failed (see the error lines)".into());
    }
    Ok(())
}
