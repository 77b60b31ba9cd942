//! Declares the `loom` cfg, under which the task state's tests run on loom's model checker.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(loom)");
}
