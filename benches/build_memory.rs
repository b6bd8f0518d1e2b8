//! Bytes per graph node while building, measured with a counting global allocator.
//!
//! Prints one line per shape: live heap bytes held by a built graph of 1,000,000
//! nodes, divided by the node count. Target: ≤ 150 bytes per node. Also prints what
//! the graph holds after one compute, which keeps the plan for the next compute.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use taskscope::{Delayed, Scheduler, combine};

struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    const N: usize = 1_000_000;
    type Builder = fn() -> Delayed<u64>;
    let shapes: [(&str, Builder); 3] = [
        ("chain", || {
            let mut d = Delayed::from_fn("start", || 0_u64);
            for _ in 1..N {
                d = d.then("step", |x| x + 1);
            }
            d
        }),
        ("gather", || {
            let leaves: Vec<Delayed<u64>> = (0..N as u64)
                .map(|i| Delayed::from_fn("leaf", move || i))
                .collect();
            combine("gather", leaves, |v| v.into_iter().sum::<u64>())
        }),
        ("binary_ops", || {
            let mut d = Delayed::value(0_u64);
            let one = Delayed::value(1_u64);
            for _ in 1..N {
                d = &d + &one;
            }
            d
        }),
    ];
    for (name, build) in shapes {
        let before = LIVE_BYTES.load(Ordering::Relaxed);
        let graph = build();
        let bytes = LIVE_BYTES.load(Ordering::Relaxed) - before;
        println!(
            "build_memory/{name}/{N}: {:.1} bytes per node",
            bytes as f64 / N as f64
        );
        // A compute keeps the flattened plan and the trace's graph in the output node,
        // for the next compute of the same value.
        drop(graph.compute_with(&Scheduler::sequential()).unwrap());
        let kept = LIVE_BYTES.load(Ordering::Relaxed) - before;
        println!(
            "build_memory/{name}/{N}: {:.1} bytes per node after a compute (graph, kept plan and trace graph)",
            kept as f64 / N as f64
        );
        drop(graph);
    }
}
