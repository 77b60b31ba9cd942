//! E4/E5: a µs-scale server under open-loop load (`docs/services.md`).
//!
//! Requests arrive as descriptors in the NIC's RX ring of flow 0 (the LoadGenNic on gem5, or
//! the software NIC that core 1 plays elsewhere); the dispatcher receives them with the NIC
//! driver's budget-aware `recv`, woken by the run's wake path, and serves each one under the
//! run's policy (the mechanism): a task per request under `fcfs`, `budget:N` and `quantum:Q`,
//! a stackful thread per request under `preempt:Q`. A request is a synthetic CPU loop (SYNTH,
//! with a yield point every `chunk_ns`) or a key-value GET or SCAN (a yield point every
//! [`work::SCAN_ITEMS_PER_YIELD`] items); its completion goes back through the TX ring with the
//! cycles spent serving it. With `greedy = 1` a greedy task also reads flow 1, whose ring never
//! empties (E5). END on flow 0, once every request received is answered, ends the run; core 0
//! prints one `@result` with the policy's counters and its measured costs (`overheads`), and
//! the software NIC one with what it saw.

mod call_gate;
mod completion;
mod dispatch;
mod overheads;
mod policy;
mod work;

use alloc::collections::BTreeMap;
use core::sync::atomic::AtomicBool;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use kernel::nic::soft::{self, Service, Workload};
use kernel::nic::{Nic, Regs};
use kernel::wake::{RingWait, WakePath};
use kernel::{m5, result, runtime, wake};
use nic_ring::regs::system::{FLOW0_SOURCE, FLOW1_SOURCE};
use runconfig::RunConfig;
use runconfig::services as svc;

use policy::Policy;

/// What every request task shares.
pub struct State {
    pub nic: Nic,
    pub store: BTreeMap<u64, u64>,
    pub policy: Policy,
    /// Cycles between yield points (and of a greedy item).
    pub chunk: u64,
    /// How completions reach the NIC (`complete`).
    pub completer: completion::Completer,
}

static STATE: spin::Once<State> = spin::Once::new();
/// Core 0 has configured the software NIC; core 1 may play it.
static SOFT_READY: spin::Once<Workload> = spin::Once::new();
/// The software NIC has read its last completion; its counters are final.
static SOFT_DONE: AtomicBool = AtomicBool::new(false);
/// Core 0 answered every request, and every answer's doorbell has rung (a kernel core's batch
/// rings it before its calls complete: `kernel::syscalls::batch::run_batch`).
static SERVER_DONE: AtomicBool = AtomicBool::new(false);

fn state() -> &'static State {
    STATE
        .get()
        .expect("the service's state is set before any request runs")
}

struct Params {
    path: WakePath,
    policy_arg: u64,
    chunk_ns: u64,
    greedy: bool,
    nic_base: u64,
    soft_workload: u64,
    soft_service_ns: u64,
    soft_interval_ns: u64,
    requests: u64,
    seed: u64,
    complete: completion::Mode,
    fwd_timeout_ns: u64,
}

impl Params {
    fn of(cfg: &RunConfig) -> Params {
        let p = |name: &str| cfg.param(name).unwrap_or(0);
        let code = p("wake_path");
        Params {
            path: WakePath::from_code(code)
                .filter(|w| w.mode().is_some())
                .unwrap_or_else(|| {
                    panic!("wake_path {code} is not a wake path (0 irq, 1 poll, 2 hwq, 3 ring)")
                }),
            policy_arg: p("policy_arg"),
            chunk_ns: p("chunk_ns").max(1),
            greedy: p("greedy") != 0,
            nic_base: p("nic"),
            soft_workload: p("soft_workload"),
            soft_service_ns: p("soft_service_ns").max(1),
            soft_interval_ns: p("soft_interval_ns").max(1),
            requests: cfg.iterations.max(1),
            seed: cfg.seed,
            complete: completion::Mode::of(p("complete"), p("fwd_batch"), p("fwd_side")),
            fwd_timeout_ns: p("fwd_timeout_ns"),
        }
    }
}

pub fn run(core: usize, cfg: &RunConfig) {
    let p = Params::of(cfg);
    let cores = cfg.cores as usize;
    let kernel_core = p.complete.kernel_core(cores);
    if let Some(k) = kernel_core {
        // Core 0 serves, core 1 plays the software NIC when there is no NIC.
        let first_free = if p.nic_base == 0 { 2 } else { 1 };
        assert!(
            k >= first_free,
            "complete = fwd with fwd_side = 0 collects on a kernel core of its own (the last \
             core): run with at least {} cores, or fwd_side = 1",
            first_free + 1
        );
    }
    if kernel_core == Some(core) {
        if let completion::Mode::Fwd { batch, .. } = p.complete {
            let ticks = (u128::from(p.fwd_timeout_ns) * u128::from(kernel::timer::frequency())
                / 1_000_000_000) as u64;
            completion::serve_kernel_core(batch, ticks);
        }
        return;
    }
    if p.nic_base == 0 && core == 1 {
        play_nic();
        return;
    }
    if core != 0 {
        return;
    }
    if p.nic_base == 0 {
        assert!(
            kernel::smp::cores() >= 2,
            "without the NIC (nic = 0) core 1 plays it in software: run with at least 2 cores"
        );
    }
    let mech = cfg
        .mechanism()
        .expect("mechanism index out of range for service");
    let clock = overheads::Clock::measure();
    let policy = Policy::from_run(mech, p.policy_arg, |ns| clock.ns_to_cycles(ns));
    let chunk = clock.ns_to_cycles(p.chunk_ns).max(1);

    let regs = if p.nic_base == 0 {
        let w = soft_workload(&p, &clock);
        soft::configure(&w, [FLOW0_SOURCE, FLOW1_SOURCE]);
        SOFT_READY.call_once(|| w);
        Regs::Soft(&soft::SOFT_REGS)
    } else {
        Regs::Mmio(p.nic_base as usize)
    };
    let (nic, [rx0, rx1]) = Nic::open(regs);
    let rx0 = rx0.expect("the NIC runs flow 0 (the requests)");
    let rx1 = if p.greedy {
        Some(rx1.expect("greedy = 1, but the NIC's flow 1 is off: configure the greedy flow"))
    } else {
        None
    };
    let sources: alloc::vec::Vec<usize> = [Some(rx0.source()), rx1.as_ref().map(|q| q.source())]
        .into_iter()
        .flatten()
        .collect();
    wake::setup(p.path, core, &sources, RingWait::EventWire);
    let store = work::preload(nic.kv_keys(), nic.seed());
    let completer = completion::Completer::new(p.complete);
    let costs = overheads::measure(&policy);
    runtime::executor().set_budget(policy.executor_budget());
    let state = STATE.call_once(|| State {
        nic,
        store,
        policy,
        chunk,
        completer,
    });
    state.completer.attach(&state.nic);

    let forced0 = runtime::executor().forced_yields();
    let preemptions = alloc::sync::Arc::new(core::sync::atomic::AtomicU64::new(0));
    match state.policy {
        Policy::Preempt { ticks } => {
            let out = preemptions.clone();
            drop(runtime::executor().spawn_local(async move {
                let n = dispatch::preemptive(rx0, state, ticks).await;
                out.store(n, Relaxed);
            }));
        }
        _ => drop(runtime::spawn(dispatch::cooperative(rx0, state))),
    }
    if let Some(rx1) = rx1 {
        drop(runtime::spawn(dispatch::greedy(rx1, chunk)));
    }
    if p.path == WakePath::Poll {
        drop(runtime::spawn(wake::poller(dispatch::finished)));
    }
    m5::reset_stats();
    let t0 = kernel::cycles();
    state.nic.start();
    // No completion for 50 ms of counter time is a server that stopped serving.
    let stall = crate::watchdog::stall_ticks(cfg, 50);
    if let Err(s) = runtime::run_until_or_stall(dispatch::finished, &dispatch::COMPLETED, stall) {
        panic!(
            "the server stopped serving under {}: {} requests completed of {} received, then \
             none for {} counter ticks",
            svc::policy_label(mech, p.policy_arg),
            s.progress,
            dispatch::RECEIVED.load(Relaxed),
            s.idle_ticks
        );
    }
    let window = kernel::cycles() - t0;
    m5::dump_stats();
    state.completer.teardown();
    let coro_errors = kernel::coro_sched::device().map_or(0, |d| d.errors());
    wake::teardown();
    if let Policy::Quantum(q) = state.policy {
        q.teardown();
    }
    runtime::executor().set_budget(Some(executor::DEFAULT_BUDGET));
    if p.nic_base == 0 {
        // The software NIC reads the last completions after this flag, so its counters are
        // final only once it says so.
        SERVER_DONE.store(true, Release);
        while !SOFT_DONE.load(Acquire) {
            core::hint::spin_loop();
        }
    }
    let (errors, err_addr) = state.nic.errors();
    let (arrivals, drops, nic_completions) = state.nic.counters();
    let param = |name: &str| cfg.param(name).unwrap_or(0);
    let fwd_side = &kernel::syscalls::forwarder::STATS[core];
    result!(
        "{{\"bench\":\"service\",\"policy\":\"{}\",\"path\":\"{}\",\"requests\":{},\"received\":{},\"completed\":{},\"work_cycles\":{},\"window_cycles\":{},\"chunk_cycles\":{},\"yields\":{},\"forced_yields\":{},\"preemptions\":{},\"greedy_items\":{},\"nic\":\"{}\",\"nic_arrivals\":{},\"nic_drops\":{},\"nic_completions\":{},\"nic_errors\":{},\"nic_err_addr\":{},\"coro_errors\":{},\"checksum\":{},\"complete\":\"{}\",\"kernel_doorbells\":{},\"kernel_tx_moved\":{},\"fwd_batches\":{},\"fwd_timeout_batches\":{},\"fwd_calls\":{},\"fwd_kernel_cycles\":{},\"fwd_full_waits\":{},\"fwd_gate_waits\":{},{}}}",
        svc::policy_label(mech, p.policy_arg),
        p.path.name(),
        p.requests,
        dispatch::RECEIVED.load(Relaxed),
        dispatch::COMPLETED.load(Relaxed),
        dispatch::WORK_CYCLES.load(Relaxed),
        window,
        chunk,
        policy::YIELDS.load(Relaxed),
        runtime::executor().forced_yields() - forced0,
        preemptions.load(Relaxed),
        dispatch::GREEDY_ITEMS.load(Relaxed),
        if p.nic_base == 0 { "soft" } else { "device" },
        arrivals,
        drops,
        nic_completions,
        errors,
        err_addr,
        coro_errors,
        work::CHECKSUM.load(Relaxed) & 0xffff,
        svc::completion_label(param("complete"), param("fwd_batch")),
        kernel::nic::kernel_tx::DOORBELLS.load(Relaxed),
        kernel::nic::kernel_tx::MOVED.load(Relaxed),
        fwd_side.batches.load(Relaxed),
        fwd_side.timeout_batches.load(Relaxed),
        fwd_side.calls.load(Relaxed),
        fwd_side.cycles.load(Relaxed),
        kernel::syscalls::fwd::FULL_WAITS[core].load(Relaxed),
        state.completer.gate.waits.load(Relaxed),
        costs.json(&clock)
    );
}

/// The software NIC's workload from the run's parameters.
fn soft_workload(p: &Params, clock: &overheads::Clock) -> Workload {
    let service = match p.soft_workload {
        svc::SOFT_FIXED => Service::Fixed {
            cycles: clock.ns_to_cycles(p.soft_service_ns),
        },
        svc::SOFT_EXP => Service::Exp {
            mean_cycles: clock.ns_to_cycles(p.soft_service_ns),
        },
        svc::SOFT_KV => Service::Kv {
            keys: svc::SOFT_KV_KEYS,
            get_per_mille: svc::SOFT_KV_GET_PER_MILLE,
            scan_len: svc::SOFT_KV_SCAN_LEN,
        },
        w => panic!("soft_workload {w}: 0 fixed, 1 exponential, 2 key-value"),
    };
    Workload {
        service,
        interval_ticks: clock.ns_to_ticks(p.soft_interval_ns),
        warmup: (p.requests / 10).clamp(1, 100),
        requests: p.requests,
        greedy: p.greedy,
        seed: p.seed,
    }
}

/// Core 1 without the NIC: plays it, then reports what it saw.
fn play_nic() {
    let w = *SOFT_READY.wait();
    let r = soft::run(&w, 0, || SERVER_DONE.load(Acquire));
    SOFT_DONE.store(true, Release);
    let missing = w.requests + w.warmup - r.drops - r.completed;
    result!(
        "{{\"bench\":\"soft-nic\",\"requests\":{},\"warmup\":{},\"arrivals\":{},\"drops\":{},\"completed\":{},\"duplicates\":{},\"unknown\":{},\"missing\":{},\"greedy_delivered\":{},\"after_end\":{},\"mean_latency_ticks\":{}}}",
        w.requests,
        w.warmup,
        r.arrivals,
        r.drops,
        r.completed,
        r.duplicates,
        r.unknown,
        missing,
        r.greedy_delivered,
        r.after_end,
        r.mean_latency_ticks
    );
}
