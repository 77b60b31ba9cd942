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

# Fuzz the stats parser and the ELF patcher, `seconds` each (cargo-fuzz and libFuzzer on the
# pinned toolchain; needs `cargo install --locked cargo-fuzz`, which .ci/run does). Seeds: the
# stats fixtures, a test ELF and a stripped guest; an input that fails is saved under
# driver/fuzz/artifacts/ (copy it to driver/fuzz/regressions/<target>/ with the fix).
fuzz seconds="600":
    cd driver/fuzz && mkdir -p corpus/stats_parser corpus/elf_patcher regressions/stats_parser regressions/elf_patcher
    cd driver && cargo fuzz run --sanitizer none stats_parser fuzz/corpus/stats_parser tests/fixtures/stats fuzz/regressions/stats_parser -- -max_total_time={{seconds}} -timeout=10 -max_len=65536 -print_final_stats=1
    cd driver && cargo fuzz run --sanitizer none elf_patcher fuzz/corpus/elf_patcher fuzz/seeds/elf_patcher fuzz/regressions/elf_patcher -- -max_total_time={{seconds}} -timeout=10 -max_len=262144 -print_final_stats=1
