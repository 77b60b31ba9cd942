//! The executor of a single-threaded integration test: one core, whose only thread is the
//! test's, and a clock that never moves.

use executor::{Executor, Platform};

pub struct OneCore;

// SAFETY: the test has one thread, which is core 0.
unsafe impl Platform for OneCore {
    fn core_id(&self) -> usize {
        0
    }
    fn pend(&self, _core: usize) {}
    fn now(&self) -> u64 {
        0
    }
}

static PLATFORM: OneCore = OneCore;
/// The test's executor (a static: its tasks need `&'static` ones).
pub static EXECUTOR: Executor = Executor::new(0, &PLATFORM);
