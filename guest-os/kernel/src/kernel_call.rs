//! The kernel work the apps' runtime asks for from EL0: one kernel-internal system call
//! ([`SYS_KERNEL`]) whose first argument names the operation.
//!
//! Each operation is EL1-only: the console (the PL011 is not mapped to EL0), the interrupt
//! set-up (`set_irq_handler`, `gic::enable`, the timer hooks: kernel memory and GIC registers)
//! and the soft wake's SGI (`ICC_SGI1R_EL1`). The public functions of those modules take the
//! direct path when they run on a kernel stack (`cpu::on_kernel_stack`: kernel code at EL1)
//! and make this call otherwise; the handler below runs their direct halves. All but the
//! console and the SGI are set-up, called before a measured window; the SGI is the soft
//! wake's, a trap per wake on that software baseline path.

use crate::arch::exceptions::{Frame, IrqHandler};
use crate::syscalls::table::Errno;

/// The call's number: kernel-internal, outside the user call table, like `SYS_EL0_EXIT`.
pub const SYS_KERNEL: u64 = 0x102;
const _: () = assert!(crate::syscalls::table::Call::from_number(SYS_KERNEL).is_none());

/// The operations, by the number in x0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Op {
    /// `(buf, len)`: writes user bytes to the console.
    Console = 0,
    /// `(intid, handler)`: installs an IRQ handler.
    SetIrqHandler = 1,
    /// `(intid, core, level)`: enables an interrupt in the GIC (level- or edge-triggered).
    GicEnable = 2,
    /// `(core, hook)`: sets a core's timer hook (0: none).
    TimerHook = 3,
    /// `(sgi, core)`: sends an SGI.
    SendSgi = 4,
    /// `(entry, arg, out)`: runs `entry(arg)` in a nested EL0 run (`arch::el0::run` from user
    /// code), its outcome written to `out`.
    RunAtEl0 = 5,
    /// `()`: the exception level the caller runs at (SPSR.M[3:2] of its frame).
    CallerEl = 6,
    /// `()`: the fastest of 16 null `svc` round trips made by the kernel at EL1.
    NullRoundTripEl1 = 7,
    /// `(first_core, end_core, batch, timeout_ticks, stop)`: the software collector's kernel
    /// core (`forwarder::serve_dedicated`), until the user flag `stop` is set.
    ForwarderServe = 8,
    /// `(core, batch)`: the software collector's same-core side at an idle point: runs what
    /// `core` submitted, in batches of up to `batch`.
    ForwarderIdle = 9,
    /// `(setup)`: programs the SyscallFwd device with the six words at `setup` (user memory:
    /// user core, kernel core, B, timeout ps, poll ps, wake path) and enables it.
    FwdStart = 10,
    /// `(user_core)`: stops the device.
    FwdStop = 11,
    /// `()`: the device's `ERR_STATUS`.
    FwdErrors = 12,
    /// `()`: the device's `WAKE_STALLS`.
    FwdWakeStalls = 13,
    /// `(stop)`: serves the device's batches on this kernel core until the user flag `stop`.
    FwdServeDedicated = 14,
    /// `()`: serves one batch the device handed over, if any; returns its size.
    FwdServeOne = 15,
    /// `(handler)`: installs the handler of `syscall::SYS_THREAD_SWITCH` (0: none).
    ThreadSwitch = 16,
    /// `(nic)`: the NIC (a handle in user memory, or 0) the kernel's TX queue transmits on.
    NicAttach = 17,
}

/// Makes the call from user code (or an EL1 thread on a heap stack).
#[inline(always)]
pub fn call(op: Op, a: u64, b: u64, c: u64) -> u64 {
    call5(op, [a, b, c, 0, 0])
}

/// [`call`] with five arguments.
#[inline(always)]
pub fn call5(op: Op, args: [u64; 5]) -> u64 {
    let [a, b, c, d, e] = args;
    crate::arch::svc::call6(SYS_KERNEL, [op as u64, a, b, c, d, e])
}

/// A user flag the kernel polls (an `AtomicBool` in user memory).
fn user_flag(addr: u64) -> Result<&'static core::sync::atomic::AtomicBool, Errno> {
    let range = crate::syscalls::user::check(addr, 1)?;
    // SAFETY: one byte of user memory, static for the run; read atomically as the user side
    // writes it.
    Ok(unsafe { &*range.as_ptr().cast::<core::sync::atomic::AtomicBool>() })
}

/// Panics with the operation when the kernel refused it: user code passed a bad argument.
pub fn call_checked(op: Op, a: u64, b: u64, c: u64) {
    let r = call(op, a, b, c);
    if let Some(e) = Errno::from_result(r) {
        panic!("kernel call {op:?}({a:#x}, {b:#x}, {c:#x}) refused: {e:?}");
    }
}

/// A handler address must lie in the shared text (the kernel's handlers are there; user memory
/// is never executable). The image is one text for both levels (see `mmu`), so this keeps EL0
/// from pointing the kernel at data, not at other code.
pub fn in_text(addr: u64) -> bool {
    unsafe extern "C" {
        static __text_start: u8;
        static __text_end: u8;
    }
    let start = core::ptr::addr_of!(__text_start) as u64;
    let end = core::ptr::addr_of!(__text_end) as u64;
    (start..end).contains(&addr) && addr.is_multiple_of(4)
}

fn handler(addr: u64) -> Result<IrqHandler, Errno> {
    if !in_text(addr) {
        return Err(Errno::Fault);
    }
    // SAFETY: an address in the text, which the caller's `IrqHandler` produced.
    Ok(unsafe { core::mem::transmute::<usize, IrqHandler>(addr as usize) })
}

fn core_arg(core: u64) -> Result<usize, Errno> {
    if core < crate::smp::cores() as u64 {
        Ok(core as usize)
    } else {
        Err(Errno::Inval)
    }
}

fn intid_arg(intid: u64) -> Result<u32, Errno> {
    if intid < 1020 {
        Ok(intid as u32)
    } else {
        Err(Errno::Inval)
    }
}

/// The kernel's side (from the `svc` handler, at EL1 on the caller's kernel stack).
pub fn handle(frame: &mut Frame) {
    let [op, a, b, c, d, e] = [
        frame.x[0], frame.x[1], frame.x[2], frame.x[3], frame.x[4], frame.x[5],
    ];
    let out: Result<u64, Errno> = match op {
        x if x == Op::Console as u64 => crate::syscalls::user::slice(a, b).map(|range| {
            crate::console::write_user_here(range);
            range.len() as u64
        }),
        x if x == Op::SetIrqHandler as u64 => intid_arg(a).and_then(|intid| {
            crate::arch::exceptions::set_irq_handler_here(intid, handler(b)?);
            Ok(0)
        }),
        x if x == Op::GicEnable as u64 => intid_arg(a).and_then(|intid| {
            let trigger = if c == 1 {
                arm_gic::Trigger::Level
            } else {
                arm_gic::Trigger::Edge
            };
            crate::gic::enable_here(intid, core_arg(b)?, trigger);
            Ok(0)
        }),
        x if x == Op::TimerHook as u64 => core_arg(a).and_then(|core| {
            let hook = if b == 0 { None } else { Some(handler(b)?) };
            crate::timer::set_hook_here(core, hook);
            Ok(0)
        }),
        x if x == Op::SendSgi as u64 => match (a < 16, core_arg(b)) {
            (true, Ok(core)) => {
                crate::gic::send_sgi_here(a as u32, core);
                Ok(0)
            }
            _ => Err(Errno::Inval),
        },
        x if x == Op::RunAtEl0 as u64 => {
            crate::arch::el0::run_for_user(a, b, frame.sp_el0, c).map(|()| 0)
        }
        x if x == Op::CallerEl as u64 => Ok((frame.spsr >> 2) & 3),
        x if x == Op::NullRoundTripEl1 as u64 => Ok(crate::el0_check::fastest_null_call()),
        x if x == Op::ForwarderServe as u64 => {
            use crate::syscalls::forwarder;
            let cores = core_arg(a).and_then(|first| Ok(first..core_arg(b.max(1) - 1)? + 1));
            cores.and_then(|cores| {
                let policy = forwarder::Policy {
                    batch: c,
                    timeout_ticks: d,
                };
                forwarder::serve_dedicated_here(cores, policy, user_flag(e)?);
                Ok(0)
            })
        }
        x if x == Op::ForwarderIdle as u64 => core_arg(a).map(|core| {
            crate::syscalls::forwarder::serve_pending_here(core, b);
            0
        }),
        x if x == Op::FwdStart as u64 => crate::syscalls::user::check(a, 48).and_then(|r| {
            // SAFETY: 48 bytes of user memory, checked; read once.
            let w = unsafe { core::ptr::read_volatile(r.as_ptr().cast::<[u64; 6]>()) };
            let setup = crate::syscalls::fwd_device::Setup::from_words(w).ok_or(Errno::Inval)?;
            core_arg(w[0])?;
            core_arg(w[1])?;
            crate::syscalls::fwd_device::device_here().start_here(setup);
            Ok(0)
        }),
        x if x == Op::FwdStop as u64 => core_arg(a).map(|core| {
            crate::syscalls::fwd_device::device_here().stop_here(core);
            0
        }),
        x if x == Op::FwdErrors as u64 => {
            Ok(crate::syscalls::fwd_device::device_here().err_status_here())
        }
        x if x == Op::FwdWakeStalls as u64 => {
            Ok(crate::syscalls::fwd_device::device_here().wake_stalls_here())
        }
        x if x == Op::FwdServeDedicated as u64 => user_flag(a).map(|stop| {
            crate::syscalls::fwd_device::device_here().serve_dedicated_here(stop);
            0
        }),
        x if x == Op::FwdServeOne as u64 => {
            Ok(crate::syscalls::fwd_device::device_here().serve_one_here())
        }
        x if x == Op::NicAttach as u64 => crate::nic::kernel_tx::attach_here(a).map(|()| 0),
        x if x == Op::ThreadSwitch as u64 => {
            if a == 0 {
                crate::syscall::set_thread_switch_here(None);
                Ok(0)
            } else if in_text(a) {
                // SAFETY: an address in the text, which the caller's `SvcHandler` produced.
                let h = unsafe {
                    core::mem::transmute::<usize, crate::arch::exceptions::SvcHandler>(a as usize)
                };
                crate::syscall::set_thread_switch_here(Some(h));
                Ok(0)
            } else {
                Err(Errno::Fault)
            }
        }
        _ => Err(Errno::NoSys),
    };
    frame.x[0] = out.unwrap_or_else(Errno::result);
}
