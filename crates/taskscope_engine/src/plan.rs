//! The execution plan: a task graph flattened from its output nodes into arrays.
//!
//! Flattening walks the graph once, depth first with an explicit stack (never
//! recursion), and numbers tasks in post-order, so every task's index is
//! greater than its inputs' — the array order is a topological order.
//!
//! A node whose `Arc` has a single owner is referenced by exactly one input
//! list, so it cannot be reached twice and skips the visited-set lookup; chains
//! and trees built from temporaries flatten without hashing.
//!
//! The same walk writes the trace's graph (keys `name-<hash>`, names, inputs):
//! each node is read once, while it is in cache. The plan keeps that graph and
//! reads each task's inputs from it, so the edges are stored once for both. For a
//! single output the walk also marks the nodes *covered* (see
//! [`PlanSlot`](crate::node)).
//!
//! Every array is reserved up front from the output node's [`SizeBound`] (exact
//! unless nodes are shared) and written once, in order: nothing is copied by
//! growing, and only memory that is written is touched (fresh memory costs a page
//! fault per 4 KiB, about half a nanosecond per byte in the VM these benchmarks ran
//! in: it is most of what planning costs).
//!
//! A plan points to its nodes without owning them (raw pointers), so that a node
//! can keep the plan of its own graph (see [`Prepared`]): whoever
//! builds a plan promises to use it only while its output nodes are alive, and the
//! output nodes keep every node of their graph alive.

use std::ptr::NonNull;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use taskscope_trace::{Graph, GraphBuilder, NameId, TaskId, TaskState};

use crate::error::ComputeError;
use crate::node::{Node, SizeBound};
use crate::slots::MAX_COUNT;
use crate::task::TaskFn;

/// The most inputs one task may have: a task's dependency counter counts them, and
/// must stay below the bits that record its outcome (see `slots`).
pub(crate) const MAX_INPUTS: usize = MAX_COUNT as usize;

/// The most tasks (and edges) a plan reserves room for before its walk; larger graphs
/// grow their arrays past it. A bound far above the graph's size (nodes shared many
/// times over, e.g. a ladder of diamonds) reserves at most this much: address space
/// (about 100 bytes per task with the trace graph's key text), of which only what the
/// walk writes is touched. 2^21 fits the benchmarks' largest graph (a 2×10^6-task tree).
const RESERVE_CAP: u32 = 1 << 21;

/// A flattened graph, valid while the output nodes it was built from are alive.
pub(crate) struct Plan {
    /// Nodes in topological (post-)order.
    nodes: Vec<NonNull<Node>>,
    /// The trace's graph of the plan (keys, names, states, and each task's inputs in
    /// plan indices, which the plan reads too); shared with the traces of its runs.
    graph: Arc<Graph>,
    /// `users[user_starts[t]..user_starts[t + 1]]` are the tasks reading task `t`.
    user_starts: Vec<u32>,
    users: Vec<u32>,
    /// Consumer edges plus requested outputs, per task: how often its result is read.
    readers: Vec<u32>,
    /// Plan indices of the requested outputs, in request order.
    pub(crate) outputs: Vec<u32>,
    /// Longest path, in tasks, from each task to the end of the graph (1 for a sink).
    blevel: Vec<u32>,
    /// Tasks with no inputs, highest `blevel` first (ties in index order).
    pub(crate) roots: Vec<u32>,
    /// How many tasks have no consumers.
    pub(crate) sinks: usize,
    /// Whether the plan was built for one output, and every node's plan slot was empty
    /// (no node of the graph keeps a plan or is covered by one): only then may the
    /// output keep this plan.
    pub(crate) may_keep: bool,
}

// SAFETY: the node pointers are shared references in all but lifetime (see `Plan::build`),
// and `Node` is `Sync`; everything else is plain data.
unsafe impl Send for Plan {}
// SAFETY: as above.
unsafe impl Sync for Plan {}

/// How [`Plan::build`] treats the nodes' plan slots.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cover {
    /// Leave them alone.
    No,
    /// Mark every node but the (single) output covered, for the output to keep the plan.
    ForKeeping,
}

impl Plan {
    /// Flattens the graph reachable from `outputs`, and writes the trace's graph of it
    /// (keys, names, dependencies, every task in `state`) in the same walk: each node is
    /// read once, while it is in cache.
    ///
    /// With [`Cover::ForKeeping`] (one output), every other node is marked covered on the
    /// way, and [`Plan::may_keep`] says whether the output may keep the plan; if it may
    /// not (part of the graph is covered or kept already), the marks this walk made are
    /// removed again.
    ///
    /// # Safety
    /// The plan points into the graph: it must only be used while every node of
    /// `outputs` is alive (they keep the rest of their graph alive, and a graph never
    /// changes).
    ///
    /// # Errors
    /// [`ComputeError::Internal`] for a graph beyond the engine's limits (more than
    /// `u32::MAX` tasks or edges, or a task with more than 2^30 inputs), and
    /// [`ComputeError::Trace`] if the trace's graph outgrows its own limits.
    ///
    /// # Complexity
    /// O(V + E) time and memory; one hash lookup per edge into a node with several owners.
    pub(crate) unsafe fn build(
        outputs: &[&Node],
        state: TaskState,
        cover: Cover,
    ) -> Result<Self, ComputeError> {
        let bound = outputs
            .iter()
            .fold(SizeBound::default(), |b, out| SizeBound {
                tasks: b.tasks.saturating_add(out.size_bound.tasks),
                edges: b.edges.saturating_add(out.size_bound.edges),
            });
        let (tasks, edges) = (
            bound.tasks.min(RESERVE_CAP) as usize,
            bound.edges.min(RESERVE_CAP) as usize,
        );
        let mut numbered = Numbered {
            nodes: Vec::with_capacity(tasks),
            readers: Vec::with_capacity(tasks),
            roots: Vec::new(),
            graph: GraphWriter::with_capacity(state, tasks, edges),
            cover: cover == Cover::ForKeeping && outputs.len() == 1,
            covered: 0,
            may_keep: outputs.len() == 1,
        };
        let mut seen: FxHashMap<*const Node, u32> = FxHashMap::default();
        // Frames of the walk: the node, how many of its inputs were handled, where its
        // inputs' indices start in `pending_deps`, and whether it can be reached twice.
        let mut stack: Vec<(&Node, usize, usize, bool)> = Vec::new();
        let mut pending_deps: Vec<u32> = Vec::new();
        let mut output_indices = Vec::with_capacity(outputs.len());

        for &out in outputs {
            if let Some(&index) = seen.get(&std::ptr::from_ref(out)) {
                output_indices.push(index);
                continue;
            }
            numbered.may_keep &= out.plan_slot.is_empty();
            stack.push((out, 0, pending_deps.len(), true));
            while let Some(frame) = stack.last_mut() {
                let (node, next_input, deps_start, shared_node) = *frame;
                if let Some(input) = node.deps.as_slice().get(next_input) {
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
                        None if input.deps.as_slice().is_empty() => {
                            let index = numbered.number(input, &[], true)?;
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
                let is_output = stack.is_empty();
                let index = numbered.number(
                    node,
                    pending_deps.get(deps_start..).unwrap_or(&[]),
                    !is_output,
                )?;
                pending_deps.truncate(deps_start);
                if shared_node {
                    seen.insert(std::ptr::from_ref(node), index);
                }
                if is_output {
                    output_indices.push(index);
                } else {
                    pending_deps.push(index);
                }
            }
        }
        if numbered.cover && !numbered.may_keep {
            // Another plan covers part of this graph: take back the marks this walk made.
            for node in numbered.nodes.iter().take(numbered.covered) {
                // SAFETY: the nodes are alive (the contract of this function).
                unsafe { node.as_ref() }.plan_slot.uncover();
            }
        }
        let graph = Arc::new(numbered.graph.finish()?);
        let mut plan = Self::finish(
            numbered.nodes,
            graph,
            numbered.readers,
            numbered.roots,
            output_indices,
        );
        plan.may_keep = numbered.may_keep;
        Ok(plan)
    }

    /// The rest of the plan from the walk's results: users of each task, b-levels, sinks,
    /// and the roots in order of b-level. `readers` holds each task's consumer edges.
    fn finish(
        nodes: Vec<NonNull<Node>>,
        graph: Arc<Graph>,
        mut readers: Vec<u32>,
        mut roots: Vec<u32>,
        outputs: Vec<u32>,
    ) -> Self {
        let n = nodes.len();
        debug_assert_eq!(readers.len(), n, "one reader count per task");
        debug_assert_eq!(graph.len(), n, "one graph task per plan task");
        // Reverse edges, by counting: `user_starts[d]` first holds the end of d's range, and
        // placing users from the last task down leaves it at the start.
        let mut user_starts = Vec::with_capacity(n + 1);
        let mut end = 0u32;
        for &count in &readers {
            end += count;
            user_starts.push(end);
        }
        user_starts.push(end);
        let sinks = readers.iter().filter(|&&r| r == 0).count();
        let mut users = vec![0u32; end as usize];
        // In the same backward pass, b-levels: consumers have larger indices, so when task
        // t is reached every consumer has already pushed its own b-level into t's.
        let mut blevel = vec![0u32; n];
        for task in (0..n).rev() {
            let level = blevel.get(task).copied().unwrap_or(0) + 1;
            if let Some(b) = blevel.get_mut(task) {
                *b = level;
            }
            for &d in graph.deps(TaskId(task as u32)).iter().rev() {
                if let Some(s) = user_starts.get_mut(d.index()) {
                    *s -= 1;
                    if let Some(u) = users.get_mut(*s as usize) {
                        *u = task as u32;
                    }
                }
                if let Some(b) = blevel.get_mut(d.index()) {
                    *b = (*b).max(level);
                }
            }
        }
        for &o in &outputs {
            if let Some(r) = readers.get_mut(o as usize) {
                *r += 1;
            }
        }
        let first = roots.first().and_then(|&r| blevel.get(r as usize)).copied();
        if roots
            .iter()
            .any(|&r| blevel.get(r as usize).copied() != first)
        {
            roots.sort_by_key(|&r| std::cmp::Reverse(blevel.get(r as usize).copied().unwrap_or(0)));
        }
        Self {
            nodes,
            graph,
            user_starts,
            users,
            readers,
            outputs,
            blevel,
            roots,
            sinks,
            may_keep: false,
        }
    }

    /// The trace's graph of the plan (every task in the state it was built with).
    pub(crate) fn graph(&self) -> &Arc<Graph> {
        &self.graph
    }

    /// The trace's graph, without the plan.
    pub(crate) fn into_graph(self) -> Graph {
        Arc::unwrap_or_clone(self.graph)
    }

    /// Task `task`'s node.
    pub(crate) fn node(&self, task: u32) -> Option<&Node> {
        let ptr = self.nodes.get(task as usize)?;
        // SAFETY: the graph outlives every use of the plan (the contract of `Plan::build`).
        Some(unsafe { ptr.as_ref() })
    }

    /// Starts loading the part of task `task`'s node that running it reads first (its
    /// task function), without waiting for it.
    #[inline]
    pub(crate) fn prefetch_node(&self, task: u32) {
        if let Some(ptr) = self.nodes.get(task as usize) {
            // SAFETY: only computes a field's address (no read); the node is alive.
            prefetch(unsafe { &raw const (*ptr.as_ptr()).func }.cast());
        }
    }

    /// Starts loading the data task `task`'s function captured (its closure's state),
    /// without waiting for it. Reads the node: prefetch that first.
    #[inline]
    pub(crate) fn prefetch_task_data(&self, task: u32) {
        if let Some(node) = self.node(task) {
            prefetch(std::ptr::from_ref::<TaskFn>(&*node.func).cast());
        }
    }

    /// Task `task`'s node as a pointer, for comparing without dereferencing.
    pub(crate) fn node_ptr(&self, task: u32) -> Option<*const Node> {
        self.nodes
            .get(task as usize)
            .map(|p| p.as_ptr().cast_const())
    }

    /// How many tasks the plan has.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The plan indices of a task's inputs, in argument order.
    #[inline]
    pub(crate) fn deps(&self, task: u32) -> &[TaskId] {
        let deps = self.graph.deps(TaskId(task));
        debug_assert!((task as usize) < self.len(), "task {task} is in the plan");
        deps
    }

    /// How many inputs a task has.
    #[inline]
    pub(crate) fn input_count(&self, task: u32) -> u32 {
        self.deps(task).len() as u32
    }

    /// The tasks that read this task's result (once per edge).
    pub(crate) fn users(&self, task: u32) -> &[u32] {
        let users = self.users.get(dep_range(&self.user_starts, task));
        debug_assert!(users.is_some(), "task {task} is in the plan");
        users.unwrap_or(&[])
    }

    /// How often the task's result is read (consumer edges plus requested outputs).
    pub(crate) fn readers(&self, task: u32) -> u32 {
        let readers = self.readers.get(task as usize).copied();
        debug_assert!(readers.is_some(), "task {task} is in the plan");
        readers.unwrap_or(0)
    }

    /// Every task's reader count, indexed by task.
    pub(crate) fn reader_counts(&self) -> &[u32] {
        &self.readers
    }

    /// The task's `blevel` (0 for an unknown index).
    pub(crate) fn priority(&self, task: u32) -> u32 {
        let blevel = self.blevel.get(task as usize).copied();
        debug_assert!(blevel.is_some(), "task {task} is in the plan");
        blevel.unwrap_or(0)
    }
}

/// What a node keeps between computes: the flattened plan of its graph, with the
/// trace's graph (which the traces of its runs share).
///
/// Kept by the single output of a compute, in its node (as a [`Kept`](crate::node::Kept)),
/// and dropped with it. The plan points into the graph below that node, which the node
/// keeps alive and which never changes, so the plan stays valid exactly as long as it
/// is kept.
///
/// Memory: about 28 bytes per task and 4 per edge for the plan, plus the graph's keys,
/// names and dependencies (about 40 bytes per task and 4 per edge with short names). A
/// node keeps a plan only if no node of its graph keeps one or belongs to one (see
/// [`PlanSlot`](crate::node::PlanSlot)): computing many nodes of one graph one by one
/// keeps at most one plan per node, not one per compute.
pub(crate) struct Prepared {
    pub(crate) plan: Plan,
}

impl Prepared {
    /// Keeps `self` in `root`'s plan slot (the other nodes are marked covered already,
    /// see [`Cover::ForKeeping`]); if `root` got a plan from another thread meanwhile,
    /// drops `self`, which removes its marks.
    pub(crate) fn keep_in(self, root: &Node) {
        debug_assert!(
            self.plan
                .outputs
                .first()
                .and_then(|&o| self.plan.node_ptr(o))
                .is_some_and(|p| std::ptr::eq(p, root)),
            "a plan is kept by its output"
        );
        drop(root.plan_slot.keep(Box::new(self)));
    }
}

impl Drop for Prepared {
    /// Removes the covered marks of every node but the output (which is being dropped,
    /// or keeps its slot): the graph below it is alive, as `Kept` promises.
    fn drop(&mut self) {
        let root = self.plan.outputs.first().copied();
        for task in 0..self.plan.len() as u32 {
            if Some(task) != root
                && let Some(node) = self.plan.node(task)
            {
                node.plan_slot.uncover();
            }
        }
    }
}

/// `starts[task]..starts[task + 1]`, empty for an unknown task.
fn dep_range(starts: &[u32], task: u32) -> std::ops::Range<usize> {
    let t = task as usize;
    if let (Some(&s), Some(&e)) = (starts.get(t), starts.get(t + 1)) {
        debug_assert!(s <= e, "CSR starts are non-decreasing");
        s as usize..(e as usize).max(s as usize)
    } else {
        debug_assert!(false, "task {task} is in the plan");
        0..0
    }
}

/// The arrays a walk fills as it numbers nodes.
struct Numbered {
    nodes: Vec<NonNull<Node>>,
    /// Consumer edges of each task numbered so far.
    readers: Vec<u32>,
    /// Tasks without inputs, in index order.
    roots: Vec<u32>,
    graph: GraphWriter,
    /// Whether to mark numbered nodes covered.
    cover: bool,
    /// How many of the first numbered nodes this walk marked covered.
    covered: usize,
    may_keep: bool,
}

impl Numbered {
    /// Numbers `node`, whose inputs have the indices `deps`; `coverable` is false for
    /// the output itself.
    fn number(&mut self, node: &Node, deps: &[u32], coverable: bool) -> Result<u32, ComputeError> {
        if deps.len() > MAX_INPUTS {
            return Err(ComputeError::Internal(format!(
                "a task has more than {MAX_INPUTS} inputs"
            )));
        }
        let index = u32::try_from(self.nodes.len()).map_err(|_| {
            ComputeError::Internal("the graph has more than 2^32 tasks or edges".into())
        })?;
        if coverable {
            self.may_keep &= node.plan_slot.is_empty();
            if self.cover && self.may_keep {
                node.plan_slot.cover();
                self.covered = self.nodes.len() + 1;
            }
        }
        self.nodes.push(NonNull::from(node));
        // Inputs were numbered before: their counts exist.
        for &d in deps {
            if let Some(r) = self.readers.get_mut(d as usize) {
                *r += 1;
            }
        }
        self.readers.push(0);
        if deps.is_empty() {
            self.roots.push(index);
        }
        // The trace's graph checks that the edge count fits its `u32` ends.
        self.graph.add(node, deps)?;
        Ok(index)
    }
}

/// Writes the trace's graph of a plan, task by task in plan order.
pub(crate) struct GraphWriter {
    builder: GraphBuilder,
    state: TaskState,
    /// Consecutive tasks mostly share a name (`&'static str`s of the same function),
    /// or alternate between two (a tree's leaves and sums, a map-reduce's maps and
    /// partial sums): the last two names seen, by address and length, most recent
    /// first, to skip the interner's hash.
    recent_names: [Option<(*const u8, usize, NameId)>; 2],
    key: String,
}

impl GraphWriter {
    /// A writer whose tasks all get `state`, with room for `tasks` tasks and `edges` edges.
    fn with_capacity(state: TaskState, tasks: usize, edges: usize) -> Self {
        let mut builder = GraphBuilder::with_capacity(tasks, edges);
        // Keys are `name-` and 16 hex digits: 24 bytes for a name of 7 (more grows).
        builder.reserve_key_bytes(tasks.saturating_mul(24));
        Self {
            builder,
            state,
            recent_names: [None; 2],
            key: String::with_capacity(64),
        }
    }

    /// Adds `node` as the next task, with inputs `deps` (plan indices).
    fn add(&mut self, node: &Node, deps: &[u32]) -> Result<(), ComputeError> {
        let name: &str = &node.name;
        let seen = (name.as_ptr(), name.len());
        let name_id = match self.recent_names {
            [Some((ptr, len, id)), _] if (ptr, len) == seen => id,
            [first, Some((ptr, len, id))] if (ptr, len) == seen => {
                self.recent_names = [Some((ptr, len, id)), first];
                id
            }
            [first, _] => {
                let id = self.builder.intern_name(name)?;
                self.recent_names = [Some((seen.0, seen.1, id)), first];
                id
            }
        };
        self.key.clear();
        self.key.push_str(name);
        self.key.push('-');
        self.key.push_str(hex16(node.key_hash).as_str());
        self.builder.add_task_named(
            &self.key,
            name_id,
            deps.iter().map(|&d| TaskId(d)),
            self.state,
        )?;
        Ok(())
    }

    fn finish(self) -> Result<Graph, ComputeError> {
        Ok(self.builder.build()?)
    }
}

/// A `u64` as 16 lower-case hex digits (the key's hash part), without a loop per digit.
struct Hex16([u8; 16]);

impl Hex16 {
    fn as_str(&self) -> &str {
        debug_assert!(
            self.0.iter().all(u8::is_ascii_hexdigit),
            "hex digits are ASCII"
        );
        // SAFETY: a `Hex16` is only made by `hex16`, whose bytes are ASCII hex digits
        // (tested against `format!("{:016x}")`), so they are UTF-8. Skips `from_utf8`'s
        // check, which was 2 % of a first compute.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

fn hex16(value: u64) -> Hex16 {
    /// Spreads the 8 nibbles of `x` into the 8 bytes of a `u64` (most significant
    /// nibble in the most significant byte) and turns each into its ASCII hex digit.
    fn spread(x: u32) -> u64 {
        let mut x = u64::from(x);
        x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
        x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
        x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
        // 1 in each byte whose nibble is 10 or more (x + 6 carries into bit 4).
        let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
        x + 0x3030_3030_3030_3030 + letters * u64::from(b'a' - b'0' - 10)
    }
    let mut out = [0u8; 16];
    let (high, low) = out.split_at_mut(8);
    high.copy_from_slice(&spread((value >> 32) as u32).to_be_bytes());
    low.copy_from_slice(&spread(value as u32).to_be_bytes());
    Hex16(out)
}

/// Asks the CPU to start loading the cache line at `ptr` (a hint: never faults, and
/// does nothing on targets without a prefetch instruction we use).
#[inline]
fn prefetch(ptr: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

#[cfg(test)]
mod tests {
    use super::hex16;

    #[test]
    fn hex16_matches_format() {
        for v in [
            0,
            1,
            9,
            10,
            15,
            16,
            0xdead_beef,
            u64::MAX,
            0x0123_4567_89ab_cdef,
            1 << 63,
        ] {
            assert_eq!(hex16(v).as_str(), format!("{v:016x}"));
        }
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..1000 {
            x = x.wrapping_mul(0x5851_f42d_4c95_7f2d).wrapping_add(1);
            assert_eq!(hex16(x).as_str(), format!("{x:016x}"));
        }
    }
}
