//! [`Value`]: a task's result, type-erased while it moves between tasks.
//!
//! Small values (at most two machine words, word-aligned: integers, floats,
//! `Arc`s, `Vec`s, `String`s…) are stored inline, so passing them between tasks
//! costs no heap allocation; larger ones are boxed. This matters for graphs of
//! many small tasks, where a `malloc`/`free` pair per task would be a large part
//! of the scheduling overhead.

use std::any::{Any, TypeId};
use std::mem::{ManuallyDrop, MaybeUninit, align_of, size_of};

type Inline = MaybeUninit<[usize; 2]>;

/// Per-type operations on an inline value.
struct VTable {
    type_id: fn() -> TypeId,
    drop_inline: unsafe fn(*mut Inline),
}

struct VTableOf<T>(std::marker::PhantomData<T>);

impl<T: 'static> VTableOf<T> {
    const VTABLE: VTable = VTable {
        type_id: TypeId::of::<T>,
        drop_inline: drop_inline::<T>,
    };
}

/// # Safety
/// `ptr` must point to an initialized `T` stored inline, which is not used afterwards.
unsafe fn drop_inline<T>(ptr: *mut Inline) {
    // SAFETY: per the function's contract.
    unsafe { std::ptr::drop_in_place(ptr.cast::<T>()) }
}

enum Repr {
    Inline {
        data: Inline,
        vtable: &'static VTable,
    },
    Boxed(Box<dyn Any + Send>),
}

/// A type-erased task result (a `Send` value of any `'static` type).
#[doc(hidden)]
pub struct Value(Repr);

// SAFETY: a `Value` is only ever made from a `T: Send` (see `Value::new`).
unsafe impl Send for Value {}

const fn fits_inline<T>() -> bool {
    size_of::<T>() <= size_of::<Inline>() && align_of::<T>() <= align_of::<Inline>()
}

impl Value {
    /// Wraps `value`, inline when it fits.
    pub(crate) fn new<T: Send + 'static>(value: T) -> Self {
        if fits_inline::<T>() {
            let mut data = Inline::uninit();
            // SAFETY: `T` fits in `data` (size and alignment checked above).
            unsafe { data.as_mut_ptr().cast::<T>().write(value) };
            Self(Repr::Inline {
                data,
                vtable: &VTableOf::<T>::VTABLE,
            })
        } else {
            Self(Repr::Boxed(Box::new(value)))
        }
    }

    /// The value as a `T`, or the value back if it is of another type.
    pub(crate) fn downcast<T: 'static>(self) -> Result<T, Self> {
        let mut this = ManuallyDrop::new(self);
        match &mut this.0 {
            Repr::Inline { data, vtable } => {
                if (vtable.type_id)() == TypeId::of::<T>() {
                    // SAFETY: the type matches; the value is moved out exactly once and
                    // `this` is never dropped (ManuallyDrop), so it is not dropped twice.
                    Ok(unsafe { data.as_ptr().cast::<T>().read() })
                } else {
                    Err(ManuallyDrop::into_inner(this))
                }
            }
            Repr::Boxed(_) => {
                // SAFETY: we take the box out of `this`, which is then forgotten.
                let Repr::Boxed(boxed) = (unsafe { std::ptr::read(&raw const this.0) }) else {
                    return Err(ManuallyDrop::into_inner(this));
                };
                boxed
                    .downcast::<T>()
                    .map(|v| *v)
                    .map_err(|b| Self(Repr::Boxed(b)))
            }
        }
    }

    /// A reference to the value as a `T`, if it is one.
    pub(crate) fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        match &self.0 {
            Repr::Inline { data, vtable } => {
                // SAFETY: the type matches, and `data` holds an initialized `T`.
                ((vtable.type_id)() == TypeId::of::<T>())
                    .then(|| unsafe { &*data.as_ptr().cast::<T>() })
            }
            Repr::Boxed(b) => b.downcast_ref::<T>(),
        }
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        if let Repr::Inline { data, vtable } = &mut self.0 {
            // SAFETY: an inline value not moved out by `downcast` is still initialized.
            unsafe { (vtable.drop_inline)(data) };
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn small_values_round_trip_inline_and_large_ones_boxed() {
        let v = Value::new(42_u64);
        assert!(matches!(v.0, Repr::Inline { .. }));
        assert_eq!(v.downcast_ref::<u64>(), Some(&42));
        assert_eq!(v.downcast::<u64>().ok(), Some(42));

        let big = Value::new([7_u64; 8]);
        assert!(matches!(big.0, Repr::Boxed(_)));
        assert_eq!(big.downcast::<[u64; 8]>().ok(), Some([7; 8]));

        let s = Value::new(String::from("hello"));
        let Err(wrong) = s.downcast::<u64>() else {
            panic!("a String is not a u64")
        };
        assert_eq!(wrong.downcast::<String>().ok().as_deref(), Some("hello"));
    }

    #[test]
    fn dropping_runs_the_destructor_exactly_once() {
        let shared = Arc::new(());
        let v = Value::new(Arc::clone(&shared));
        assert_eq!(Arc::strong_count(&shared), 2);
        drop(v);
        assert_eq!(Arc::strong_count(&shared), 1);
        let v = Value::new(Arc::clone(&shared));
        let back = v.downcast::<Arc<()>>().ok().unwrap();
        assert_eq!(Arc::strong_count(&shared), 2);
        drop(back);
        assert_eq!(Arc::strong_count(&shared), 1);
        let boxed = Value::new((Arc::clone(&shared), [0_u64; 4]));
        drop(boxed);
        assert_eq!(Arc::strong_count(&shared), 1);
    }
}
