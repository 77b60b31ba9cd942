//! The SyscallFwd device core's C++ unit tests, built and run on the host.

mod cxx_core;

#[test]
fn syscall_fwd_core_unit_tests_pass() {
    cxx_core::build_and_run(
        "syscall_fwd",
        &["fwd_core.cc", "test/fwd_core_test.cc"],
        "fwd_core_test",
        "SyscallFwd",
        5,
    );
}
