//! The two machines the guest runs on, as a table of addresses. Everything that differs between
//! gem5's `VExpress_GEM5_V2` and QEMU's `virt` is here; the rest of the kernel reads this table.

use runconfig::Platform;

/// Physical memory layout and interrupt numbers of one machine.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    pub platform: Platform,
    /// PL011 UART0.
    pub uart_base: usize,
    /// GICv3 distributor.
    pub gicd_base: usize,
    /// First GICv3 redistributor (the driver reads the frame stride from `GICR_TYPER`).
    pub gicr_base: usize,
    /// Everything below this address that is mapped is device memory.
    pub device_end: usize,
    /// DRAM the page tables map as normal cacheable memory.
    pub dram_base: usize,
    pub dram_size: usize,
}

/// EL1 physical timer PPI (INTID 30 on both machines).
pub const TIMER_PPI: u32 = 14;

/// gem5 `VExpress_GEM5_V2` (src/dev/arm/RealView.py).
pub const GEM5: Machine = Machine {
    platform: Platform::Gem5,
    uart_base: 0x1C09_0000,
    gicd_base: 0x2C00_0000,
    gicr_base: 0x2C01_0000,
    device_end: 0x8000_0000,
    dram_base: 0x8000_0000,
    dram_size: 0x4000_0000,
};

/// QEMU `virt` with `gic-version=3` and at least 2 GiB of RAM.
pub const QEMU: Machine = Machine {
    platform: Platform::Qemu,
    uart_base: 0x0900_0000,
    gicd_base: 0x0800_0000,
    gicr_base: 0x080A_0000,
    device_end: 0x4000_0000,
    dram_base: 0x4000_0000,
    dram_size: 0x8000_0000,
};

impl Machine {
    pub fn of(platform: Platform) -> &'static Machine {
        match platform {
            Platform::Gem5 => &GEM5,
            Platform::Qemu => &QEMU,
        }
    }
}
