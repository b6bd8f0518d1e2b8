//! Guards for code that must not unwind (as rayon-core's `unwind.rs`).

/// Aborts the process if dropped while its thread unwinds: wraps protocol code whose
/// unwinding would leave other threads waiting forever. Forget it (`mem::forget`) once
/// the guarded code is done.
pub(super) struct AbortIfPanic;

impl Drop for AbortIfPanic {
    fn drop(&mut self) {
        // Only reached by unwinding: on the normal path the guard is forgotten.
        eprintln!("taskscope: a worker thread panicked outside a task; aborting");
        std::process::abort();
    }
}
