//! [`IrqCell`]: state one core shares with its own interrupt handlers.
//!
//! Code outside the handler reaches the contents only through [`IrqCell::with`], which masks
//! IRQs on this core for the duration, so the handler cannot run in the middle; the handler
//! itself runs with IRQs masked and reaches them through [`IrqCell::in_irq`]. Other cores never
//! touch the cell: it is not `Sync`, so it cannot sit in a `static` or be shared between cores
//! by reference, and a handler finds it through a per-core pointer.

use core::cell::UnsafeCell;

use crate::arch::cpu;

pub struct IrqCell<T> {
    value: UnsafeCell<T>,
}

impl<T> IrqCell<T> {
    pub const fn new(value: T) -> Self {
        IrqCell {
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` on the contents with IRQs masked on this core.
    ///
    /// `f` is a function pointer, not a closure: it captures nothing, so it cannot reach this
    /// cell and call `with` again (which would make a second `&mut`). That rules re-entry out
    /// without a borrow flag, so these accesses cost what the bare masked accesses cost.
    #[inline(always)]
    pub fn with<R>(&self, f: fn(&mut T) -> R) -> R {
        cpu::without_irqs(|| {
            // SAFETY: IRQs are masked on this core, so its handler (the only other user, see
            // `in_irq`) cannot run until `f` returns; `f` cannot re-enter (see above); no other
            // core has a reference (the cell is not `Sync`).
            f(unsafe { &mut *self.value.get() })
        })
    }

    /// The contents, from this core's interrupt handler.
    ///
    /// # Safety
    /// Only from an interrupt handler on the core that owns the cell (IRQs are masked there, so
    /// no [`with`](Self::with) is in progress), and the reference must not outlive the handler
    /// nor overlap another `in_irq` reference or a `with` the handler makes.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn in_irq(&self) -> &mut T {
        // SAFETY: the caller guarantees the exclusive, IRQ-masked context described above.
        unsafe { &mut *self.value.get() }
    }
}
