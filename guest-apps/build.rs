//! Links the guest image with the kernel's linker script (only for the bare-metal target).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("aarch64") && target.ends_with("-none") {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-os/kernel/link.ld");
        println!(
            "cargo:rustc-link-arg-bins=-T{}",
            script.canonicalize().unwrap().display()
        );
        println!("cargo:rerun-if-changed={}", script.display());
    }
}
