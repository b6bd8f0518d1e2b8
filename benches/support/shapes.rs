//! The taskscope graphs of the overhead benchmarks: `gather` (N tasks + 1), `chain` (N),
//! `tree` (binary reduction of N leaves), `mapreduce` (N maps, N/64 partial sums, 1 total).
//! Shared by `benches/engine.rs` and `benches/drivers/overhead.rs` through `#[path]`.

use taskscope::{Delayed, combine};

/// The taskscope graph of one benchmark shape with `n` leaves (`None` for an unknown name).
pub fn build(shape: &str, n: usize) -> Option<Delayed<u64>> {
    Some(match shape {
        "gather" => {
            let leaves: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("leaf", move || i))
                .collect();
            combine("gather", leaves, |v| v.into_iter().sum::<u64>())
        }
        "chain" => {
            let mut d = Delayed::from_fn("start", || 0_u64);
            for _ in 1..n {
                d = d.then("step", |x| x + 1);
            }
            d
        }
        "tree" => {
            let leaves: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("leaf", move || i))
                .collect();
            taskscope::reduce(leaves, "add", |a, b| a + b)?
        }
        "mapreduce" => {
            let maps: Vec<Delayed<u64>> = (0..n as u64)
                .map(|i| Delayed::from_fn("map", move || i))
                .collect();
            let partials: Vec<Delayed<u64>> = maps
                .chunks(64)
                .map(|c| combine("partial", c.to_vec(), |v| v.into_iter().sum::<u64>()))
                .collect();
            combine("total", partials, |v| v.into_iter().sum::<u64>())
        }
        _ => return None,
    })
}
