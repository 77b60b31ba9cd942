//! The ring protocol of the load-generator NIC (`/docs/services.md`, the NIC interface): RX
//! descriptors the device writes into 64-byte slots, TX completions the guest writes into
//! 16-byte slots. Both sides are here: the guest's consumer ([`RxConsumer`]) and producer
//! ([`TxProducer`]), and the device's ([`RxProducer`], [`TxConsumer`]), which the software NIC
//! plays on a machine without the device (QEMU) and the host tests use to check the guest side.
//!
//! Slot memory is shared with another agent (the device's DMA or another core), so every word is
//! an atomic: `Relaxed` loads and stores compile to plain `ldr`/`str`. The protocol orders the
//! words itself: the producer writes a slot's other words before its first word (`Release`), and
//! the consumer reads the first word (`Acquire`) before the others.
//!
//! Indices are free running (`u64`), the slot of index `i` is `i % size`, and a ring is full
//! when `prod - cons == size`. The registers that carry the indices between the two sides
//! (`RX_CONS`, `TX_PROD`, `TX_CONS`) are not touched here: the functions return the value to
//! write, or take the value read, so the same code drives MMIO and the software NIC's registers.
#![no_std]

use core::sync::atomic::{AtomicU64, Ordering};

mod descriptor;
pub mod regs;
pub use descriptor::{Completion, END_ID, FLAG_WARMUP, Kind, RxDescriptor};

/// One RX slot: a whole cache line, written whole by the device.
#[repr(C, align(64))]
#[derive(Default)]
pub struct RxSlot(pub [AtomicU64; 8]);

/// One TX slot: the completed request's id and the cycles spent serving it.
#[repr(C, align(16))]
#[derive(Default)]
pub struct TxSlot(pub [AtomicU64; 2]);

/// Why a ring was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingError {
    /// Its slot count is not a power of two (or is zero).
    SizeNotPowerOfTwo(usize),
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RingError::SizeNotPowerOfTwo(n) => {
                write!(f, "a ring needs a power-of-two slot count, not {n}")
            }
        }
    }
}

fn check_size(n: usize) -> Result<usize, RingError> {
    if n.is_power_of_two() {
        Ok(n - 1)
    } else {
        Err(RingError::SizeNotPowerOfTwo(n))
    }
}

/// The guest's side of one RX ring.
pub struct RxConsumer<'a> {
    slots: &'a [RxSlot],
    mask: usize,
    /// Descriptors consumed (free running).
    cons: u64,
    /// The last `cons` reported to the device through `RX_CONS`.
    reported: u64,
    /// Report at least every this many descriptors.
    batch: u64,
}

impl<'a> RxConsumer<'a> {
    /// A consumer that reports its index every `size / 4` descriptors (the spec's minimum), or
    /// every descriptor for rings of fewer than 4 slots.
    pub fn new(slots: &'a [RxSlot]) -> Result<Self, RingError> {
        let mask = check_size(slots.len())?;
        Ok(RxConsumer {
            slots,
            mask,
            cons: 0,
            reported: 0,
            batch: (slots.len() as u64 / 4).max(1),
        })
    }

    /// Takes the next descriptor if the device has written it: copies it and zeroes its first
    /// word (which gives the slot back). Returns it and, when a report is due, the value to write
    /// to `RX_CONS`.
    #[inline]
    pub fn poll(&mut self) -> Option<(RxDescriptor, Option<u64>)> {
        let slot = &self.slots[self.cons as usize & self.mask];
        let id = slot.0[0].load(Ordering::Acquire);
        if id == 0 {
            return None;
        }
        let w = |i: usize| slot.0[i].load(Ordering::Relaxed);
        let desc = RxDescriptor::from_words([id, w(1), w(2), w(3), w(4), w(5), w(6), w(7)]);
        slot.0[0].store(0, Ordering::Relaxed);
        self.cons += 1;
        let report = (self.cons - self.reported >= self.batch).then(|| {
            self.reported = self.cons;
            self.cons
        });
        Some((desc, report))
    }

    /// Whether the next slot holds a descriptor (one load; nothing is consumed).
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.slots[self.cons as usize & self.mask].0[0].load(Ordering::Acquire) != 0
    }

    /// Descriptors consumed so far.
    pub fn consumed(&self) -> u64 {
        self.cons
    }

    /// The value to write to `RX_CONS` now if some consumption is unreported (at the end of a
    /// run, or before waiting, so the device never sees a ring fuller than it is for long).
    pub fn flush(&mut self) -> Option<u64> {
        (self.cons != self.reported).then(|| {
            self.reported = self.cons;
            self.cons
        })
    }
}

/// The device's side of one RX ring (the software NIC, and the tests).
pub struct RxProducer<'a> {
    slots: &'a [RxSlot],
    mask: usize,
    prod: u64,
}

impl<'a> RxProducer<'a> {
    pub fn new(slots: &'a [RxSlot]) -> Result<Self, RingError> {
        let mask = check_size(slots.len())?;
        Ok(RxProducer {
            slots,
            mask,
            prod: 0,
        })
    }

    /// Writes `desc` into the next slot unless the ring is full as far as the device knows
    /// (`rx_cons` is the last value the guest wrote to `RX_CONS`). Returns `false` when full
    /// (the device drops the request).
    pub fn push(&mut self, desc: &RxDescriptor, rx_cons: u64) -> bool {
        if self.prod - rx_cons >= self.slots.len() as u64 {
            return false;
        }
        let slot = &self.slots[self.prod as usize & self.mask];
        // The guest zeroes word 0 before it reports the slot consumed, so a reported slot is
        // empty; a full one here is a guest that reported more than it consumed.
        assert_eq!(
            slot.0[0].load(Ordering::Acquire),
            0,
            "RX slot {} still full although RX_CONS = {rx_cons} says it was consumed",
            self.prod
        );
        let words = desc.to_words();
        for (i, w) in words.iter().enumerate().skip(1) {
            slot.0[i].store(*w, Ordering::Relaxed);
        }
        slot.0[0].store(words[0], Ordering::Release);
        self.prod += 1;
        true
    }

    /// Descriptors written (`RX_PROD`).
    pub fn produced(&self) -> u64 {
        self.prod
    }

    /// Free slots as far as the device knows.
    pub fn free(&self, rx_cons: u64) -> u64 {
        self.slots.len() as u64 - (self.prod - rx_cons)
    }
}

/// The guest's side of the TX ring.
pub struct TxProducer<'a> {
    slots: &'a [TxSlot],
    mask: usize,
    prod: u64,
    /// The last `TX_CONS` read: slots below it are free.
    cons_seen: u64,
    /// The last `prod` written to `TX_PROD`.
    rung: u64,
}

impl<'a> TxProducer<'a> {
    pub fn new(slots: &'a [TxSlot]) -> Result<Self, RingError> {
        let mask = check_size(slots.len())?;
        Ok(TxProducer {
            slots,
            mask,
            prod: 0,
            cons_seen: 0,
            rung: 0,
        })
    }

    /// Writes a completion into the next slot. The free space is known from the last `TX_CONS`
    /// read; only when that says full is `read_tx_cons` called (an MMIO read on the device), and
    /// if the ring is still full `false` is returned (ring the doorbell and retry).
    pub fn push(&mut self, c: Completion, read_tx_cons: impl FnOnce() -> u64) -> bool {
        let size = self.slots.len() as u64;
        if self.prod - self.cons_seen >= size {
            self.cons_seen = read_tx_cons();
            if self.prod - self.cons_seen >= size {
                return false;
            }
        }
        let slot = &self.slots[self.prod as usize & self.mask];
        slot.0[regs::tx_word::ID].store(c.id, Ordering::Relaxed);
        slot.0[regs::tx_word::WORK_CYCLES].store(c.work_cycles, Ordering::Relaxed);
        self.prod += 1;
        true
    }

    /// The value to write to `TX_PROD` (the doorbell), if completions were written since the
    /// last one. The caller orders the slot stores before the doorbell (a `dmb` before the MMIO
    /// store; a `Release` store on the software NIC's register).
    pub fn doorbell(&mut self) -> Option<u64> {
        (self.prod != self.rung).then(|| {
            self.rung = self.prod;
            self.prod
        })
    }

    /// Completions written (free running).
    pub fn produced(&self) -> u64 {
        self.prod
    }
}

/// The device's side of the TX ring.
pub struct TxConsumer<'a> {
    slots: &'a [TxSlot],
    mask: usize,
    cons: u64,
}

impl<'a> TxConsumer<'a> {
    pub fn new(slots: &'a [TxSlot]) -> Result<Self, RingError> {
        let mask = check_size(slots.len())?;
        Ok(TxConsumer {
            slots,
            mask,
            cons: 0,
        })
    }

    /// Reads the slots `[TX_CONS, tx_prod)` after a doorbell with `tx_prod`, calling `each` on
    /// every completion; returns the new `TX_CONS`. A doorbell that goes backwards or claims
    /// more than a ring of completions is refused with the values (the device's BAD_VALUE).
    pub fn drain(
        &mut self,
        tx_prod: u64,
        mut each: impl FnMut(Completion),
    ) -> Result<u64, (u64, u64)> {
        if tx_prod < self.cons || tx_prod - self.cons > self.slots.len() as u64 {
            return Err((self.cons, tx_prod));
        }
        while self.cons < tx_prod {
            let slot = &self.slots[self.cons as usize & self.mask];
            each(Completion {
                id: slot.0[regs::tx_word::ID].load(Ordering::Relaxed),
                work_cycles: slot.0[regs::tx_word::WORK_CYCLES].load(Ordering::Relaxed),
            });
            self.cons += 1;
        }
        Ok(self.cons)
    }

    /// `TX_CONS`.
    pub fn consumed(&self) -> u64 {
        self.cons
    }
}

#[cfg(test)]
mod tests;
