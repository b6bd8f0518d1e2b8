//! Operators and iterator folds on [`Delayed`] values: each builds a graph node.
//!
//! `a + b`, `a - b`, `a * b`, `a / b` and `-a` work on owned and borrowed
//! `Delayed` values, and with plain numbers on either side. The nodes are named
//! like Dask's operator tasks: `add`, `sub`, `mul`, `div`, `neg`.
//!
//! [`Iterator::sum`] and [`Iterator::product`] over `Delayed` values fold from
//! the left, building a serial chain of `add`/`mul` tasks — exactly what
//! Python's `sum()` and `np.prod` build over Dask delayed values. For one task
//! or a balanced tree instead, use [`sum`](crate::sum), [`prod`](crate::prod)
//! or [`reduce`](fn@crate::reduce).

use std::borrow::Cow;
use std::iter::{Product, Sum};
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::Arc;

use crate::delayed::{Data, Delayed, node_with};

/// A binary-operator node over two inputs.
fn binary<A: Data, B: Data, R: Data>(
    name: &'static str,
    lhs: &Delayed<A>,
    rhs: &Delayed<B>,
    op: fn(A, B) -> R,
) -> Delayed<R> {
    node_with(
        Cow::Borrowed(name),
        [Arc::clone(&lhs.node), Arc::clone(&rhs.node)],
        move |inputs| {
            let a = inputs.next::<A>()?;
            let b = inputs.next::<B>()?;
            Ok(op(a, b))
        },
    )
}

/// A binary-operator node with a plain value on the right.
fn with_rhs<A: Data, B: Data, R: Data>(
    name: &'static str,
    lhs: &Delayed<A>,
    rhs: B,
    op: fn(A, B) -> R,
) -> Delayed<R> {
    node_with(
        Cow::Borrowed(name),
        [Arc::clone(&lhs.node)],
        move |inputs| Ok(op(inputs.next::<A>()?, rhs.clone())),
    )
}

/// A binary-operator node with a plain value on the left.
fn with_lhs<A: Data, B: Data, R: Data>(
    name: &'static str,
    lhs: A,
    rhs: &Delayed<B>,
    op: fn(A, B) -> R,
) -> Delayed<R> {
    node_with(
        Cow::Borrowed(name),
        [Arc::clone(&rhs.node)],
        move |inputs| Ok(op(lhs.clone(), inputs.next::<B>()?)),
    )
}

macro_rules! delayed_op {
    ($Trait:ident, $method:ident, $name:literal) => {
        impl<A: Data + $Trait<B>, B: Data> $Trait<Delayed<B>> for Delayed<A>
        where
            A::Output: Data,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: Delayed<B>) -> Self::Output {
                binary($name, &self, &rhs, A::$method)
            }
        }
        impl<A: Data + $Trait<B>, B: Data> $Trait<&Delayed<B>> for Delayed<A>
        where
            A::Output: Data,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: &Delayed<B>) -> Self::Output {
                binary($name, &self, rhs, A::$method)
            }
        }
        impl<A: Data + $Trait<B>, B: Data> $Trait<Delayed<B>> for &Delayed<A>
        where
            A::Output: Data,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: Delayed<B>) -> Self::Output {
                binary($name, self, &rhs, A::$method)
            }
        }
        impl<A: Data + $Trait<B>, B: Data> $Trait<&Delayed<B>> for &Delayed<A>
        where
            A::Output: Data,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: &Delayed<B>) -> Self::Output {
                binary($name, self, rhs, A::$method)
            }
        }
    };
}

delayed_op!(Add, add, "add");
delayed_op!(Sub, sub, "sub");
delayed_op!(Mul, mul, "mul");
delayed_op!(Div, div, "div");

/// Operators between `Delayed` values and plain numbers of a primitive type, on either side.
macro_rules! scalar_ops {
    ($($P:ty),*) => {$(
        scalar_ops!(@one $P, Add, add, "add");
        scalar_ops!(@one $P, Sub, sub, "sub");
        scalar_ops!(@one $P, Mul, mul, "mul");
        scalar_ops!(@one $P, Div, div, "div");
    )*};
    (@one $P:ty, $Trait:ident, $method:ident, $name:literal) => {
        impl<A: Data + $Trait<$P>> $Trait<$P> for Delayed<A>
        where
            A::Output: Data,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: $P) -> Self::Output {
                with_rhs($name, &self, rhs, A::$method)
            }
        }
        impl<A: Data + $Trait<$P>> $Trait<$P> for &Delayed<A>
        where
            A::Output: Data,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: $P) -> Self::Output {
                with_rhs($name, self, rhs, A::$method)
            }
        }
        impl<B: Data> $Trait<Delayed<B>> for $P
        where
            $P: $Trait<B>,
            <$P as $Trait<B>>::Output: Data,
        {
            type Output = Delayed<<$P as $Trait<B>>::Output>;
            fn $method(self, rhs: Delayed<B>) -> Self::Output {
                with_lhs($name, self, &rhs, <$P as $Trait<B>>::$method)
            }
        }
        impl<B: Data> $Trait<&Delayed<B>> for $P
        where
            $P: $Trait<B>,
            <$P as $Trait<B>>::Output: Data,
        {
            type Output = Delayed<<$P as $Trait<B>>::Output>;
            fn $method(self, rhs: &Delayed<B>) -> Self::Output {
                with_lhs($name, self, rhs, <$P as $Trait<B>>::$method)
            }
        }
    };
}

scalar_ops!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<A: Data + Neg> Neg for Delayed<A>
where
    A::Output: Data,
{
    type Output = Delayed<A::Output>;
    fn neg(self) -> Self::Output {
        -&self
    }
}

impl<A: Data + Neg> Neg for &Delayed<A>
where
    A::Output: Data,
{
    type Output = Delayed<A::Output>;
    fn neg(self) -> Self::Output {
        node_with(Cow::Borrowed("neg"), [Arc::clone(&self.node)], |inputs| {
            Ok(-inputs.next::<A>()?)
        })
    }
}

/// Folds from the left into a chain of `add` tasks, like Python's `sum()` over delayed values.
/// An empty iterator gives a task returning `T`'s sum of nothing (zero).
impl<T: Data + Add<Output = T> + Sum<T>> Sum<Delayed<T>> for Delayed<T> {
    fn sum<I: Iterator<Item = Delayed<T>>>(iter: I) -> Self {
        iter.reduce(|acc, x| acc + x)
            .unwrap_or_else(|| Delayed::from_fn("sum", || std::iter::empty::<T>().sum()))
    }
}

/// Like the owned version: a left-folded chain of `add` tasks.
impl<'a, T: Data + Add<Output = T> + Sum<T>> Sum<&'a Delayed<T>> for Delayed<T> {
    fn sum<I: Iterator<Item = &'a Delayed<T>>>(iter: I) -> Self {
        iter.cloned().sum()
    }
}

/// Folds from the left into a chain of `mul` tasks, like `np.prod` over delayed values.
/// An empty iterator gives a task returning `T`'s product of nothing (one).
impl<T: Data + Mul<Output = T> + Product<T>> Product<Delayed<T>> for Delayed<T> {
    fn product<I: Iterator<Item = Delayed<T>>>(iter: I) -> Self {
        iter.reduce(|acc, x| acc * x)
            .unwrap_or_else(|| Delayed::from_fn("prod", || std::iter::empty::<T>().product()))
    }
}

/// Like the owned version: a left-folded chain of `mul` tasks.
impl<'a, T: Data + Mul<Output = T> + Product<T>> Product<&'a Delayed<T>> for Delayed<T> {
    fn product<I: Iterator<Item = &'a Delayed<T>>>(iter: I) -> Self {
        iter.cloned().product()
    }
}
