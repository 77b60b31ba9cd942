//! What the guest prints for a run: the `@result` records of its app, as the real apps shape
//! them, with numbers chosen so that the tests can compute what the driver must derive.

use runconfig::{App, Mechanism, Platform, RunConfig};

/// The device as the guest sees it: present (with its queue depth) or not.
pub struct Device {
    pub queue_depth: u64,
}

/// The console of a run that finished: boot, `@app-start`, the records, `@done`; for the
/// syscall app with no kernel side (`side = 2`), its timeout panic instead.
pub fn console(cfg: &RunConfig, device: Option<&Device>) -> String {
    let mut lines = vec!["boot: EL3".to_string(), runconfig::APP_START.to_string()];
    if cfg.app() == Some(App::Syscall) && cfg.param("side") == Some(2) {
        lines.push(format!(
            "{}core 0: panicked at guest-apps/src/syscall_bench.rs:1:1:\nsyscall: the kernel side never answered (error checks, path fwd, side nowhere)",
            runconfig::PANIC_PREFIX
        ));
        return lines.join("\n") + "\n";
    }
    for record in records(cfg, device) {
        lines.push(format!("{}{record}", runconfig::RESULT_PREFIX));
    }
    lines.push(runconfig::DONE.to_string());
    lines.join("\n") + "\n"
}

/// The wake app's measured wakes: cycles `base + 1 ..= base + n`, `base` by path (the device's
/// latency `lat` in ns slows irq by 1 and hwq by 4 cycles per ns).
pub fn wake_base(path: &str, lat: u64) -> u64 {
    match path {
        "irq" => 300 + lat,
        "poll" => 0,
        "hwq" => 100 + 4 * lat,
        _ => 50,
    }
}

/// Two warm-up wakes come before the measured ones.
pub const WAKE_WARMUP: u64 = 2;

fn mechanism(cfg: &RunConfig) -> &'static str {
    use runconfig::Choice;
    cfg.mechanism().map_or("?", Mechanism::name)
}

fn records(cfg: &RunConfig, device: Option<&Device>) -> Vec<String> {
    let gem5 = cfg.platform() == Some(Platform::Gem5);
    match cfg.app() {
        Some(App::ContextSwitch) if gem5 => vec![format!(
            r#"{{"bench":"ctxswitch","mechanism":"{}","switches":2000,"total_cycles":49000,"probe_overhead":3,"quantum_ticks":0,"count":2000,"mean":24.5,"min":20,"p50":24,"p90":27,"p99":31,"max":80}}"#,
            mechanism(cfg)
        )],
        Some(App::ContextSwitch) => vec![format!(
            r#"{{"bench":"ctxswitch","mechanism":"{}","switches":{},"mean":1}}"#,
            mechanism(cfg),
            cfg.iterations
        )],
        Some(App::Wake) if gem5 => vec![gem5_wake(cfg)],
        Some(App::Wake) => vec![qemu_wake(cfg)],
        Some(App::Service) => service(cfg),
        Some(App::Syscall) => syscall(cfg),
        _ => selftest(cfg, device),
    }
}

/// The service app on the software NIC: every request completed once.
fn service(cfg: &RunConfig) -> Vec<String> {
    let n = cfg.iterations;
    let warmup = (n / 10).clamp(1, 100);
    let all = n + warmup;
    vec![
        format!(
            r#"{{"bench":"soft-nic","requests":{n},"warmup":{warmup},"arrivals":{all},"drops":0,"completed":{all},"duplicates":0,"unknown":0,"missing":0,"greedy_delivered":0,"mean_latency_ticks":90}}"#
        ),
        format!(
            r#"{{"bench":"service","policy":"{}","path":"irq","requests":{n},"received":{all},"completed":{all},"nic_errors":0,"coro_errors":0,"greedy_items":7}}"#,
            mechanism(cfg)
        ),
    ]
}

fn selftest(cfg: &RunConfig, device: Option<&Device>) -> Vec<String> {
    let failing = crate::env("FAKE_GUEST_FAIL");
    let ok = |test: &str| failing.as_deref() != Some(test);
    let mut out = vec![format!(
        r#"{{"test":"cores_up","ok":{},"cores":{}}}"#,
        ok("cores_up"),
        cfg.cores
    )];
    for test in [
        "timer_fires",
        "sleep",
        "budget",
        "preempt",
        "fp_state",
        "svc",
        "task_memory",
        "el0",
    ] {
        out.push(format!(r#"{{"test":"{test}","ok":{}}}"#, ok(test)));
    }
    if let Some(d) = device {
        // The device check: bad pointers refused, and one wake past the full queue falls back.
        let waiters = d.queue_depth + 1;
        out.push(format!(
            r#"{{"test":"device","ok":true,"null_task_refused":true,"misaligned_task_refused":true,"queue_depth":{},"waiters":{waiters},"woken":{waiters},"fallbacks":1,"irq_wakes":1}}"#,
            d.queue_depth
        ));
    }
    out
}

fn gem5_wake(cfg: &RunConfig) -> String {
    let (path, n) = (mechanism(cfg), cfg.iterations);
    let busy = cfg.param("busy").unwrap_or(0);
    let mut extra = String::new();
    if cfg.param("stamps") == Some(1) {
        let (stages, sums): (&str, Vec<u64>) = match path {
            "irq" => (
                r#""idle_exit","vector_entry","handler_entry","gic_acked","event_taken","task_woken","eoi","vector_exit","task_resumed""#,
                vec![0, 50, 100, 60, 200, 100, 60, 100, 150],
            ),
            "poll" => (
                r#""event_taken","task_woken","task_resumed""#,
                vec![0, 100, 200],
            ),
            _ => (
                r#""idle_exit","source_check","source_popped","task_resumed""#,
                vec![0, 80, 150, 50],
            ),
        };
        let sums: Vec<String> = sums.iter().map(|s| (s * n).to_string()).collect();
        extra.push_str(&format!(
            r#","idle_waits":{},"svc_cycles":120,"mmio_read_cycles":150,"mmio_write_cycles":60,"bracket_cycles":20,"probe_cycles":26,"breakdown":{{"wakes":{n},"skipped":0,"other":0,"patterns":[{{"stages":[{stages}],"wakes":{n},"sums":[{}]}}]}}"#,
            2 * n,
            sums.join(",")
        ));
    }
    if busy == 1 {
        extra.push_str(&format!(
            r#","bg_units_without":1000,"bg_cycles_without":10000,"bg_units_with":900,"bg_cycles_with":{},"lost_cycles_per_wake":50.00"#,
            9000 + 50 * n
        ));
    }
    format!(
        r#"{{"bench":"wake","path":"{path}","busy":{busy},"wakes":{n},"warmup":{WAKE_WARMUP},"timeouts":0,"interval":20000,"chunk":64,"window_cycles":{},"irq_wakes":0,"poll_wakes":0,"fallbacks":0,"device":true{extra}}}"#,
        9000 + 50 * n
    )
}

fn qemu_wake(cfg: &RunConfig) -> String {
    let (path, n) = (mechanism(cfg), cfg.iterations);
    // Every wake, the ten warm-up wakes included, through the run's own path.
    let (irq, poll) = if path == "irq" {
        (n + 10, 0)
    } else {
        (0, n + 10)
    };
    let mut extra = String::new();
    if cfg.param("stamps") == Some(1) {
        extra = format!(
            r#","probe_cycles":30,"breakdown":{{"wakes":{n},"skipped":0,"other":0,"patterns":[{{"stages":["vector_entry","handler_entry","gic_acked","event_taken","task_woken","eoi","vector_exit","idle_exit","task_resumed"],"wakes":{n},"sums":[0,1,1,1,1,1,1,1,1]}}]}}"#
        );
    }
    format!(
        r#"{{"bench":"wake","path":"{path}","busy":0,"wakes":{n},"warmup":10,"timeouts":0,"irq_wakes":{irq},"poll_wakes":{poll}{extra}}}"#
    )
}

/// The syscall app's records: the error checks, and a loop of `iterations` calls costing the
/// user core 300 cycles each with `svc` and 100 with `fwd` (whose kernel side adds 50).
fn syscall(cfg: &RunConfig) -> Vec<String> {
    let path = mechanism(cfg);
    let calls = cfg.iterations;
    let fwd = path == "fwd";
    let side = match (fwd, cfg.param("side")) {
        (false, _) => "trap",
        (true, Some(1)) => "same-core",
        (true, _) => "kernel-core",
    };
    let (user, kernel) = if fwd { (100, 50) } else { (300, 0) };
    let collector = match cfg.param("collector") {
        Some(1) => "device-hwq",
        Some(2) => "device-ring",
        _ => "software",
    };
    vec![
        format!(
            r#"{{"test":"syscall_errors","path":"{path}","side":"{side}","ok":true,"unknown_call":-38,"write_kernel_memory":-14,"write_unmapped":-14,"write_wrapping":-14,"write_good":64,"null":0,"clock":1}}"#
        ),
        format!(
            r#"{{"bench":"syscall","path":"{path}","call":"null","side":"{side}","calls":{calls},"nocall_cycles":1000000,"nocall_work_cycles":900000,"call_cycles":{},"call_work_cycles":900000,"kernel_cycles":{},"batches":{},"timeout_batches":0,"kernel_calls":{},"full_waits":0,"ticks":25000,"freq":25000000,"collector":"{collector}","wake_stalls":0}}"#,
            1_000_000 + user * calls,
            kernel * calls,
            if fwd { calls } else { 0 },
            if fwd { calls } else { 0 },
        ),
    ]
}
