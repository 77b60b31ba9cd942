use super::*;
use crate::results::{DumpStats, Window};

fn record(path: &str) -> Value {
    json!({"bench":"syscall","path":path,"call":"null","batch":16,"calls":1000,
           "nocall_cycles":1_000_000,"nocall_work_cycles":900_000,"call_cycles":1_300_000,
           "call_work_cycles":1_000_000,"kernel_cycles":50_000,"batches":100,
           "timeout_batches":3,"kernel_calls":1000,"full_waits":0,"ticks":25_000,
           "freq":25_000_000})
}

fn dump(index: usize, window: Window, insts: f64) -> DumpStats {
    DumpStats {
        index,
        window,
        cycles: Some(1.0),
        insts: Some(insts),
        stats: [(
            "system.cpu_cluster.cpus0.commitStats0.numInsts".to_string(),
            json!(insts),
        )]
        .into(),
    }
}

fn result(point: &Point, records: Vec<Value>, dumps: Vec<DumpStats>) -> RunResult {
    RunResult {
        results: records,
        stats: Some(dumps),
        ..crate::results::tests::sample_result(Path::new("/runs/x"), point.spec.clone())
    }
}

fn dumps() -> Vec<DumpStats> {
    vec![
        dump(0, Window::Boot, 5.0),
        dump(1, Window::Measured, 7.0),
        dump(2, Window::Measured, 1_800_000.0),
        dump(3, Window::Measured, 2_000_000.0),
        dump(4, Window::Exit, 1.0),
    ]
}

#[test]
fn quick_points_sweep_b_on_o3_and_fwd16_on_minor() {
    let points = Syscall.points(Profile::Quick);
    let ids: Vec<_> = points.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), 2 * 5 + 2 * 2 + 2 + 2);
    assert!(ids.contains(&"o3-write-fwd16-sw"));
    assert_eq!(
        &ids[..5],
        [
            "o3-null-svc",
            "o3-null-fwd1",
            "o3-null-fwd4",
            "o3-null-fwd16",
            "o3-null-fwd64"
        ]
    );
    assert!(ids.contains(&"minor-write-fwd16"));
    let idle = points
        .iter()
        .find(|p| p.id == "o3-null-fwd-idle16")
        .unwrap();
    assert_eq!(idle.spec.cores, 1);
    assert_eq!(idle.labels["path"], "fwd-idle:16");
    let fwd = &points[1];
    assert_eq!(fwd.spec.mechanism, "fwd");
    assert_eq!(fwd.spec.cores, 2);
    assert_eq!(points[0].spec.cores, 1);
    let full = Syscall.points(Profile::Full);
    // same-core (device) and software-collector points on the first CPU, every call and B
    assert_eq!(
        full.len(),
        2 * 4 * (1 + BATCHES.len()) + 2 * 4 * BATCHES.len()
    );
    // the device points have CoroSched and ask for the device; svc and software have neither
    assert_eq!(fwd.spec.params["collector"], 2);
    assert_eq!(fwd.labels["collector"], "device");
    assert!(fwd.spec.sim.coro_sched().is_some());
    assert!(points[0].spec.sim.coro_sched().is_none());
    let sw = points.iter().find(|p| p.id == "o3-write-fwd16-sw").unwrap();
    assert_eq!(sw.spec.params["collector"], 0);
    assert!(sw.spec.sim.coro_sched().is_none());
}

#[test]
fn metrics_subtract_the_window_without_calls() {
    let p = &Syscall.points(Profile::Quick)[3]; // o3-null-fwd16
    let m = measure(p, &result(p, vec![record("fwd")], dumps())).unwrap();
    assert_eq!(m.user_cycles_per_call, 300.0);
    assert_eq!(m.kernel_cycles_per_call, 50.0);
    assert_eq!(m.total_cycles_per_call, 350.0);
    assert_eq!(m.calls_per_second, 1_000_000.0);
    assert_eq!(m.ipc_work_without, 2.0);
    assert_eq!(m.ipc_work_with, 1.8);
    assert_eq!(m.mean_batch, 10.0);
    let mut same_core = record("fwd");
    same_core["side"] = json!("same-core");
    let m = measure(p, &result(p, vec![same_core], dumps())).unwrap();
    assert_eq!(m.total_cycles_per_call, 300.0);
}

#[test]
fn missing_pieces_are_errors() {
    let p = &Syscall.points(Profile::Quick)[3];
    let err = |records, dumps| format!("{:#}", measure(p, &result(p, records, dumps)).unwrap_err());
    assert!(err(vec![], dumps()).contains("\"bench\":\"syscall\""));
    assert!(err(vec![record("svc")], dumps()).contains("the guest ran svc"));
    let mut no_ticks = record("fwd");
    no_ticks.as_object_mut().unwrap().remove("ticks");
    assert!(err(vec![no_ticks], dumps()).contains("no \"ticks\""));
    let few = vec![
        dump(0, Window::Boot, 1.0),
        dump(1, Window::Measured, 1.0),
        dump(2, Window::Exit, 1.0),
    ];
    assert!(err(vec![record("fwd")], few).contains("1 measured dumps"));
}

fn metrics(user: f64) -> SyscallMetrics {
    SyscallMetrics {
        calls: 1.0,
        user_cycles_per_call: user,
        kernel_cycles_per_call: 0.0,
        total_cycles_per_call: user,
        calls_per_second: 1.0,
        ipc_work_without: 1.0,
        ipc_work_with: 1.0,
        mean_batch: 1.0,
        timeout_batches: 0.0,
        full_waits: 0.0,
        wake_stalls: None,
    }
}

#[test]
fn analysis_finds_the_ratio_and_the_crossover() {
    let points = Syscall.points(Profile::Quick);
    let records: Vec<Record> = points[..5]
        .iter()
        .map(|p| Record {
            id: p.id.clone(),
            labels: p.labels.clone(),
            run_dir: PathBuf::new(),
            spec: p.spec.clone(),
            seed: 1,
            command_line: String::new(),
            simulator_version: String::new(),
            guest_git_describe: String::new(),
            guest_sha256: String::new(),
            guest_results: vec![],
            windows: vec![],
            metrics: Value::Null,
        })
        .collect();
    // svc 300; fwd:1 600, fwd:4 300 (equal: the crossover), fwd:16 90, fwd:64 60
    let runs: Runs = records
        .iter()
        .zip([300.0, 600.0, 300.0, 90.0, 60.0])
        .map(|(r, u)| (r, metrics(u)))
        .collect();
    let a = analysis(&runs, &[("o3".into(), "null".into())]);
    assert_eq!(a[0]["crossover_batch"], json!(4));
    assert_eq!(a[0]["fwd16_over_svc"], json!(0.3));
    assert_eq!(a[0]["target_fwd16_at_most_a_third"], json!(true));
    assert_eq!(a[0]["collector"], json!("device"));
    assert_eq!(a.as_array().map(Vec::len), Some(1)); // no software points among these
}
