//! Where things are: the workspace root and the directories the driver reads and writes.
//!
//! Paths are resolved from the root so the driver works from any directory inside the repo.
//! The root is `--root`/`DRIVER_ROOT` if given (tests point it at a scratch tree), else the
//! nearest ancestor of the current directory that holds this workspace, else the workspace
//! the driver was compiled in.

use std::path::{Path, PathBuf};

/// Environment variable that sets the workspace root.
pub const ENV: &str = "DRIVER_ROOT";

/// The workspace root for `explicit` (from `--root` or `DRIVER_ROOT`), else found from the
/// current directory.
pub fn root(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if is_root(dir) {
                return dir.to_path_buf();
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn is_root(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file()
        && dir.join("guest-os/runconfig").is_dir()
        && dir.join("driver").is_dir()
}

/// Run directories of sweeps and tests (not committed).
pub fn runs_dir(root: &Path) -> PathBuf {
    root.join("runs")
}

/// Committed results and figures.
pub fn results_dir(root: &Path) -> PathBuf {
    root.join("results")
}
