//! The fake `qemu-system-aarch64`: the console is stdout, and a guest panic ends QEMU with a
//! non-zero status, as semihosting `SYS_EXIT` does.

use std::path::Path;

use crate::guest;

pub fn main(args: &[String]) -> u8 {
    if args.iter().any(|a| a == "--version") {
        println!("QEMU emulator version 7.2.0 (fake)");
        return 0;
    }
    let kernel = crate::option(args, "-kernel").expect("fake qemu: no -kernel");
    let cfg = crate::run_config(Path::new(kernel));
    let smp: u64 = crate::option(args, "-smp").map_or(1, |s| s.parse().expect("-smp N"));
    assert_eq!(
        smp, cfg.cores,
        "fake qemu: -smp and RUN_CONFIG.cores differ"
    );
    if crate::env("FAKE_QEMU_MODE").as_deref() == Some("panic") {
        print!(
            "{}\n\n{}core 0: panicked at guest-os/kernel/src/timer.rs:40:5:\ntimer never fired\n",
            runconfig::APP_START,
            runconfig::PANIC_PREFIX
        );
        return 1;
    }
    print!("{}", guest::console(&cfg, None));
    0
}
