//! The LoadGenNic core's C++ unit tests (its state machine and its distributions), built and
//! run on the host.

mod cxx_core;

#[test]
fn loadgen_nic_core_unit_tests_pass() {
    cxx_core::build_and_run(
        "loadgen_nic",
        &["nic_core.cc", "workload.cc", "test/nic_core_test.cc"],
        "nic_core_test",
        "LoadGenNic",
        20,
    );
}
