//! Writing a file so that readers see either the old contents or the new, never half: write a
//! temporary file in the same directory, sync it, rename it over the target. The temporary name
//! carries the process id and a counter, so concurrent writers (sweep threads) never share one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces `path` with `bytes` atomically, creating its directory if needed. On error the old
/// file is untouched and no temporary file is left behind; the error names the path it is
/// about (`(path, error)`).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), (PathBuf, io::Error)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| (dir.to_path_buf(), e))?;
    let name = path.file_name().ok_or_else(|| {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name");
        (path.to_path_buf(), e)
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(|e| (tmp.clone(), e))?;
        f.write_all(bytes).map_err(|e| (tmp.clone(), e))?;
        f.sync_all().map_err(|e| (tmp.clone(), e))?;
        fs::rename(&tmp, path).map_err(|e| (path.to_path_buf(), e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
