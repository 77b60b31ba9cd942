# Thin front door: every recipe is one driver command; the logic (paths, flags, sweeps) is in
# the Rust driver, where it is tested. `just --list` shows the recipes.

driver := "cargo run --quiet --release -p driver --"

# Run every experiment on gem5 (building gem5 first if none has this tree's devices): `quick`, or `full`
run-experiment profile="quick":
    {{driver}} gem5 ensure
    {{driver}} experiment all --profile {{profile}}

# Redraw every figure from the results/*.json files
figures:
    {{driver}} figures

# Format check, lints, host tests, guest build, QEMU tier, then the gem5 tier (skipped, and says so, without gem5)
test:
    {{driver}} setup
    cargo fmt --check
    cargo clippy --workspace --exclude kernel --exclude guest-apps --all-targets -- -D warnings
    cargo clippy -p kernel -p guest-apps --target aarch64-unknown-none --release -- -D warnings
    cargo test --workspace --exclude kernel --exclude guest-apps
    {{driver}} build
    {{driver}} test-tier qemu
    {{driver}} test-tier gem5

# Regenerate the generated files (register map: C++ header, guest crate, docs) after editing their sources
bless:
    REGMAP_BLESS=1 cargo test -p coro-sched-regmap

# Check the toolchain, just, a C++ compiler, QEMU and gem5; say what cannot run and how to fix it
doctor:
    {{driver}} doctor

# Build the guest image
build:
    {{driver}} build

# Regenerate the files made from regmap.toml (C++ header, guest crate, doc tables, config module)
bless:
    REGMAP_BLESS=1 cargo test -p coro-sched-regmap --test generated

# The executor's host tests under Miri (nightly); give test-name filters for a subset
miri *filters:
    # -Zmiri-ignore-leaks: the unit tests leak their executors on purpose (tasks need `&'static`
    # ones); leaks are checked by the integration tests, whose executors are statics.
    MIRIFLAGS="-Zmiri-ignore-leaks" cargo +nightly miri test -p executor --lib -- {{filters}}
    cargo +nightly miri test -p executor --test task_memory --test heap_exhausted

# Start a one-node Slurm here (root; installs slurm-wlm) and run a QEMU sweep through it
test-slurm:
    scripts/slurm-local-cluster.sh start
    cargo test -p driver --test slurm_local -- --ignored --nocapture
