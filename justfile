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
    rustup +nightly component list --installed 2>/dev/null | grep -q '^miri' || rustup toolchain install nightly --profile minimal --component miri,rust-src
    MIRIFLAGS="-Zmiri-ignore-leaks" cargo +nightly miri test -p executor --lib -- {{filters}}
    cargo +nightly miri test -p executor --test task_memory --test heap_exhausted

# Start a one-node Slurm here (root; installs slurm-wlm) and run a QEMU sweep through it
test-slurm:
    scripts/slurm-local-cluster.sh start
    cargo test -p driver --test slurm_local -- --ignored --nocapture

# Fuzz the stats parser and the ELF patcher, `seconds` each (installs cargo-fuzz if missing)
fuzz seconds="600":
    # libFuzzer on the pinned toolchain, no sanitizer (the parsers have no unsafe). Seeds: the stats
    # fixtures, a test ELF and a stripped guest; a failing input is saved under
    # driver/fuzz/artifacts/ (copy it to driver/fuzz/regressions/<target>/ with the fix).
    command -v cargo-fuzz >/dev/null || cargo install --quiet --locked cargo-fuzz
    cd driver/fuzz && mkdir -p corpus/stats_parser corpus/elf_patcher regressions/stats_parser regressions/elf_patcher
    cd driver && cargo fuzz run --sanitizer none stats_parser fuzz/corpus/stats_parser tests/fixtures/stats fuzz/regressions/stats_parser -- -max_total_time={{seconds}} -timeout=10 -max_len=65536 -print_final_stats=1
    cd driver && cargo fuzz run --sanitizer none elf_patcher fuzz/corpus/elf_patcher fuzz/seeds/elf_patcher fuzz/regressions/elf_patcher -- -max_total_time={{seconds}} -timeout=10 -max_len=262144 -print_final_stats=1
