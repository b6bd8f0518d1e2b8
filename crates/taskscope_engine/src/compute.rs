//! Running graphs: [`compute`], [`compute_with`], and [`Run`].

use taskscope_trace::Trace;

use crate::delayed::{Data, Delayed};
use crate::error::{ComputeError, TaskFailed};
use crate::node::Node;

/// An opaque reference to a graph node (used by [`Outputs`]).
#[doc(hidden)]
pub struct NodeRef<'a>(&'a Node);
use crate::plan::Plan;
use crate::run::{RunState, build_trace, run_sequential, trace_graph};
use crate::scheduler::{Kind, Scheduler};

/// The result of [`compute_with`]: the values, and the trace of the run that made them.
#[derive(Debug)]
pub struct Run<T> {
    /// The computed value(s).
    pub value: T,
    /// What ran where and when: the graph, one span per task, run metadata.
    pub trace: Trace,
}

/// Something that can be computed: one `&Delayed`, a tuple of them, or a `Vec`/slice of them.
pub trait Outputs {
    /// The values the outputs compute to.
    type Values;
    #[doc(hidden)]
    fn nodes(&self) -> Vec<NodeRef<'_>>;
    #[doc(hidden)]
    fn extract_n(
        &self,
        reader: &mut dyn FnMut(usize) -> Option<crate::node::Value>,
    ) -> Result<Self::Values, ComputeError>;
}

fn take<T: 'static>(
    reader: &mut dyn FnMut(usize) -> Option<crate::node::Value>,
    index: usize,
) -> Result<T, ComputeError> {
    let value =
        reader(index).ok_or_else(|| ComputeError::Internal("output value missing".into()))?;
    value
        .downcast::<T>()
        .map_err(|_| ComputeError::Internal("output has an unexpected type".into()))
}

impl<T: Data> Outputs for &Delayed<T> {
    type Values = T;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        vec![NodeRef(&self.node)]
    }
    fn extract_n(
        &self,
        reader: &mut dyn FnMut(usize) -> Option<crate::node::Value>,
    ) -> Result<T, ComputeError> {
        take(reader, 0)
    }
}

impl<T: Data> Outputs for &[Delayed<T>] {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(&d.node)).collect()
    }
    fn extract_n(
        &self,
        reader: &mut dyn FnMut(usize) -> Option<crate::node::Value>,
    ) -> Result<Vec<T>, ComputeError> {
        (0..self.len()).map(|i| take(reader, i)).collect()
    }
}

impl<T: Data> Outputs for &Vec<Delayed<T>> {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(&d.node)).collect()
    }
    fn extract_n(
        &self,
        reader: &mut dyn FnMut(usize) -> Option<crate::node::Value>,
    ) -> Result<Vec<T>, ComputeError> {
        (0..self.len()).map(|i| take(reader, i)).collect()
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
                reader: &mut dyn FnMut(usize) -> Option<crate::node::Value>,
            ) -> Result<Self::Values, ComputeError> {
                Ok(($(take::<$T>(reader, $i)?,)+))
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
    let plan = Plan::build(&nodes);
    let state = RunState::new(&plan, scheduler.record);
    let record = match &scheduler.kind {
        Kind::Sequential => run_sequential(&state),
        // A task that computes a graph on its own pool would wait for itself: run it inline.
        Kind::Threads(pool) if pool.is_current_thread_worker() => run_sequential(&state),
        Kind::Threads(pool) => pool.run(&state)?,
    };
    let trace = build_trace(&state, &record)?;
    if let Some((failure, failed_tasks)) = state.take_failure() {
        let node = plan.nodes.get(failure.task as usize);
        return Err(ComputeError::TaskFailed(Box::new(TaskFailed {
            key: node.map(|n| n.key()).unwrap_or_default(),
            name: node.map(|n| n.name.to_string()).unwrap_or_default(),
            message: failure.message,
            failed_tasks,
            trace,
        })));
    }
    let mut reader = |i: usize| {
        let task = *plan.outputs.get(i)?;
        state
            .slots
            .read_value(task, || plan.nodes.get(task as usize).map(|n| n.clone_fn))
            .ok()
    };
    let value = outputs.extract_n(&mut reader)?;
    Ok(Run { value, trace })
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
        let nodes = [self.node.as_ref()];
        let plan = Plan::build(&nodes);
        Ok(trace_graph(&plan, None)?)
    }
}
