//! The synchronous system-call path (`svc`): the baseline the device's forwarded calls are
//! compared with. Number in x8, arguments in x0..x5, result in x0.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::arch::exceptions::{self, Frame, SvcHandler};

/// Does nothing and returns 0: measures the bare trap.
pub const SYS_NULL: u64 = 0;
/// Switches between a dispatcher and a stackful request thread: the handler that
/// [`set_thread_switch`] installed gets the frame (`request_threads`). A kernel-internal number,
/// outside the user call table (`syscalls::table::Call`, numbers 0..): with 1 it shadowed
/// `clock`.
pub const SYS_THREAD_SWITCH: u64 = 0x100;
/// Ends EL0 code that `arch::el0::run` started, with x0 as its result: how a function run at
/// EL0 returns to the kernel (`el0.S` calls it when the function returns). Kernel-internal, and
/// refused ([`Errno::NoSys`]) unless it comes from EL0 during such a run.
///
/// [`Errno::NoSys`]: crate::syscalls::table::Errno::NoSys
pub const SYS_EL0_EXIT: u64 = 0x101;
// The internal calls must not shadow a call of the table.
const _: () = assert!(crate::syscalls::table::Call::from_number(SYS_THREAD_SWITCH).is_none());
const _: () = assert!(crate::syscalls::table::Call::from_number(SYS_EL0_EXIT).is_none());

/// Kernel memory: the kernel calls it at EL1; user code sets it through `kernel_call`.
#[unsafe(link_section = ".kernel.bss")]
static THREAD_SWITCH: AtomicUsize = AtomicUsize::new(0);

/// Installs the handler of [`SYS_THREAD_SWITCH`] (`None` removes it). From user code, a
/// system call (`kernel_call`), made at set-up.
pub fn set_thread_switch(handler: Option<SvcHandler>) {
    if crate::arch::cpu::on_kernel_stack() {
        set_thread_switch_here(handler);
    } else {
        use crate::kernel_call::{Op, call_checked};
        call_checked(
            Op::ThreadSwitch,
            handler.map_or(0, |h| h as usize as u64),
            0,
            0,
        );
    }
}

/// [`set_thread_switch`]'s kernel side.
pub fn set_thread_switch_here(handler: Option<SvcHandler>) {
    THREAD_SWITCH.store(handler.map_or(0, |h| h as usize), Ordering::Release);
}

/// The kernel's system-call handler (an [`exceptions::SvcHandler`]).
fn handle_svc(_imm: u16, frame_ptr: *mut Frame) -> *mut Frame {
    // SAFETY: the exception dispatch passes the frame vectors.S just saved.
    let frame = unsafe { &mut *frame_ptr };
    match frame.x[8] {
        SYS_NULL => frame.x[0] = 0,
        SYS_THREAD_SWITCH => {
            let h = THREAD_SWITCH.load(Ordering::Acquire);
            assert!(h != 0, "thread switch with no handler installed");
            // SAFETY: only `set_thread_switch` stores here, always a valid `SvcHandler`.
            let handler: SvcHandler = unsafe { core::mem::transmute::<usize, SvcHandler>(h) };
            return handler(_imm, frame_ptr);
        }
        SYS_EL0_EXIT => {
            // SPSR.M[3:0] = 0: the caller runs at EL0t.
            if frame.spsr & 0xf == 0 && crate::arch::el0::session_active() {
                crate::arch::el0::end_with_value(frame.x[0]);
            }
            frame.x[0] = crate::syscalls::table::Errno::NoSys.result();
        }
        crate::kernel_call::SYS_KERNEL => crate::kernel_call::handle(frame),
        n => frame.x[0] = crate::syscalls::svc_path::handle(n, &frame.x),
    }
    frame_ptr
}

/// vectors.S calls this for every exception: the arch dispatch with [`handle_svc`] registered as
/// the system-call handler. Registered here, when the kernel is linked, rather than in a table at
/// run time as IRQ handlers are: the dispatch then calls it directly (inlined), so the null
/// `svc` round trip, a committed calibration number, costs what it did.
#[unsafe(no_mangle)]
extern "C" fn handle_exception(kind: u64, frame: *mut Frame) -> *mut Frame {
    // SAFETY: called by vectors.S only, with its vector index and the frame it just saved.
    unsafe { exceptions::dispatch(kind, frame, handle_svc) }
}

/// Calls system call `nr` with one argument from EL1 (the kernel traps to itself; the path is
/// the same exception entry and return an EL0 caller would take).
#[inline(always)]
pub fn call(nr: u64, arg: u64) -> u64 {
    crate::arch::svc::call(nr, arg)
}
