//! The user/kernel split, checked end to end from EL0: a function run at EL0
//! ([`arch::el0::run`]) makes each system call through `svc` and reads what the split opens to
//! EL0 (the counter, the PMU cycle counter, its core number, WFE), while the timer interrupt
//! arrives through the lower-EL vectors and returns to it; bad pointers (kernel memory, memory
//! not mapped at all) are refused with `EFAULT`, an unknown number with `ENOSYS`; and a second
//! function that loads from kernel memory faults, which ends its run without stopping the
//! kernel. Then two EL0 threads that the timer preempts and switches between hold known
//! values in every FP/SIMD register, x19–x28 and on their own stacks (SP_EL0), which must
//! survive every switch, whichever IRQ frame the run uses.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::arch::{self, el0};
use crate::mmu;
use crate::syscalls::{svc_path, table::Call, user};

/// What the EL0 function reports: user memory (`.bss`), written at EL0, read at EL1.
struct Shared {
    /// Inputs, written by the kernel before the run.
    buffer: AtomicU64,
    buffer_len: AtomicU64,
    kernel_addr: AtomicU64,
    unmapped_addr: AtomicU64,
    spin_until: AtomicU64,
    irqs_before: AtomicU64,
    /// Outputs.
    null: AtomicU64,
    clock: AtomicU64,
    counter: AtomicU64,
    cycles: AtomicU64,
    core: AtomicU64,
    write_ok: AtomicU64,
    write_kernel: AtomicU64,
    write_unmapped: AtomicU64,
    unknown: AtomicU64,
    svc_cycles: AtomicU64,
    /// The CoroSched device's base (0: none) and its ID register as EL0 read it.
    device_base: AtomicU64,
    device_id: AtomicU64,
}

static SHARED: Shared = Shared {
    buffer: AtomicU64::new(0),
    buffer_len: AtomicU64::new(0),
    kernel_addr: AtomicU64::new(0),
    unmapped_addr: AtomicU64::new(0),
    spin_until: AtomicU64::new(0),
    irqs_before: AtomicU64::new(0),
    null: AtomicU64::new(u64::MAX),
    clock: AtomicU64::new(0),
    counter: AtomicU64::new(0),
    cycles: AtomicU64::new(0),
    core: AtomicU64::new(u64::MAX),
    write_ok: AtomicU64::new(0),
    write_kernel: AtomicU64::new(0),
    write_unmapped: AtomicU64::new(0),
    unknown: AtomicU64::new(0),
    svc_cycles: AtomicU64::new(0),
    device_base: AtomicU64::new(0),
    device_id: AtomicU64::new(0),
};

/// Null calls timed back to back, at EL0 and at EL1, for the round trip's cost (the fastest
/// one: the first calls warm the caches and the TLB).
const TIMED_CALLS: usize = 16;

/// What the EL0 function returns when it got to its end.
const DONE: u64 = 0x00e1_0d0e;
/// A number no call has (and no kernel-internal call either).
const UNKNOWN_CALL: u64 = 0x7777;

/// Runs at EL0: touches only user memory and the registers the split opens to EL0.
extern "C" fn user_calls(_arg: u64) -> u64 {
    let s = &SHARED;
    let call = |nr: u64, a0: u64, a1: u64| svc_path::call(nr, [a0, a1, 0, 0, 0, 0]);
    s.null.store(call(Call::Null as u64, 0, 0), Relaxed);
    s.clock.store(call(Call::Clock as u64, 0, 0), Relaxed);
    s.counter.store(arch::timer::counter(), Relaxed);
    s.cycles.store(arch::pmu::cycles(), Relaxed);
    s.core.store(el0::core_id_el0() as u64, Relaxed);
    let len = s.buffer_len.load(Relaxed);
    s.write_ok.store(
        call(Call::Write as u64, s.buffer.load(Relaxed), len),
        Relaxed,
    );
    s.write_kernel.store(
        call(Call::Write as u64, s.kernel_addr.load(Relaxed), len),
        Relaxed,
    );
    s.write_unmapped.store(
        call(Call::Write as u64, s.unmapped_addr.load(Relaxed), len),
        Relaxed,
    );
    s.unknown.store(call(UNKNOWN_CALL, 0, 0), Relaxed);
    s.svc_cycles.store(fastest_null_call(), Relaxed);
    let device = s.device_base.load(Relaxed);
    if device != 0 {
        // A kernel-bypass device: its window is mapped to EL0 (`mmu::user_devices`).
        // SAFETY: the CoroSched device's ID register, a side-effect-free MMIO read.
        let id = unsafe { arch::mmio::read64(device as usize + coro_sched_regs::global::ID) };
        s.device_id.store(id, Relaxed);
    }
    // SEV sets this core's event register, so the WFE returns at once: both must not trap.
    arch::cpu::sev();
    arch::cpu::wfe();
    // The kernel armed the timer: spin at EL0 until its interrupt has been taken here (the
    // count is user memory), or give up at `spin_until` (a second of counter time: the check
    // then fails, it does not hang).
    let core = el0::core_id_el0();
    let irqs = s.irqs_before.load(Relaxed);
    let until = s.spin_until.load(Relaxed);
    while arch::exceptions::IRQ_FROM_EL0_COUNT[core].load(Relaxed) == irqs
        && arch::timer::counter() < until
    {
        core::hint::spin_loop();
    }
    DONE
}

/// The exception level of the caller: 1 for kernel code on a kernel stack, else what the
/// kernel saw in the frame of a system call.
fn caller_el() -> u64 {
    if arch::cpu::on_kernel_stack() {
        1
    } else {
        crate::kernel_call::call(crate::kernel_call::Op::CallerEl, 0, 0, 0)
    }
}

/// The fewest cycles of [`TIMED_CALLS`] null `svc` round trips, at the caller's level.
#[inline(always)]
pub(crate) fn fastest_null_call() -> u64 {
    let mut best = u64::MAX;
    for _ in 0..TIMED_CALLS {
        let t0 = arch::pmu::cycles();
        svc_path::call(Call::Null as u64, [0; 6]);
        best = best.min(arch::pmu::cycles() - t0);
    }
    best
}

/// Runs at EL0: loads from `addr`, which must fault when it is kernel memory.
extern "C" fn user_load(addr: u64) -> u64 {
    // SAFETY: deliberately reads an address EL0 may not: the read faults and the kernel ends
    // the run (`arch::el0`); nothing is read.
    unsafe { core::ptr::read_volatile(addr as *const u64) }
}

/// Per EL0 thread: holds done, holds a timer interrupt landed in, and values that came back
/// changed (registers, or the thread's own stack words).
static HOLDS: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];
static INTERRUPTED_HOLDS: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];
static MISMATCHES: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];
/// Loop iterations per hold: many timer quanta land inside one.
const HOLD_SPINS: u64 = 20_000;
/// Switches the EL0 threads run for.
const EL0_SWITCHES: u64 = 24;

/// An EL0 thread: holds values in its registers and on its stack across timer switches.
extern "C" fn el0_thread(me: usize) -> ! {
    let seed = 0x0e10_0000_0000_0000 ^ ((me as u64 + 1) << 32);
    let core = el0::core_id_el0();
    // Words on this thread's own stack (SP_EL0): a switch that resumed it on another stack
    // pointer would read the other thread's words, or garbage.
    let mut words = [0u64; 8];
    for (i, w) in words.iter_mut().enumerate() {
        // SAFETY: a local array of this thread; volatile so the values stay in memory.
        unsafe { core::ptr::write_volatile(w, seed + i as u64) };
    }
    loop {
        let irqs = arch::exceptions::IRQ_FROM_EL0_COUNT[core].load(Relaxed);
        let mut bad = arch::held_state::hold_registers(seed, me as u64 + 1, HOLD_SPINS);
        for (i, w) in words.iter().enumerate() {
            // SAFETY: as above.
            bad += u64::from(unsafe { core::ptr::read_volatile(w) } != seed + i as u64);
        }
        if arch::exceptions::IRQ_FROM_EL0_COUNT[core].load(Relaxed) != irqs {
            INTERRUPTED_HOLDS[me].fetch_add(1, Relaxed);
        }
        HOLDS[me].fetch_add(1, Relaxed);
        MISMATCHES[me].fetch_add(bad, Relaxed);
    }
}

/// The EL0 threads' run: switches made, and per thread holds, interrupted holds, mismatches.
#[derive(Clone, Copy, Debug)]
pub struct PreemptReport {
    pub switches: u64,
    pub holds: [u64; 2],
    pub interrupted_holds: [u64; 2],
    pub mismatches: [u64; 2],
}

impl PreemptReport {
    pub fn ok(&self) -> bool {
        self.switches >= EL0_SWITCHES
            && self.interrupted_holds.iter().all(|&n| n > 0)
            && self.mismatches == [0, 0]
    }
}

fn preempt_el0_threads() -> PreemptReport {
    for i in 0..2 {
        HOLDS[i].store(0, Relaxed);
        INTERRUPTED_HOLDS[i].store(0, Relaxed);
        MISMATCHES[i].store(0, Relaxed);
    }
    let freq = crate::timer::frequency();
    let on_qemu = crate::config::get().platform() == Some(runconfig::Platform::Qemu);
    let quantum = (freq / if on_qemu { 1_000 } else { 100_000 }).max(4);
    let entries = [(el0_thread as crate::thread::Entry, 0), (el0_thread, 1)];
    let switches = crate::thread::run_preemptive_el0(&entries, 16 * 1024, quantum, EL0_SWITCHES);
    let get = |a: &[AtomicU64; 2]| [a[0].load(Relaxed), a[1].load(Relaxed)];
    PreemptReport {
        switches,
        holds: get(&HOLDS),
        interrupted_holds: get(&INTERRUPTED_HOLDS),
        mismatches: get(&MISMATCHES),
    }
}

/// What [`run`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    pub exit: el0::Exit,
    pub null: u64,
    pub clock_ok: bool,
    pub counter_ok: bool,
    pub cycles: u64,
    pub core_ok: bool,
    pub write_ok: u64,
    pub write_len: u64,
    pub write_kernel: u64,
    pub write_unmapped: u64,
    pub unknown: u64,
    pub irqs_from_el0: u64,
    pub load_kernel: el0::Exit,
    pub kernel_addr: u64,
    /// The fastest null `svc` round trip from EL0 and from EL1, in cycles (reported, not
    /// judged: a cost, not a property).
    pub svc_cycles_el0: u64,
    pub svc_cycles_el1: u64,
    /// The exception level the caller of [`run`] (the app) runs at, as the kernel saw it in
    /// the frame of a system call it made: 0 when the app runs at EL0.
    pub app_el: u64,
    /// Whether EL0 read the CoroSched device's ID right (`None`: no device in this run).
    pub device_id_ok: Option<bool>,
    pub preempt: PreemptReport,
}

impl Report {
    /// Every check held.
    pub fn ok(&self) -> bool {
        use crate::syscalls::table::Errno;
        let faulted_at_kernel = matches!(
            self.load_kernel,
            el0::Exit::Faulted(f) if f.class() == 0x24 && f.far == self.kernel_addr
        );
        self.exit == el0::Exit::Returned(DONE)
            && self.null == 0
            && self.clock_ok
            && self.counter_ok
            && self.cycles != 0
            && self.core_ok
            && self.write_ok == self.write_len
            && self.write_kernel == Errno::Fault.result()
            && self.write_unmapped == Errno::Fault.result()
            && self.unknown == Errno::NoSys.result()
            && self.irqs_from_el0 > 0
            && faulted_at_kernel
            && self.device_id_ok != Some(false)
            && self.preempt.ok()
            && self.app_el == 0
    }
}

/// Runs both EL0 functions on this core (at EL1, interrupts enabled, timer interrupt handled).
pub fn run() -> Report {
    let s = &SHARED;
    let message = b"el0: write from user mode\n";
    let buffer = user::alloc_buffer(message.len()).expect("user buffer space for the el0 check");
    buffer[..message.len()].copy_from_slice(message);
    let regions = mmu::regions();
    let kernel_addr = regions.kernel.0 as u64;
    s.buffer.store(buffer.as_ptr() as u64, Relaxed);
    s.buffer_len.store(message.len() as u64, Relaxed);
    s.kernel_addr.store(kernel_addr, Relaxed);
    // Past the end of user memory (rounded to its 2 MiB mapping): no table maps it.
    let unmapped = regions.user.1.next_multiple_of(2 << 20) + (2 << 20);
    s.unmapped_addr.store(unmapped as u64, Relaxed);
    let device_base = crate::config::get().device_base;
    s.device_base.store(device_base, Relaxed);

    let core = arch::cpu::core_id();
    let freq = crate::timer::frequency();
    let before = crate::timer::now();
    // The timer fires 100 µs in; the EL0 code spins until it has taken the interrupt, for at
    // most a second.
    let fire_at = before + (freq / 10_000).max(1);
    s.spin_until.store(fire_at + freq, Relaxed);
    let irqs_before = arch::exceptions::IRQ_FROM_EL0_COUNT[core].load(Relaxed);
    s.irqs_before.store(irqs_before, Relaxed);
    // Masked until the eret to EL0 (which unmasks them), so the interrupt cannot be taken at
    // EL1 on the way in, however slow the simulator.
    let unmasked = arch::cpu::irq_save();
    crate::timer::set_deadline(Some(fire_at));
    let exit = el0::run(user_calls, 0);
    arch::cpu::irq_restore(unmasked);
    let irqs_from_el0 = arch::exceptions::IRQ_FROM_EL0_COUNT[core].load(Relaxed) - irqs_before;
    let after = crate::timer::now();
    let load_kernel = el0::run(user_load, kernel_addr);
    // The app runs at EL0: the kernel times the EL1 round trips itself, on request.
    let svc_cycles_el1 = if arch::cpu::on_kernel_stack() {
        fastest_null_call()
    } else {
        crate::kernel_call::call(crate::kernel_call::Op::NullRoundTripEl1, 0, 0, 0)
    };
    let app_el = caller_el();
    let preempt = preempt_el0_threads();

    let clock = s.clock.load(Relaxed);
    let counter = s.counter.load(Relaxed);
    Report {
        app_el,
        exit,
        null: s.null.load(Relaxed),
        clock_ok: before <= clock && clock <= after,
        counter_ok: clock <= counter && counter <= after,
        cycles: s.cycles.load(Relaxed),
        core_ok: s.core.load(Relaxed) == core as u64,
        write_ok: s.write_ok.load(Relaxed),
        write_len: message.len() as u64,
        write_kernel: s.write_kernel.load(Relaxed),
        write_unmapped: s.write_unmapped.load(Relaxed),
        unknown: s.unknown.load(Relaxed),
        irqs_from_el0,
        load_kernel,
        kernel_addr,
        svc_cycles_el0: s.svc_cycles.load(Relaxed),
        svc_cycles_el1,
        device_id_ok: (device_base != 0)
            .then(|| s.device_id.load(Relaxed) == coro_sched_regs::DEVICE_ID),
        preempt,
    }
}
