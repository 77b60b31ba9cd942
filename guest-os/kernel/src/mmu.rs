//! Identity page tables with caches on. Until the MMU is on, gem5 treats every access as
//! uncacheable, device-ordered memory (instruction fetches included), so no timing number means
//! anything before [`enable`] runs.
//!
//! Core 0 builds the tables (aarch64-paging) with its MMU still off, so they sit in memory, not
//! in a cache; every core then loads the same root and turns its MMU and caches on.

use aarch64_paging::{
    descriptor::El1Attributes,
    idmap::IdMap,
    paging::{El1And0, MemoryRegion},
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

const BLOCK_2M: usize = 2 << 20;

unsafe extern "C" {
    static __image_start: u8;
    static __image_end: u8;
}

/// Core 0, MMU off: builds the identity map and returns the root table's physical address.
/// Device memory: everything below `machine.device_end`; normal memory: the image (code, data,
/// stacks, heap) rounded out to 2 MiB blocks.
pub fn build(machine: &Machine) -> usize {
    let (start, end) = (
        core::ptr::addr_of!(__image_start) as usize,
        core::ptr::addr_of!(__image_end) as usize,
    );
    let start = start & !(BLOCK_2M - 1);
    let end = end.next_multiple_of(BLOCK_2M);
    let mut idmap = IdMap::with_asid(0, 1, El1And0);
    idmap
        .map_range(&MemoryRegion::new(0, machine.device_end), DEVICE)
        .expect("map device memory");
    idmap
        .map_range(&MemoryRegion::new(start, end), NORMAL)
        .expect("map the image");
    let root = idmap.root_address().0;
    // The tables must live as long as the kernel; dropping the IdMap would free them.
    core::mem::forget(idmap);
    root
}

/// Every core: load the tables and turn the MMU and caches on.
pub fn enable(root: usize) {
    // SAFETY: the tables identity-map everything the kernel touches (the image and the device
    // range), so execution continues at the same addresses; they are never freed (`build`).
    unsafe { crate::arch::mmu::enable(root) };
}
