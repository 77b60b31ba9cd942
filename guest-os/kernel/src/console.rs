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

/// Kernel memory, as the UART's mapping is: user code prints through `kernel_call`.
#[unsafe(link_section = ".kernel.data")]
static UART: SpinMutex<Option<Uart<'static>>> = SpinMutex::new(None);
#[unsafe(link_section = ".kernel.bss")]
static UART_BASE: AtomicUsize = AtomicUsize::new(0);

/// Bytes user code formats before one console call: a line of results fits, so lines of
/// different cores do not interleave.
const USER_LINE: usize = 2048;

/// User code's side of printing: formats into a buffer on the caller's stack and hands it to
/// the kernel with one call per line (or per [`USER_LINE`] bytes of a longer one).
struct UserLine {
    buf: [u8; USER_LINE],
    len: usize,
}

impl UserLine {
    fn flush(&mut self) {
        if self.len > 0 {
            let ptr = self.buf.as_ptr() as u64;
            crate::kernel_call::call(crate::kernel_call::Op::Console, ptr, self.len as u64, 0);
            self.len = 0;
        }
    }
}

impl Write for UserLine {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for chunk in s.as_bytes().chunks(USER_LINE) {
            if self.len + chunk.len() > USER_LINE {
                self.flush();
            }
            self.buf[self.len..self.len + chunk.len()].copy_from_slice(chunk);
            self.len += chunk.len();
        }
        Ok(())
    }
}

fn print_from_user(args: fmt::Arguments) {
    let mut line = UserLine {
        buf: [0; USER_LINE],
        len: 0,
    };
    let _ = line.write_fmt(args);
    line.flush();
}

/// The console call's kernel side: writes the user bytes of `range` under the console lock.
pub fn write_user_here(range: crate::syscalls::user::UserRange) {
    crate::arch::cpu::without_irqs(|| {
        if let Some(uart) = UART.lock().as_mut() {
            for i in 0..range.len() {
                // SAFETY: `range` was checked to lie in user memory, mapped for the whole run;
                // a volatile read, as `console_log::append` does, since user code owns it.
                let b = unsafe { range.as_ptr().add(i).read_volatile() };
                // As the driver's `write_str`: wait for room in the TX FIFO.
                while uart.is_tx_fifo_full() {}
                uart.write_word(b);
            }
        }
    });
}

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
    if !crate::arch::cpu::on_kernel_stack() {
        return print_from_user(args);
    }
    crate::arch::cpu::without_irqs(|| {
        if let Some(uart) = UART.lock().as_mut() {
            let _ = uart.write_fmt(args);
        }
    });
}

/// Writes without the console lock; only for the panic path.
pub fn emergency_write(args: fmt::Arguments) {
    if !crate::arch::cpu::on_kernel_stack() {
        // User code panicking: the console call (the kernel's lock is not held by this core,
        // which is at EL0 or in an EL1 thread, not inside the console).
        return print_from_user(args);
    }
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
