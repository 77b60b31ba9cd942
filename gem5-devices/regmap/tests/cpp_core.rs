//! The CoroSched device core's C++ unit tests, built and run on the host.

mod cxx_core;

#[test]
fn sched_core_unit_tests_pass() {
    cxx_core::build_and_run(
        "coro_sched",
        &["sched_core.cc", "test/sched_core_test.cc"],
        "sched_core_test",
        "CoroSched",
        0,
    );
}
