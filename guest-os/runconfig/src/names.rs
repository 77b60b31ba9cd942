//! The named choices a run is made of. The driver parses these names from the command line
//! (and lists them when a name is wrong); the guest dispatches on the indices.

pub use coro_sched_regs::WakePath;

/// A closed set of named choices stored as an index in the [`RunConfig`](crate::RunConfig).
pub trait Choice: Sized + Copy + 'static {
    /// Every choice, in index order.
    const ALL: &'static [Self];
    /// The name used on the command line and in results.
    fn name(self) -> &'static str;

    fn index(self) -> u64 {
        Self::ALL
            .iter()
            .position(|c| c.name() == self.name())
            .unwrap_or(0) as u64
    }
    fn from_index(i: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(i).ok()?).copied()
    }
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

macro_rules! named_enum {
    ($(#[$m:meta])* $ty:ident { $($(#[$vm:meta])* $var:ident = $name:expr,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u64)]
        pub enum $ty { $($(#[$vm])* $var,)* }
        impl Choice for $ty {
            const ALL: &'static [Self] = &[$($ty::$var,)*];
            fn name(self) -> &'static str {
                match self { $($ty::$var => $name,)* }
            }
        }
    };
}

named_enum! {
    /// Where the guest runs: decides the memory map (UART, GIC, DRAM) and how a run ends.
    Platform {
        /// gem5 `VExpress_GEM5_V2`, bare metal.
        Gem5 = "gem5",
        /// QEMU `virt` with GICv3 and EL3 (`secure=on,virtualization=on`).
        Qemu = "qemu",
    }
}

named_enum! {
    /// The guest app a run executes.
    App {
        /// Boot self-test: all cores up, the timer fires, async sleep works, the budget yields.
        SelfTest = "selftest",
        /// E3: cycles per context switch.
        ContextSwitch = "ctxswitch",
        /// E1/E2: event-to-resume latency and background cycles lost per wake, by wake path.
        Wake = "wake",
        /// E4/E5: a µs-scale server under open-loop load from the NIC (or its software
        /// stand-in), one task per request, under a scheduling policy (the mechanism).
        Service = "service",
        /// E6: system calls through the `svc` trap or forwarded in batches (`fwd`).
        Syscall = "syscall",
    }
}

named_enum! {
    /// The mechanism under test; each app accepts its own subset ([`App::mechanisms`]).
    Mechanism {
        /// The app has one way to run.
        Default = "default",
        /// Two coroutines yielding to each other through the executor.
        CoroYield = "coro-yield",
        /// Two stackful threads switching cooperatively (callee-saved registers only).
        ThreadCoop = "thread-coop",
        /// Two stackful threads switched by a timer interrupt (full context with FP/SIMD).
        ThreadPreempt = "thread-preempt",
        /// Wake path: the event raises an SPI; the interrupt handler wakes the task.
        Irq = WakePath::Irq.name(),
        /// Wake path: a poller coroutine reads the event status and wakes the task.
        Poll = WakePath::Poll.name(),
        /// Wake path: the device pushes the task pointer into its hardware ready queue; the core
        /// pops it through MMIO.
        Hwq = WakePath::Hwq.name(),
        /// Wake path: the device DMA-writes the task pointer into a ready ring in DRAM; an idle
        /// core waits in WFE and is woken without an interrupt.
        Ring = WakePath::Ring.name(),
        /// Service policy: run each request to completion; yield points do nothing.
        Fcfs = "fcfs",
        /// Service policy: the executor's operation budget (`policy_arg` operations per poll);
        /// yield points spend it.
        Budget = "budget",
        /// Service policy: the device's per-core quantum (`policy_arg` ns) starts when a
        /// request's task is polled; yield points check the DMA-written yield flag.
        Quantum = "quantum",
        /// Service policy: requests run on stackful threads, and a timer interrupt every
        /// `policy_arg` ns preempts the running one to the tail of the queue (Shinjuku).
        Preempt = "preempt",
        /// System calls: a synchronous trap per call.
        Svc = "svc",
        /// System calls: forwarded through the per-core submission ring, run by the kernel side
        /// in batches of up to `batch` (B).
        Fwd = "fwd",
    }
}

named_enum! {
    /// What the kernel's IRQ entry saves; a run parameter of every app (`driver run
    /// --irq-frame`), chosen at boot by installing one of three vector tables.
    IrqFrame {
        /// The whole context: x0–x30, ELR, SPSR, FPCR/FPSR and q0–q31 (800 bytes), on every
        /// interrupt. The default, and the `irq` baseline as first measured.
        Full = "full",
        /// The caller-saved integer registers only (x0–x18, x29, x30, ELR, SPSR); the handler
        /// path does not touch FP/SIMD and preserves x19–x28, so those and the FP/SIMD state
        /// are saved lazily, only when the interrupt switches threads.
        Lean = "lean",
        /// `lean`, with FP/SIMD trapped at EL1 (CPACR_EL1.FPEN) while the handler runs: any
        /// FP/SIMD instruction on the handler path stops the run with a panic that names it.
        /// The test tiers run it; it costs two CPACR_EL1 writes per interrupt.
        LeanChecked = "lean-checked",
    }
}

impl Mechanism {
    /// The wake path of the same name (the register map's `[[path]]`), for the wake app's
    /// mechanisms.
    pub fn wake_path(self) -> Option<WakePath> {
        WakePath::from_name(self.name()).filter(|p| p.mode().is_some())
    }
}

/// One named app parameter, stored in a slot of `RunConfig::params`.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: u64,
    pub help: &'static str,
}

impl App {
    /// The mechanisms this app runs; the config stores an index into this list.
    pub fn mechanisms(self) -> &'static [Mechanism] {
        match self {
            App::SelfTest => &[Mechanism::Default],
            App::ContextSwitch => &[
                Mechanism::CoroYield,
                Mechanism::ThreadCoop,
                Mechanism::ThreadPreempt,
            ],
            App::Wake => &[
                Mechanism::Irq,
                Mechanism::Poll,
                Mechanism::Hwq,
                Mechanism::Ring,
            ],
            App::Service => &[
                Mechanism::Fcfs,
                Mechanism::Budget,
                Mechanism::Quantum,
                Mechanism::Preempt,
            ],
            App::Syscall => &[Mechanism::Svc, Mechanism::Fwd],
        }
    }

    /// The app's parameters, in slot order.
    pub fn params(self) -> &'static [ParamSpec] {
        match self {
            App::SelfTest => &[ParamSpec {
                name: "budget",
                default: 128,
                help: "cooperative budget of the executor (operations per poll)",
            }],
            App::ContextSwitch => &[
                ParamSpec {
                    name: "quantum_ticks",
                    default: 4,
                    help: "thread-preempt: timer quantum in generic-timer ticks",
                },
                ParamSpec {
                    name: "el0",
                    default: 0,
                    help: "thread-preempt: the threads run at EL0 with either value (the app runs at EL0, so the threads it makes do too); kept so that older run specs still parse",
                },
            ],
            App::Wake => &[
                ParamSpec {
                    name: "busy",
                    default: 0,
                    help: "0: the waiter's core is otherwise idle (E1 idle); 1: it runs background work (E1 busy, E2)",
                },
                ParamSpec {
                    name: "interval",
                    default: 20_000,
                    help: "mean CPU cycles between events (uniform in [interval/2, 3*interval/2], seeded)",
                },
                ParamSpec {
                    name: "chunk",
                    default: 64,
                    help: "busy: background work units per poll of the background task before it yields",
                },
                ParamSpec {
                    name: "ring_wait",
                    default: 0,
                    help: "ring: how an idle core waits: 0 = WFE woken by the device's event wire, 1 = WFE on the exclusive monitor of the ring slot",
                },
                ParamSpec {
                    name: "stamps",
                    default: 0,
                    help: "1: stamp the cycle counter at each stage of every wake (vector, GIC acknowledge, event read, executor wake, EOI, return, idle exit, ready-source pop, resume) and report the per-stage breakdown; adds one counter read per stage",
                },
                ParamSpec {
                    name: "resume",
                    default: 1,
                    help: "1: the woken task reports RESUME to the device (one MMIO write per wake: the E1 latency sample); 0: no report and no E1 samples, so that E2 does not charge the measurement to the path",
                },
                ParamSpec {
                    name: "protocol",
                    default: 0,
                    help: "hwq/ring: 0 = one-shot binding re-armed by an MMIO write at every wait, hwq popped by MMIO every executor step; 1 = multi-shot binding (bound once), hwq popped only when the device's non-empty flag line says so",
                },
                ParamSpec {
                    name: "check_every",
                    default: 1,
                    help: "hwq/ring: a busy core checks the ready source every this many executor steps (>= 1; always in a step without other work and first after an idle wait)",
                },
            ],
            App::Service => crate::services::SERVICE_PARAMS,
            App::Syscall => SYSCALL_PARAMS,
        }
    }
}

/// The system-call app's parameters ([`App::Syscall`]).
const SYSCALL_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "batch",
        default: 16,
        help: "fwd: requests per batch (B, 1..=64); the kernel side starts a batch once B are pending",
    },
    ParamSpec {
        name: "call",
        default: 0,
        help: "the call measured: 0 = null, 1 = clock, 2 = write (64 bytes), 3 = nic_send",
    },
    ParamSpec {
        name: "side",
        default: 0,
        help: "fwd: where the kernel side runs: 0 = a dedicated kernel core (the last core), 1 = the user core at its idle point, 2 = nowhere (fault test: the run must fail with a timeout)",
    },
    ParamSpec {
        name: "tasks",
        default: 0,
        help: "tasks making calls on the user core (0 = B for fwd, 1 for svc)",
    },
    ParamSpec {
        name: "work",
        default: 200,
        help: "work units each task does between two calls (0 = none)",
    },
    ParamSpec {
        name: "timeout_ticks",
        default: 250,
        help: "fwd: generic-timer ticks a pending request waits for a full batch before a partial batch starts",
    },
    ParamSpec {
        name: "collector",
        default: 0,
        help: "fwd: who collects the batches and wakes the tasks: 0 = software (kernel::syscalls::forwarder; QEMU and gem5), 1 = the SyscallFwd device waking through CoroSched's hwq (with its non-empty flag line), 2 = the device waking through CoroSched's ready ring (gem5 with the devices)",
    },
    ParamSpec {
        name: "poll_ns",
        default: 20,
        help: "fwd with the device: nanoseconds between the device's DMA reads of the producer lines (POLL_PERIOD)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wake_app_runs_every_selectable_wake_path_by_its_name() {
        let selectable = WakePath::ALL
            .iter()
            .filter(|p| p.mode().is_some())
            .map(|p| p.name());
        let mechanisms = App::Wake.mechanisms().iter().map(|m| m.name());
        assert!(mechanisms.eq(selectable));
        for m in App::Wake.mechanisms() {
            assert_eq!(m.wake_path().map(WakePath::name), Some(m.name()));
        }
        assert_eq!(Mechanism::CoroYield.wake_path(), None);
    }
}
