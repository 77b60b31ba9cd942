//! `driver gem5 …`: build gem5 with the project's devices, make sure a usable one exists, and
//! show the device-sources hashes.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};

use super::{BuildOptions, Record};
use crate::device_hash;

#[derive(Debug, Args)]
pub struct Gem5Args {
    #[command(subcommand)]
    pub action: Gem5Action,
}

#[derive(Debug, Subcommand)]
pub enum Gem5Action {
    /// Build (or rebuild incrementally) gem5.fast for ARM with gem5-devices/ as EXTRAS
    Build(Gem5BuildArgs),
    /// Build gem5 unless a binary with the working tree's devices is already recorded or given
    Ensure(Gem5BuildArgs),
    /// Print the device-sources hash of the working tree and of the gem5 binary in use
    Hash,
}

#[derive(Debug, Args)]
pub struct Gem5BuildArgs {
    /// gem5 v24.0.0.1 source tree [default: $GEM5_SRC, else a clone in the cache directory]
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// Parallel compile jobs [default: the number of CPUs]
    #[arg(long, short)]
    pub jobs: Option<usize>,
}

pub fn execute(args: Gem5Args, root: &Path) -> Result<()> {
    match args.action {
        Gem5Action::Build(b) => {
            let r = super::build(&options(b, root))?;
            println!("{}", r.binary.display());
        }
        Gem5Action::Ensure(b) => {
            let tree = device_hash::working_tree_hash(root)?;
            match usable(&tree) {
                Some(binary) => eprintln!(
                    "gem5: {} has the working tree's devices ({})",
                    binary.display(),
                    &tree[..12]
                ),
                None => {
                    super::build(&options(b, root))?;
                }
            }
        }
        Gem5Action::Hash => {
            println!("working tree: {}", device_hash::working_tree_hash(root)?);
            match crate::gem5::find() {
                Ok(g) => println!("{}: {}", g.binary.display(), g.sources_hash),
                Err(e) => println!("gem5: {e}"),
            }
        }
    }
    Ok(())
}

/// The gem5 binary the driver would use, if it carries `tree`'s devices: `GEM5`/`PATH` first (a
/// user's binary is never rebuilt behind their back: a stale one is reported by the run), then
/// the recorded build.
fn usable(tree: &str) -> Option<PathBuf> {
    let recorded = Record::load();
    match crate::gem5::locate() {
        // `locate` ends with the recorded build, which is usable only with the tree's devices
        // (else `ensure` rebuilds it incrementally).
        Ok(binary) if recorded.as_ref().is_none_or(|r| r.binary != binary) => Some(binary),
        _ => recorded
            .filter(|r| r.sources_hash == tree)
            .map(|r| r.binary),
    }
}

fn options(b: Gem5BuildArgs, root: &Path) -> BuildOptions {
    BuildOptions {
        source: b.source,
        jobs: b.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }),
        repo_root: root.to_path_buf(),
    }
}
