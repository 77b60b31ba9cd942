//! Bring-up at EL1 on every core, and the core barrier the apps use.
//!
//! Core 0 prepares everything shared (heap, page tables, GIC driver, console) with its MMU still
//! off, so all of it is in memory rather than in a cache, then releases the other cores through
//! `KERNEL_READY`; only then does any core turn its caches on. Cores beyond the run's core count
//! park in WFI and never run kernel code again.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use crate::{arch, config, console, gic, heap, m5, mmu, platform::Machine, timer};

/// Written by core 0 with its MMU off, read by the others with theirs off.
static KERNEL_READY: AtomicU32 = AtomicU32::new(0);
static ROOT_TABLE: AtomicUsize = AtomicUsize::new(0);
static ONLINE: AtomicUsize = AtomicUsize::new(0);
static CORES: AtomicUsize = AtomicUsize::new(1);

unsafe extern "Rust" {
    fn __kernel_app_main(core: usize) -> !;
}

/// The guest is built with FEAT_LSE atomics (`.cargo/config.toml`); on a CPU without them the
/// first atomic after boot would be an undefined-instruction exception. Say so plainly instead.
fn require_lse() {
    let atomic = arch::cpu::atomics_level();
    if atomic < 2 {
        panic!(
            "this CPU lacks FEAT_LSE (ID_AA64ISAR0_EL1.Atomic = {atomic}); the guest is built \
             for Armv8.1 atomics: run it on a CPU that has them (gem5's default ARM release, \
             QEMU -cpu cortex-a76)"
        );
    }
}

/// Number of cores this run uses.
pub fn cores() -> usize {
    CORES.load(Ordering::Relaxed)
}

#[unsafe(no_mangle)]
extern "C" fn kernel_main_el1(core: usize) -> ! {
    arch::cpu::publish_core_id();
    arch::exceptions::install_vectors(runconfig::IrqFrame::Full);
    crate::probe::set_core_stamps(false);
    let cfg = config::get();
    let platform = cfg.platform().unwrap_or(runconfig::Platform::Gem5);
    let machine = Machine::of(platform);
    let cores = (cfg.cores as usize).clamp(1, crate::MAX_CORES);

    if core == 0 {
        m5::set_platform(platform);
        CORES.store(cores, Ordering::Relaxed);
        console::init_emergency(machine.uart_base);
        require_lse();
        console::init(machine.uart_base);
        heap::init();
        ROOT_TABLE.store(
            mmu::build(machine, &mmu::user_devices(&cfg)),
            Ordering::Relaxed,
        );
        gic::init(machine, cores);
        crate::coro_sched::init(cfg.device_base);
        KERNEL_READY.store(1, Ordering::Release);
        arch::cpu::sev();
    } else {
        while KERNEL_READY.load(Ordering::Acquire) == 0 {
            arch::cpu::wfe();
        }
        if core >= cores {
            loop {
                arch::cpu::wfi();
            }
        }
        m5::set_platform(platform);
    }

    mmu::enable(ROOT_TABLE.load(Ordering::Relaxed));
    arch::pmu::enable_cycle_counter();
    arch::el0::enable_user_access(core);
    let irq_frame = cfg.irq_frame().unwrap_or_else(|| {
        panic!(
            "run config: irq_frame {} names no IRQ frame variant (the driver and the guest are \
             from different builds: rebuild the guest)",
            cfg.irq_frame
        )
    });
    arch::exceptions::install_vectors(irq_frame);
    gic::init_cpu_interface();
    timer::init_core(core);
    crate::runtime::init_core(core);
    arch::cpu::irq_enable();

    barrier();
    if core == 0 {
        crate::println!(
            "coro kernel: {} core(s) on {}, counter {} Hz, app {}",
            cores,
            runconfig::Choice::name(platform),
            timer::frequency(),
            cfg.app().map_or("?", runconfig::Choice::name),
        );
        crate::println!("{}", runconfig::APP_START);
        // Dump 0 of stats.txt covers boot, up to the app's first instruction.
        m5::dump_reset_stats();
    }
    barrier();
    // The app and its runtime run at EL0 from here on; the kernel runs on interrupts and
    // system calls. The app never returns (its last core ends the run), so the run ends only
    // with a fault from EL0, which stops the kernel with what happened.
    match arch::el0::run(app_at_el0, core as u64) {
        arch::el0::Exit::Faulted(f) => panic!(
            "the app faulted at EL0 on core {core}: ESR {:#x} (EC {:#x}) at ELR {:#x}, FAR {:#x}",
            f.esr,
            f.class(),
            f.elr,
            f.far
        ),
        arch::el0::Exit::Returned(v) => panic!("the app returned {v} on core {core}"),
    }
}

/// The app's entry at EL0 (`arch::el0::run` calls it there, on the core's user stack).
extern "C" fn app_at_el0(core: u64) -> u64 {
    // SAFETY: `entry!` in the guest binary defines this symbol with this signature.
    unsafe { __kernel_app_main(core as usize) }
}

static BARRIER_GEN: AtomicUsize = AtomicUsize::new(0);
static BARRIER_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Waits until every core of the run has reached the barrier (sense-reversing, reusable).
pub fn barrier() {
    let n = cores();
    let generation = BARRIER_GEN.load(Ordering::Acquire);
    if BARRIER_COUNT.fetch_add(1, Ordering::AcqRel) + 1 == n {
        BARRIER_COUNT.store(0, Ordering::Relaxed);
        BARRIER_GEN.store(generation + 1, Ordering::Release);
        arch::cpu::sev();
    } else {
        while BARRIER_GEN.load(Ordering::Acquire) == generation {
            arch::cpu::wfe();
        }
    }
}

/// Counts a core as online (for the self-test).
pub fn mark_online() -> usize {
    ONLINE.fetch_add(1, Ordering::AcqRel) + 1
}
