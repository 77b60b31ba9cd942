//! Identity page tables with caches on, and the user/kernel split of the address space. Until
//! the MMU is on, gem5 treats every access as uncacheable, device-ordered memory (instruction
//! fetches included), so no timing number means anything before [`enable`] runs.
//!
//! Core 0 builds the tables (aarch64-paging) with its MMU still off, so they sit in memory, not
//! in a cache; every core then loads the same root and turns its MMU and caches on.
//!
//! What EL0 may touch is decided here, from the linker script's regions (`link.ld`):
//! - shared text (code, read-only data, run parameters): read-only, executable at EL1 and EL0
//!   (one image: user code and kernel code are not separated);
//! - kernel memory (`.kernel.data`, `.kernel.bss`, the kernel stacks, these page tables):
//!   EL1 read/write only, never executable;
//! - user memory (`.data`, `.bss`, the user stacks, the heap): read/write at EL0 and EL1, never
//!   executable;
//! - devices: EL1 only, except the windows of the kernel-bypass devices user code drives
//!   directly ([`user_devices`]: the CoroSched device's pop, resume, doorbell and bind registers,
//!   the LoadGenNic's rings), which EL0 may read and write too.
//!
//! Each region starts on a 2 MiB boundary and is mapped with 2 MiB blocks, as the whole image
//! was before the split, so the measured paths see the same number of TLB entries.

use core::ptr::NonNull;

use aarch64_paging::{
    Mapping,
    descriptor::{El1Attributes, PhysicalAddress},
    paging::{Constraints, El1And0, MemoryRegion, PAGE_SIZE, PageTable, Translation, VaRange},
};

use crate::platform::Machine;

/// Attribute indices 0 and 1 are `arch::mmu::ATTR_DEVICE` and `ATTR_NORMAL`, the MAIR_EL1
/// entries [`enable`] loads.
const DEVICE: El1Attributes = El1Attributes::ATTRIBUTE_INDEX_0
    .union(El1Attributes::VALID)
    .union(El1Attributes::ACCESSED)
    .union(El1Attributes::PXN)
    .union(El1Attributes::UXN);
const NORMAL: El1Attributes = El1Attributes::ATTRIBUTE_INDEX_1
    .union(El1Attributes::INNER_SHAREABLE)
    .union(El1Attributes::VALID)
    .union(El1Attributes::ACCESSED);
/// Shared text: read-only at both levels, executable at both.
const SHARED_TEXT: El1Attributes = NORMAL
    .union(El1Attributes::USER)
    .union(El1Attributes::READ_ONLY);
/// A kernel-bypass device's registers: EL0 and EL1 read/write, never executable.
const USER_DEVICE: El1Attributes = DEVICE.union(El1Attributes::USER);
/// Kernel memory: no EL0 access, not executable.
const KERNEL_DATA: El1Attributes = NORMAL.union(El1Attributes::PXN).union(El1Attributes::UXN);
/// User memory: read/write at EL0 and EL1, not executable.
const USER_DATA: El1Attributes = NORMAL
    .union(El1Attributes::USER)
    .union(El1Attributes::PXN)
    .union(El1Attributes::UXN);

const BLOCK_2M: usize = 2 << 20;

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __kernel_start: u8;
    static __kernel_end: u8;
    static __user_start: u8;
    static __user_end: u8;
}

/// The image's regions, `[start, end)`, as the linker script placed them.
#[derive(Clone, Copy, Debug)]
pub struct Regions {
    pub text: (usize, usize),
    pub kernel: (usize, usize),
    pub user: (usize, usize),
}

/// The linker script's regions.
pub fn regions() -> Regions {
    let addr = |s: &u8| core::ptr::from_ref(s) as usize;
    // SAFETY: the symbols are defined by link.ld; only their addresses are taken.
    unsafe {
        Regions {
            text: (addr(&__text_start), addr(&__text_end)),
            kernel: (addr(&__kernel_start), addr(&__kernel_end)),
            user: (addr(&__user_start), addr(&__user_end)),
        }
    }
}

/// Pages for the translation tables: an identity map of devices and a 2 MiB-block image needs
/// a root, one level-2 table per GiB touched and a few level-3 tables at unaligned edges.
const TABLE_PAGES: usize = 32;

#[repr(C, align(4096))]
struct TablePool([[u8; PAGE_SIZE]; TABLE_PAGES]);

/// The tables live in kernel memory (not the heap, which EL0 can write), in a section the boot
/// code leaves alone: `allocate_table` zeroes each page it hands out, so only the pages used
/// are written (with the MMU off, every store of a boot-time clear goes to DRAM).
#[unsafe(link_section = ".kernel.noinit")]
static mut TABLE_POOL: TablePool = TablePool([[0; PAGE_SIZE]; TABLE_PAGES]);

/// Hands out the pool's pages, identity-mapped; tables are never freed.
struct KernelTables {
    used: usize,
}

impl Translation<El1Attributes> for KernelTables {
    fn allocate_table(&mut self) -> (NonNull<PageTable<El1Attributes>>, PhysicalAddress) {
        assert!(
            self.used < TABLE_PAGES,
            "the page-table pool ({TABLE_PAGES} pages) is used up: raise mmu::TABLE_PAGES"
        );
        // SAFETY: page `used` of the pool was handed out to nobody else (the index only grows),
        // and only core 0 builds tables, once, before any other core runs kernel code.
        let page = unsafe { core::ptr::addr_of_mut!(TABLE_POOL.0[self.used]) };
        self.used += 1;
        // SAFETY: `page` is a valid, exclusively owned 4 KiB page; a zeroed page is an empty
        // table.
        unsafe { page.write_bytes(0, 1) };
        let table = NonNull::new(page.cast::<PageTable<El1Attributes>>()).expect("pool page");
        (table, PhysicalAddress(page as usize))
    }

    unsafe fn deallocate_table(&mut self, _table: NonNull<PageTable<El1Attributes>>) {
        // The tables live as long as the kernel (`build` forgets the mapping).
    }

    fn physical_to_virtual(&self, pa: PhysicalAddress) -> NonNull<PageTable<El1Attributes>> {
        NonNull::new(pa.0 as *mut PageTable<El1Attributes>).expect("table address")
    }
}

fn round_out((start, end): (usize, usize)) -> MemoryRegion {
    MemoryRegion::new(start & !(BLOCK_2M - 1), end.next_multiple_of(BLOCK_2M))
}

/// The MMIO windows `[start, end)` of this run's kernel-bypass devices: the CoroSched device
/// (`device_base`) and the LoadGenNic (the app's `nic` parameter), where present.
pub fn user_devices(cfg: &runconfig::RunConfig) -> [Option<(usize, usize)>; 2] {
    let window =
        |base: u64, size: usize| (base != 0).then(|| (base as usize, base as usize + size));
    [
        window(cfg.device_base, coro_sched_regs::WINDOW_SIZE),
        window(cfg.param("nic").unwrap_or(0), nic_ring::regs::WINDOW_SIZE),
    ]
}

/// Core 0, MMU off: builds the identity map and returns the root table's physical address.
/// `user_devices` are device windows EL0 may use ([`user_devices`]).
pub fn build(machine: &Machine, user_devices: &[Option<(usize, usize)>]) -> usize {
    let r = regions();
    let mut map =
        Mapping::with_asid_and_va_range(KernelTables { used: 0 }, 0, 1, El1And0, VaRange::Lower);
    let mut map_region = |region: &MemoryRegion, attrs: El1Attributes, what: &str| {
        map.map_range(
            region,
            PhysicalAddress(region.start().0),
            attrs,
            Constraints::empty(),
        )
        .unwrap_or_else(|e| panic!("mapping {what} {region}: {e:?}"));
    };
    map_region(
        &MemoryRegion::new(0, machine.device_end),
        DEVICE,
        "device memory",
    );
    for &(start, end) in user_devices.iter().flatten() {
        assert!(
            end <= machine.device_end,
            "device window {start:#x}..{end:#x} lies outside the device range (below \
             {:#x}): check the run's device_base and nic parameter",
            machine.device_end
        );
        map_region(
            &MemoryRegion::new(start, end),
            USER_DEVICE,
            "a user device window",
        );
    }
    map_region(&round_out(r.text), SHARED_TEXT, "the shared text");
    map_region(&round_out(r.kernel), KERNEL_DATA, "kernel memory");
    map_region(&round_out(r.user), USER_DATA, "user memory");
    let root = map.root_address().0;
    // The tables must live as long as the kernel: never drop the mapping (that would
    // deactivate it).
    core::mem::forget(map);
    root
}

/// Every core: load the tables and turn the MMU and caches on.
pub fn enable(root: usize) {
    // SAFETY: the tables identity-map everything the kernel touches (the image and the device
    // range), so execution continues at the same addresses; they are never freed (`build`).
    unsafe { crate::arch::mmu::enable(root) };
}
