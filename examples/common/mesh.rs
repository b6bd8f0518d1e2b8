//! A graph with fan-out and fan-in for trace-file checks, shared by the `flows_trace`
//! example and the root package's viewer-flows test through `#[path]`.

use taskscope::{Delayed, combine};

/// Tasks in a layer of [`mesh`].
const WIDTH: usize = 100;

/// A graph of exactly `tasks` tasks (at least 2): 100 leaves, then layers of 100 tasks
/// that each add two tasks of the layer below (every task feeds two), then one `gather`
/// task over every task that nothing else consumes.
pub fn mesh(tasks: usize) -> Delayed<u64> {
    let tasks = tasks.max(2);
    let mut count = WIDTH.min(tasks - 1);
    let mut below: Vec<Delayed<u64>> = (0..count as u64)
        .map(|i| Delayed::from_fn("leaf", move || i))
        .collect();
    let mut unconsumed: Vec<Delayed<u64>> = Vec::new();
    while count < tasks - 1 {
        let k = WIDTH.min(tasks - 1 - count);
        let n = below.len();
        let layer: Vec<Delayed<u64>> = (0..k)
            .map(|i| {
                let inputs = [below[i % n].clone(), below[(i + 1) % n].clone()];
                combine("step", inputs, |v| {
                    v.into_iter().fold(0u64, u64::wrapping_add)
                })
            })
            .collect();
        // With a short last layer, some tasks below feed nothing: the gather takes them.
        if k + 1 < n {
            unconsumed.extend(below.drain(k + 1..));
        }
        count += k;
        below = layer;
    }
    unconsumed.extend(below);
    combine("gather", unconsumed, |v| {
        v.into_iter().fold(0u64, u64::wrapping_add)
    })
}
