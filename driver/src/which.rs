//! Finding programs on `PATH`, the way a shell would, for every tool the driver looks for
//! (gem5, QEMU, `just`, a C++ compiler).

use std::path::{Path, PathBuf};

/// First executable file called one of `names` in a `PATH` directory (names in order).
pub fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    })
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
