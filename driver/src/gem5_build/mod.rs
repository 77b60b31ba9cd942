//! gem5 provisioning (`driver gem5 build`, `driver gem5 ensure`): a `gem5.fast` for ARM built
//! from gem5's own source with this repository's `gem5-devices/` compiled in as `EXTRAS`.
//!
//! The source is `--source DIR`, else `GEM5_SRC`, else a checkout of the pinned release in the
//! cache directory, cloned there when the network allows. The build is gem5's SCons build,
//! configured once for ARM with the classic memory system (Ruby and SystemC off), and always
//! given `EXTRAS`, so no invocation can silently drop the device. SCons rebuilds only what
//! changed: after an edit in `gem5-devices/` that is the devices and a relink, minutes.
//!
//! Where the binary is, with the hash of the device sources it carries, is written to
//! [`Record`] (`<cache>/gem5.json`); the driver finds gem5 there when neither `GEM5` nor `PATH`
//! has one. The full SCons log goes to `<cache>/gem5-build.log`.
//!
//! Everything that decides what is run ([`Plan`]) is plain data with unit tests; CI never
//! builds gem5.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};

use crate::atomic_file;
use crate::device_hash;

pub mod command;

/// The gem5 release the project is measured on.
pub const PINNED_VERSION: &str = "24.0.0.1";
/// Its tag in gem5's repository.
pub const PINNED_TAG: &str = "v24.0.0.1";
/// gem5's public repository, cloned when no source is given and the network allows.
pub const UPSTREAM: &str = "https://github.com/gem5/gem5.git";
/// Environment variable naming a gem5 source tree.
pub const SOURCE_ENV: &str = "GEM5_SRC";
/// Environment variable overriding the cache directory.
pub const CACHE_ENV: &str = "CORO_SCHED_CACHE";
/// The SCons target, relative to the source tree.
pub const TARGET: &str = "build/ARM/gem5.fast";
/// The build directory whose Kconfig is written, relative to the source tree.
pub const BUILD_DIR: &str = "build/ARM";
/// The Kconfig settings of the build: ARM, classic memory (no Ruby), no SystemC.
pub const KCONFIG: &[(&str, bool)] = &[
    ("BUILD_ISA", true),
    ("USE_ARM_ISA", true),
    ("RUBY", false),
    ("USE_SYSTEMC", false),
];
/// Debian packages gem5's build needs (the compiler, SCons, m4, Python's headers, zlib) and
/// tcmalloc, which gem5 links when present (faster simulation, same results).
pub const APT_PACKAGES: &[&str] = &[
    "g++",
    "scons",
    "m4",
    "git",
    "python3-dev",
    "zlib1g-dev",
    "libgoogle-perftools-dev",
];
/// Build steps (compiles, embeds, links) of a from-scratch build of the pinned release with the
/// project's devices, counted in this project's first build log; the progress estimate of a
/// first build. Later builds use the count of the last full build.
pub const FULL_BUILD_STEPS: u64 = 3_300;

/// The cache directory: `CORO_SCHED_CACHE`, else `$XDG_CACHE_HOME/coro-sched`, else
/// `~/.cache/coro-sched`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("coro-sched")
}

/// What the last build through the driver made (`<cache>/gem5.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub binary: PathBuf,
    pub source: PathBuf,
    pub version: String,
    pub extras: PathBuf,
    /// The device-sources hash the binary carries (from a probe run after the build).
    pub sources_hash: String,
    /// Build steps SCons ran for this build (a full build's count estimates the next one).
    pub steps: u64,
    pub wall_seconds: u64,
}

impl Record {
    pub fn path() -> PathBuf {
        cache_dir().join("gem5.json")
    }

    /// The record, if there is one and its binary still exists.
    pub fn load() -> Option<Record> {
        let text = fs::read_to_string(Self::path()).ok()?;
        let r: Record = serde_json::from_str(&text).ok()?;
        r.binary.is_file().then_some(r)
    }

    fn save(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        atomic_file::write(&Self::path(), text.as_bytes())
            .map_err(|(p, e)| anyhow::anyhow!("writing {}: {e}", p.display()))
    }
}

/// The binary the last driver build recorded, if it still exists.
pub fn recorded_binary() -> Option<PathBuf> {
    Record::load().map(|r| r.binary)
}

/// Where the source comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceChoice {
    /// `--source DIR` or `GEM5_SRC`: used as it is.
    Given(PathBuf),
    /// The cache's checkout, cloned first if missing.
    Cached(PathBuf),
}

impl SourceChoice {
    pub fn resolve(flag: Option<&Path>) -> SourceChoice {
        if let Some(p) = flag {
            return SourceChoice::Given(p.to_path_buf());
        }
        if let Some(p) = std::env::var_os(SOURCE_ENV).filter(|v| !v.is_empty()) {
            return SourceChoice::Given(PathBuf::from(p));
        }
        SourceChoice::Cached(cache_dir().join("gem5-src"))
    }

    pub fn path(&self) -> &Path {
        match self {
            SourceChoice::Given(p) | SourceChoice::Cached(p) => p,
        }
    }
}

/// The version in a gem5 source tree (`src/base/version.cc`).
pub fn source_version(source: &Path) -> Result<String> {
    let file = source.join("src/base/version.cc");
    let text = fs::read_to_string(&file).with_context(|| {
        format!(
            "{} is not a gem5 source tree (no {})",
            source.display(),
            file.display()
        )
    })?;
    parse_version(&text).with_context(|| format!("no gem5Version in {}", file.display()))
}

fn parse_version(text: &str) -> Option<String> {
    let rest = &text[text.find("gem5Version")?..];
    let start = rest.find('"')? + 1;
    let len = rest[start..].find('"')?;
    Some(rest[start..start + len].to_string())
}

/// The `defconfig` text for [`KCONFIG`].
pub fn defconfig_text() -> String {
    KCONFIG
        .iter()
        .map(|(k, on)| format!("{k}={}\n", if *on { "y" } else { "n" }))
        .collect()
}

/// True when a build directory's Kconfig `config` has every setting of [`KCONFIG`].
pub fn config_matches(config: &str) -> bool {
    KCONFIG.iter().all(|(k, on)| {
        if *on {
            config.lines().any(|l| l.trim() == format!("{k}=y"))
        } else {
            config
                .lines()
                .any(|l| l.trim() == format!("# {k} is not set"))
                || !config.lines().any(|l| l.starts_with(&format!("{k}=")))
        }
    })
}

/// The commands of a build, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub source: PathBuf,
    pub extras: PathBuf,
    pub jobs: usize,
    /// `scons defconfig …` when the build directory's config is missing or differs.
    pub configure: Option<Vec<String>>,
    pub build: Vec<String>,
    /// Environment of both: Debian's Python first on PATH, and its python3-config.
    pub env: Vec<(String, String)>,
}

impl Plan {
    /// `defconfig_file` is where [`defconfig_text`] is written before `configure` runs.
    pub fn new(
        source: &Path,
        extras: &Path,
        jobs: usize,
        config_ok: bool,
        defconfig_file: &Path,
    ) -> Plan {
        let extras_arg = format!("EXTRAS={}", extras.display());
        let configure = (!config_ok).then(|| {
            vec![
                "scons".into(),
                "defconfig".into(),
                BUILD_DIR.into(),
                defconfig_file.display().to_string(),
                extras_arg.clone(),
            ]
        });
        let build = vec![
            "scons".into(),
            TARGET.into(),
            extras_arg,
            format!("-j{jobs}"),
            // gem5's style hooks want a git checkout with its hooks installed; the devices follow
            // gem5's style by review, not by hook.
            "--ignore-style".into(),
        ];
        let path = std::env::var("PATH").unwrap_or_default();
        Plan {
            source: source.to_path_buf(),
            extras: extras.to_path_buf(),
            jobs,
            configure,
            build,
            env: vec![
                // gem5 embeds the Python its python3-config names; another Python first on
                // PATH (pyenv, conda) would be linked in instead of Debian's.
                ("PATH".into(), format!("/usr/bin:/bin:{path}")),
                ("PYTHON_CONFIG".into(), "/usr/bin/python3-config".into()),
            ],
        }
    }

    pub fn binary(&self) -> PathBuf {
        self.source.join(TARGET)
    }
}

/// Options of `driver gem5 build`.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub source: Option<PathBuf>,
    pub jobs: usize,
    /// The repository root (its `gem5-devices/` is EXTRAS).
    pub repo_root: PathBuf,
}

/// Builds (or incrementally rebuilds) gem5 and records the binary; returns the record.
pub fn build(opts: &BuildOptions) -> Result<Record> {
    let started = Instant::now();
    let choice = SourceChoice::resolve(opts.source.as_deref());
    obtain_source(&choice)?;
    let source = choice.path().canonicalize()?;
    let version = source_version(&source)?;
    ensure!(
        version == PINNED_VERSION,
        "{} is gem5 {version}; the project is measured on gem5 {PINNED_VERSION} (check out tag \
         {PINNED_TAG} there, or give another tree with --source)",
        source.display()
    );
    install_build_deps()?;
    let extras = opts
        .repo_root
        .join(device_hash::DEVICES_DIR)
        .canonicalize()
        .context("the repository's gem5-devices/ directory")?;
    let cache = cache_dir();
    fs::create_dir_all(&cache)?;
    let config =
        fs::read_to_string(source.join(BUILD_DIR).join("gem5.build/config")).unwrap_or_default();
    let defconfig_file = cache.join("arm-classic.defconfig");
    let plan = Plan::new(
        &source,
        &extras,
        opts.jobs,
        config_matches(&config),
        &defconfig_file,
    );
    let log = cache.join("gem5-build.log");
    let log_file = fs::File::create(&log)
        .with_context(|| format!("creating the build log {}", log.display()))?;
    eprintln!(
        "gem5 build: source {} (gem5 {version}), EXTRAS {}, -j{}; full log {}",
        source.display(),
        extras.display(),
        opts.jobs,
        log.display()
    );
    if let Some(argv) = &plan.configure {
        fs::write(&defconfig_file, defconfig_text())?;
        run_logged(&plan, argv, &log_file, None)
            .with_context(|| format!("configuring the build (see {})", log.display()))?;
    }
    let previous = Record::load();
    let estimate = previous
        .as_ref()
        .map_or(FULL_BUILD_STEPS, |r| r.steps.max(1));
    let first = !plan.binary().exists();
    let steps = run_logged(&plan, &plan.build, &log_file, first.then_some(estimate))
        .with_context(|| format!("building gem5 (the full log is {})", log.display()))?;
    let binary = plan.binary();
    let sources_hash = crate::gem5::probe(&binary)
        .with_context(|| format!("running the new binary {}", binary.display()))?
        .sources_hash;
    let tree = device_hash::tree_hash(&extras)?;
    ensure!(
        sources_hash == tree,
        "the new binary {} carries device hash {sources_hash}, the tree's is {tree}: the \
         SConscript did not bake the hash in (see {})",
        binary.display(),
        log.display()
    );
    let previous_steps = previous.map_or(0, |r| r.steps);
    let record = Record {
        binary: binary.clone(),
        source,
        version,
        extras,
        sources_hash,
        // A full build's count is the estimate for the next full build.
        steps: if first {
            steps
        } else {
            previous_steps.max(steps)
        },
        wall_seconds: started.elapsed().as_secs(),
    };
    record.save()?;
    eprintln!(
        "gem5 build: done in {} ({steps} steps); binary {} recorded in {}",
        human(started.elapsed()),
        binary.display(),
        Record::path().display()
    );
    Ok(record)
}

fn obtain_source(choice: &SourceChoice) -> Result<()> {
    match choice {
        SourceChoice::Given(p) => ensure!(
            p.is_dir(),
            "gem5 source {} does not exist (from --source or {SOURCE_ENV})",
            p.display()
        ),
        SourceChoice::Cached(p) if p.join("SConstruct").is_file() => {}
        SourceChoice::Cached(p) => {
            eprintln!("gem5 build: cloning gem5 {PINNED_TAG} into {}", p.display());
            let status = Command::new("git")
                .args(["clone", "--depth", "1", "--branch", PINNED_TAG, UPSTREAM])
                .arg(p)
                .status()
                .context("running git (apt-get install git)")?;
            if !status.success() {
                let _ = fs::remove_dir_all(p);
                bail!(
                    "cloning gem5 from {UPSTREAM} failed; without a route to it, check out gem5 \
                     {PINNED_TAG} yourself and pass it with --source DIR or {SOURCE_ENV}=DIR"
                );
            }
        }
    }
    Ok(())
}

/// Installs the [`APT_PACKAGES`] that are missing (as root), or names them.
fn install_build_deps() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    crate::setup::apt_install(&missing).context("gem5's build needs these packages")
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// A line of SCons output that is one build step (` [     CXX] a.cc -> .fo`).
pub fn is_step(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('[') && t.find(']').is_some_and(|i| i > 1 && i < 14)
}

/// Runs one SCons command in the source tree, its output to the log, with progress on stderr;
/// returns the number of build steps it ran.
fn run_logged(plan: &Plan, argv: &[String], log: &fs::File, estimate: Option<u64>) -> Result<u64> {
    use std::io::Write;
    let mut log = log.try_clone()?;
    writeln!(log, "$ {}", argv.join(" "))?;
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(&plan.source)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {} (apt-get install scons)", argv[0]))?;
    // stderr is copied by a thread so neither pipe can fill up and stall SCons.
    let stderr = child.stderr.take().expect("piped");
    let mut err_log = log.try_clone()?;
    let copier = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = writeln!(err_log, "{line}");
        }
    });
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut steps = 0u64;
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        writeln!(log, "{line}")?;
        if is_step(&line) {
            steps += 1;
            if last_report.elapsed() >= Duration::from_secs(15) {
                eprintln!(
                    "gem5 build: {}",
                    progress(steps, estimate, started.elapsed())
                );
                last_report = Instant::now();
            }
        }
    }
    let status = child.wait()?;
    let _ = copier.join();
    ensure!(status.success(), "`{}` failed ({status})", argv.join(" "));
    Ok(steps)
}

/// One progress line: steps done (of an estimate, with the time left at the rate so far).
pub fn progress(steps: u64, estimate: Option<u64>, elapsed: Duration) -> String {
    match estimate {
        Some(total) if steps > 0 => {
            let total = total.max(steps);
            let left = elapsed.mul_f64((total - steps) as f64 / steps as f64);
            format!(
                "{steps}/~{total} steps, {} elapsed, ~{} left",
                human(elapsed),
                human(left)
            )
        }
        _ => format!("{steps} steps, {} elapsed", human(elapsed)),
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_always_gets_extras_and_only_configures_when_needed() {
        let p = Plan::new(
            Path::new("/src/gem5"),
            Path::new("/repo/gem5-devices"),
            2,
            false,
            Path::new("/cache/arm.defconfig"),
        );
        assert_eq!(
            p.configure.as_deref().unwrap(),
            [
                "scons",
                "defconfig",
                "build/ARM",
                "/cache/arm.defconfig",
                "EXTRAS=/repo/gem5-devices"
            ]
        );
        assert_eq!(
            p.build,
            [
                "scons",
                "build/ARM/gem5.fast",
                "EXTRAS=/repo/gem5-devices",
                "-j2",
                "--ignore-style"
            ]
        );
        assert_eq!(p.binary(), Path::new("/src/gem5/build/ARM/gem5.fast"));
        let env: std::collections::BTreeMap<_, _> = p.env.iter().cloned().collect();
        assert!(env["PATH"].starts_with("/usr/bin:"));
        assert_eq!(env["PYTHON_CONFIG"], "/usr/bin/python3-config");
        let configured = Plan::new(Path::new("/s"), Path::new("/e"), 1, true, Path::new("/d"));
        assert_eq!(configured.configure, None);
    }

    #[test]
    fn defconfig_is_arm_classic_without_systemc() {
        assert_eq!(
            defconfig_text(),
            "BUILD_ISA=y\nUSE_ARM_ISA=y\nRUBY=n\nUSE_SYSTEMC=n\n"
        );
    }

    #[test]
    fn a_config_with_ruby_or_another_isa_is_reconfigured() {
        let good = "BUILD_ISA=y\nUSE_ARM_ISA=y\n# RUBY is not set\nHAVE_SYSTEMC=y\n\
                    # USE_SYSTEMC is not set\n";
        assert!(config_matches(good));
        assert!(!config_matches(
            &good.replace("# RUBY is not set", "RUBY=y")
        ));
        assert!(!config_matches(
            &good.replace("USE_ARM_ISA=y", "USE_X86_ISA=y")
        ));
        assert!(!config_matches(""));
    }

    #[test]
    fn version_from_version_cc() {
        let text = "namespace gem5 {\nconst char *gem5Version = \"24.0.0.1\";\n}\n";
        assert_eq!(parse_version(text).as_deref(), Some("24.0.0.1"));
        assert_eq!(parse_version("nothing"), None);
        let d = tempfile::tempdir().unwrap();
        let err = source_version(d.path()).unwrap_err().to_string();
        assert!(err.contains("is not a gem5 source tree"), "{err}");
    }

    #[test]
    fn scons_steps_are_counted_and_progress_estimates() {
        assert!(is_step(" [     CXX] ARM/base/foo.cc -> .fo"));
        assert!(is_step(" [    LINK]  -> ARM/gem5.fast"));
        assert!(is_step(" [EMBED PY] src/a.py -> ARM/a.py.cc"));
        assert!(!is_step("scons: Reading SConscript files ..."));
        assert!(!is_step("Checking for C header file Python.h... yes"));
        assert_eq!(
            progress(100, Some(400), Duration::from_secs(60)),
            "100/~400 steps, 1m00s elapsed, ~3m00s left"
        );
        assert_eq!(
            progress(500, Some(400), Duration::from_secs(3700)),
            "500/~500 steps, 1h01m elapsed, ~0m00s left"
        );
        assert_eq!(
            progress(7, None, Duration::from_secs(5)),
            "7 steps, 0m05s elapsed"
        );
    }

    #[test]
    fn source_flag_wins_over_the_environment_and_the_cache() {
        assert_eq!(
            SourceChoice::resolve(Some(Path::new("/x"))),
            SourceChoice::Given("/x".into())
        );
    }
}
