//! Random layered DAGs for the benchmark and the Graphviz comparison.
#![allow(dead_code)]

use taskscope_layout::{LayoutGraph, LayoutNodeId};
use taskscope_trace::{Graph, GraphBuilder, TaskId, TaskState};

/// SplitMix64: a tiny deterministic generator (no dependency, same numbers everywhere).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const NAMES: [&str; 6] = ["load", "inc", "add", "mul", "transform", "sum"];

/// A random layered DAG of `n` nodes: layers of ⌈√n⌉ nodes; every node outside
/// the first layer gets 2 inputs, from the previous layer (70 %), two layers
/// down (20 %) or three (10 %). So about 2 edges per node, mostly short.
/// Returns each node's name index and the edges (input, consumer).
pub fn random_layered_dag(n: usize, seed: u64) -> (Vec<usize>, Vec<(u32, u32)>) {
    let mut rng = Rng::new(seed);
    let width = ((n as f64).sqrt().ceil() as usize).max(1);
    let names: Vec<usize> = (0..n)
        .map(|_| rng.below(NAMES.len() as u64) as usize)
        .collect();
    let mut edges = Vec::with_capacity(2 * n);
    for v in width..n {
        let layer = v / width;
        for _ in 0..2 {
            let r = rng.below(10);
            let down = if r < 7 {
                1
            } else if r < 9 {
                2
            } else {
                3
            };
            let l = layer.saturating_sub(down);
            let u = l * width + rng.below(width as u64) as usize;
            edges.push((u as u32, v as u32));
        }
    }
    (names, edges)
}

/// The same DAG as a [`LayoutGraph`], node widths from the label lengths.
pub fn layout_graph(n: usize, seed: u64) -> Result<LayoutGraph, String> {
    let (names, edges) = random_layered_dag(n, seed);
    let mut g = LayoutGraph::with_capacity(n, edges.len());
    for &k in &names {
        let label = NAMES[k];
        g.add_node(taskscope_layout::text_width(label, 14.0) + 20.0, 28.0);
    }
    for (u, v) in edges {
        g.add_edge(LayoutNodeId(u), LayoutNodeId(v))
            .map_err(|e| e.to_string())?;
    }
    Ok(g)
}

/// The same DAG as a task graph.
pub fn task_graph(n: usize, seed: u64) -> Result<Graph, String> {
    let (names, edges) = random_layered_dag(n, seed);
    let mut deps: Vec<Vec<TaskId>> = vec![Vec::new(); n];
    for (u, v) in edges {
        deps[v as usize].push(TaskId(u));
    }
    let mut b = GraphBuilder::with_capacity(n, 2 * n);
    for (i, (&k, d)) in names.iter().zip(deps).enumerate() {
        b.add_task(&format!("{}-{i}", NAMES[k]), NAMES[k], d, TaskState::Done)
            .map_err(|e| e.to_string())?;
    }
    b.build().map_err(|e| e.to_string())
}
