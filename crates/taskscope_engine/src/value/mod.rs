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
use std::mem::{MaybeUninit, align_of, size_of};

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
/// `ptr` must hold a `T` stored by [`Value::fill`], which is not used afterwards.
unsafe fn drop_stored<T>(ptr: *mut Storage) {
    if fits_in_place::<T>() {
        // SAFETY: per the function's contract, the storage holds a `T`.
        unsafe { std::ptr::drop_in_place(ptr.cast::<T>()) }
    } else {
        // SAFETY: per the function's contract, the storage holds a `Box<T>`.
        unsafe { drop(ptr.cast::<Box<T>>().read()) }
    }
}

/// A type-erased task result (a `Send + Sync` value of any `'static` type), or nothing.
#[doc(hidden)]
pub struct Value {
    storage: Storage,
    /// `None`: empty (all zero bits); otherwise the table of the stored type.
    vtable: Option<&'static VTable>,
}

// SAFETY: a non-empty `Value` is only ever made from a `T: Send + Sync` (see `Value::fill`),
// so moving it to another thread moves a `Send` value.
unsafe impl Send for Value {}
// SAFETY: as above, `T: Sync`: a `&T` from [`Value::downcast_ref`] on a shared `&Value`
// may be used from any thread (e.g. to clone a result that several consumers read).
unsafe impl Sync for Value {}

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

    /// Wraps `value`, in place when it fits, boxed otherwise (see [`Value::fill`]).
    #[cfg(test)]
    pub(crate) fn new<T: Send + Sync + 'static>(value: T) -> Self {
        let mut wrapped = Self::EMPTY;
        wrapped.fill(value);
        wrapped
    }

    /// Fills an empty value with `value`, written in place when it fits, boxed otherwise.
    ///
    /// The value is not read first: a task's result slot is empty when its function fills
    /// it, and reading a slot on a page no run has touched yet would map the shared zero
    /// page, then copy it on the write (a second fault, and a TLB flush on every core).
    /// Filling a value that is not empty forgets its old content (never dropped: a leak,
    /// which is safe); that is a bug of the caller, checked in debug builds.
    ///
    /// `T: Sync` is what makes [`Value`] `Sync`, and so [`Value::downcast_ref`] on a
    /// `&Value` shared between threads sound.
    #[inline]
    pub(crate) fn fill<T: Send + Sync + 'static>(&mut self, value: T) {
        debug_assert!(self.is_empty(), "only an empty value is filled");
        if fits_in_place::<T>() {
            // SAFETY: `T` fits in the storage (size and alignment checked); whatever it
            // held is overwritten without a drop (see above).
            unsafe { self.storage.as_mut_ptr().cast::<T>().write(value) };
        } else {
            // SAFETY: as above, for the `Box<T>` a large `T` is stored as.
            unsafe {
                self.storage
                    .as_mut_ptr()
                    .cast::<Box<T>>()
                    .write(Box::new(value));
            }
        }
        self.vtable = Some(&VTableOf::<T>::VTABLE);
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
            // SAFETY: a non-empty value (not moved out by `take_as`, which empties it) still
            // holds its `T`.
            unsafe { (vtable.drop_stored)(&raw mut self.storage) };
        }
    }
}

#[cfg(test)]
mod test;
