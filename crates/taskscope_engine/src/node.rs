//! Graph nodes: what a [`Delayed`](crate::Delayed) handle points to.
//!
//! A node owns its task function and strong references to its input nodes, so a
//! graph lives exactly as long as some handle to one of its outputs. Building is
//! linear: a new node only copies the `Arc`s of its direct inputs (Dask copies
//! the whole upstream graph on every call, which is what makes its chains
//! quadratic). Up to two inputs are stored in the node itself ([`Deps`]), so
//! most nodes are one allocation and walking a chain touches one node per step.
//!
//! The graph below a node never changes: a node's inputs are fixed when it is
//! built. That is what lets a node keep the flattened plan of its graph for
//! its next compute (`plan::Prepared`). The node holds it as an opaque
//! [`Kept`] value, so that the graph does not depend on the planner.
//!
//! Dropping a node never recurses on graph depth: [`Node`]'s `Drop` unlinks
//! inputs onto an explicit stack, so a chain of a million nodes drops in a loop.

use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use crate::task::TaskFn;

/// Something derived from the graph below a node and kept with it between computes
/// (the flattened plan, `plan::Prepared`). It is dropped when the node is, *before* the
/// node's inputs are released, so its `Drop` may still use the graph below.
pub(crate) type Kept = Box<dyn Any + Send + Sync>;

/// A node's inputs, in argument order: up to two in place, more in one boxed slice.
#[derive(Default)]
pub(crate) enum Deps {
    #[default]
    None,
    One([Arc<Node>; 1]),
    Two([Arc<Node>; 2]),
    Many(Box<[Arc<Node>]>),
}

impl Deps {
    /// The inputs as a slice.
    pub(crate) fn as_slice(&self) -> &[Arc<Node>] {
        match self {
            Self::None => &[],
            Self::One(d) => d,
            Self::Two(d) => d,
            Self::Many(d) => d,
        }
    }

    /// Appends one input.
    pub(crate) fn push(&mut self, dep: Arc<Node>) {
        *self = match std::mem::take(self) {
            Self::None => Self::One([dep]),
            Self::One([a]) => Self::Two([a, dep]),
            Self::Two([a, b]) => Self::Many(Box::new([a, b, dep])),
            // Only calls with more than three arguments get here (at most eight).
            Self::Many(many) => {
                let mut v = many.into_vec();
                v.push(dep);
                Self::Many(v.into_boxed_slice())
            }
        };
    }

    /// Moves the inputs onto `stack`.
    fn move_to(self, stack: &mut Vec<Arc<Node>>) {
        match self {
            Self::None => {}
            Self::One(d) => stack.extend(d),
            Self::Two(d) => stack.extend(d),
            Self::Many(d) => stack.extend(d.into_vec()),
        }
    }
}

impl From<Vec<Arc<Node>>> for Deps {
    fn from(mut deps: Vec<Arc<Node>>) -> Self {
        match deps.len() {
            0 => Self::None,
            1 | 2 => {
                let mut out = Self::None;
                for d in deps.drain(..) {
                    out.push(d);
                }
                out
            }
            _ => Self::Many(deps.into_boxed_slice()),
        }
    }
}

impl From<[Arc<Node>; 1]> for Deps {
    fn from(deps: [Arc<Node>; 1]) -> Self {
        Self::One(deps)
    }
}

impl From<[Arc<Node>; 2]> for Deps {
    fn from(deps: [Arc<Node>; 2]) -> Self {
        Self::Two(deps)
    }
}

/// One node of a task graph.
///
/// `repr(C)`: the fields a graph walk reads (inputs, plan slot, size bound) come first,
/// next to the `Arc`'s reference counts, so visiting a node touches as few cache lines
/// as it can.
#[repr(C)]
pub(crate) struct Node {
    /// Inputs, in argument order (a node used twice appears twice).
    pub(crate) deps: Deps,
    /// The flattened plan of this node's graph, once computed (see [`PlanSlot`]).
    pub(crate) plan_slot: PlanSlot,
    /// At most how many tasks and edges the graph below this node has (see [`SizeBound`]).
    pub(crate) size_bound: SizeBound,
    /// Hash part of the key; with the name it forms the key `name-<hash>`.
    pub(crate) key_hash: u64,
    pub(crate) func: Box<TaskFn>,
    pub(crate) name: Cow<'static, str>,
}

/// Upper bounds on the tasks and edges of the graph a node is the output of (itself
/// included), known when the node is built: a planner reserves its arrays from them
/// instead of growing them (growing copies them, and touches twice the memory).
///
/// Exact when no node below is reached twice (chains, trees, gathers); larger when nodes
/// are shared, up to `u32::MAX` (saturating), so a planner caps what it reserves. Costs
/// nothing in memory: a node's allocation has these 8 bytes of slack (malloc rounds the
/// node up to 16 bytes anyway).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SizeBound {
    pub(crate) tasks: u32,
    pub(crate) edges: u32,
}

impl SizeBound {
    /// The bound of a node with inputs `deps`.
    fn of(deps: &[Arc<Node>]) -> Self {
        deps.iter().fold(
            Self {
                tasks: 1,
                edges: u32::try_from(deps.len()).unwrap_or(u32::MAX),
            },
            |b, dep| Self {
                tasks: b.tasks.saturating_add(dep.size_bound.tasks),
                edges: b.edges.saturating_add(dep.size_bound.edges),
            },
        )
    }
}

impl Node {
    /// Creates a node; its key is derived from its name, its inputs' keys and a build counter.
    pub(crate) fn new(name: Cow<'static, str>, deps: Deps, func: Box<TaskFn>) -> Arc<Self> {
        let key_hash = next_key_hash(&name, deps.as_slice());
        let size_bound = SizeBound::of(deps.as_slice());
        Arc::new(Self {
            deps,
            plan_slot: PlanSlot::default(),
            size_bound,
            key_hash,
            func,
            name,
        })
    }

    /// The node's key in Dask's style: `name-<16 hex digits>`.
    pub(crate) fn key(&self) -> String {
        format!("{}-{:016x}", self.name, self.key_hash)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Our kept plan marks the nodes of our graph as covered; it unmarks them when
        // dropped, which must happen while our inputs (which keep them alive) are still here.
        drop(self.plan_slot.take());
        // Unlink inputs iteratively: dropping the last handle of a long chain must not
        // recurse once per node. Each input whose last strong reference we hold is
        // emptied of its own inputs before it is dropped, so its own `drop` is shallow.
        let mut stack = Vec::new();
        std::mem::take(&mut self.deps).move_to(&mut stack);
        while let Some(dep) = stack.pop() {
            if let Some(mut node) = Arc::into_inner(dep) {
                std::mem::take(&mut node.deps).move_to(&mut stack);
                // `node` drops here, while the inputs it just gave up are still on the
                // stack: its kept plan (if any) can unmark them.
            }
        }
    }
}

/// Where a node keeps the flattened plan of its graph between computes.
///
/// Three states: empty; *covered* (the node belongs to the kept plan of another node,
/// so it keeps none itself — this bounds the memory of kept plans by the graph's
/// size, however many of its nodes are computed one by one); or the node's own plan.
/// The marks are advisory (a race can leave a node unmarked or marked for too long);
/// only the kept plan itself matters for correctness, and it is owned by its node.
#[derive(Default)]
pub(crate) struct PlanSlot(AtomicPtr<Kept>);

/// The `covered` mark: a well-aligned address no allocation has.
fn covered() -> *mut Kept {
    std::ptr::dangling_mut()
}

impl PlanSlot {
    /// The kept plan, if there is one.
    pub(crate) fn get(&self) -> Option<&(dyn Any + Send + Sync)> {
        let ptr = self.0.load(Ordering::Acquire);
        if ptr.is_null() || ptr == covered() {
            return None;
        }
        // SAFETY: a pointer other than null and the mark came from `Box::into_raw` in
        // `keep`, and stays valid until `take` (which needs `&mut self`) or drop.
        Some(unsafe { &**ptr })
    }

    /// Whether the slot is empty (neither covered nor holding a plan).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.load(Ordering::Relaxed).is_null()
    }

    /// Marks the slot covered, if it is empty.
    pub(crate) fn cover(&self) {
        let _ = self.0.compare_exchange(
            std::ptr::null_mut(),
            covered(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Removes the covered mark, if it is there.
    pub(crate) fn uncover(&self) {
        let _ = self.0.compare_exchange(
            covered(),
            std::ptr::null_mut(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Keeps `kept` if the slot is empty; otherwise gives it back.
    pub(crate) fn keep(&self, kept: Kept) -> Result<(), Kept> {
        let ptr = Box::into_raw(Box::new(kept));
        match self.0.compare_exchange(
            std::ptr::null_mut(),
            ptr,
            Ordering::AcqRel,
            Ordering::Relaxed,
        ) {
            Ok(_) => Ok(()),
            // SAFETY: `ptr` came from `Box::into_raw` above and was not stored.
            Err(_) => Err(*unsafe { Box::from_raw(ptr) }),
        }
    }

    /// Takes the kept plan out (the slot becomes empty).
    fn take(&mut self) -> Option<Kept> {
        let ptr = std::mem::replace(self.0.get_mut(), std::ptr::null_mut());
        if ptr.is_null() || ptr == covered() {
            return None;
        }
        // SAFETY: see `get`; we own the slot exclusively (`&mut self`) and emptied it.
        Some(*unsafe { Box::from_raw(ptr) })
    }
}

impl Drop for PlanSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

thread_local! {
    /// Per-thread build counter: the same program builds the same sequence of keys.
    static BUILD_SEQUENCE: Cell<u64> = const { Cell::new(0) };
    /// This thread's ordinal among threads that built nodes, so two threads never mint the same key.
    static THREAD_ORDINAL: u64 = NEXT_THREAD_ORDINAL.fetch_add(1, Ordering::Relaxed);
}

static NEXT_THREAD_ORDINAL: AtomicU64 = AtomicU64::new(0);

/// A deterministic, unique key hash for a new node.
///
/// Mixes the name, the inputs' key hashes, the thread's build counter and the
/// thread's ordinal. Re-running the same program gives the same keys, so two runs
/// of it compare task by task; two nodes of one program never share a key.
fn next_key_hash(name: &str, deps: &[Arc<Node>]) -> u64 {
    let seq = BUILD_SEQUENCE.with(|c| {
        let v = c.get();
        c.set(v.wrapping_add(1));
        v
    });
    let ordinal = THREAD_ORDINAL.with(|o| *o);
    key_hash(name, seq, ordinal, deps.iter().map(|dep| dep.key_hash))
}

/// The key hash of a node named `name`, built `seq`-th on the thread numbered `ordinal`,
/// whose inputs have the key hashes `deps`. The name's part is the trace crate's
/// [`stable_hash`](taskscope_trace::stable_hash) (FNV-1a), its one home.
fn key_hash(name: &str, seq: u64, ordinal: u64, deps: impl Iterator<Item = u64>) -> u64 {
    let mut h = taskscope_trace::stable_hash(name.as_bytes());
    h = mix(h ^ seq);
    h = mix(h ^ ordinal.rotate_left(32));
    for dep in deps {
        h = mix(h ^ dep);
    }
    h
}

/// splitmix64's finalizer: a fast, well-distributed 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_are_the_ones_the_inline_fnv_gave() {
        // Pinned from the engine's former inline FNV-1a loop (and a Python
        // re-implementation): keys must not move, or two runs of one program built
        // before and after would no longer compare task by task.
        let inc = key_hash("inc", 0, 0, std::iter::empty());
        assert_eq!(inc, 0xd3cc_fe84_ef60_aefb);
        assert_eq!(
            key_hash("add", 1, 2, [inc, inc].into_iter()),
            0xc125_0dce_dfcd_d571
        );
        assert_ne!(
            key_hash("add", 2, 2, [inc, inc].into_iter()),
            0xc125_0dce_dfcd_d571
        );
    }

    #[test]
    fn deps_stay_in_the_node_up_to_two() {
        assert_eq!(size_of::<Deps>(), 24, "as small as a Vec");
        let leaf = || {
            Node::new(
                Cow::Borrowed("x"),
                Deps::None,
                Box::new(|_, out| {
                    out.fill(1_u8);
                    Ok(())
                }),
            )
        };
        let mut deps = Deps::None;
        let nodes: Vec<Arc<Node>> = (0..5).map(|_| leaf()).collect();
        for (i, n) in nodes.iter().enumerate() {
            deps.push(Arc::clone(n));
            assert_eq!(deps.as_slice().len(), i + 1);
            assert!(matches!(
                (i, &deps),
                (0, Deps::One(_)) | (1, Deps::Two(_)) | (2.., Deps::Many(_))
            ));
        }
        assert!(
            deps.as_slice()
                .iter()
                .zip(&nodes)
                .all(|(a, b)| Arc::ptr_eq(a, b))
        );
        assert!(matches!(Deps::from(nodes[..2].to_vec()), Deps::Two(_)));
        assert!(matches!(Deps::from(nodes.clone()), Deps::Many(_)));
    }

    #[test]
    fn size_bounds_are_exact_for_trees_and_saturate_when_shared() {
        let node = |deps: Vec<Arc<Node>>| {
            Node::new(
                Cow::Borrowed("x"),
                Deps::from(deps),
                Box::new(|_, out| {
                    out.fill(1_u8);
                    Ok(())
                }),
            )
        };
        let bound = |tasks, edges| SizeBound { tasks, edges };
        let (a, b) = (node(vec![]), node(vec![]));
        assert_eq!(a.size_bound, bound(1, 0));
        let ab = node(vec![Arc::clone(&a), Arc::clone(&b)]);
        assert_eq!(ab.size_bound, bound(3, 2));
        let top = node(vec![Arc::clone(&ab), node(vec![a])]);
        assert_eq!(
            top.size_bound,
            bound(6, 5),
            "a counted twice: an upper bound"
        );
        // A ladder of diamonds doubles the bound per step, which saturates.
        let mut d = node(vec![]);
        for _ in 0..40 {
            d = node(vec![Arc::clone(&d), d]);
        }
        assert_eq!(d.size_bound, bound(u32::MAX, u32::MAX));
    }
}
