//! [`Value`]: a task's result, type-erased while it moves between tasks.
//!
//! A value is three machine words: two words of storage and a pointer to a
//! per-type table. Small values (at most two words, word-aligned: integers,
//! floats, `Arc`s, `Vec`s, `String`s…) are stored in place, so passing them
//! between tasks costs no heap allocation; larger ones are stored as a `Box<T>`
//! in the same two words. This matters for graphs of many small tasks, where a
//! `malloc`/`free` pair per task would be a large part of the scheduling overhead.
//!
//! A value can be *empty* (no table): that is the state of a result slot before
//! its task ran and after its last reader took it. The empty value is all zero
//! bits, so a freshly zeroed buffer of values (`alloc_zeroed`, no `memset`) is a
//! buffer of empty slots.

use std::any::TypeId;
use std::mem::{ManuallyDrop, MaybeUninit, align_of, size_of};

type Storage = MaybeUninit<[usize; 2]>;

/// Per-type facts about a stored value.
struct VTable {
    type_id: TypeId,
    /// Drops the `T` (or the `Box<T>`) in the storage.
    drop_stored: unsafe fn(*mut Storage),
}

struct VTableOf<T>(std::marker::PhantomData<T>);

impl<T: 'static> VTableOf<T> {
    const VTABLE: VTable = VTable {
        type_id: TypeId::of::<T>(),
        drop_stored: drop_stored::<T>,
    };
}

/// # Safety
/// `ptr` must hold a `T` stored by [`Value::new`], which is not used afterwards.
unsafe fn drop_stored<T>(ptr: *mut Storage) {
    if fits_in_place::<T>() {
        // SAFETY: per the function's contract, the storage holds a `T`.
        unsafe { std::ptr::drop_in_place(ptr.cast::<T>()) }
    } else {
        // SAFETY: per the function's contract, the storage holds a `Box<T>`.
        unsafe { drop(ptr.cast::<Box<T>>().read()) }
    }
}

/// A type-erased task result (a `Send` value of any `'static` type), or nothing.
#[doc(hidden)]
pub struct Value {
    storage: Storage,
    /// `None`: empty (all zero bits); otherwise the table of the stored type.
    vtable: Option<&'static VTable>,
}

// SAFETY: a non-empty `Value` is only ever made from a `T: Send` (see `Value::new`).
unsafe impl Send for Value {}

const fn fits_in_place<T>() -> bool {
    size_of::<T>() <= size_of::<Storage>() && align_of::<T>() <= align_of::<Storage>()
}

// The boxed representation must fit in the storage.
const _: () = assert!(fits_in_place::<Box<u8>>());

impl Value {
    /// The empty value.
    pub(crate) const EMPTY: Self = Self {
        storage: MaybeUninit::uninit(),
        vtable: None,
    };

    /// Wraps `value`, in place when it fits, boxed otherwise.
    pub(crate) fn new<T: Send + 'static>(value: T) -> Self {
        let mut storage = Storage::uninit();
        if fits_in_place::<T>() {
            // SAFETY: `T` fits in `storage` (size and alignment checked above).
            unsafe { storage.as_mut_ptr().cast::<T>().write(value) };
        } else {
            // SAFETY: a `Box<T>` fits in `storage` (asserted at compile time above).
            unsafe { storage.as_mut_ptr().cast::<Box<T>>().write(Box::new(value)) };
        }
        Self {
            storage,
            vtable: Some(&VTableOf::<T>::VTABLE),
        }
    }

    /// Whether the value is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.vtable.is_none()
    }

    /// Takes the value out, leaving the empty value.
    pub(crate) fn take(&mut self) -> Self {
        std::mem::replace(self, Self::EMPTY)
    }

    #[inline]
    fn holds<T: 'static>(&self) -> bool {
        self.vtable.is_some_and(|v| v.type_id == TypeId::of::<T>())
    }

    /// The value as a `T`, or the value back if it is empty or of another type.
    pub(crate) fn downcast<T: 'static>(self) -> Result<T, Self> {
        if !self.holds::<T>() {
            return Err(self);
        }
        let this = ManuallyDrop::new(self);
        if fits_in_place::<T>() {
            // SAFETY: the storage holds a `T` (type checked above); it is moved out exactly
            // once and `this` is never dropped (ManuallyDrop), so it is not dropped twice.
            Ok(unsafe { this.storage.as_ptr().cast::<T>().read() })
        } else {
            // SAFETY: as above, for the `Box<T>` a large `T` is stored as.
            Ok(*unsafe { this.storage.as_ptr().cast::<Box<T>>().read() })
        }
    }

    /// Takes the value out as a `T`, leaving the empty value; `None` (and the value left
    /// as it was) if it is empty or of another type. Moves nothing through the stack
    /// but the `T` itself.
    #[inline]
    pub(crate) fn take_as<T: 'static>(&mut self) -> Option<T> {
        if !self.holds::<T>() {
            return None;
        }
        self.vtable = None;
        if fits_in_place::<T>() {
            // SAFETY: the storage held a `T` (type checked above); marking the value empty
            // first means it is moved out exactly once and never dropped here.
            Some(unsafe { self.storage.as_ptr().cast::<T>().read() })
        } else {
            // SAFETY: as above, for the `Box<T>` a large `T` is stored as.
            Some(*unsafe { self.storage.as_ptr().cast::<Box<T>>().read() })
        }
    }

    /// A reference to the value as a `T`, if it is one.
    pub(crate) fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        if !self.holds::<T>() {
            return None;
        }
        if fits_in_place::<T>() {
            // SAFETY: the type matches, and the storage holds an initialized `T`.
            Some(unsafe { &*self.storage.as_ptr().cast::<T>() })
        } else {
            // SAFETY: the type matches, and the storage holds a `Box<T>`.
            Some(unsafe { &**self.storage.as_ptr().cast::<Box<T>>() })
        }
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        if let Some(vtable) = self.vtable {
            // SAFETY: a non-empty value not moved out by `downcast` still holds its `T`.
            unsafe { (vtable.drop_stored)(&raw mut self.storage) };
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn small_values_round_trip_in_place_and_large_ones_boxed() {
        assert_eq!(size_of::<Value>(), 3 * size_of::<usize>());
        let v = Value::new(42_u64);
        assert_eq!(v.downcast_ref::<u64>(), Some(&42));
        assert_eq!(v.downcast::<u64>().ok(), Some(42));

        let big = Value::new([7_u64; 8]);
        assert_eq!(big.downcast_ref::<[u64; 8]>(), Some(&[7; 8]));
        assert_eq!(big.downcast::<[u64; 8]>().ok(), Some([7; 8]));

        let s = Value::new(String::from("hello"));
        let Err(wrong) = s.downcast::<u64>() else {
            panic!("a String is not a u64")
        };
        assert_eq!(wrong.downcast::<String>().ok().as_deref(), Some("hello"));
    }

    #[test]
    fn the_empty_value_is_zero_bits_and_downcasts_to_nothing() {
        let zeroed: MaybeUninit<Value> = MaybeUninit::zeroed();
        // SAFETY: all-zero bits are the empty value (storage uninit, vtable None).
        let mut v = unsafe { zeroed.assume_init() };
        assert!(v.is_empty());
        assert!(v.downcast_ref::<u64>().is_none());
        v = Value::new(5_u32);
        let taken = v.take();
        assert!(v.is_empty());
        assert_eq!(taken.downcast::<u32>().ok(), Some(5));
        assert!(Value::EMPTY.downcast::<u32>().is_err());
        let mut v = Value::new(String::from("x"));
        assert!(v.take_as::<u32>().is_none(), "wrong type: left as it was");
        assert_eq!(v.take_as::<String>().as_deref(), Some("x"));
        assert!(v.is_empty() && v.take_as::<String>().is_none());
        let mut big = Value::new([3_u64; 5]);
        assert_eq!(big.take_as::<[u64; 5]>(), Some([3; 5]));
        assert!(big.is_empty());
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
        let boxed = Value::new((Arc::clone(&shared), [0_u64; 4]));
        let (back, _) = boxed.downcast::<(Arc<()>, [u64; 4])>().ok().unwrap();
        assert_eq!(Arc::strong_count(&shared), 2);
        drop(back);
        assert_eq!(Arc::strong_count(&shared), 1);
    }
}
