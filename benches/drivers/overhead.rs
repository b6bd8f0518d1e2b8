//! Workload driver for `scripts/bench.sh`: scheduling overhead with trivial tasks.
//!
//! The four shapes of `benches/engine.rs` (gather, chain, tree, mapreduce), each run
//! by taskscope on 2 threads with tracing on and off, by the sequential scheduler, by
//! the lean continuation-passing executor of `benches/support/bare.rs` (the baseline),
//! and by rayon (`scope` + `spawn` with the same dependency counting), all in one
//! process, interleaved repetition by repetition. Graph building is timed separately.
//! `taskscope_first` is the first compute of a freshly built graph (traced), which
//! also plans the graph; `taskscope_e2e` is building a fresh graph, its first compute
//! and saving its trace to a temporary file with `Run::save_trace` (what Taskflow's and
//! oneTBB's build + run are compared with); the other taskscope figures are repeated computes of one graph.
//!
//! Prints one JSON object per line: `{"shape", "n", "tasks", "system", "secs": [...]}`.
//!
//! Usage: `cargo bench --bench overhead -- [--shapes gather,chain]
//! [--sizes 10000,100000] [--reps 3] [--workers 2] [--only traced|untraced|first|save|psave|write|e2e]`
//! (a `[[bench]]` without the test harness: with no arguments it prints this usage,
//! so a plain `cargo bench` does not start a long run).
//!
//! `--only` runs just that taskscope system `reps` times (for a profiler such as
//! `perf record`): `traced`/`untraced` repeat computes of one graph after a warm-up,
//! `first` computes a freshly built graph each time, `save` saves the trace of one traced
//! compute to a temporary file (`Trace::save`: formatting, writing, syncing, renaming on one
//! thread), `psave` does the same with `Run::save_trace` (encoding on all cores while writing),
//! `write` formats it into `io::sink()` (`Trace::write_to`: formatting alone), `e2e` builds
//! a graph, computes it and saves its trace. With `TASKSCOPE_PERF_CTL=CTL_FIFO,ACK_FIFO`
//! (the fifos of `perf record -D -1 --control fifo:CTL_FIFO,ACK_FIFO`) it enables the
//! profiler around the timed computes only, so building and dropping graphs stay out of
//! the profile.

use std::hint::black_box;
use std::time::Instant;

use taskscope::Scheduler;

#[path = "args.rs"]
mod args;

type BoxError = Box<dyn std::error::Error>;

#[path = "../support/shapes.rs"]
mod shapes;

#[path = "../support/bare.rs"]
mod bare;
use bare::BareGraph;

/// rayon as a peer: the same graph arrays and dependency counting as the baseline,
/// with every ready task a `Scope::spawn`.
mod rayon_peer {
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    use super::bare::BareGraph;

    /// Runs every task of `graph` on `pool`; returns the last task's value.
    pub fn run(pool: &rayon::ThreadPool, graph: &BareGraph) -> u64 {
        let n = graph.len();
        let pending: Vec<AtomicU32> = (0..n)
            .map(|t| AtomicU32::new(graph.deps_of(t).len() as u32))
            .collect();
        let values: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
        let state = State {
            graph,
            pending: &pending,
            values: &values,
        };
        pool.scope(|s| {
            for &root in graph.roots() {
                let state = &state;
                s.spawn(move |s| state.task(s, root));
            }
        });
        values.last().map_or(0, |v| v.load(Ordering::Relaxed))
    }

    struct State<'a> {
        graph: &'a BareGraph,
        pending: &'a [AtomicU32],
        values: &'a [AtomicU64],
    }

    impl State<'_> {
        fn task<'s>(&'s self, s: &rayon::Scope<'s>, t: u32) {
            let t = t as usize;
            let mut v = 1u64;
            for &d in self.graph.deps_of(t) {
                v = v.wrapping_add(self.values[d as usize].load(Ordering::Relaxed));
            }
            self.values[t].store(v, Ordering::Relaxed);
            for &u in self.graph.users_of(t) {
                if self.pending[u as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                    s.spawn(move |s| self.task(s, u));
                }
            }
        }
    }
}

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
        "traced" | "first" | "save" | "psave" | "write" | "e2e" => traced,
        "untraced" => untraced,
        other => {
            return Err(format!(
                "--only {other:?}: expected traced, untraced, first, save, psave, write or e2e"
            )
            .into());
        }
    };
    let mut perf = PerfControl::from_env()?;
    if matches!(system, "save" | "psave" | "write" | "e2e") {
        let run = graph.compute_with(scheduler)?;
        let trace = &run.trace;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("run.json");
        for _ in 0..reps {
            let fresh = if system == "e2e" { None } else { Some(trace) };
            if let Some(p) = perf.as_mut() {
                p.send("enable")?;
            }
            let start = Instant::now();
            match fresh {
                Some(trace) if system == "write" => trace.write_to(std::io::sink())?,
                Some(_) if system == "psave" => run.save_trace(&path)?,
                Some(trace) => trace.save(&path)?,
                None => build()?.compute_with(scheduler)?.save_trace(&path)?,
            }
            secs.push(start.elapsed().as_secs_f64());
            if let Some(p) = perf.as_mut() {
                p.send("disable")?;
            }
        }
        emit(
            shape,
            n,
            trace.graph().len(),
            &format!("only_{system}"),
            &secs,
        );
        return Ok(());
    }
    if system != "first" {
        black_box(graph.compute_with(scheduler)?.value);
    }
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
    let mut secs: [Vec<f64>; 7] = Default::default();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()?;
    let save_dir = tempfile::tempdir()?;
    let save_path = save_dir.path().join("run.json");
    let rayon_value = rayon_peer::run(&pool, &bare);
    let bare_value = bare.run(workers);
    if rayon_value != bare_value {
        return Err(format!(
            "{shape}/{n}: rayon computed {rayon_value}, the baseline {bare_value}"
        )
        .into());
    }
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
        let start = Instant::now();
        black_box(rayon_peer::run(&pool, &bare));
        secs[5].push(start.elapsed().as_secs_f64());
    }
    // End to end, as a new user pays it: build, first compute, save the trace. Not
    // interleaved with the others: writing a file this large (hundreds of megabytes at
    // 10^6 tasks) slows whatever runs next on this machine, up to 3× (measured on the
    // baseline, 2026-12-07), so the repetitions of the other systems never follow one.
    for _ in 0..reps {
        let start = Instant::now();
        let fresh = shapes::build(shape, n).ok_or_else(|| format!("unknown shape {shape:?}"))?;
        let run = fresh.compute_with(traced)?;
        run.save_trace(&save_path)?;
        secs[6].push(start.elapsed().as_secs_f64());
        drop((run, fresh));
    }
    let names = [
        "baseline",
        "taskscope",
        "taskscope_untraced",
        "taskscope_sequential",
        "taskscope_first",
        "rayon",
        "taskscope_e2e",
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
    let Some(args) = args::driver_args(
        "cargo bench --bench overhead -- [--shapes S,..] [--sizes N,..] [--reps R] [--workers W] [--only SYSTEM]",
    ) else {
        return Ok(());
    };
    let mut args = args.into_iter();
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
