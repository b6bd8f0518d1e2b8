//! [`Delayed`]: a lazy value, the handle to one node of a task graph.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::node::{Deps, Node};
use crate::task::{Inputs, TaskFailure};
use crate::value::Value;

/// What a task's inputs and outputs must be: cloneable (a result used by several
/// tasks is cloned for all but the last), sendable between worker threads, and
/// shareable (plain arguments are captured in the graph and cloned on every run).
///
/// Wrap large values in `Arc` to make the clone a reference-count increment.
pub trait Data: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> Data for T {}

/// A lazy value of type `T`: the output of one task in a task graph.
///
/// Calling functions on `Delayed` values (through [`delayed!`](macro@crate::delayed),
/// the operators `+ - * /`, [`Delayed::then`] …) builds a graph instead of
/// running anything; [`Delayed::compute`] runs the graph. `Delayed` is a cheap
/// handle: cloning it shares the node, and a node shared by several consumers
/// runs once per compute.
pub struct Delayed<T> {
    pub(crate) node: Arc<Node>,
    _output: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Self {
            node: Arc::clone(&self.node),
            _output: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delayed")
            .field("key", &self.node.key())
            .field("deps", &self.node.deps.as_slice().len())
            .finish()
    }
}

impl<T> Delayed<T> {
    pub(crate) fn from_node(node: Arc<Node>) -> Self {
        Self {
            node,
            _output: PhantomData,
        }
    }

    /// The task's unique key, in Dask's style: `inc-0123456789abcdef`.
    ///
    /// Keys are deterministic: the same program builds the same keys, so two runs
    /// of it can be compared task by task.
    pub fn key(&self) -> String {
        self.node.key()
    }

    /// The task's name (the function it calls, e.g. `inc`).
    pub fn name(&self) -> &str {
        &self.node.name
    }
}

impl<T: Data> Delayed<T> {
    /// A task named `name` that runs `f` (no inputs).
    ///
    /// ```
    /// use taskscope_engine::Delayed;
    /// let load = Delayed::from_fn("load", || vec![1, 2, 3]);
    /// assert_eq!(load.compute().unwrap(), vec![1, 2, 3]);
    /// ```
    pub fn from_fn(
        name: impl Into<Cow<'static, str>>,
        f: impl Fn() -> T + Send + Sync + 'static,
    ) -> Self {
        node_with(name.into(), Deps::None, move |_| Ok(f()))
    }

    /// A task that just returns `value` (Dask's `delayed(value)`).
    pub fn value(value: T) -> Self {
        Self::from_fn("value", move || value.clone())
    }

    /// A task named `name` that applies `f` to this value.
    ///
    /// ```
    /// use taskscope_engine::Delayed;
    /// let n = Delayed::value(20).then("double", |x| x * 2);
    /// assert_eq!(n.compute().unwrap(), 40);
    /// ```
    pub fn then<U: Data>(
        &self,
        name: impl Into<Cow<'static, str>>,
        f: impl Fn(T) -> U + Send + Sync + 'static,
    ) -> Delayed<U> {
        node_with(name.into(), [Arc::clone(&self.node)], move |inputs| {
            Ok(f(inputs.next::<T>()?))
        })
    }

    /// Like [`Delayed::then`], for a function that can fail: an `Err` stops the run
    /// and is reported with this task's key.
    pub fn try_then<U: Data, E: fmt::Display>(
        &self,
        name: impl Into<Cow<'static, str>>,
        f: impl Fn(T) -> Result<U, E> + Send + Sync + 'static,
    ) -> Delayed<U> {
        node_with(name.into(), [Arc::clone(&self.node)], move |inputs| {
            f(inputs.next::<T>()?).map_err(failure)
        })
    }
}

/// One task over any number of inputs of the same type: `f` receives their values in order.
///
/// This is Dask's `delayed(f)(list_of_delayed)`: a single task with many
/// dependencies, e.g. one `sum` over all partial results.
///
/// ```
/// use taskscope_engine::{Delayed, combine};
/// let parts: Vec<Delayed<i64>> = (1..=4).map(Delayed::value).collect();
/// let total = combine("total", parts, |v| v.iter().sum::<i64>());
/// assert_eq!(total.compute().unwrap(), 10);
/// ```
pub fn combine<T: Data, R: Data>(
    name: impl Into<Cow<'static, str>>,
    inputs: impl IntoIterator<Item = Delayed<T>>,
    f: impl Fn(Vec<T>) -> R + Send + Sync + 'static,
) -> Delayed<R> {
    let deps: Vec<Arc<Node>> = inputs.into_iter().map(|d| d.node).collect();
    node_with(name.into(), deps, move |inputs| Ok(f(inputs.rest::<T>()?)))
}

/// Makes a node whose body reads its inputs with `body` and boxes the result.
pub(crate) fn node_with<R: Data>(
    name: Cow<'static, str>,
    deps: impl Into<Deps>,
    body: impl Fn(&mut Inputs<'_>) -> Result<R, TaskFailure> + Send + Sync + 'static,
) -> Delayed<R> {
    let func = Box::new(move |inputs: &mut Inputs<'_>, out: &mut Value| {
        out.fill(body(inputs)?);
        Ok(())
    });
    Delayed::from_node(Node::new(name, deps.into(), func))
}

/// Turns a user's error into a task failure message.
pub(crate) fn failure(error: impl fmt::Display) -> TaskFailure {
    TaskFailure {
        message: error.to_string(),
    }
}

/// One argument of a task call: a plain value captured in the graph, or the output of another task.
#[doc(hidden)]
pub enum Arg<A> {
    /// A plain value, cloned into the call on every run.
    Value(A),
    /// Another task's output.
    Input(InputNode),
}

/// An opaque handle to the node behind an [`Arg::Input`].
#[doc(hidden)]
pub struct InputNode(Arc<Node>);

/// Converts a call argument into an [`Arg`]: `Delayed<A>`, `&Delayed<A>` and plain `A` all work.
#[doc(hidden)]
pub trait IntoArg<A> {
    /// The argument.
    fn into_arg(self) -> Arg<A>;
}

impl<A: Data> IntoArg<A> for A {
    fn into_arg(self) -> Arg<A> {
        Arg::Value(self)
    }
}

impl<A: Data> IntoArg<A> for Delayed<A> {
    fn into_arg(self) -> Arg<A> {
        Arg::Input(InputNode(self.node))
    }
}

impl<A: Data> IntoArg<A> for &Delayed<A> {
    fn into_arg(self) -> Arg<A> {
        Arg::Input(InputNode(Arc::clone(&self.node)))
    }
}

/// How the task body obtains one argument: a captured value or the next input.
#[doc(hidden)]
pub enum ArgSource<A> {
    Value(A),
    Input,
}

impl<A: Data> ArgSource<A> {
    fn split(arg: Arg<A>, deps: &mut Deps) -> Self {
        match arg {
            Arg::Value(v) => Self::Value(v),
            Arg::Input(InputNode(node)) => {
                deps.push(node);
                Self::Input
            }
        }
    }

    fn fetch(&self, inputs: &mut Inputs<'_>) -> Result<A, TaskFailure> {
        match self {
            Self::Value(v) => Ok(v.clone()),
            Self::Input => inputs.next::<A>(),
        }
    }
}

/// Builds the call functions `call0`…`call8` (plain results) and `try_call0`…`try_call8`
/// (`Result` results) that the `delayed!` macro expands to.
macro_rules! call_fns {
    ($call:ident, $try_call:ident; $($a:ident : $A:ident),*) => {
        #[doc(hidden)]
        #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
        pub fn $call<$($A: Data,)* R: Data, F>(
            name: &'static str,
            f: F,
            $($a: impl IntoArg<$A>,)*
        ) -> Delayed<R>
        where
            F: Fn($($A),*) -> R + Send + Sync + 'static,
        {
            #[allow(unused_mut)]
            let mut deps = Deps::None;
            $(let $a = ArgSource::split($a.into_arg(), &mut deps);)*
            #[allow(unused_variables)]
            node_with(Cow::Borrowed(name), deps, move |inputs| {
                Ok(f($($a.fetch(inputs)?),*))
            })
        }

        #[doc(hidden)]
        #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
        pub fn $try_call<$($A: Data,)* R: Data, E: fmt::Display, F>(
            name: &'static str,
            f: F,
            $($a: impl IntoArg<$A>,)*
        ) -> Delayed<R>
        where
            F: Fn($($A),*) -> Result<R, E> + Send + Sync + 'static,
        {
            #[allow(unused_mut)]
            let mut deps = Deps::None;
            $(let $a = ArgSource::split($a.into_arg(), &mut deps);)*
            #[allow(unused_variables)]
            node_with(Cow::Borrowed(name), deps, move |inputs| {
                f($($a.fetch(inputs)?),*).map_err(failure)
            })
        }
    };
}

call_fns!(call0, try_call0;);
call_fns!(call1, try_call1; a0: A0);
call_fns!(call2, try_call2; a0: A0, a1: A1);
call_fns!(call3, try_call3; a0: A0, a1: A1, a2: A2);
call_fns!(call4, try_call4; a0: A0, a1: A1, a2: A2, a3: A3);
call_fns!(call5, try_call5; a0: A0, a1: A1, a2: A2, a3: A3, a4: A4);
call_fns!(call6, try_call6; a0: A0, a1: A1, a2: A2, a3: A3, a4: A4, a5: A5);
call_fns!(call7, try_call7; a0: A0, a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6);
call_fns!(call8, try_call8; a0: A0, a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7);

/// The last segment of a stringified function path (`a :: b :: inc` → `inc`).
#[doc(hidden)]
pub fn function_name(path: &'static str) -> &'static str {
    path.rsplit("::").next().unwrap_or(path).trim()
}
