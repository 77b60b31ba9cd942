//! The fake LoadGenNic (`--loadgen`): one FCFS server in front of Poisson arrivals of
//! exponential service times (a fixed LCG seed), so that the records obey M/G/1 and the
//! analytic check of `experiment load` has something true to check; the service app's record
//! and the NIC's stats to match. With the greedy flow and no budget (`fcfs`), flow 0 starves:
//! every measured request stays outstanding and the run ends at the tick limit.

use std::fmt::Write as _;

/// Busy cycles per request outside service work (500 ns at 4 GHz).
pub const OVERHEAD_CYCLES: u64 = 2000;
const TICKS_PER_CYCLE: u64 = 250;
const NIC: &str = "system.realview.loadgen_nic";

pub struct FakeNic {
    pub records: String,
    pub received: u64,
    pub work_cycles: u64,
    pub busy_cycles: u64,
    pub window_ticks: u64,
    pub starved: bool,
    pub greedy: bool,
}

struct Lcg(u64);
impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

/// The run the options describe; `fcfs` says whether the server has no budget.
pub fn run(args: &[String], fcfs: bool) -> FakeNic {
    let num = |flag: &str, default: u64| {
        crate::option(args, flag).map_or(default, |v| v.parse().expect("fake nic: number"))
    };
    let rate = num("--loadgen-rate", 100_000) as f64;
    let warmup = num("--loadgen-warmup", 0);
    let requests = num("--loadgen-requests", 100);
    let greedy = args.iter().any(|a| a == "--loadgen-greedy");
    let starved = greedy && fcfs;
    let mut rng = Lcg(1);
    let gap_ticks = 1e12 / rate;
    let mean_service_cycles = 4000.0; // 1 µs
    let mut out = String::from(
        "id,flow,kind,arg0,arg1,warmup,arrival_tick,delivered_tick,completed_tick,status,service_ticks,work_cycles\n",
    );
    let (mut t, mut free, mut work, mut busy) = (1_000_000.0f64, 0u64, 0u64, 0u64);
    for id in 1..=warmup + requests {
        t += rng.exp(gap_ticks);
        let arrival = t as u64;
        let cycles = rng.exp(mean_service_cycles).max(1.0) as u64;
        let w = u64::from(id <= warmup);
        if starved {
            let _ = writeln!(
                out,
                "{id},0,SYNTH,{cycles},0,{w},{arrival},{arrival},0,outstanding,{},0",
                cycles * TICKS_PER_CYCLE
            );
            continue;
        }
        let start = free.max(arrival);
        let done = start + (cycles + OVERHEAD_CYCLES) * TICKS_PER_CYCLE;
        free = done;
        if w == 0 {
            work += cycles;
        }
        busy += cycles + OVERHEAD_CYCLES;
        let _ = writeln!(
            out,
            "{id},0,SYNTH,{cycles},0,{w},{arrival},{arrival},{done},ok,{},{cycles}",
            cycles * TICKS_PER_CYCLE
        );
    }
    FakeNic {
        records: out,
        received: if starved { 0 } else { warmup + requests },
        work_cycles: work,
        busy_cycles: busy,
        window_ticks: free.max(t as u64),
        starved,
        greedy,
    }
}

impl FakeNic {
    /// The service app's record (docs/services.md "What the app reports").
    pub fn service_record(&self, policy: &str) -> String {
        let greedy_items = if self.greedy { 1000 } else { 0 };
        format!(
            r#"{{"bench":"service","policy":"{policy}","path":"hwq","requests":1,"received":{r},"completed":{r},"work_cycles":{},"window_cycles":{},"chunk_cycles":1000,"yields":0,"forced_yields":3,"preemptions":0,"greedy_items":{greedy_items},"nic":"device","nic_errors":0,"coro_errors":0,"cycles_per_tick":158.8,"yield_point_cycles":9.5,"ready_await_cycles":9.5,"forced_yield_cycles":null,"quantum_start_cycles":null,"preemption_cycles":null}}"#,
            self.work_cycles,
            self.window_ticks / TICKS_PER_CYCLE,
            r = self.received
        )
    }

    /// The NIC's stats lines of a dump over `ticks`.
    pub fn stats(&self, ticks: u64) -> String {
        let greedy = if self.greedy {
            256 + ticks / 1_000_000
        } else {
            0
        };
        format!(
            "simFreq 1000000000000 # Simulated ticks per second (Tick/Second)\n\
             {NIC}.greedyDelivered {greedy} # Greedy descriptors written (Count)\n"
        )
    }
}
