//! Runs the `executor` crate on each core (filled in with the executor integration).

pub fn init_core(_core: usize) {}
