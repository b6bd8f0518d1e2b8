//! Running graphs: [`compute`], [`compute_with`], and [`Run`].

use std::path::Path;
use std::sync::Arc;

use taskscope_trace::{FormatError, TaskState, Trace};

use crate::delayed::{Data, Delayed};
use crate::error::{ComputeError, TaskFailed};
use crate::live::Live;
use crate::node::Node;
use crate::plan::{Cover, Plan, Prepared};
use crate::run::{RunBuffers, RunState, build_trace, run_sequential, worker_lane};
use crate::scheduler::{Kind, Scheduler};
use crate::slots::TaskBuffers;

/// An opaque reference to a graph node (used by [`Outputs`]).
#[doc(hidden)]
pub struct NodeRef<'a>(&'a Node);

/// Where [`Outputs`] take their values from after a run: the run's result slots.
#[doc(hidden)]
pub struct OutputValues<'a> {
    plan: &'a Plan,
    tasks: &'a TaskBuffers,
}

impl OutputValues<'_> {
    /// The value of the `index`-th requested output, as a `T`.
    fn take<T: Data>(&mut self, index: usize) -> Result<T, ComputeError> {
        let task = *self
            .plan
            .outputs
            .get(index)
            .ok_or_else(|| ComputeError::Internal("output index out of range".into()))?;
        // SAFETY: the run is over (every worker reported, so every slot's write
        // happened-before this), and the outputs' reads are counted among their tasks' readers: each
        // requested output is read once here.
        let read = unsafe { self.tasks.read::<T>(task, self.plan.readers(task)) };
        read.map(|(value, _)| value)
            .map_err(|e| ComputeError::Internal(format!("output {index}: {e}")))
    }
}

/// The result of [`compute_with`]: the values, and the trace of the run that made them.
#[derive(Debug)]
pub struct Run<T> {
    /// The computed value(s).
    pub value: T,
    /// What ran where and when: the graph, one span per task, run metadata.
    pub trace: Trace,
}

impl<T> Run<T> {
    /// Saves the run's trace as a taskscope file at `path`: the same bytes as
    /// [`Trace::save`], also written atomically (a temporary file, synced, then renamed),
    /// but encoded on other threads while this one writes the file, and written back to
    /// disk as it goes, so that formatting, writing and syncing overlap where cores are
    /// free (on a machine without an idle core it takes about as long as `Trace::save`).
    ///
    /// ```
    /// use taskscope_engine::{delayed, Scheduler};
    /// # fn inc(x: i64) -> i64 { x + 1 }
    /// let dir = tempfile::tempdir().unwrap();
    /// let run = delayed!(inc(1)).compute_with(&Scheduler::threads(2)).unwrap();
    /// run.save_trace(dir.path().join("run.json")).unwrap();
    /// ```
    ///
    /// # Errors
    /// [`FormatError::Io`] naming the file when it cannot
    /// be created, written, synced or renamed.
    pub fn save_trace(&self, path: impl AsRef<Path>) -> Result<(), FormatError> {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        crate::save::save_trace(&self.trace, path.as_ref(), threads)
    }
}

/// Something that can be computed: one `&Delayed`, a tuple of them, or a `Vec`/slice of them.
pub trait Outputs {
    /// The values the outputs compute to.
    type Values;
    #[doc(hidden)]
    fn nodes(&self) -> Vec<NodeRef<'_>>;
    #[doc(hidden)]
    fn extract_n(&self, values: &mut OutputValues<'_>) -> Result<Self::Values, ComputeError>;
}

impl<T: Data> Outputs for &Delayed<T> {
    type Values = T;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        vec![NodeRef(&self.node)]
    }
    fn extract_n(&self, values: &mut OutputValues<'_>) -> Result<T, ComputeError> {
        values.take(0)
    }
}

impl<T: Data> Outputs for &[Delayed<T>] {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(&d.node)).collect()
    }
    fn extract_n(&self, values: &mut OutputValues<'_>) -> Result<Vec<T>, ComputeError> {
        (0..self.len()).map(|i| values.take(i)).collect()
    }
}

impl<T: Data> Outputs for &Vec<Delayed<T>> {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(&d.node)).collect()
    }
    fn extract_n(&self, values: &mut OutputValues<'_>) -> Result<Vec<T>, ComputeError> {
        (0..self.len()).map(|i| values.take(i)).collect()
    }
}

macro_rules! tuple_outputs {
    ($($T:ident $i:tt),+) => {
        impl<$($T: Data),+> Outputs for ($(&Delayed<$T>,)+) {
            type Values = ($($T,)+);
            fn nodes(&self) -> Vec<NodeRef<'_>> {
                vec![$(NodeRef(&self.$i.node)),+]
            }
            fn extract_n(
                &self,
                values: &mut OutputValues<'_>,
            ) -> Result<Self::Values, ComputeError> {
                Ok(($(values.take::<$T>($i)?,)+))
            }
        }
    };
}

tuple_outputs!(A 0);
tuple_outputs!(A 0, B 1);
tuple_outputs!(A 0, B 1, C 2);
tuple_outputs!(A 0, B 1, C 2, D 3);
tuple_outputs!(A 0, B 1, C 2, D 3, E 4);
tuple_outputs!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_outputs!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_outputs!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Computes several outputs in one run on the global scheduler; shared nodes run once.
///
/// ```
/// use taskscope_engine::Delayed;
/// let a = Delayed::value(2_i64);
/// let b = &a * 10;
/// let c = &a + 1;
/// assert_eq!(taskscope_engine::compute((&b, &c)).unwrap(), (20, 3));
/// ```
pub fn compute<O: Outputs>(outputs: O) -> Result<O::Values, ComputeError> {
    compute_with(outputs, &Scheduler::global()).map(|run| run.value)
}

/// Computes the outputs with `scheduler` and returns their values with the run's trace.
///
/// A single output keeps the flattened plan of its graph (and the trace's graph:
/// keys, names, dependencies, shared by the traces of its runs) for its next
/// compute, so computing the same value again skips flattening.
///
/// # Errors
/// [`ComputeError::TaskFailed`] when a task panics or returns an error: no new task
/// starts, running tasks finish, and the error names the first failed task and carries
/// the partial trace.
#[allow(clippy::needless_pass_by_value)] // Outputs are handles: taking them by value reads best.
pub fn compute_with<O: Outputs>(
    outputs: O,
    scheduler: &Scheduler,
) -> Result<Run<O::Values>, ComputeError> {
    let nodes: Vec<&Node> = outputs.nodes().into_iter().map(|n| n.0).collect();
    if let [single] = nodes.as_slice()
        && let Some(prepared) = single
            .plan_slot
            .get()
            .and_then(|kept| kept.downcast_ref::<Prepared>())
    {
        return execute(&outputs, &prepared.plan, scheduler);
    }
    // SAFETY: the plan is used only within this function, while `outputs` (which own
    // the output nodes) is alive — or kept by the single output node itself.
    let plan = unsafe { Plan::build(&nodes, TaskState::Done, Cover::ForKeeping)? };
    let result = execute(&outputs, &plan, scheduler);
    if let [single] = nodes.as_slice()
        && plan.may_keep
    {
        Prepared { plan }.keep_in(single);
    }
    result
}

/// One run of `plan` (whose trace's graph has every task `Done`).
fn execute<O: Outputs>(
    outputs: &O,
    plan: &Plan,
    scheduler: &Scheduler,
) -> Result<Run<O::Values>, ComputeError> {
    let pool = match &scheduler.kind {
        // A task that computes a graph on its own pool would wait for itself: run it inline.
        Kind::Threads(pool) if !pool.is_current_thread_worker() => Some(pool),
        _ => None,
    };
    let mut buffers = pool.map_or_else(RunBuffers::default, |p| p.take_buffers());
    buffers.prepare(plan.len(), pool.map_or(1, |p| p.workers()));
    let lanes = std::mem::take(&mut buffers.lanes);
    let scheduler_name = if pool.is_some() {
        "threads"
    } else {
        "sequential"
    };
    let trace_lanes: Vec<_> = (0..lanes.len())
        .map(|i| worker_lane(i, scheduler_name))
        .collect();
    let live = Live::start(&scheduler.live, plan.graph(), &trace_lanes, plan.len())?;
    let live_lanes = live.as_ref().map(Live::lanes);
    let mut state = RunState::new(plan, &buffers.tasks, scheduler.record);
    state.live = live_lanes.as_deref();
    if let Some(live) = &live_lanes {
        live.set_origin(crate::run::clock(), state.t0);
    }
    let mut record = if let Some(pool) = pool {
        pool.run(&state, lanes)?
    } else {
        debug_assert_eq!(lanes.len(), 1, "a sequential run has one lane");
        run_sequential(&state, lanes.into_iter().next().unwrap_or_default())
    };
    let trace = build_trace(&state, Arc::clone(plan.graph()), &mut record);
    let failure = state.take_failure();
    let internal = state.take_internal();
    let streamed = live.map(|live| {
        let completed = failure.is_none() && internal.is_none();
        // After an engine fault a worker's spans may be missing from the trace while its
        // stream has them: the stream then stays as it is (truncated), not contradicted.
        let trace = trace.as_ref().ok().filter(|_| internal.is_none());
        live.finish(trace, completed)
    });
    let mut clean = failure.is_none() && internal.is_none();
    let result = match (trace, failure) {
        _ if internal.is_some() => Err(ComputeError::Internal(internal.unwrap_or_default())),
        (Err(e), _) => {
            clean = false;
            Err(e.into())
        }
        (Ok(trace), Some((failure, failed_tasks))) => {
            let task = taskscope_trace::TaskId(failure.task);
            let (key, name) = (trace.graph().key(task), trace.graph().name(task));
            debug_assert!(
                key.is_some() && name.is_some(),
                "the failed task is in the graph"
            );
            Err(ComputeError::TaskFailed(Box::new(TaskFailed {
                key: key.unwrap_or_default().to_owned(),
                name: name.unwrap_or_default().to_owned(),
                message: failure.message,
                failed_tasks,
                trace,
            })))
        }
        (Ok(trace), None) => {
            let value = outputs.extract_n(&mut OutputValues {
                plan,
                tasks: state.tasks,
            });
            clean &= value.is_ok();
            value.map(|value| Run { value, trace })
        }
    };
    // A stream that failed fails a compute that otherwise succeeded (its values dropped).
    let result = match (result, streamed) {
        (Ok(_), Some(Err(e))) => Err(e),
        (result, _) => result,
    };
    drop(state);
    // Give the buffers back clean (every slot empty) for the pool's next run.
    if !clean {
        buffers.tasks.clear();
    }
    debug_assert!(buffers.tasks.is_clean(), "a run leaves its buffers clean");
    buffers.lanes = record.lanes;
    if let Some(pool) = pool {
        pool.keep_buffers(buffers);
    }
    result
}

impl<T: Data> Delayed<T> {
    /// Computes this value on the global scheduler (all cores).
    ///
    /// ```
    /// use taskscope_engine::Delayed;
    /// let x = Delayed::value(1_i64) + 1;
    /// assert_eq!(x.compute().unwrap(), 2);
    /// ```
    pub fn compute(&self) -> Result<T, ComputeError> {
        compute(self)
    }

    /// Computes this value with `scheduler`; returns the value and the run's trace.
    pub fn compute_with(&self, scheduler: &Scheduler) -> Result<Run<T>, ComputeError> {
        compute_with(self, scheduler)
    }

    /// The task graph behind this value, as a trace graph (tasks in a topological order,
    /// all in state `NotRun`), without running anything — for drawing it.
    pub fn graph(&self) -> Result<taskscope_trace::Graph, ComputeError> {
        // SAFETY: the plan is dropped here, while `self` keeps the node alive.
        let plan = unsafe { Plan::build(&[self.node.as_ref()], TaskState::NotRun, Cover::No)? };
        Ok(plan.into_graph())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Delayed, Scheduler};

    /// Which nodes keep a plan, which are covered by one.
    fn slots(nodes: &[Delayed<u64>]) -> String {
        nodes
            .iter()
            .map(
                |d| match (d.node.plan_slot.get(), d.node.plan_slot.is_empty()) {
                    (Some(_), _) => 'K',
                    (None, true) => '.',
                    (None, false) => 'c',
                },
            )
            .collect()
    }

    #[test]
    fn a_single_output_keeps_its_plan_and_covers_its_graph() {
        let scheduler = Scheduler::sequential();
        let mut nodes = vec![Delayed::value(1_u64)];
        for i in 1..5 {
            let next = &nodes[i - 1] + 1;
            nodes.push(next);
        }
        assert_eq!(slots(&nodes), ".....");
        nodes[2].compute_with(&scheduler).unwrap();
        assert_eq!(slots(&nodes), "ccK..");
        // Its graph contains a kept plan: the last node keeps none.
        assert_eq!(nodes[4].compute_with(&scheduler).unwrap().value, 5);
        assert_eq!(slots(&nodes), "ccK..");
        // A covered node keeps none either.
        assert_eq!(nodes[1].compute_with(&scheduler).unwrap().value, 2);
        assert_eq!(slots(&nodes), "ccK..");
        // Several outputs keep nothing.
        crate::compute_with((&nodes[3], &nodes[4]), &scheduler).unwrap();
        assert_eq!(slots(&nodes), "ccK..");
        // The kept plan lives as long as its node, which its consumers keep alive.
        let kept = nodes.remove(2);
        drop(kept);
        assert_eq!(slots(&nodes), "cc..");
        // Dropping the node that kept the plan uncovers its graph.
        nodes.truncate(2);
        assert_eq!(slots(&nodes), "..");
        assert_eq!(nodes[1].compute_with(&scheduler).unwrap().value, 2);
        assert_eq!(slots(&nodes), "cK");
        // The kept plan serves the next computes.
        assert_eq!(
            nodes[1].compute_with(&Scheduler::threads(2)).unwrap().value,
            2
        );
        assert_eq!(slots(&nodes), "cK");
    }
}
