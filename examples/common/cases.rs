//! The Dask tutorial's graphs, shared by the `seed` and `tutorial` examples.
//!
//! Every `inc` and `add` task sleeps for one step (1 s by default, as in the
//! tutorial); the reducing operations (`+` and `*` on delayed values, and the one
//! `prod` task) are instant — as Python's `operator.add`/`operator.mul` and
//! `np.prod` are in the Dask measurements.

use std::error::Error;
use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

use taskscope::{Delayed, Scheduler, delayed};

/// How long each `inc`/`add`/`prod` task sleeps, in ms (`TASKSCOPE_STEP_MS`, default 1000).
pub fn step_ms() -> u64 {
    std::env::var("TASKSCOPE_STEP_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// Where a case's traces go: `traces/`, the bundled teaching traces, at the default step;
/// `traces/step<MS>ms/` at another (a quick run does not replace the bundled files).
pub fn traces_dir() -> String {
    match step_ms() {
        1000 => "traces".to_owned(),
        ms => format!("traces/step{ms}ms"),
    }
}

fn step() {
    sleep(Duration::from_millis(step_ms()));
}

fn inc(x: i64) -> i64 {
    step();
    x + 1
}

fn add(x: i64, y: i64) -> i64 {
    step();
    x + y
}

/// `np.prod` as one task over all inputs (instant, like numpy's).
fn prod(values: Vec<i64>) -> i64 {
    values.into_iter().product()
}

/// The tutorial's cases: name, what it shows, and the graph.
pub fn cases() -> Vec<(&'static str, &'static str, Delayed<i64>)> {
    let z = delayed!(add(delayed!(inc(1)), delayed!(inc(2))));
    let z2 = delayed!(add(delayed!(inc(3)), delayed!(inc(4))));
    let data = [3_i64, 8, 1, 4, 2, 9, 4, 6];
    let incs = || data.iter().map(|&x| delayed!(inc(x))).collect::<Vec<_>>();
    vec![
        ("xyz", "x = inc(1); y = inc(2); z = add(x, y)", z.clone()),
        (
            "total",
            "total = add(z, z2): 4 incs, 3 adds",
            delayed!(add(z.clone(), z2.clone())),
        ),
        (
            "total_plus",
            "total_plus = z + z2: the last add is an instant operator task",
            &z + &z2,
        ),
        (
            "sum",
            "[z, z2].into_iter().sum(): the chain Python's sum() builds",
            [z.clone(), z2.clone()].into_iter().sum(),
        ),
        (
            "prod_chain",
            "product over 8 delayed incs: a chain of 7 muls, as np.prod builds",
            incs().into_iter().product(),
        ),
        (
            "prod_one",
            "one prod task over 8 delayed incs: delayed(np.prod)(list)",
            taskscope::combine("prod", incs(), prod),
        ),
    ]
}

/// How the runs are watched while they go (the tutorial's `--progress` and `--stream FILE`).
#[derive(Clone, Debug, Default)]
pub struct Watch {
    /// A progress bar on stderr (on a terminal, for computes over 0.5 s).
    pub progress: bool,
    /// Stream each run's trace to this file (each compute replaces it).
    pub stream: Option<PathBuf>,
}

impl Watch {
    fn apply(&self, scheduler: Scheduler) -> Scheduler {
        let scheduler = scheduler.progress(self.progress);
        match &self.stream {
            Some(path) => scheduler.stream_to(path),
            None => scheduler,
        }
    }
}

/// Runs one case serially and on `workers` threads, saves both traces into
/// [`traces_dir`] (`<name>_serial.json`, `<name>_threads<workers>.json`),
/// and returns the two wall times in seconds.
pub fn run_case(
    name: &str,
    about: &str,
    graph: &Delayed<i64>,
    workers: usize,
    watch: &Watch,
) -> Result<(f64, f64), Box<dyn Error>> {
    let dir = traces_dir();
    std::fs::create_dir_all(&dir)?;
    let mut walls = [0.0; 2];
    let schedulers = [Scheduler::sequential(), Scheduler::threads(workers)].map(|s| watch.apply(s));
    let mut values = Vec::new();
    let kinds = ["serial".to_owned(), format!("threads{workers}")];
    for (i, (scheduler, kind)) in schedulers.iter().zip(&kinds).enumerate() {
        let mut run = graph.compute_with(scheduler)?;
        run.trace.meta_mut().title = Some(format!("{name} ({kind}): {about}"));
        walls[i] = run.trace.wall_ns() as f64 / 1e9;
        let path = format!("{dir}/{name}_{kind}.json");
        run.trace.save(&path)?;
        values.push(run.value);
    }
    if values.windows(2).any(|w| w[0] != w[1]) {
        return Err(format!("{name}: serial and parallel runs disagree: {values:?}").into());
    }
    Ok((walls[0], walls[1]))
}

/// Runs the cases whose names are in `only` (all when empty) and prints a table.
pub fn run_cases(only: &[String], workers: usize, watch: &Watch) -> Result<(), Box<dyn Error>> {
    let threads = format!("{workers} thr s");
    println!("{:<11} {:>9} {threads:>11}  graph", "example", "serial s");
    for (name, about, graph) in cases() {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let (serial, parallel) = run_case(name, about, &graph, workers, watch)?;
        println!("{name:<11} {serial:>9.2} {parallel:>11.2}  {about}");
    }
    let dir = traces_dir();
    println!(
        "traces written to {dir}/<example>_serial.json and {dir}/<example>_threads{workers}.json"
    );
    Ok(())
}
