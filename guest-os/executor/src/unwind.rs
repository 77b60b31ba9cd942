//! Catching a panic of a task, where there is unwinding to catch.
//!
//! On a hosted target (the host tests, a host-side runtime) a panicking task must not take the
//! executor down: its poll is caught, the task is dropped and counted, and the batch goes on.
//! The bare-metal guest is built with `panic = "abort"`: a panic stops the run with its
//! message, which is what a failed run should do, and there is nothing to catch.

#[cfg(not(target_os = "none"))]
pub(crate) type Panic = std::boxed::Box<dyn core::any::Any + Send>;

#[cfg(target_os = "none")]
pub(crate) type Panic = core::convert::Infallible;

/// Runs `f`, returning `Err` with the payload if it panicked.
#[cfg(not(target_os = "none"))]
#[inline(always)]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    // The executor restores its own invariants after a caught panic (the completion guard, the
    // batch guard), and drops the task whose state the panic may have broken.
    std::panic::catch_unwind(core::panic::AssertUnwindSafe(f))
}

/// Runs `f`; on this target a panic aborts, so it never returns `Err`.
#[cfg(target_os = "none")]
#[inline(always)]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    Ok(f())
}

/// Drops a panic payload; a payload whose own `Drop` panics is leaked rather than allowed to
/// unwind out of the executor.
pub(crate) fn discard(payload: Panic) {
    #[cfg(not(target_os = "none"))]
    if let Err(again) = catch(move || drop(payload)) {
        core::mem::forget(again);
    }
    #[cfg(target_os = "none")]
    match payload {}
}
