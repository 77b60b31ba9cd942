//! System calls: one call table, reached by two paths.
//!
//! A call is a number and up to six arguments, and returns one `u64` (a negative [`Errno`] as
//! two's complement on failure). User buffers are passed by pointer and checked by the kernel
//! as untrusted ([`user`]): a range outside the user region (kernel memory, or an address
//! nothing maps) is refused with [`Errno::Fault`] on both paths.
//!
//! * `svc` ([`svc_path`]): a synchronous trap per call; `crate::syscall`'s handler dispatches
//!   into [`table::execute`].
//! * `fwd` ([`fwd`]): the task writes its request into its core's submission ring in the user
//!   region ([`ring`]) and awaits a future. A collector notices submissions by reading the
//!   ring's producer line (no MMIO access, no trap on the user core), collects up to B of them
//!   or what a timeout leaves, and has the kernel side run them ([`batch`]), which writes
//!   completions and returns the task pointers to wake, in completion order. The collector is
//!   the SyscallFwd device ([`fwd_device`]: a DMA read of the producer line, wakes through
//!   CoroSched's wake paths) or its software stand-in ([`forwarder`]), chosen per run; the
//!   kernel side runs on a dedicated kernel core (FlexSC's syscall core) or on the user core at
//!   its idle point.
//!
//! Everything here runs at EL1 for now. The user side (the tasks, the executor, the ring
//! producer) touches only the user region and the call interface, so the EL0 split changes
//! the page tables, the vectors and where the user side runs, not this module.

pub mod batch;
pub mod console_log;
pub mod forwarder;
pub mod fwd;
pub mod fwd_device;
pub mod nic_tx;
pub mod ring;
pub mod svc_path;
pub mod table;
pub mod user;

pub use table::{Call, Errno};
