//! The teaching example: `inc(1)`, `inc(2)`, `add(x, y)` with a 1 s sleep each take
//! 3 s in sequence and 2 s as a delayed graph. Then the tutorial's other cases,
//! each run serially and on 2 threads, with their traces written into `traces/`.
//!
//! Run: `cargo run --release --example seed` (set `TASKSCOPE_STEP_MS=100` for a quick run
//! of the tutorial cases; the seed program itself always sleeps 1 s per task).

use std::{thread::sleep, time::Duration};
use taskscope::{Delayed, Scheduler, delayed};

#[path = "common/cases.rs"]
mod cases;

fn inc(x: i64) -> i64 {
    sleep(Duration::from_secs(1));
    x + 1
}
fn add(x: i64, y: i64) -> i64 {
    sleep(Duration::from_secs(1));
    x + y
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    // Nothing runs here: each line adds a node to a graph and returns at once.
    let x: Delayed<i64> = delayed!(inc(1));
    let y = delayed!(inc(2));
    let z = delayed!(add(x, y)); // Delayed<T> and plain values both work as arguments
    let w = delayed!(add(z.clone(), 10)); // Delayed is a cheap handle: clone shares the node
    println!("built the graph in {:?}", started.elapsed());

    let t = std::time::Instant::now();
    assert_eq!(z.compute()?, 5); // ~2 s: the two incs run at the same time
    println!(
        "z = add(inc(1), inc(2)) = 5 in {:.2} s (3 s in sequence)",
        t.elapsed().as_secs_f64()
    );

    let z2 = delayed!(add(delayed!(inc(3)), delayed!(inc(4))));
    let total = delayed!(add(z.clone(), z2.clone())); // 7 tasks
    let total_plus = &z + &z2; // `+` on delayed values is a task too
    let total_sum: Delayed<i64> = [z.clone(), z2.clone()].into_iter().sum(); // a chain, as Dask's sum() builds

    // Several outputs at once: shared nodes run once.
    let t = std::time::Instant::now();
    let (a, b) = taskscope::compute((&total, &total_plus))?;
    assert_eq!((a, b), (14, 14));
    println!(
        "total and total_plus = 14 in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    // Any scheduler; every run returns its trace.
    let mut serial = total.compute_with(&Scheduler::sequential())?; // ~7 s, one lane
    let mut parallel = total.compute_with(&Scheduler::threads(4))?; // ~3 s, 4 lanes
    assert_eq!(serial.value, parallel.value);
    std::fs::create_dir_all("traces")?;
    serial.trace.meta_mut().title = Some("total (serial): total = add(z, z2)".into());
    parallel.trace.meta_mut().title = Some("total (4 threads): total = add(z, z2)".into());
    serial.trace.save("traces/total_serial.json")?;
    parallel.trace.save("traces/total_parallel.json")?;
    // The same graph on 2 threads: 4 s, where Dask's depth-first order takes 5 s.
    let mut two = total.compute_with(&Scheduler::threads(2))?;
    two.trace.meta_mut().title = Some("total (2 threads): total = add(z, z2)".into());
    two.trace.save("traces/total_threads2.json")?;
    println!(
        "total: {:.2} s sequential, {:.2} s on 4 threads, {:.2} s on 2 threads → traces/total_serial.json, traces/total_parallel.json, traces/total_threads2.json",
        serial.trace.wall_ns() as f64 / 1e9,
        parallel.trace.wall_ns() as f64 / 1e9,
        two.trace.wall_ns() as f64 / 1e9
    );
    let _ = (w, total_sum);

    // The tutorial's other cases (`total` is done above, with the seed's own graph, so the
    // serial and parallel traces of it share their keys).
    println!("\nThe tutorial's other cases, sequential vs 2 threads:");
    let others: Vec<String> = cases::cases()
        .into_iter()
        .map(|(name, _, _)| name.to_owned())
        .filter(|name| name != "total")
        .collect();
    cases::run_cases(&others, 2, &cases::Watch::default())?;
    Ok(())
}
