//! E6: system calls through the synchronous `svc` trap or forwarded in batches (`fwd:B`).
//!
//! Core 0 is the user core: `tasks` tasks each do `work` units of work, then one call, in a
//! loop. With `fwd` and `side = 0` the last core is the kernel core, which serves the user
//! core's submission ring; with `side = 1` the user core runs its own batches at its idle
//! point. Who collects the batches and wakes the tasks is `collector`: the software collector
//! (`kernel::syscalls::forwarder`), or the SyscallFwd device (`kernel::syscalls::fwd_device`),
//! which wakes them through CoroSched's hwq or ready ring into the user core's executor.
//!
//! First, on the run's own path, the error checks: an unknown call number, and `write` from
//! kernel memory, from an unmapped address and from a range that wraps, and `nic_send` from
//! kernel memory or with too many records, must each return their error code, and a good
//! `write` its length, a good `nic_send` its count (`@result {"test":"syscall_errors",…}`; the
//! run panics if one fails). Then two measured regions, each between `m5_reset_stats` and
//! `m5_dump_stats`: the work alone (no calls), and the work with a call after each piece.
//! Per region the record has the user core's cycles, the cycles inside the work pieces, and
//! the kernel side's cycles, batches and calls; the driver adds gem5's instruction counts.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use alloc::vec::Vec;
use kernel::syscalls::fwd_device::{self, WakeVia};
use kernel::syscalls::{self, Call, Errno, forwarder, fwd, svc_path};
use kernel::wake::{RingWait, WakePath};
use kernel::{m5, result, runtime, timer};
use runconfig::{Mechanism, RunConfig};

/// Bytes each `write` copies.
const WRITE_LEN: u64 = 64;
/// Calls (and work pieces) before the measured ones.
const WARMUP_CALLS: u64 = 64;
/// Bytes of the work's data set (a core's L1D holds it).
const WORK_SET: usize = 16 * 1024;

/// Where the fwd path's kernel side runs (`side`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    KernelCore,
    SameCore,
    Nowhere,
}

/// Who collects the `fwd` batches and wakes the tasks (`collector`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Collector {
    Software,
    Device(WakeVia),
}

#[derive(Clone, Copy)]
struct Setup {
    path: Mechanism,
    call: Call,
    batch: u64,
    tasks: u64,
    work: u64,
    side: Side,
    policy: forwarder::Policy,
    collector: Collector,
    poll_ns: u64,
}

/// Set when the run is over. The software collector's kernel core polls it in its loop: it
/// sits on a cache line of its own, or each of its loads would take the line from the user
/// core's counters below (false sharing that cost the user core a miss per work piece, in
/// both windows).
static STOP: Aligned<AtomicBool> = Aligned(AtomicBool::new(false));

#[repr(C, align(64))]
struct Aligned<T>(T);
/// Iterations (work pieces, each with its call if any) completed in the current region.
static COMPLETED: AtomicU64 = AtomicU64::new(0);
/// Calls completed since boot: the progress the stall checks watch.
static CALLS_DONE: AtomicU64 = AtomicU64::new(0);
/// Cycles spent inside work pieces on the user core.
static WORK_CYCLES: AtomicU64 = AtomicU64::new(0);

pub fn run(core: usize, cfg: &RunConfig) {
    let s = setup(cfg);
    let cores = cfg.cores as usize;
    let kernel_core = cores - 1;
    let fwd_on_kernel_core = s.path == Mechanism::Fwd && s.side == Side::KernelCore;
    if fwd_on_kernel_core && cores < 2 {
        panic!(
            "syscall: fwd with side = 0 needs a kernel core: run with --cores 2 or more (or side = 1)"
        );
    }
    let device = s.path == Mechanism::Fwd && s.collector != Collector::Software;
    if device && kernel::coro_sched::device().is_none() {
        panic!(
            "syscall: collector = {} needs gem5 with the CoroSched and SyscallFwd devices \
             (configs/baremetal.py --syscall-fwd); this machine has none: give collector = 0",
            collector_name(s.collector)
        );
    }
    if core == kernel_core && fwd_on_kernel_core {
        if device {
            fwd_device::device().serve_dedicated(&STOP.0);
        } else {
            forwarder::serve_dedicated(0..1, s.policy, &STOP.0);
        }
        return;
    }
    if core != 0 {
        return;
    }
    if let (true, Collector::Device(via)) = (device, s.collector) {
        start_device(s, via, kernel_core);
    } else if s.path == Mechanism::Fwd && s.side == Side::SameCore {
        forwarder::install_same_core(0, s.batch);
    }
    let buf = syscalls::user::alloc_buffer(WRITE_LEN as usize).expect("user buffer for write");
    buf.fill(b'w');
    let buf_addr = buf.as_ptr() as u64;
    // No call completing for 100 ms of counter time is a kernel side that never answers.
    let stall_ticks = crate::watchdog::stall_ticks(cfg, 100);
    error_checks(s, buf_addr, stall_ticks);
    measure(s, buf_addr, WARMUP_CALLS, stall_ticks, false);
    measure(s, buf_addr, WARMUP_CALLS, stall_ticks, true);

    let calls = cfg.iterations.max(s.tasks);
    let nocall = measure(s, buf_addr, calls, stall_ticks, false);
    let with = measure(s, buf_addr, calls, stall_ticks, true);
    STOP.0.store(true, Relaxed);
    kernel::arch::cpu::sev(); // a kernel core waiting for the device's signal sees STOP
    runtime::set_idle(0, kernel::arch::cpu::wfe);
    let wake_stalls = if device {
        let dev = fwd_device::device();
        dev.check_errors("serving the run's calls");
        dev.stop(0);
        kernel::wake::teardown();
        dev.wake_stalls()
    } else {
        0
    };
    result!(
        "{{\"bench\":\"syscall\",\"path\":\"{}\",\"call\":\"{}\",\"batch\":{},\"side\":\"{}\",\"tasks\":{},\"work\":{},\"calls\":{},\"nocall_cycles\":{},\"nocall_work_cycles\":{},\"call_cycles\":{},\"call_work_cycles\":{},\"kernel_cycles\":{},\"batches\":{},\"timeout_batches\":{},\"kernel_calls\":{},\"full_waits\":{},\"ticks\":{},\"freq\":{},\"collector\":\"{}\",\"wake_stalls\":{}}}",
        runconfig::Choice::name(s.path),
        s.call.name(),
        if s.path == Mechanism::Fwd { s.batch } else { 0 },
        side_name(s),
        s.tasks,
        s.work,
        with.calls,
        nocall.cycles,
        nocall.work_cycles,
        with.cycles,
        with.work_cycles,
        with.kernel_cycles,
        with.batches,
        with.timeout_batches,
        with.kernel_calls,
        with.full_waits,
        with.ticks,
        timer::frequency(),
        collector_name(s.collector),
        wake_stalls,
    );
}

fn collector_name(c: Collector) -> &'static str {
    match c {
        Collector::Software => "software",
        Collector::Device(WakeVia::Hwq) => "device-hwq",
        Collector::Device(WakeVia::Ring) => "device-ring",
    }
}

/// The user core's side of the device path: its executor takes the device's wakes from
/// CoroSched's ready source, as the wake app's tasks do (hwq behind the non-empty flag line,
/// or the ready ring, the event wire waking an idle core), and the device serves its ring.
fn start_device(s: Setup, via: WakeVia, kernel_core: usize) {
    let path = match via {
        WakeVia::Hwq => WakePath::Hwq,
        WakeVia::Ring => WakePath::Ring,
    };
    kernel::wake::setup(path, 0, &[], RingWait::EventWire);
    if via == WakeVia::Hwq {
        kernel::wake::use_hwq_flag(0);
    }
    let to_ps = |ticks: u64| {
        (u128::from(ticks) * 1_000_000_000_000 / u128::from(timer::frequency().max(1))) as u64
    };
    let kernel_core = match s.side {
        Side::KernelCore => kernel_core,
        // Nowhere: the device signals the user core, whose idle point serves nothing.
        Side::SameCore | Side::Nowhere => 0,
    };
    fwd_device::device().start(fwd_device::Setup {
        user_core: 0,
        kernel_core,
        batch: s.batch,
        timeout_ps: to_ps(s.policy.timeout_ticks),
        poll_ps: s.poll_ns.max(1) * 1000,
        wake: via,
    });
    if s.side == Side::SameCore {
        fwd_device::install_same_core(0);
    }
}

fn side_name(s: Setup) -> &'static str {
    match (s.path, s.side) {
        (Mechanism::Svc, _) => "trap",
        (_, Side::KernelCore) => "kernel-core",
        (_, Side::SameCore) => "same-core",
        (_, Side::Nowhere) => "nowhere",
    }
}

fn setup(cfg: &RunConfig) -> Setup {
    let path = cfg
        .mechanism()
        .expect("mechanism index out of range for syscall");
    let param = |n: &str| cfg.param(n).unwrap_or(0);
    let batch = param("batch");
    if batch == 0 || batch > syscalls::ring::SLOTS as u64 {
        panic!(
            "syscall: batch = {batch} is out of range: give 1..={}",
            syscalls::ring::SLOTS
        );
    }
    let call = Call::from_number(param("call")).unwrap_or_else(|| {
        panic!(
            "syscall: call = {} is unknown: give 0 (null), 1 (clock), 2 (write) or 3 (nic_send)",
            param("call")
        )
    });
    let side = match param("side") {
        0 => Side::KernelCore,
        1 => Side::SameCore,
        2 => Side::Nowhere,
        n => panic!(
            "syscall: side = {n} is unknown: give 0 (kernel core), 1 (same core) or 2 (nowhere)"
        ),
    };
    let collector = match param("collector") {
        0 => Collector::Software,
        1 => Collector::Device(WakeVia::Hwq),
        2 => Collector::Device(WakeVia::Ring),
        n => panic!(
            "syscall: collector = {n} is unknown: give 0 (software), 1 (the SyscallFwd device, \
             waking through hwq) or 2 (the device, waking through the ready ring)"
        ),
    };
    let tasks = match (param("tasks"), path) {
        (0, Mechanism::Fwd) => batch,
        (0, _) => 1,
        (n, _) => n,
    };
    Setup {
        path,
        call,
        batch,
        tasks,
        work: param("work"),
        side,
        policy: forwarder::Policy {
            batch,
            timeout_ticks: param("timeout_ticks"),
        },
        collector,
        poll_ns: param("poll_ns"),
    }
}

/// One call on the run's path, from a task.
async fn call(path: Mechanism, nr: u64, args: [u64; 6]) -> u64 {
    let r = match path {
        Mechanism::Fwd => fwd::call(nr, args).await,
        _ => svc_path::call(nr, args),
    };
    CALLS_DONE.fetch_add(1, Relaxed);
    r
}

fn args_for(call: Call, buf: u64, _i: u64) -> [u64; 6] {
    match call {
        Call::Write => [buf, WRITE_LEN, 0, 0, 0, 0],
        Call::NicSend => [buf, 1, 0, 0, 0, 0],
        _ => [0; 6],
    }
}

/// Unknown numbers and bad pointers must come back as error codes on the run's path.
fn error_checks(s: Setup, buf: u64, stall_ticks: u64) {
    // The first word of kernel memory (EL1 only: page tables, kernel stacks, kernel state).
    let kernel_ptr = kernel::mmu::regions().kernel.0 as u64;
    let cases: [(&str, u64, [u64; 6], u64); 9] = [
        ("unknown_call", 999, [0; 6], Errno::NoSys.result()),
        (
            "write_kernel_memory",
            Call::Write as u64,
            [kernel_ptr, 8, 0, 0, 0, 0],
            Errno::Fault.result(),
        ),
        (
            "write_unmapped",
            Call::Write as u64,
            [0x10, 8, 0, 0, 0, 0],
            Errno::Fault.result(),
        ),
        (
            "write_wrapping",
            Call::Write as u64,
            [u64::MAX - 3, 8, 0, 0, 0, 0],
            Errno::Fault.result(),
        ),
        (
            "write_good",
            Call::Write as u64,
            [buf, WRITE_LEN, 0, 0, 0, 0],
            WRITE_LEN,
        ),
        ("null", Call::Null as u64, [0; 6], 0),
        (
            "nic_send_kernel_memory",
            Call::NicSend as u64,
            [kernel_ptr & !7, 1, 0, 0, 0, 0],
            Errno::Fault.result(),
        ),
        (
            "nic_send_bad_count",
            Call::NicSend as u64,
            [buf, 17, 0, 0, 0, 0],
            Errno::Inval.result(),
        ),
        (
            "nic_send_good",
            Call::NicSend as u64,
            [buf, 1, 0, 0, 0, 0],
            1,
        ),
    ];
    let path = s.path;
    let got = run_one(s, stall_ticks, "error checks", async move {
        let mut got = Vec::new();
        for (_, nr, args, _) in cases {
            got.push(call(path, nr, args).await);
        }
        got
    });
    let mut ok = true;
    let mut fields = alloc::string::String::new();
    for ((name, _, _, want), r) in cases.iter().zip(&got) {
        ok &= r == want;
        fields.push_str(&alloc::format!(",\"{name}\":{}", *r as i64));
    }
    let clock = block_on_path(s, stall_ticks, Call::Clock);
    ok &= clock > 0;
    result!(
        "{{\"test\":\"syscall_errors\",\"path\":\"{}\",\"side\":\"{}\",\"ok\":{ok}{fields},\"clock\":{clock}}}",
        runconfig::Choice::name(path),
        side_name(s),
    );
    if !ok {
        panic!(
            "syscall: an error check failed on the {} path: {fields}",
            runconfig::Choice::name(path)
        );
    }
}

fn block_on_path(s: Setup, stall_ticks: u64, c: Call) -> u64 {
    let path = s.path;
    let nr = c as u64;
    run_one(s, stall_ticks, c.name(), async move {
        call(path, nr, [0; 6]).await
    })
}

/// Runs `future` as a task on this core to its end; a stall (the task does not end within
/// `stall_ticks` of waiting) fails the run with its message.
fn run_one<T: Send + 'static>(
    s: Setup,
    stall_ticks: u64,
    what: &str,
    future: impl core::future::Future<Output = T> + Send + 'static,
) -> T {
    let handle = runtime::spawn(future);
    if let Err(st) = runtime::run_until_or_stall(|| handle.is_finished(), &CALLS_DONE, stall_ticks)
    {
        stalled(s, what, st.idle_ticks);
    }
    finish(handle)
}

fn finish<T: Send + 'static>(handle: executor::JoinHandle<T>) -> T {
    let mut handle = core::pin::pin!(handle);
    match handle.as_mut().poll(&mut core::task::Context::from_waker(
        core::task::Waker::noop(),
    )) {
        core::task::Poll::Ready(Ok(v)) => v,
        other => panic!(
            "syscall: a finished task has no output ({})",
            other.is_ready()
        ),
    }
}

fn stalled(s: Setup, what: &str, idle_ticks: u64) -> ! {
    let r = syscalls::ring::of(0);
    panic!(
        "syscall: the kernel side never answered ({what}, path {}, side {}): no call completed for {idle_ticks} timer ticks; submission ring head {} tail {}, {} of the measured calls done, kernel side ran {} batches ({} calls)",
        runconfig::Choice::name(s.path),
        side_name(s),
        r.head.0.load(Relaxed),
        r.tail.0.load(Relaxed),
        COMPLETED.load(Relaxed),
        forwarder::STATS[0].batches.load(Relaxed),
        forwarder::STATS[0].calls.load(Relaxed),
    )
}

struct Region {
    calls: u64,
    cycles: u64,
    work_cycles: u64,
    kernel_cycles: u64,
    batches: u64,
    timeout_batches: u64,
    kernel_calls: u64,
    full_waits: u64,
    ticks: u64,
}

/// Runs `calls` iterations (work, then a call if `with_calls`) spread over the tasks, bracketed
/// by a stats reset and dump (the warm-up regions make dumps too; the driver reads the last
/// two).
fn measure(s: Setup, buf: u64, calls: u64, stall_ticks: u64, with_calls: bool) -> Region {
    let per_task = calls.div_ceil(s.tasks);
    let side = &forwarder::STATS[0];
    let snapshot = || {
        (
            side.cycles.load(Relaxed),
            side.batches.load(Relaxed),
            side.timeout_batches.load(Relaxed),
            side.calls.load(Relaxed),
            fwd::FULL_WAITS[0].load(Relaxed),
        )
    };
    COMPLETED.store(0, Relaxed);
    WORK_CYCLES.store(0, Relaxed);
    let handles: Vec<_> = (0..s.tasks)
        .map(|t| {
            let s2 = s;
            runtime::spawn(async move {
                let mut seed = t + 1;
                for i in 0..per_task {
                    let t0 = kernel::cycles();
                    seed = work(&WORK_DATA, seed, s2.work);
                    WORK_CYCLES.fetch_add(kernel::cycles() - t0, Relaxed);
                    if with_calls {
                        let nr = s2.call as u64;
                        let r = call(s2.path, nr, args_for(s2.call, buf, i)).await;
                        if Errno::from_result(r).is_some() {
                            panic!("syscall: call {} failed with {r:#x}", s2.call.name());
                        }
                        // Every result is checked: a completion delivered to the wrong task
                        // or never written would show here.
                        let want = match s2.call {
                            Call::Null => Some(0),
                            Call::Write => Some(WRITE_LEN),
                            _ => None,
                        };
                        if want.is_some_and(|w| w != r) {
                            panic!(
                                "syscall: call {} returned {r:#x}, expected {:#x}",
                                s2.call.name(),
                                want.unwrap_or(0)
                            );
                        }
                    }
                    COMPLETED.fetch_add(1, Relaxed);
                }
                seed
            })
        })
        .collect();
    let before = snapshot();
    m5::reset_stats();
    let t0 = kernel::cycles();
    let tick0 = timer::now();
    let done = || handles.iter().all(|h| h.is_finished());
    if let Err(st) = runtime::run_until_or_stall(done, &COMPLETED, stall_ticks) {
        stalled(s, "measured calls", st.idle_ticks);
    }
    let cycles = kernel::cycles() - t0;
    let ticks = timer::now() - tick0;
    m5::dump_stats();
    // A kernel core counts a batch after it woke the batch's tasks: wait for its count of the
    // region's calls before reading its counters (outside the measured window).
    if with_calls && s.path == Mechanism::Fwd {
        let want = before.3 + per_task * s.tasks;
        let since = timer::now();
        while side.calls.load(Relaxed) < want {
            if timer::now() - since > stall_ticks {
                stalled(s, "the kernel side's count", timer::now() - since);
            }
            core::hint::spin_loop();
        }
    }
    let after = snapshot();
    let mut sink = 0;
    for h in handles {
        sink ^= finish(h);
    }
    core::hint::black_box(sink);
    Region {
        calls: per_task * s.tasks,
        cycles,
        work_cycles: WORK_CYCLES.load(Relaxed),
        kernel_cycles: after.0 - before.0,
        batches: after.1 - before.1,
        timeout_batches: after.2 - before.2,
        kernel_calls: after.3 - before.3,
        full_waits: after.4 - before.4,
        ticks,
    }
}

/// `units` steps of integer work over `data` (loads and stores across the data set, and a
/// dependent multiply): the user code whose IPC the calls between its pieces may pollute.
#[inline(never)]
fn work(data: &[AtomicU64], mut x: u64, units: u64) -> u64 {
    let mask = data.len() - 1;
    for _ in 0..units {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let i = (x >> 33) as usize & mask;
        data[i].store(data[i].load(Relaxed).wrapping_add(x), Relaxed);
        x ^= data[(i + 8) & mask].load(Relaxed);
    }
    x
}

/// The work's data set, shared by the user core's tasks (relaxed atomics compile to plain
/// loads and stores).
static WORK_DATA: [AtomicU64; WORK_SET / 8] = [const { AtomicU64::new(0) }; WORK_SET / 8];
