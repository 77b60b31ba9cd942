//! Exception handling at EL1: the vector table (`vectors.S`) saves the context into a [`Frame`]
//! and calls `handle_exception`, which returns the frame to resume. Which table is installed is
//! a run parameter ([`IrqFrame`]): the full one saves every register on every exception, the
//! lean ones save only the integer registers on an IRQ and the FP/SIMD registers only when the
//! IRQ switches threads. IRQs are
//! acknowledged through the GIC CPU interface and dispatched to a per-INTID handler table that
//! drivers fill at run time ([`set_irq_handler`]). The system-call handler is fixed when the
//! kernel is linked: `crate::syscall` defines `handle_exception` as [`dispatch`] with its
//! handler, so this module names no kernel module above it and the `svc` path stays a direct,
//! inlined call (its round trip is a committed calibration number).
//!
//! Exceptions from EL0 arrive at the lower-EL entries: a system call goes to the same handler
//! as from EL1, any other synchronous exception ends the EL0 run that took it
//! ([`crate::arch::el0`]), and an IRQ is handled as at EL1 (and counted,
//! [`IRQ_FROM_EL0_COUNT`]).

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{ESR_EL1, FAR_EL1, Readable, VBAR_EL1, Writeable};
use arm_gic::{IntId, InterruptGroup, gicv3::GicCpuInterface};
use runconfig::IrqFrame;

use crate::probe::Stage;

global_asm!(include_str!("vectors.S"));

/// The saved context of interrupted code, as `vectors.S` lays it out.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// x0–x30. The lean IRQ path saves x19–x28 only when the interrupt switches away from this
    /// frame (the handler preserves them); like the FP/SIMD part, valid whenever the frame is
    /// not running.
    pub x: [u64; 31],
    pub elr: u64,
    pub spsr: u64,
    /// The context's SP_EL0 when it runs at EL0 (SPSR.M = EL0t): saved on entry from EL0 by the
    /// full path, and by the lean IRQ path only on a switch. Unused for EL1 contexts.
    pub sp_el0: u64,
    /// FPCR, FPSR and q0–q31: saved at entry by the full path; by the lean IRQ path only when
    /// the interrupt switches away from this frame. Valid whenever the frame is not running.
    pub fpcr: u64,
    pub fpsr: u64,
    pub q: [u128; 32],
}

/// Size of [`Frame`]; must equal `FRAME_SIZE` in `vectors.S`.
pub const FRAME_SIZE: usize = 800;
const _: () = assert!(core::mem::size_of::<Frame>() == FRAME_SIZE);

/// SPSR for a new EL1 thread: EL1h with all interrupts unmasked.
pub const SPSR_EL1H_IRQS_ON: u64 = 0b0101;
/// SPSR for a new EL0 thread: EL0t with all interrupts unmasked.
pub const SPSR_EL0T_IRQS_ON: u64 = 0;

/// An interrupt handler: gets the INTID and the interrupted frame, returns the frame to resume
/// (the same one, or another thread's to switch to it).
pub type IrqHandler = fn(intid: u32, frame: *mut Frame) -> *mut Frame;

const MAX_INTID: usize = 1020;
/// Kernel memory: user code installs handlers through `kernel_call`, never by a store.
#[unsafe(link_section = ".kernel.bss")]
static HANDLERS: [AtomicUsize; MAX_INTID] = [const { AtomicUsize::new(0) }; MAX_INTID];
/// IRQs taken per core (for the self-test and for accounting in experiments).
pub static IRQ_COUNT: [AtomicU64; crate::MAX_CORES] =
    [const { AtomicU64::new(0) }; crate::MAX_CORES];

/// A system-call handler: gets the `svc` immediate and the caller's frame (number and
/// arguments in its saved registers, result written back into them), returns the frame to
/// resume.
pub type SvcHandler = fn(imm: u16, frame: *mut Frame) -> *mut Frame;

/// Installs `handler` for `intid`; replaces any earlier one. From user code, a system call
/// (`kernel_call`).
pub fn set_irq_handler(intid: u32, handler: IrqHandler) {
    if crate::arch::cpu::on_kernel_stack() {
        set_irq_handler_here(intid, handler);
    } else {
        use crate::kernel_call::{Op, call_checked};
        call_checked(Op::SetIrqHandler, intid.into(), handler as usize as u64, 0);
    }
}

/// [`set_irq_handler`]'s kernel side.
pub fn set_irq_handler_here(intid: u32, handler: IrqHandler) {
    HANDLERS[intid as usize].store(handler as usize, Ordering::Release);
}

unsafe extern "C" {
    static exception_vectors: u8;
    static exception_vectors_lean: u8;
    static exception_vectors_lean_checked: u8;
}

/// Points VBAR_EL1 at the vector table that saves `frame` on an IRQ. Every core calls this
/// first thing at EL1 with [`IrqFrame::Full`], then with the run's choice before it unmasks
/// IRQs.
pub fn install_vectors(frame: IrqFrame) {
    let table = match frame {
        IrqFrame::Full => core::ptr::addr_of!(exception_vectors),
        IrqFrame::Lean => core::ptr::addr_of!(exception_vectors_lean),
        IrqFrame::LeanChecked => core::ptr::addr_of!(exception_vectors_lean_checked),
    };
    // The tables defined in vectors.S are 2 KiB-aligned, as VBAR_EL1 requires.
    VBAR_EL1.set(table as u64);
    barrier::isb(barrier::SY);
}

/// Vector entries in table order (see vectors.S).
const KIND_SYNC_SPX: u64 = 4;
const KIND_IRQ_SPX: u64 = 5;
const KIND_SYNC_LOWER: u64 = 8;
const KIND_IRQ_LOWER: u64 = 9;

/// IRQs taken from EL0 per core (through the lower-EL vector entry), a part of [`IRQ_COUNT`].
pub static IRQ_FROM_EL0_COUNT: [AtomicU64; crate::MAX_CORES] =
    [const { AtomicU64::new(0) }; crate::MAX_CORES];

/// Exception class of a data abort from a lower EL, and of an instruction abort from one.
const EC_DATA_ABORT_LOWER: u64 = 0x24;
const EC_INSTRUCTION_ABORT_LOWER: u64 = 0x20;

/// Handles exception `kind` (the vector's index) on `frame`, with `svc` as the system-call
/// handler; returns the frame to resume. The kernel's `handle_exception`, which vectors.S calls,
/// is this with its handler.
///
/// # Safety
/// Only from `handle_exception`, with the arguments vectors.S passed: `frame` is the context it
/// just saved on this core's stack.
#[inline(always)]
pub unsafe fn dispatch(kind: u64, frame: *mut Frame, svc: SvcHandler) -> *mut Frame {
    match kind {
        KIND_IRQ_SPX => handle_irq(frame),
        KIND_SYNC_SPX => handle_sync(frame, svc),
        KIND_IRQ_LOWER => {
            let core = crate::arch::cpu::core_id();
            let count = &IRQ_FROM_EL0_COUNT[core];
            count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            handle_irq(frame)
        }
        KIND_SYNC_LOWER => handle_sync_lower(frame, svc),
        _ => {
            // SAFETY: vectors.S passes a pointer to the frame it just saved.
            let f = unsafe { &*frame };
            panic!(
                "unexpected exception kind {kind} at ELR {:#x}, ESR {:#x}",
                f.elr,
                ESR_EL1.get()
            );
        }
    }
}

#[inline(always)]
fn handle_irq(mut frame: *mut Frame) -> *mut Frame {
    crate::probe::stamp(Stage::HandlerEntry);
    let core = crate::arch::cpu::core_id();
    IRQ_COUNT[core].fetch_add(1, Ordering::Relaxed);
    let Some(intid) = GicCpuInterface::get_and_acknowledge_interrupt(InterruptGroup::Group1) else {
        return frame; // spurious
    };
    crate::probe::stamp(Stage::GicAcked);
    let raw = u32::from(intid);
    if let Some(slot) = HANDLERS.get(raw as usize) {
        let h = slot.load(Ordering::Acquire);
        if h == 0 {
            panic!("IRQ {raw} on core {core} has no handler");
        }
        // SAFETY: only `set_irq_handler` stores into the table, always a valid `IrqHandler`.
        let handler: IrqHandler = unsafe { core::mem::transmute::<usize, IrqHandler>(h) };
        frame = handler(raw, frame);
    }
    GicCpuInterface::end_interrupt(intid, InterruptGroup::Group1);
    crate::probe::stamp(Stage::Eoi);
    frame
}

/// Exception class of `svc` from AArch64.
const EC_SVC64: u64 = 0x15;
/// Exception class of an FP/SIMD access trapped by CPACR_EL1.FPEN.
const EC_FP_TRAPPED: u64 = 0x07;

#[inline(always)]
fn handle_sync(frame: *mut Frame, svc: SvcHandler) -> *mut Frame {
    let esr = ESR_EL1.get();
    let ec = esr >> 26;
    if ec == EC_SVC64 {
        return svc((esr & 0xffff) as u16, frame);
    }
    // SAFETY: vectors.S passes a pointer to the frame it just saved.
    let f = unsafe { &*frame };
    if ec == EC_FP_TRAPPED {
        panic!(
            "FP/SIMD instruction at ELR {:#x} on the lean IRQ handler path (irq_frame = \
             lean-checked traps them): the lean IRQ path must not touch FP/SIMD registers; find \
             the function at that address (llvm-objdump -d) and keep it integer-only",
            f.elr
        );
    }
    let far = FAR_EL1.get();
    panic!(
        "synchronous exception: ESR {esr:#x} (EC {ec:#x}) at ELR {:#x}, FAR {far:#x}",
        f.elr
    );
}

/// A synchronous exception from EL0: a system call goes to `svc` as from EL1; anything else
/// (a fault: user code touched memory not mapped to EL0, a privileged instruction) ends the
/// EL0 session that ran the code ([`crate::arch::el0`]), or stops the kernel with what happened
/// when there is none.
#[inline(always)]
fn handle_sync_lower(frame: *mut Frame, svc: SvcHandler) -> *mut Frame {
    let esr = ESR_EL1.get();
    let ec = esr >> 26;
    if ec == EC_SVC64 {
        return svc((esr & 0xffff) as u16, frame);
    }
    // SAFETY: vectors.S passes a pointer to the frame it just saved.
    let elr = unsafe { (*frame).elr };
    let fault = crate::arch::el0::Fault {
        esr,
        far: if ec == EC_DATA_ABORT_LOWER || ec == EC_INSTRUCTION_ABORT_LOWER {
            FAR_EL1.get()
        } else {
            0
        },
        elr,
    };
    crate::arch::el0::end_with_fault(fault)
}

/// IntId from a raw number, for callers that keep INTIDs as `u32`.
pub fn intid(raw: u32) -> IntId {
    match raw {
        0..16 => IntId::sgi(raw),
        16..32 => IntId::ppi(raw - 16),
        _ => IntId::spi(raw - 32),
    }
}
