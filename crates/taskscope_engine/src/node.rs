//! Graph nodes: what a [`Delayed`](crate::Delayed) handle points to.
//!
//! A node owns its task function and strong references to its input nodes, so a
//! graph lives exactly as long as some handle to one of its outputs. Building is
//! linear: a new node only copies the `Arc`s of its direct inputs (Dask copies
//! the whole upstream graph on every call, which is what makes its chains
//! quadratic).
//!
//! Dropping a node never recurses on graph depth: [`Node`]'s `Drop` unlinks
//! inputs onto an explicit stack, so a chain of a million nodes drops in a loop.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) use crate::value::Value;

/// Clones a type-erased value of the node's output type (used when a result has several consumers).
pub(crate) type CloneFn = fn(&Value) -> Option<Value>;

/// Why a task did not produce a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskFailure {
    pub(crate) message: String,
}

/// The body of a task: reads its inputs, returns its output.
pub(crate) type TaskFn =
    dyn Fn(&mut crate::slots::Inputs<'_>) -> Result<Value, TaskFailure> + Send + Sync;

/// One node of a task graph.
pub(crate) struct Node {
    /// Hash part of the key; with the name it forms the key `name-<hash>`.
    pub(crate) key_hash: u64,
    pub(crate) name: Cow<'static, str>,
    /// Inputs, in argument order (a node used twice appears twice).
    pub(crate) deps: Vec<Arc<Node>>,
    pub(crate) func: Box<TaskFn>,
    pub(crate) clone_fn: CloneFn,
}

impl Node {
    /// Creates a node; its key is derived from its name, its inputs' keys and a build counter.
    pub(crate) fn new(
        name: Cow<'static, str>,
        deps: Vec<Arc<Node>>,
        func: Box<TaskFn>,
        clone_fn: CloneFn,
    ) -> Arc<Self> {
        let key_hash = next_key_hash(&name, &deps);
        Arc::new(Self {
            key_hash,
            name,
            deps,
            func,
            clone_fn,
        })
    }

    /// The node's key in Dask's style: `name-<16 hex digits>`.
    pub(crate) fn key(&self) -> String {
        format!("{}-{:016x}", self.name, self.key_hash)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Unlink inputs iteratively: dropping the last handle of a long chain must not
        // recurse once per node. Each input whose last strong reference we hold is
        // emptied of its own inputs before it is dropped, so its own `drop` is shallow.
        let mut stack = std::mem::take(&mut self.deps);
        while let Some(dep) = stack.pop() {
            if let Some(mut node) = Arc::into_inner(dep) {
                stack.append(&mut node.deps);
            }
        }
    }
}

/// Clone function for a concrete output type.
pub(crate) fn clone_value<T: Clone + Send + 'static>(value: &Value) -> Option<Value> {
    value.downcast_ref::<T>().map(|v| Value::new(v.clone()))
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
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for byte in name.bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = mix(h ^ seq);
    h = mix(h ^ ordinal.rotate_left(32));
    for dep in deps {
        h = mix(h ^ dep.key_hash);
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
