//! GICv3, through the arm-gic crate. The secure-only part (distributor control, interrupt
//! groups, redistributor wake) runs once at EL3 from the boot path; the kernel at EL1 enables
//! and prioritises interrupts and acknowledges them through the CPU interface.

use core::ptr::NonNull;

use arm_gic::{
    IntId, Trigger,
    gicv3::{
        GicCpuInterface, GicV3,
        registers::{Gicd, GicdCtlr, GicrSgi},
    },
};
use safe_mmio::UniqueMmioPointer;
use spin::mutex::SpinMutex;

use crate::platform::Machine;

/// Priority of every interrupt the kernel uses (the non-secure view: lower is more urgent).
const DEFAULT_PRIORITY: u8 = 0x80;

/// Kernel memory (a loaded section: `None` need not be zero bits).
#[unsafe(link_section = ".kernel.data")]
static GIC: SpinMutex<Option<GicV3<'static>>> = SpinMutex::new(None);

/// # Safety
/// `machine` must describe the GIC of the machine this runs on, and no other `GicV3` for it may
/// be in use at the same time.
unsafe fn instance(machine: &Machine, cores: usize) -> GicV3<'static> {
    // SAFETY: the addresses come from the platform table and are device memory; the caller
    // guarantees there is no other live instance.
    unsafe {
        let gicd = UniqueMmioPointer::new(NonNull::new(machine.gicd_base as *mut Gicd).unwrap());
        let gicr = NonNull::new(machine.gicr_base as *mut GicrSgi).unwrap();
        GicV3::new(gicd, gicr, cores).expect("GICv3 redistributor frames not recognised")
    }
}

/// EL3, every core: enable the system-register interface for EL3 and the levels below.
pub fn el3_enable_sysregs() {
    GicCpuInterface::enable_system_register_el3(true);
    GicCpuInterface::enable_system_register_el2(true);
}

/// EL3, core 0 only, before any core uses the GIC: all SPIs/PPIs/SGIs group 1 non-secure,
/// affinity routing on for both security states, every used core's redistributor awake.
pub fn el3_setup(machine: &Machine, cores: usize) {
    // SAFETY: runs on core 0 before any other code touches the GIC.
    let mut gic = unsafe { instance(machine, cores) };
    gic.setup(0);
    gic.gicd_set_control(GicdCtlr::ARE_NS);
    for core in 1..cores {
        // Already awake is fine (a warm restart).
        let _ = gic.redistributor_mark_core_awake(core);
    }
}

/// EL1, core 0: keep the driver instance for enabling interrupts later.
pub fn init(machine: &Machine, cores: usize) {
    // SAFETY: the EL3 instance is gone; this is the only instance from now on.
    *GIC.lock() = Some(unsafe { instance(machine, cores) });
}

/// EL1, every core: CPU interface on, priority mask open, group 1 enabled.
pub fn init_cpu_interface() {
    GicCpuInterface::enable_system_register_el1();
    GicCpuInterface::set_priority_mask(0xff);
    GicCpuInterface::enable_group1(true);
}

/// Enables `intid` at the default priority; for a PPI or SGI, on `core`'s redistributor; an SPI
/// is routed to `core`.
/// From user code, a system call (`kernel_call`), made at set-up.
pub fn enable(intid: u32, core: usize, trigger: Trigger) {
    if crate::arch::cpu::on_kernel_stack() {
        enable_here(intid, core, trigger);
    } else {
        use crate::kernel_call::{Op, call_checked};
        let level = u64::from(trigger == Trigger::Level);
        call_checked(Op::GicEnable, intid.into(), core as u64, level);
    }
}

/// [`enable`]'s kernel side.
pub fn enable_here(intid: u32, core: usize, trigger: Trigger) {
    let id = crate::arch::exceptions::intid(intid);
    let mut guard = GIC.lock();
    let gic = guard.as_mut().expect("gic::init not called");
    let cpu = id.is_private().then_some(core);
    gic.set_interrupt_priority(id, cpu, DEFAULT_PRIORITY)
        .expect("GIC priority");
    if intid >= 16 {
        // SGIs are always edge-triggered; their configuration register is read-only.
        gic.set_trigger(id, cpu, trigger).expect("GIC trigger");
    }
    if !id.is_private() {
        gic.distributor()
            .set_routing(id, Some(core as u64))
            .expect("GIC routing");
    }
    gic.enable_interrupt(id, cpu, true).expect("GIC enable");
}

/// Sends SGI `sgi` to `core` (used to pend another core's executor).
/// From user code (the soft wake at EL0), a system call per SGI (`kernel_call`).
pub fn send_sgi(sgi: u32, core: usize) {
    if crate::arch::cpu::on_kernel_stack() {
        send_sgi_here(sgi, core);
    } else {
        use crate::kernel_call::{Op, call_checked};
        call_checked(Op::SendSgi, sgi.into(), core as u64, 0);
    }
}

/// [`send_sgi`]'s kernel side.
pub fn send_sgi_here(sgi: u32, core: usize) {
    use arm_gic::gicv3::{SgiTarget, SgiTargetGroup};
    GicCpuInterface::send_sgi(
        IntId::sgi(sgi),
        SgiTarget::List {
            affinity3: 0,
            affinity2: 0,
            affinity1: 0,
            target_list: 1 << core,
        },
        SgiTargetGroup::CurrentGroup1,
    )
    .expect("SGI");
}
