//! Reductions that do not build chains: one task, or a balanced tree of tasks.
//!
//! `[a, b, c, …].into_iter().sum()` folds from the left and builds a chain of
//! `n - 1` dependent `add` tasks (see [`ops`](crate::ops)). These functions
//! build the fix: [`sum`] and [`prod`] make one task per group of up to
//! [`FAN_IN`] inputs, arranged as a tree (so up to 32 inputs are one task);
//! [`reduce`] makes a balanced binary tree of depth `⌈log2 n⌉`.

use std::borrow::Cow;
use std::iter::{Product, Sum};

use crate::delayed::{Data, Delayed, combine, node_with};

/// How many inputs one `sum`/`prod` task combines at most.
pub const FAN_IN: usize = 32;

/// The sum of the inputs as one task (a tree of tasks with [`FAN_IN`] inputs each above that).
///
/// ```
/// use taskscope_engine::Delayed;
/// let xs: Vec<Delayed<i64>> = (1..=10).map(Delayed::value).collect();
/// assert_eq!(taskscope_engine::sum(xs).compute().unwrap(), 55);
/// ```
pub fn sum<T: Data + Sum<T>>(inputs: impl IntoIterator<Item = Delayed<T>>) -> Delayed<T> {
    tree(inputs, FAN_IN, "sum", |v| v.into_iter().sum())
}

/// The product of the inputs as one task (a tree of tasks with [`FAN_IN`] inputs each above that).
pub fn prod<T: Data + Product<T>>(inputs: impl IntoIterator<Item = Delayed<T>>) -> Delayed<T> {
    tree(inputs, FAN_IN, "prod", |v| v.into_iter().product())
}

/// Combines the inputs pairwise with `f` in a balanced binary tree of tasks named `name`.
///
/// Returns `None` for no inputs, the input itself for one.
///
/// ```
/// use taskscope_engine::Delayed;
/// let xs: Vec<Delayed<u64>> = (1..=8).map(Delayed::value).collect();
/// let max = taskscope_engine::reduce(xs, "max", |a: u64, b: u64| a.max(b)).unwrap();
/// assert_eq!(max.compute().unwrap(), 8);
/// ```
pub fn reduce<T: Data>(
    inputs: impl IntoIterator<Item = Delayed<T>>,
    name: impl Into<Cow<'static, str>>,
    f: impl Fn(T, T) -> T + Clone + Send + Sync + 'static,
) -> Option<Delayed<T>> {
    let name = name.into();
    let mut level: Vec<Delayed<T>> = inputs.into_iter().collect();
    if level.is_empty() {
        return None;
    }
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut items = level.into_iter();
        while let Some(a) = items.next() {
            match items.next() {
                Some(b) => {
                    let f = f.clone();
                    next.push(node_with(name.clone(), [a.node, b.node], move |inputs| {
                        let left = inputs.next::<T>()?;
                        let right = inputs.next::<T>()?;
                        Ok(f(left, right))
                    }));
                }
                None => next.push(a),
            }
        }
        level = next;
    }
    level.pop()
}

/// Groups of at most `fan_in` inputs, each combined by one task, level by level.
fn tree<T: Data>(
    inputs: impl IntoIterator<Item = Delayed<T>>,
    fan_in: usize,
    name: &'static str,
    f: fn(Vec<T>) -> T,
) -> Delayed<T> {
    let mut level: Vec<Delayed<T>> = inputs.into_iter().collect();
    loop {
        if level.len() <= fan_in {
            return combine(name, level, f);
        }
        let mut next = Vec::with_capacity(level.len().div_ceil(fan_in));
        let mut items = level.into_iter().peekable();
        while items.peek().is_some() {
            let group: Vec<Delayed<T>> = items.by_ref().take(fan_in).collect();
            next.push(combine(name, group, f));
        }
        level = next;
    }
}
