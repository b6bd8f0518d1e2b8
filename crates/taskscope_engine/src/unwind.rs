//! Panics that cross the engine's own code (as rayon-core's `unwind.rs`): a guard for
//! code that must not unwind, and helpers for panic payloads, which are user data.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Aborts the process if dropped while its thread unwinds: wraps protocol code whose
/// unwinding would leave other threads waiting forever. Forget it (`mem::forget`) once
/// the guarded code is done.
pub(crate) struct AbortIfPanic;

impl Drop for AbortIfPanic {
    fn drop(&mut self) {
        // Only reached by unwinding: on the normal path the guard is forgotten.
        eprintln!("taskscope: a worker thread panicked outside a task; aborting");
        std::process::abort();
    }
}

/// Drops a panic's payload, which is user data: its `Drop` may panic in turn. That
/// second panic is caught, and its own payload forgotten (leaked) rather than dropped,
/// so nothing unwinds out of here.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(second);
    }
}

/// A panic's message, from its payload (`&str` or `String`; other payloads get a fixed text).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked with a non-string payload".to_owned()
    }
}
