//! Driver of the load-generator NIC (LoadGenNic, `docs/services.md`): RX rings per flow, one TX
//! ring, and the registers that pass the indices. The ring protocol itself is the `nic-ring`
//! crate; the register offsets are its `regs` module.
//!
//! [`RxQueue::recv`] is a leaf future that spends the executor's budget like every other leaf
//! (Tokio's rule): each descriptor it returns costs one unit, so a task whose ring is always
//! full (the greedy flow) still yields when its budget is spent. When the ring is empty it
//! waits for the flow's CoroSched event source with [`EventWait`], so arrivals wake it by the
//! run's wake path (irq, poll, hwq, ring). [`Nic::send`] writes a completion and rings the
//! doorbell (user-level transmit); [`kernel_tx`] moves the completions of the `nic_send` system
//! call from the kernel-owned TX queue onto the same ring ([`Nic::send_all`]).
//!
//! Without the device, the registers are a plain register file in memory ([`soft::SoftRegs`])
//! and another core plays the device through the same protocol ([`soft::run`]).

pub mod kernel_tx;
pub mod soft;

use alloc::{boxed::Box, vec::Vec};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use aarch64_cpu::asm::barrier;
use nic_ring::regs::{self, flow, flow_mode, global};
use nic_ring::{Completion, RxConsumer, RxDescriptor, RxSlot, TxProducer, TxSlot};

use crate::arch::mmio;
use crate::wake::{self, EventWait};

/// Where the registers are.
#[derive(Clone, Copy)]
pub enum Regs {
    /// The device's MMIO window at this physical (= virtual) address.
    Mmio(usize),
    /// The software NIC's register file.
    Soft(&'static soft::SoftRegs),
}

impl Regs {
    #[inline(always)]
    fn read(&self, offset: usize) -> u64 {
        match self {
            // SAFETY: `Nic::open` checked the device's ID at this base; offsets come from the
            // register map and are 8-byte aligned.
            Regs::Mmio(base) => unsafe { mmio::read64(base + offset) },
            Regs::Soft(r) => r.read(offset),
        }
    }

    /// Writes a register after every earlier store to memory (ring slots) is visible to the
    /// device: `dmb oshst` before the MMIO store, a release store on the software NIC.
    #[inline(always)]
    fn write(&self, offset: usize, value: u64) {
        match self {
            Regs::Mmio(base) => {
                barrier::dmb(barrier::OSHST);
                // SAFETY: as in `read`.
                unsafe { mmio::write64(base + offset, value) }
            }
            Regs::Soft(r) => r.write(offset, value),
        }
    }
}

/// Ring sizes the driver gives the device.
pub const RX_SLOTS: usize = 256;
pub const TX_SLOTS: usize = 256;

/// The NIC, opened and configured by [`Nic::open`].
pub struct Nic {
    regs: Regs,
    tx: spin::Mutex<TxProducer<'static>>,
    kv_keys: u64,
    seed: u64,
}

/// One flow's receive side; owned by the task that receives on it.
pub struct RxQueue {
    regs: Regs,
    flow: usize,
    source: usize,
    rx: RxConsumer<'static>,
    wait: Option<EventWait>,
    /// Waits that ended with an event (the ring was empty, an arrival woke the task).
    pub wakes: u64,
}

fn leak_slots<S: Default>(n: usize) -> &'static [S] {
    let v: Vec<S> = (0..n).map(|_| S::default()).collect();
    Box::leak(v.into_boxed_slice())
}

impl Nic {
    /// Opens the NIC at `regs`, gives every flow the device runs an RX ring and the device a TX
    /// ring, and returns the driver and each flow's queue (`None` for a flow that is off). Call
    /// [`Nic::start`] once the receivers wait. Panics with what to fix if no NIC answers.
    pub fn open(regs: Regs) -> (Nic, [Option<RxQueue>; regs::NUM_FLOWS]) {
        let id = regs.read(global::ID);
        assert!(
            id == regs::DEVICE_ID,
            "no LoadGenNic here (ID reads {id:#x}): run gem5 with the NIC configured \
             (--loadgen-*) at the base the `nic` parameter names, or set nic = 0 for the \
             software NIC"
        );
        let version = regs.read(global::VERSION);
        assert!(
            version == regs::DEVICE_VERSION,
            "LoadGenNic version {version}, this guest speaks {}: rebuild gem5 and the guest \
             from one tree",
            regs::DEVICE_VERSION
        );
        regs.write(global::ERR_STATUS, u64::MAX);
        let tx_slots: &'static [TxSlot] = leak_slots(TX_SLOTS);
        regs.write(global::TX_RING_BASE, tx_slots.as_ptr() as u64);
        regs.write(global::TX_RING_SIZE, TX_SLOTS as u64);
        let queues = core::array::from_fn(|f| {
            if regs.read(flow::flow_mode(f)) == flow_mode::OFF {
                return None;
            }
            let slots: &'static [RxSlot] = leak_slots(RX_SLOTS);
            regs.write(flow::rx_ring_base(f), slots.as_ptr() as u64);
            regs.write(flow::rx_ring_size(f), RX_SLOTS as u64);
            Some(RxQueue {
                regs,
                flow: f,
                source: regs.read(flow::rx_source(f)) as usize,
                rx: RxConsumer::new(slots).expect("RX_SLOTS is a power of two"),
                wait: None,
                wakes: 0,
            })
        });
        let nic = Nic {
            regs,
            tx: spin::Mutex::new(TxProducer::new(tx_slots).expect("TX_SLOTS is a power of two")),
            kv_keys: regs.read(global::KV_KEYS),
            seed: regs.read(global::SEED),
        };
        (nic, queues)
    }

    /// Starts the arrivals (the first comes one inter-arrival time later).
    pub fn start(&self) {
        self.regs.write(global::CTRL, global::CTRL_START);
    }

    /// Stops the device.
    pub fn stop(&self) {
        self.regs.write(global::CTRL, 0);
    }

    /// Keys of the key-value workload (0 if the workload is not key-value).
    pub fn kv_keys(&self) -> u64 {
        self.kv_keys
    }

    /// The run's seed (the store is preloaded from it).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Reports a completed request: a TX slot, then the doorbell (one per completion: the
    /// device stamps a completion with its doorbell's tick, so batching would delay them).
    pub fn send(&self, c: Completion) {
        let mut tx = self.tx.lock();
        while !tx.push(c, || self.regs.read(global::TX_CONS)) {
            // Full: every slot is rung but the device has not read them yet.
            core::hint::spin_loop();
        }
        if let Some(prod) = tx.doorbell() {
            self.regs.write(global::TX_PROD, prod);
        }
    }

    /// Reports every completion `next` yields with one doorbell at the end (the kernel's
    /// transmit side, [`kernel_tx`]): the device stamps them all with that doorbell's tick. A
    /// full ring rings early for what it holds, so the device can make room. Returns how many.
    pub fn send_all(&self, mut next: impl FnMut() -> Option<Completion>) -> u64 {
        let mut tx = self.tx.lock();
        let mut sent = 0;
        while let Some(c) = next() {
            while !tx.push(c, || self.regs.read(global::TX_CONS)) {
                if let Some(prod) = tx.doorbell() {
                    self.regs.write(global::TX_PROD, prod);
                }
                core::hint::spin_loop();
            }
            sent += 1;
        }
        if let Some(prod) = tx.doorbell() {
            self.regs.write(global::TX_PROD, prod);
        }
        sent
    }

    /// Sticky error bits (ERR_STATUS) and the offset that set the first one.
    pub fn errors(&self) -> (u64, u64) {
        (
            self.regs.read(global::ERR_STATUS),
            self.regs.read(global::ERR_ADDR),
        )
    }

    /// The device's counters: (arrivals, drops, completions).
    pub fn counters(&self) -> (u64, u64, u64) {
        (
            self.regs.read(global::ARRIVALS),
            self.regs.read(global::DROPS),
            self.regs.read(global::COMPLETIONS),
        )
    }
}

impl RxQueue {
    /// The CoroSched event source this flow fires.
    pub fn source(&self) -> usize {
        self.source
    }

    pub fn flow(&self) -> usize {
        self.flow
    }

    /// Descriptors received so far.
    pub fn received(&self) -> u64 {
        self.rx.consumed()
    }

    /// The next descriptor if one is there (no budget spent, no wait).
    #[inline]
    pub fn try_recv(&mut self) -> Option<RxDescriptor> {
        let (desc, report) = self.rx.poll()?;
        if let Some(cons) = report {
            self.regs.write(flow::rx_cons(self.flow), cons);
        }
        Some(desc)
    }

    /// Whether a descriptor is waiting (one cached load).
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.rx.is_ready()
    }

    /// Reports every consumed descriptor to the device now.
    pub fn flush(&mut self) {
        if let Some(cons) = self.rx.flush() {
            self.regs.write(flow::rx_cons(self.flow), cons);
        }
    }

    /// Receives the next descriptor (see the module docs).
    pub fn recv(&mut self) -> Recv<'_> {
        Recv { queue: self }
    }
}

/// The future of [`RxQueue::recv`].
pub struct Recv<'a> {
    queue: &'a mut RxQueue,
}

impl Future for Recv<'_> {
    type Output = RxDescriptor;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RxDescriptor> {
        let q = &mut *self.queue;
        if let Some(w) = q.wait.as_mut() {
            if Pin::new(w).poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Woken by an event: a descriptor arrived (or one already consumed had fired;
            // events are hints, the ring is the truth).
            q.wait = None;
            q.wakes += 1;
            wake::resumed(q.source);
        }
        loop {
            let coop = ready!(executor::poll_proceed(cx));
            if let Some(desc) = q.try_recv() {
                coop.made_progress();
                return Poll::Ready(desc);
            }
            // Empty: give every consumed slot back before sleeping, then wait for an arrival.
            // An arrival between the check and the wait is not lost: its event is latched, and
            // a latched event completes the wait at once (then the ring is checked again).
            q.flush();
            let mut wait = EventWait::new(q.source);
            if Pin::new(&mut wait).poll(cx).is_pending() {
                q.wait = Some(wait);
                return Poll::Pending;
            }
        }
    }
}
