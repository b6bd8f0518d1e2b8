//! The execution plan: a task graph flattened from its output nodes into arrays.
//!
//! Flattening walks the graph once, depth first with an explicit stack (never
//! recursion), and numbers tasks in post-order, so every task's index is
//! greater than its inputs' — the array order is a topological order.
//!
//! A node whose `Arc` has a single owner is referenced by exactly one input
//! list, so it cannot be reached twice and skips the visited-set lookup; chains
//! and trees built from temporaries flatten without hashing.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::node::Node;

/// A flattened graph, borrowed from the output nodes that keep it alive.
pub(crate) struct Plan<'g> {
    /// Nodes in topological (post-)order.
    pub(crate) nodes: Vec<&'g Node>,
    dep_ends: Vec<u32>,
    deps: Vec<u32>,
    user_starts: Vec<u32>,
    users: Vec<u32>,
    /// Consumer edges plus requested outputs, per task: how often its result is read.
    pub(crate) readers: Vec<u32>,
    /// Plan indices of the requested outputs, in request order.
    pub(crate) outputs: Vec<u32>,
    /// Longest path, in tasks, from each task to the end of the graph (1 for a sink).
    pub(crate) blevel: Vec<u32>,
    /// Tasks with no inputs, highest `blevel` first (ties in index order).
    pub(crate) roots: Vec<u32>,
}

impl<'g> Plan<'g> {
    /// Flattens the graph reachable from `outputs`.
    ///
    /// # Complexity
    /// O(V + E) time and memory; one hash lookup per edge into a node with several owners.
    pub(crate) fn build(outputs: &[&'g Node]) -> Self {
        let mut nodes: Vec<&'g Node> = Vec::new();
        let mut dep_ends: Vec<u32> = Vec::new();
        let mut deps: Vec<u32> = Vec::new();
        let mut seen: FxHashMap<*const Node, u32> = FxHashMap::default();
        // Frames of the walk: the node, how many of its inputs were handled, where its
        // inputs' indices start in `pending_deps`, and whether it can be reached twice.
        let mut stack: Vec<(&'g Node, usize, usize, bool)> = Vec::new();
        let mut pending_deps: Vec<u32> = Vec::new();
        let mut output_indices = Vec::with_capacity(outputs.len());

        for &out in outputs {
            if let Some(&index) = seen.get(&std::ptr::from_ref(out)) {
                output_indices.push(index);
                continue;
            }
            stack.push((out, 0, pending_deps.len(), true));
            while let Some(frame) = stack.last_mut() {
                let (node, next_input, deps_start, shared_node) = *frame;
                if let Some(input) = node.deps.get(next_input) {
                    frame.1 += 1;
                    let shared = Arc::strong_count(input) > 1;
                    let known = if shared {
                        seen.get(&Arc::as_ptr(input)).copied()
                    } else {
                        None
                    };
                    match known {
                        Some(index) => pending_deps.push(index),
                        // A leaf is numbered at once, without a frame (most nodes of wide graphs).
                        None if input.deps.is_empty() => {
                            let index = nodes.len() as u32;
                            nodes.push(input.as_ref());
                            dep_ends.push(deps.len() as u32);
                            if shared {
                                seen.insert(Arc::as_ptr(input), index);
                            }
                            pending_deps.push(index);
                        }
                        None => stack.push((input.as_ref(), 0, pending_deps.len(), shared)),
                    }
                    continue;
                }
                // All inputs are numbered: number this node.
                stack.pop();
                let index = nodes.len() as u32;
                nodes.push(node);
                deps.extend(pending_deps.drain(deps_start..));
                dep_ends.push(deps.len() as u32);
                if shared_node {
                    seen.insert(std::ptr::from_ref(node), index);
                }
                if stack.is_empty() {
                    output_indices.push(index);
                } else {
                    pending_deps.push(index);
                }
            }
        }
        Self::finish(nodes, dep_ends, deps, output_indices)
    }

    fn finish(nodes: Vec<&'g Node>, dep_ends: Vec<u32>, deps: Vec<u32>, outputs: Vec<u32>) -> Self {
        let n = nodes.len();
        // Reverse edges, by counting.
        let mut user_starts = vec![0u32; n + 1];
        for &d in &deps {
            if let Some(c) = user_starts.get_mut(d as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..=n {
            user_starts[i] += user_starts[i - 1];
        }
        let mut fill = user_starts.clone();
        let mut users = vec![0u32; deps.len()];
        let mut start = 0usize;
        for (task, &end) in dep_ends.iter().enumerate() {
            for &d in deps.get(start..end as usize).unwrap_or(&[]) {
                if let Some(slot) = fill.get_mut(d as usize) {
                    if let Some(u) = users.get_mut(*slot as usize) {
                        *u = task as u32;
                    }
                    *slot += 1;
                }
            }
            start = end as usize;
        }
        let mut readers: Vec<u32> = user_starts.windows(2).map(|w| w[1] - w[0]).collect();
        for &o in &outputs {
            if let Some(r) = readers.get_mut(o as usize) {
                *r += 1;
            }
        }
        // b-levels: consumers have larger indices, so one backward pass suffices.
        let mut blevel = vec![1u32; n];
        for task in (0..n).rev() {
            let users_of = users
                .get(user_starts[task] as usize..user_starts[task + 1] as usize)
                .unwrap_or(&[]);
            let below = users_of
                .iter()
                .filter_map(|&u| blevel.get(u as usize))
                .max()
                .copied()
                .unwrap_or(0);
            blevel[task] = below + 1;
        }
        let mut roots: Vec<u32> = (0..n as u32)
            .filter(|&t| dep_range(&dep_ends, t).is_empty())
            .collect();
        let first = roots.first().and_then(|&r| blevel.get(r as usize)).copied();
        if roots
            .iter()
            .any(|&r| blevel.get(r as usize).copied() != first)
        {
            roots.sort_by_key(|&r| std::cmp::Reverse(blevel.get(r as usize).copied().unwrap_or(0)));
        }
        Self {
            nodes,
            dep_ends,
            deps,
            user_starts,
            users,
            readers,
            outputs,
            blevel,
            roots,
        }
    }

    /// How many tasks the plan has.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The plan indices of a task's inputs, in argument order.
    pub(crate) fn deps(&self, task: u32) -> &[u32] {
        self.deps
            .get(dep_range(&self.dep_ends, task))
            .unwrap_or(&[])
    }

    /// The tasks that read this task's result (once per edge).
    pub(crate) fn users(&self, task: u32) -> &[u32] {
        let t = task as usize;
        match (self.user_starts.get(t), self.user_starts.get(t + 1)) {
            (Some(&s), Some(&e)) => self.users.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The task's `blevel` (0 for an unknown index).
    pub(crate) fn priority(&self, task: u32) -> u32 {
        self.blevel.get(task as usize).copied().unwrap_or(0)
    }
}

fn dep_range(dep_ends: &[u32], task: u32) -> std::ops::Range<usize> {
    let t = task as usize;
    let end = dep_ends.get(t).copied().unwrap_or(0) as usize;
    let start = match t.checked_sub(1) {
        Some(p) => dep_ends.get(p).copied().unwrap_or(0) as usize,
        None => 0,
    };
    start..end.max(start)
}
