//! Workload driver for `scripts/bench.sh`: scheduling overhead with trivial tasks.
//!
//! The four shapes of `benches/engine.rs` (gather, chain, tree, mapreduce), each run
//! by taskscope on 2 threads with tracing on and off, by the sequential scheduler, and
//! by a bare dependency-counting executor on `crossbeam-deque` (the same baseline as
//! `benches/engine.rs`, copied here so the figures come from one process). Graph
//! building is timed separately. `taskscope_first` is the first compute of a freshly
//! built graph (traced), which also plans the graph; the other taskscope figures are
//! repeated computes of one graph.
//!
//! Prints one JSON object per line: `{"shape", "n", "tasks", "system", "secs": [...]}`.
//!
//! Usage: `cargo run --release --example bench_overhead -- [--shapes gather,chain]
//! [--sizes 10000,100000] [--reps 3] [--workers 2] [--only traced|untraced|first]`
//!
//! `--only` runs just that taskscope system `reps` times (for a profiler such as
//! `perf record`): `traced`/`untraced` repeat computes of one graph after a warm-up,
//! `first` computes a freshly built graph each time. With `TASKSCOPE_PERF_CTL=CTL_FIFO,ACK_FIFO`
//! (the fifos of `perf record -D -1 --control fifo:CTL_FIFO,ACK_FIFO`) it enables the
//! profiler around the timed computes only, so building and dropping graphs stay out of
//! the profile.

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

/// The control and ack fifos of `perf record --control` (see the module docs).
struct PerfControl {
    ctl: std::fs::File,
    ack: std::io::BufReader<std::fs::File>,
}

impl PerfControl {
    fn from_env() -> Result<Option<Self>, BoxError> {
        let Ok(spec) = std::env::var("TASKSCOPE_PERF_CTL") else {
            return Ok(None);
        };
        let (ctl, ack) = spec
            .split_once(',')
            .ok_or("TASKSCOPE_PERF_CTL needs CTL_FIFO,ACK_FIFO")?;
        let ctl = std::fs::OpenOptions::new().write(true).open(ctl)?;
        let ack = std::io::BufReader::new(std::fs::File::open(ack)?);
        Ok(Some(Self { ctl, ack }))
    }

    /// Sends `enable` or `disable` and waits for perf's acknowledgement.
    fn send(&mut self, command: &str) -> Result<(), BoxError> {
        use std::io::{BufRead, Write};
        writeln!(self.ctl, "{command}")?;
        self.ctl.flush()?;
        let mut line = String::new();
        self.ack.read_line(&mut line)?;
        Ok(())
    }
}

/// `--only SYSTEM`: runs one taskscope system `reps` times, nothing else (for a profiler).
fn only(
    system: &str,
    shape: &str,
    n: usize,
    reps: usize,
    schedulers: &[Scheduler; 3],
) -> Result<(), BoxError> {
    let [traced, untraced, _] = schedulers;
    let build = || shapes::build(shape, n).ok_or_else(|| format!("unknown shape {shape:?}"));
    let mut secs = Vec::with_capacity(reps);
    let graph = build()?;
    let scheduler = match system {
        "traced" | "first" => traced,
        "untraced" => untraced,
        other => {
            return Err(format!("--only {other:?}: expected traced, untraced or first").into());
        }
    };
    if system != "first" {
        black_box(graph.compute_with(scheduler)?.value);
    }
    let mut perf = PerfControl::from_env()?;
    for _ in 0..reps {
        let fresh = if system == "first" {
            Some(build()?)
        } else {
            None
        };
        let g = fresh.as_ref().unwrap_or(&graph);
        if let Some(p) = perf.as_mut() {
            p.send("enable")?;
        }
        let start = Instant::now();
        let run = g.compute_with(scheduler)?;
        secs.push(start.elapsed().as_secs_f64());
        if let Some(p) = perf.as_mut() {
            p.send("disable")?;
        }
        // Dropping the run (its trace) after the profiler is off: the timed figure of the
        // other systems includes it, the profile of the compute does not.
        black_box(run.value);
    }
    emit(
        shape,
        n,
        graph.graph()?.len(),
        &format!("only_{system}"),
        &secs,
    );
    Ok(())
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
    let mut secs: [Vec<f64>; 5] = Default::default();
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
        let fresh = shapes::build(shape, n).ok_or_else(|| format!("unknown shape {shape:?}"))?;
        let start = Instant::now();
        black_box(fresh.compute_with(traced)?.value);
        secs[4].push(start.elapsed().as_secs_f64());
        drop(fresh);
    }
    let names = [
        "baseline",
        "taskscope",
        "taskscope_untraced",
        "taskscope_sequential",
        "taskscope_first",
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
    let mut only_system: Option<String> = None;
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
            "--only" => only_system = Some(value),
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
            let result = match &only_system {
                Some(system) => only(system, shape, n, reps, &schedulers),
                None => case(shape, n, reps, workers, &schedulers),
            };
            if let Err(e) = result {
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
