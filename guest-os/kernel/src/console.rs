//! The PL011 console (UART0), through the arm-pl011-uart crate. Neither simulator needs the
//! UART initialised, so the kernel only writes to it.
//!
//! Two paths, as in Android's vmbase: `print!`/`println!` take a lock with IRQs masked (so one
//! line is never interleaved with another core's), and [`emergency_write`] builds a fresh driver
//! on every call, for the panic handler, which must not wait on a lock a crashed core may hold.

use core::fmt::{self, Write};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

use arm_pl011_uart::{PL011Registers, Uart};
use safe_mmio::UniqueMmioPointer;
use spin::mutex::SpinMutex;

static UART: SpinMutex<Option<Uart<'static>>> = SpinMutex::new(None);
static UART_BASE: AtomicUsize = AtomicUsize::new(0);

/// Core 0, first thing: lets a panic print ([`emergency_write`]) before [`init`], which takes
/// a lock (an atomic read-modify-write, which the boot's CPU checks must come before).
pub fn init_emergency(base: usize) {
    UART_BASE.store(base, Ordering::Release);
}

/// Core 0, once, before anything prints.
pub fn init(base: usize) {
    init_emergency(base);
    // SAFETY: `base` is the UART0 of the machine (platform table), device memory, and this is
    // the only long-lived driver for it.
    let uart = unsafe {
        Uart::new(UniqueMmioPointer::new(
            NonNull::new(base as *mut PL011Registers).unwrap(),
        ))
    };
    *UART.lock() = Some(uart);
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    crate::arch::cpu::without_irqs(|| {
        if let Some(uart) = UART.lock().as_mut() {
            let _ = uart.write_fmt(args);
        }
    });
}

/// Writes without the console lock; only for the panic path.
pub fn emergency_write(args: fmt::Arguments) {
    let base = UART_BASE.load(Ordering::Acquire);
    if base == 0 {
        return;
    }
    // SAFETY: a second driver aliases the UART; this is only used when the kernel is going
    // down, where an interleaved character is better than a deadlock.
    let mut uart = unsafe {
        Uart::new(UniqueMmioPointer::new(
            NonNull::new(base as *mut PL011Registers).unwrap(),
        ))
    };
    let _ = uart.write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints one machine-readable result line (`@result {json}`, see `runconfig`).
#[macro_export]
macro_rules! result {
    ($($arg:tt)*) => {
        $crate::console::_print(format_args!("{}{}\n", runconfig::RESULT_PREFIX, format_args!($($arg)*)))
    };
}
