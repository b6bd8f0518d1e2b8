//! The Dask tutorial's cases one by one: `total`, `total_plus`, `sum`, the product over
//! `[3, 8, 1, 4, 2, 9, 4, 6]` as a chain (`prod_chain`) and as one task (`prod_one`).
//!
//! Each case runs sequentially and on N threads; traces go to
//! `traces/<case>_serial.json` and `traces/<case>_threads<N>.json` (the bundled ones), or
//! with another `TASKSCOPE_STEP_MS` than 1000 to `traces/step<MS>ms/`.
//!
//! Usage: `cargo run --release --example tutorial -- [CASE...] [--threads N] [--progress]
//! [--stream FILE]` (`TASKSCOPE_STEP_MS` sets the sleep per task, default 1000).
//!
//! `--progress` draws a progress bar on stderr while each compute runs (on a terminal, for
//! computes over 0.5 s); `--stream FILE` writes each compute's trace to FILE while it runs
//! (each compute replaces it; `Trace::open` reads it at any moment), e.g.
//! `TASKSCOPE_STEP_MS=300 cargo run --release --example tutorial -- total --threads 2 --progress --stream live.json`.

#[path = "common/cases.rs"]
mod cases;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut only = Vec::new();
    let mut workers = 2;
    let mut watch = cases::Watch::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                workers = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--threads needs a number")?;
            }
            "--progress" => watch.progress = true,
            "--stream" => {
                watch.stream = Some(args.next().ok_or("--stream needs a file name")?.into());
            }
            "--help" | "-h" => {
                println!(
                    "usage: tutorial [CASE...] [--threads N] [--progress] [--stream FILE]\ncases:"
                );
                for (name, about, _) in cases::cases() {
                    println!("  {name:<11} {about}");
                }
                return Ok(());
            }
            case => only.push(case.to_owned()),
        }
    }
    let known: Vec<&str> = cases::cases().iter().map(|c| c.0).collect();
    if let Some(bad) = only.iter().find(|o| !known.contains(&o.as_str())) {
        return Err(format!("unknown case {bad:?}; cases: {}", known.join(", ")).into());
    }
    cases::run_cases(&only, workers, &watch)
}
