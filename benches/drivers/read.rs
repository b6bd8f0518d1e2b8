//! Workload driver for `scripts/bench.sh`: reading taskscope trace files.
//!
//! For each size N, runs a gather graph of N trivial tasks on 2 threads with tracing on
//! (N + 1 spans), saves the trace to `OUT_DIR/read_<N>.json`, then times `Trace::open`
//! on it and measures the resident memory the opened trace holds (VmRSS before and after).
//!
//! Prints `{"spans", "bytes", "path", "secs": [...], "rss_bytes"}` per size.
//!
//! Usage: `cargo bench --bench read -- OUT_DIR [--sizes 100000,1000000] [--reps 3]`

use std::hint::black_box;
use std::time::Instant;

use taskscope::trace::Trace;
use taskscope::{Delayed, Scheduler, combine};

#[path = "args.rs"]
mod args;

type BoxError = Box<dyn std::error::Error>;

/// Resident set size of this process in bytes, from /proc (None elsewhere).
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn main() -> Result<(), BoxError> {
    let mut out = None;
    let mut sizes = vec![100_000, 1_000_000];
    let mut reps = 3;
    let Some(args) =
        args::driver_args("cargo bench --bench read -- OUT_DIR [--sizes N,M] [--reps N]")
    else {
        return Ok(());
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => reps = args.next().ok_or("--reps needs a value")?.parse()?,
            "--sizes" => {
                sizes = args
                    .next()
                    .ok_or("--sizes needs a value")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            dir => out = Some(std::path::PathBuf::from(dir)),
        }
    }
    let out = out.ok_or("usage: cargo bench --bench read -- OUT_DIR [--sizes N,M] [--reps N]")?;
    std::fs::create_dir_all(&out)?;
    for n in sizes {
        let path = out.join(format!("read_{n}.json"));
        {
            let leaves: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("leaf", move || i))
                .collect();
            let graph = combine("gather", leaves, |v| v.into_iter().sum::<u64>());
            let run = graph.compute_with(&Scheduler::threads(2))?;
            run.trace.save(&path)?;
        }
        let bytes = std::fs::metadata(&path)?.len();
        black_box(Trace::open(&path)?); // warm the page cache
        let mut secs = Vec::with_capacity(reps);
        for _ in 0..reps {
            let start = Instant::now();
            let trace = Trace::open(&path)?;
            secs.push(start.elapsed().as_secs_f64());
            drop(black_box(trace));
        }
        let before = rss_bytes();
        let trace = Trace::open(&path)?;
        let after = rss_bytes();
        let spans = trace.spans().len();
        drop(black_box(trace));
        let rss = match (before, after) {
            (Some(b), Some(a)) => a.saturating_sub(b).to_string(),
            _ => "null".to_owned(),
        };
        let items: Vec<String> = secs.iter().map(|s| format!("{s:.6}")).collect();
        println!(
            "{{\"spans\":{spans},\"bytes\":{bytes},\"path\":\"{}\",\"secs\":[{}],\"rss_bytes\":{rss}}}",
            path.display(),
            items.join(",")
        );
    }
    Ok(())
}
