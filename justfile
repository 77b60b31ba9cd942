# Thin front door: every recipe is one driver command; the logic (paths, flags, sweeps) is in
# the Rust driver, where it is tested. `just --list` shows the recipes.

driver := "cargo run --quiet --release -p driver --"

# Run the experiments on gem5 (GEM5=/path/to/gem5.fast): quick profile by default, `full` for
# the publication-size sweeps.
run-experiment profile="quick":
    {{driver}} experiment all --profile {{profile}}

# Regenerate every figure from the results/*.json files.
figures:
    {{driver}} figures

# Everything that needs no gem5, then the gem5 tier when GEM5 is set (it says when it is skipped).
test:
    cargo clippy --workspace --exclude kernel --exclude guest-apps --all-targets -- -D warnings
    cargo clippy -p kernel -p guest-apps --target aarch64-unknown-none --release -- -D warnings
    cargo test --workspace --exclude kernel --exclude guest-apps
    {{driver}} build
    {{driver}} test-tier qemu
    {{driver}} test-tier gem5

# Check the toolchain, QEMU and gem5, and say how to fix what is missing.
doctor:
    {{driver}} doctor

# Build the guest image.
build:
    {{driver}} build

# Start a one-node Slurm here (root; installs slurm-wlm) and run a QEMU sweep through it.
test-slurm:
    scripts/slurm-local-cluster.sh start
    cargo test -p driver --test slurm_local -- --ignored --nocapture
