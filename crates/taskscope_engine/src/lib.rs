//! `delayed` for Rust: lazy task graphs, run in parallel, with a trace of every run.
//!
//! Wrap plain function calls in [`delayed!`]: instead of running, each call adds
//! a task to a graph and returns a [`Delayed`] handle. Operators on delayed
//! values (`+ - * /`, unary `-`) are tasks too. [`Delayed::compute`] runs the
//! graph on all cores; [`compute_with`] takes a [`Scheduler`] and also returns
//! the run's [`Trace`](taskscope_trace::Trace): one timed span per task with its
//! worker lane, plus the graph.
//!
//! ```
//! use taskscope_engine::{delayed, Delayed, Scheduler};
//!
//! fn inc(x: i64) -> i64 { x + 1 }
//! fn add(x: i64, y: i64) -> i64 { x + y }
//!
//! let x: Delayed<i64> = delayed!(inc(1));
//! let y = delayed!(inc(2));
//! let z = delayed!(add(x, y));
//! let run = z.compute_with(&Scheduler::threads(2)).unwrap();
//! assert_eq!(run.value, 5);
//! assert_eq!(run.trace.spans().len(), 3);
//! ```
//!
//! # Module map
//! In layers: each module uses only the ones above it (no import cycle).
//! 1. `value` (a type-erased result), `unwind` (panic guards and payloads), `error`;
//! 2. `slots`: the per-task counters and result slots, and the protocol for moving
//!    values between tasks (its `unsafe fn`s state what callers promise);
//! 3. `task`: what a task is (a `TaskFn` over its `Inputs`);
//! 4. the graph: `node` (nodes, keys, iterative drop; a node keeps its plan as an
//!    opaque value), `delayed` (the handle and task constructors), `ops` (operators,
//!    chain-building folds), `reduce` (one-task and tree reductions);
//! 5. `plan`: flattening a graph into arrays, and the plan a node keeps;
//! 6. `run`: one run's state, running a task, the run's buffers, recording spans
//!    into a trace, the sequential scheduler;
//! 7. `pool`: the work-stealing thread pool (its `README.md` describes the
//!    scheduling algorithm and the handling of faults);
//! 8. `live`: watching a run while it goes (progress bar, streaming trace; a
//!    per-task hook for the workers and a watcher thread);
//! 9. `scheduler`, `compute`: the public entry points; `save`: saving a run's trace
//!    on several threads.

mod compute;
mod delayed;
mod error;
mod live;
mod node;
mod ops;
mod plan;
mod pool;
mod reduce;
mod run;
mod save;
mod scheduler;
mod slots;
mod task;
mod unwind;
mod value;

pub use compute::{Outputs, Run, compute, compute_with};
pub use delayed::{Data, Delayed, combine};
pub use error::{ComputeError, TaskFailed};
pub use live::Progress;
pub use reduce::{FAN_IN, prod, reduce, sum};
pub use scheduler::Scheduler;

#[doc(hidden)]
pub mod __private {
    pub use crate::delayed::{
        Arg, ArgSource, IntoArg, call0, call1, call2, call3, call4, call5, call6, call7, call8,
        function_name, try_call0, try_call1, try_call2, try_call3, try_call4, try_call5, try_call6,
        try_call7, try_call8,
    };
}

/// Builds a task from a function call instead of running it.
///
/// Arguments may be [`Delayed`] values (owned or borrowed) or plain values; the
/// task's name is the function's name. Up to eight arguments.
///
/// - `delayed!(f(a, b))` — `f` returns a value;
/// - `delayed!(try f(a, b))` — `f` returns `Result<T, E>` with `E: Display`; an `Err`
///   fails the task and stops the run;
/// - `delayed!(name = "step", f(a, b))` — an explicit task name (also with `try`).
///
/// ```
/// use taskscope_engine::{delayed, Delayed};
///
/// fn parse(s: String) -> Result<i64, std::num::ParseIntError> { s.parse() }
/// fn add(x: i64, y: i64) -> i64 { x + y }
///
/// let n = delayed!(try parse("41".to_string()));
/// let m = delayed!(name = "plus_one", add(&n, 1));
/// assert_eq!(m.compute().unwrap(), 42);
/// assert_eq!(m.name(), "plus_one");
/// assert_eq!(n.name(), "parse");
/// ```
#[macro_export]
macro_rules! delayed {
    (name = $name:expr, try $($f:ident)::+ ( $($arg:expr),* $(,)? )) => {
        $crate::__delayed_call!(try, $name, $($f)::+, [$($arg),*])
    };
    (name = $name:expr, $($f:ident)::+ ( $($arg:expr),* $(,)? )) => {
        $crate::__delayed_call!(plain, $name, $($f)::+, [$($arg),*])
    };
    (try $($f:ident)::+ ( $($arg:expr),* $(,)? )) => {
        $crate::__delayed_call!(
            try,
            $crate::__private::function_name(stringify!($($f)::+)),
            $($f)::+,
            [$($arg),*]
        )
    };
    ($($f:ident)::+ ( $($arg:expr),* $(,)? )) => {
        $crate::__delayed_call!(
            plain,
            $crate::__private::function_name(stringify!($($f)::+)),
            $($f)::+,
            [$($arg),*]
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __delayed_call {
    (plain, $name:expr, $f:path, []) => {
        $crate::__private::call0($name, $f)
    };
    (plain, $name:expr, $f:path, [$a0:expr]) => {
        $crate::__private::call1($name, $f, $a0)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr]) => {
        $crate::__private::call2($name, $f, $a0, $a1)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr]) => {
        $crate::__private::call3($name, $f, $a0, $a1, $a2)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr]) => {
        $crate::__private::call4($name, $f, $a0, $a1, $a2, $a3)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr]) => {
        $crate::__private::call5($name, $f, $a0, $a1, $a2, $a3, $a4)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr]) => {
        $crate::__private::call6($name, $f, $a0, $a1, $a2, $a3, $a4, $a5)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr, $a6:expr]) => {
        $crate::__private::call7($name, $f, $a0, $a1, $a2, $a3, $a4, $a5, $a6)
    };
    (plain, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr, $a6:expr, $a7:expr]) => {
        $crate::__private::call8($name, $f, $a0, $a1, $a2, $a3, $a4, $a5, $a6, $a7)
    };
    (try, $name:expr, $f:path, []) => {
        $crate::__private::try_call0($name, $f)
    };
    (try, $name:expr, $f:path, [$a0:expr]) => {
        $crate::__private::try_call1($name, $f, $a0)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr]) => {
        $crate::__private::try_call2($name, $f, $a0, $a1)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr]) => {
        $crate::__private::try_call3($name, $f, $a0, $a1, $a2)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr]) => {
        $crate::__private::try_call4($name, $f, $a0, $a1, $a2, $a3)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr]) => {
        $crate::__private::try_call5($name, $f, $a0, $a1, $a2, $a3, $a4)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr]) => {
        $crate::__private::try_call6($name, $f, $a0, $a1, $a2, $a3, $a4, $a5)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr, $a6:expr]) => {
        $crate::__private::try_call7($name, $f, $a0, $a1, $a2, $a3, $a4, $a5, $a6)
    };
    (try, $name:expr, $f:path, [$a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr, $a6:expr, $a7:expr]) => {
        $crate::__private::try_call8($name, $f, $a0, $a1, $a2, $a3, $a4, $a5, $a6, $a7)
    };
}
