//! The four ways a task blocked on an event is made ready again (BRIEF: wake path):
//!
//! | path | event → task ready | how the core learns of it |
//! |---|---|---|
//! | `irq` | the event raises an SPI; the handler reads the pending bits and wakes the tasks | the interrupt (exception entry, GIC acknowledge/EOI, return) |
//! | `poll` | the event sets a pending bit; a poller coroutine reads the bits and wakes the tasks | the poller, which runs every executor step |
//! | `hwq` | the device pushes the task pointer into the core's hardware ready queue | the executor pops the queue (MMIO) each step; an idle core is woken by the device's event wire |
//! | `ring` | the device DMA-writes the task pointer into the core's ready ring in DRAM | the executor reads the next slot (cached load) each step; an idle core waits in WFE, woken by the event wire or by the exclusive monitor on the slot |
//!
//! A task waits with [`EventWait`]: on its first poll it registers its task pointer (its waker)
//! in the software table and, on `hwq`/`ring`, binds it in the device; the device then wakes it
//! with no CPU involvement until the executor finds it ready.
//!
//! A task that waits for the same source again and again (a stream, such as an RX queue) can
//! use an [`EventStream`] instead: on `hwq`/`ring` it binds once, multi-shot, and each event
//! wakes the task with no MMIO write to re-arm the binding. And on `hwq` a busy core can skip
//! the empty pops: with [`use_hwq_flag`] the executor reads a flag line the device keeps in
//! cacheable memory, and pops (an MMIO read) only when the flag says the queue is non-empty.
//!
//! The `irq` handler also serves the device's fallback (a full queue or ring raises the SPI),
//! so no wake is lost on any path. Events that arrive before their task registered are latched
//! (by the device on `hwq`/`ring`, in [`LATCHED`] on the software paths) and complete the next
//! wait at once.
//!
//! Without the device (QEMU), [`SoftEvents`] stands in for it on the software paths: another
//! core sets the pending bit and, for `irq`, sends an SGI.

use alloc::{boxed::Box, vec::Vec};
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{self, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Poll};

use arm_gic::Trigger;
use coro_sched_regs::NUM_SOURCES;
use executor::{ReadySource, TaskRef, task_from_waker};

use crate::arch::cpu;
use crate::arch::exceptions::{Frame, set_irq_handler};
use crate::coro_sched::{self, CoroSched};
use crate::probe::{self, Stage};

/// The wake path of a run: one of the register map's wake paths that has a WAKE_MODE (the
/// paths are defined once, in gem5-devices/coro_sched/regmap.toml).
pub use coro_sched_regs::WakePath;

/// How an idle core waits for a `ring` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingWait {
    /// WFE; the device signals the core's event input after its DMA write.
    EventWire,
    /// LDXR on the next slot, then WFE: the device's coherent write to the slot's line clears
    /// the exclusive monitor, which wakes WFE, with no signal from the device.
    Monitor,
}

/// INTID of the device's SPI (the register map's `[system]`, which configs/baremetal.py uses).
pub const DEVICE_INTID: u32 = coro_sched_regs::system::SPI_INTID;
/// SGI the software event source sends on QEMU.
const SOFT_SGI: u32 = 9;

static PATH: AtomicU8 = AtomicU8::new(WakePath::Irq.code());
/// Software binding table: source → task pointer (irq, poll, and the fallback of hwq/ring).
static TABLE: [AtomicPtr<()>; NUM_SOURCES] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; NUM_SOURCES];
/// Software-path events that arrived while their source had no task registered.
pub static LATCHED: AtomicU64 = AtomicU64::new(0);
/// Wakes made by the interrupt handler (irq path, and fallbacks of hwq/ring).
pub static IRQ_WAKES: AtomicU64 = AtomicU64::new(0);
/// Wakes made by the poller.
pub static POLL_WAKES: AtomicU64 = AtomicU64::new(0);
/// Sources bound multi-shot by an [`EventStream`]: a fallback wake leaves their table entry.
static MULTISHOT: AtomicU64 = AtomicU64::new(0);

fn path() -> WakePath {
    WakePath::from_code(u64::from(PATH.load(Ordering::Relaxed))).unwrap_or(WakePath::Irq)
}

/// Sets up `path` for events of `sources`, woken on `core` (call on `core`, before any wait).
/// Panics if the path needs the device and there is none.
pub fn setup(path: WakePath, core: usize, sources: &[usize], ring_wait: RingWait) {
    let mode = path
        .mode()
        .unwrap_or_else(|| panic!("{path} is not a wake path a run can select"));
    PATH.store(path.code(), Ordering::Relaxed);
    let dev = coro_sched::device();
    if path.uses_binding() && dev.is_none() {
        panic!(
            "wake path {path:?} needs the CoroSched device, and this machine has none (QEMU has \
             only the irq and poll paths)"
        );
    }
    match dev {
        Some(dev) => {
            dev.clear_errors();
            dev.set_wake_mode(mode);
            dev.set_event_wire(path.uses_binding());
            for &s in sources {
                dev.route(s, core);
            }
            // The SPI serves the irq path and every fallback.
            set_irq_handler(DEVICE_INTID, on_event_irq);
            crate::gic::enable(DEVICE_INTID, core, Trigger::Level);
            match path {
                WakePath::Hwq => crate::runtime::executor().set_ready_source(Some(&HWQ)),
                WakePath::Ring => {
                    let ring = Box::leak(Box::new(Ring::new(dev, core, RING_SLOTS)));
                    RINGS[core].store(ring, Ordering::Release);
                    crate::runtime::executor().set_ready_source(Some(ring));
                    if ring_wait == RingWait::Monitor {
                        crate::runtime::set_idle(core, ring_monitor_idle);
                    }
                }
                _ => {}
            }
        }
        None => {
            set_irq_handler(SOFT_SGI, on_event_irq);
            crate::gic::enable(SOFT_SGI, core, Trigger::Edge);
        }
    }
}

/// Undoes [`setup`]'s ready source and idle hook on the calling core.
pub fn teardown() {
    let core = cpu::core_id();
    crate::runtime::executor().set_ready_source(None);
    crate::runtime::set_idle(core, cpu::wfe);
    if let Some(dev) = coro_sched::device() {
        if !HWQ_FLAGS[core]
            .swap(core::ptr::null_mut(), Ordering::AcqRel)
            .is_null()
        {
            dev.set_hwq_flag(core, 0);
        }
        dev.stop_generator();
        dev.set_event_wire(false);
    }
}

/// The pending event bits, from the device or from the software source.
#[inline(always)]
fn take_pending() -> u64 {
    match coro_sched::device() {
        Some(dev) => {
            let bits = dev.pending();
            if bits != 0 {
                dev.acknowledge(bits);
            }
            bits
        }
        None => SOFT_PENDING.swap(0, Ordering::AcqRel),
    }
}

/// Wakes the registered task of every source in `bits`; latches the others.
#[inline(always)]
fn wake_sources(bits: u64, counter: &AtomicU64) {
    let mut rest = bits;
    while rest != 0 {
        let s = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        let task = if MULTISHOT.load(Ordering::Acquire) & (1 << s) != 0 {
            TABLE[s].load(Ordering::Acquire)
        } else {
            TABLE[s].swap(core::ptr::null_mut(), Ordering::AcqRel)
        };
        if task.is_null() {
            LATCHED.fetch_or(1 << s, Ordering::AcqRel);
        } else {
            counter.fetch_add(1, Ordering::Relaxed);
            // SAFETY: only `EventWait` stores into TABLE, always a live task's pointer (tasks
            // are never freed).
            unsafe { executor::wake_task_ptr(task) };
        }
    }
}

fn on_event_irq(_intid: u32, frame: *mut Frame) -> *mut Frame {
    let bits = take_pending();
    probe::stamp(Stage::EventTaken);
    wake_sources(bits, &IRQ_WAKES);
    probe::stamp(Stage::TaskWoken);
    frame
}

/// The `poll` path's poller: a coroutine that reads the pending bits every time it runs and
/// yields, until `stop` returns true. Spawn it on the waiters' core.
pub async fn poller(stop: impl Fn() -> bool) {
    while !stop() {
        let bits = take_pending();
        if bits != 0 {
            probe::stamp(Stage::EventTaken);
            wake_sources(bits, &POLL_WAKES);
            probe::stamp(Stage::TaskWoken);
        }
        executor::yield_now().await;
    }
}

/// Waits for one event of `source` (see the module docs).
pub struct EventWait {
    source: usize,
    armed: bool,
}

impl EventWait {
    pub fn new(source: usize) -> EventWait {
        assert!(
            source < NUM_SOURCES,
            "event source {source} out of range (< {NUM_SOURCES})"
        );
        EventWait {
            source,
            armed: false,
        }
    }
}

impl Future for EventWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.armed {
            // Only the wake paths wake a waiting task (the apps never wake it otherwise), so
            // the next poll is the event's.
            return Poll::Ready(());
        }
        let s = self.source;
        let task = task_from_waker(cx.waker()).expect("EventWait polled outside an executor task");
        let p = path();
        if p.uses_binding()
            && let Some(dev) = coro_sched::device()
        {
            // The device latches an event that fires before the bind, and it raises the SPI
            // (the fallback, which wakes from TABLE) only for a bound task. Storing TABLE
            // before the bind is therefore all the fallback needs: no latch to check and
            // nothing to mask, so the device paths do not pay the software paths'
            // bookkeeping (two DAIF writes, which drain the pipeline on gem5's O3, and an
            // atomic) on every wait.
            TABLE[s].store(task.as_ptr().cast_mut(), Ordering::Release);
            dev.bind(s, task.as_ptr());
            self.armed = true;
            return Poll::Pending;
        }
        // The software paths' latch and table are shared with the interrupt handler on this
        // core: check and register with IRQs masked.
        let latched = cpu::without_irqs(|| {
            if LATCHED.fetch_and(!(1 << s), Ordering::AcqRel) & (1 << s) != 0 {
                return true;
            }
            TABLE[s].store(task.as_ptr().cast_mut(), Ordering::Release);
            false
        });
        if latched {
            return Poll::Ready(());
        }
        self.armed = true;
        Poll::Pending
    }
}

/// A stream of events of one source, for a task that waits for it again and again (an RX
/// queue): `stream.event().await` per event.
///
/// On `hwq`/`ring` the first [`event`](Self::event) binds the task multi-shot (one MMIO write, and
/// one read-modify-write of `MULTISHOT`); every event after that wakes the task with no bind.
/// A device wake polls the task once, and a pending `event()` is ready on the first poll after
/// the one that started it. So the task must not await anything else between two `event()`s
/// (a wake that came meanwhile would be taken for that other future's); a task that drains
/// its queue at every wake, as a stream consumer does, is unaffected by that rule. Dropping
/// the stream unbinds the source. On the software paths each `event()` is an [`EventWait`].
pub struct EventStream {
    source: usize,
    bound: bool,
}

impl EventStream {
    pub fn new(source: usize) -> EventStream {
        assert!(
            source < NUM_SOURCES,
            "event source {source} out of range (< {NUM_SOURCES})"
        );
        EventStream {
            source,
            bound: false,
        }
    }

    /// The next event of the stream.
    pub fn event(&mut self) -> NextEvent<'_> {
        NextEvent {
            stream: self,
            waiting: false,
            software: None,
        }
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if !self.bound {
            return;
        }
        let s = self.source;
        if let Some(dev) = coro_sched::device() {
            dev.unbind(s);
            dev.set_multishot(s, false);
        }
        MULTISHOT.fetch_and(!(1 << s), Ordering::AcqRel);
        TABLE[s].store(core::ptr::null_mut(), Ordering::Release);
    }
}

/// The future of [`EventStream::event`].
pub struct NextEvent<'a> {
    stream: &'a mut EventStream,
    /// Polled once and pending: the next poll is the event's.
    waiting: bool,
    /// The software paths' one-shot wait.
    software: Option<EventWait>,
}

impl Future for NextEvent<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let s = this.stream.source;
        let dev = coro_sched::device().filter(|_| path().uses_binding());
        let Some(dev) = dev else {
            let wait = this.software.get_or_insert_with(|| EventWait::new(s));
            return Pin::new(wait).poll(cx);
        };
        if this.waiting {
            return Poll::Ready(());
        }
        if !this.stream.bound {
            let task =
                task_from_waker(cx.waker()).expect("EventStream polled outside an executor task");
            // As in `EventWait`: the table first (the fallback wakes from it), then the bind.
            TABLE[s].store(task.as_ptr().cast_mut(), Ordering::Release);
            MULTISHOT.fetch_or(1 << s, Ordering::AcqRel);
            dev.set_multishot(s, true);
            dev.bind(s, task.as_ptr());
            this.stream.bound = true;
        }
        this.waiting = true;
        Poll::Pending
    }
}

/// Whether a task is registered as waiting for `source` on the software paths (its event would
/// wake it rather than be latched).
pub fn waiting(source: usize) -> bool {
    !TABLE[source].load(Ordering::Acquire).is_null()
}

/// The woken task's first instruction after its `.await`, without the `RESUME` report: only
/// the stage stamp. For runs that measure what a wake costs the core (E2) without charging
/// the latency measurement's own MMIO write to the path.
#[inline(always)]
pub fn resumed_unreported() {
    probe::stamp(Stage::TaskResumed);
}

/// Reports `source`'s resumption to the device, which records the event→resume latency. The
/// woken task calls it first thing after its `.await`.
#[inline(always)]
pub fn resumed(source: usize) {
    probe::stamp(Stage::TaskResumed);
    if let Some(dev) = coro_sched::device() {
        dev.resume(cpu::core_id(), source);
    }
}

// ---- hwq ------------------------------------------------------------------------------------

struct HwqSource;
static HWQ: HwqSource = HwqSource;

impl ReadySource for HwqSource {
    #[inline(always)]
    fn pop(&self, core: usize) -> Option<TaskRef> {
        probe::stamp(Stage::SourceCheck);
        pop_hwq(core)
    }
}

/// One MMIO `POP` of `core`'s hardware ready queue.
#[inline(always)]
fn pop_hwq(core: usize) -> Option<TaskRef> {
    let dev = coro_sched::device()?;
    let task = dev.pop(core);
    if task.is_null() {
        return None;
    }
    // Order the task's memory after the Device-memory read that produced its pointer.
    cpu::load_barrier();
    probe::stamp(Stage::SourcePopped);
    // SAFETY: the device only hands back pointers `EventWait` or `EventStream` bound, which
    // are live tasks.
    Some(unsafe { TaskRef::from_ptr(task) })
}

/// The `hwq` path with a non-empty flag: gives `core`'s queue a flag line the device keeps
/// (1 after a push into an empty queue, 0 after the pop that empties it), and makes the
/// executor pop only when the flag is set, so a busy core makes no MMIO read in the steps
/// where nothing was woken. Call on `core` after [`setup`] for `hwq`; [`teardown`] undoes it.
pub fn use_hwq_flag(core: usize) {
    assert!(
        path() == WakePath::Hwq,
        "the hwq flag is for the hwq path (this run's is {})",
        path()
    );
    let dev = coro_sched::device().expect("the hwq path has a device (checked by setup)");
    let flag = Box::leak(Box::new(FlaggedHwq {
        line: Slot([const { AtomicU64::new(0) }; 8]),
    }));
    dev.set_hwq_flag(core, &flag.line as *const Slot as usize);
    HWQ_FLAGS[core].store(flag, Ordering::Release);
    crate::runtime::executor().set_ready_source(Some(flag));
}

static HWQ_FLAGS: [AtomicPtr<FlaggedHwq>; crate::MAX_CORES] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; crate::MAX_CORES];

/// `hwq` behind the device's non-empty flag: one whole line, which only the device writes.
struct FlaggedHwq {
    line: Slot,
}

impl ReadySource for FlaggedHwq {
    #[inline(always)]
    fn pop(&self, core: usize) -> Option<TaskRef> {
        probe::stamp(Stage::SourceCheck);
        // A cached load. The device writes the flag before it signals the core, and a push
        // after the pop that emptied the queue writes 1 after that pop's 0, so a set flag is
        // never missed; a stale 1 costs one empty pop.
        if self.line.0[0].load(Ordering::Relaxed) == 0 {
            return None;
        }
        pop_hwq(core)
    }

    /// The flag word: the executor skips the call while it reads zero.
    #[inline]
    fn ready_hint(&self, _core: usize) -> Option<&AtomicU64> {
        Some(&self.line.0[0])
    }
}

// ---- ring -----------------------------------------------------------------------------------

/// Slots of each core's ready ring.
const RING_SLOTS: usize = 64;

static RINGS: [AtomicPtr<Ring>; crate::MAX_CORES] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; crate::MAX_CORES];

/// One ring slot: a whole cache line. The device writes the line whole (the task pointer in the
/// first word, zeros after), which invalidates the core's copy without fetching it, and the
/// core and the device never share a line.
#[repr(C, align(64))]
struct Slot([AtomicU64; 8]);

/// One core's ready ring: the device writes task pointers into consecutive slots (0 = empty);
/// the core consumes them in order and gives the slots back.
struct Ring {
    slots: Vec<Slot>,
    mask: usize,
    /// Consumer index (free running); only the owning core touches it.
    cons: AtomicUsize,
    /// Last `cons` reported to the device.
    reported: AtomicUsize,
    dev: &'static CoroSched,
}

impl Ring {
    fn new(dev: &'static CoroSched, core: usize, slots: usize) -> Ring {
        assert!(slots.is_power_of_two());
        let slots_vec = (0..slots)
            .map(|_| Slot([const { AtomicU64::new(0) }; 8]))
            .collect::<Vec<_>>();
        let ring = Ring {
            slots: slots_vec,
            mask: slots - 1,
            cons: AtomicUsize::new(0),
            reported: AtomicUsize::new(0),
            dev,
        };
        dev.set_ring(core, ring.slots.as_ptr() as usize, slots);
        ring
    }

    fn slot(&self, i: usize) -> &AtomicU64 {
        &self.slots[i & self.mask].0[0]
    }
}

impl ReadySource for Ring {
    #[inline(always)]
    fn pop(&self, core: usize) -> Option<TaskRef> {
        probe::stamp(Stage::SourceCheck);
        let cons = self.cons.load(Ordering::Relaxed);
        let slot = self.slot(cons);
        // A plain load in every executor step; the acquire ordering (the task's memory after
        // its pointer) is paid only when there is a task.
        let task = slot.load(Ordering::Relaxed);
        if task == 0 {
            return None;
        }
        atomic::fence(Ordering::Acquire);
        slot.store(0, Ordering::Relaxed);
        let cons = cons + 1;
        self.cons.store(cons, Ordering::Relaxed);
        // Report consumption in batches of half a ring: the device needs it only before the
        // ring fills, and each report is an MMIO store.
        let half_ring = (self.mask >> 1) + 1;
        if cons - self.reported.load(Ordering::Relaxed) >= half_ring {
            self.dev.set_ring_consumed(core, cons as u64);
            self.reported.store(cons, Ordering::Relaxed);
        }
        probe::stamp(Stage::SourcePopped);
        // SAFETY: the device only writes pointers `EventWait` bound, which are live tasks.
        Some(unsafe { TaskRef::from_ptr(task as *const ()) })
    }

    /// The next slot's pointer word: zero while the ring is empty, so the executor's check of
    /// an empty ring is that one load, inlined in its step, with no call.
    #[inline]
    fn ready_hint(&self, _core: usize) -> Option<&AtomicU64> {
        Some(self.slot(self.cons.load(Ordering::Relaxed)))
    }
}

/// Idle wait for the `ring` path without the event wire: arm the exclusive monitor on the next
/// slot, and WFE unless the slot is already full. The device's write to the slot's line clears
/// the monitor, which ends the WFE.
fn ring_monitor_idle() {
    let ring = RINGS[cpu::core_id()].load(Ordering::Acquire);
    if ring.is_null() {
        cpu::wfe();
        return;
    }
    // SAFETY: rings are leaked at setup and never freed.
    let ring = unsafe { &*ring };
    let slot = ring.slot(ring.cons.load(Ordering::Relaxed));
    if cpu::load_exclusive(slot) == 0 {
        cpu::wfe();
    }
}

// ---- software event source (no device) --------------------------------------------------------

static SOFT_PENDING: AtomicU64 = AtomicU64::new(0);

/// Fires events without the device (QEMU): sets the pending bit of `source` and, on the `irq`
/// path, sends an SGI to `core`. Runs on another core than the waiters.
pub struct SoftEvents;

impl SoftEvents {
    pub fn fire(source: usize, core: usize) {
        SOFT_PENDING.fetch_or(1 << source, Ordering::AcqRel);
        if path() == WakePath::Irq {
            crate::gic::send_sgi(SOFT_SGI, core);
        }
    }
}
