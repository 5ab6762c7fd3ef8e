//! File-system helpers for batches: durable writes, read-only trees, walking.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::ArchiveError;

/// Files of a sealed batch.
pub(crate) const FILE_MODE: u32 = 0o444;
/// Directories of a sealed batch.
pub(crate) const DIR_MODE: u32 = 0o555;

/// Creates `path` (which must not exist), writes `bytes` and makes it read-only, without
/// waiting for the disk: a tree written this way is made durable at once by
/// [`sync_filesystem`] (one flush instead of one per file).
///
/// Not `firmware_config::atomic_file`, on purpose: a batch is atomic as a whole — its files
/// are written into a temporary batch directory that is renamed into place after one
/// `syncfs` — so a temporary file, fsync and directory fsync per file would only add two
/// flushes per file to the seal.
pub(crate) fn create_read_only(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    let shown = path.display();
    let mut file = create_new(path)?;
    file.write_all(bytes)
        .map_err(ArchiveError::io(format!("cannot write {shown}")))?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))
        .map_err(ArchiveError::io(format!("cannot make {shown} read-only")))
}

/// Creates `path`, which must not exist, for writing (mode 0644 until it is made read-only).
pub(crate) fn create_new(path: &Path) -> Result<File, ArchiveError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(ArchiveError::io(format!(
            "cannot create {}",
            path.display()
        )))
}

/// Flushes everything written to the file system that holds `path` — data, inodes and
/// directory entries — and waits for it (`syncfs(2)`): after it returns, every file and
/// directory written before is durable, as if each had been fsynced.
#[allow(unsafe_code, reason = "syncfs(2), which std does not offer")]
pub(crate) fn sync_filesystem(path: &Path) -> Result<(), ArchiveError> {
    use std::os::fd::AsRawFd;
    let what = || format!("cannot flush the file system of {}", path.display());
    let dir = File::open(path).map_err(ArchiveError::io(what()))?;
    // SAFETY: `syncfs` only reads the descriptor, which `dir` keeps open for the call.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
        return Err(ArchiveError::io(what())(std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Fsyncs a directory, so the names created in it are durable.
pub(crate) fn sync_dir(path: &Path) -> Result<(), ArchiveError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(ArchiveError::io(format!(
            "cannot fsync the directory {}",
            path.display()
        )))
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<(), ArchiveError> {
    fs::set_permissions(path, Permissions::from_mode(mode)).map_err(ArchiveError::io(format!(
        "cannot set the mode of {} to {mode:o}",
        path.display()
    )))
}

/// Removes a tree that may hold read-only directories (made writable first).
pub(crate) fn remove_tree(path: &Path) -> std::io::Result<()> {
    fn writable(path: &Path) -> std::io::Result<()> {
        let meta = fs::symlink_metadata(path)?;
        if meta.is_dir() {
            fs::set_permissions(path, Permissions::from_mode(0o755))?;
            for entry in fs::read_dir(path)? {
                writable(&entry?.path())?;
            }
        }
        Ok(())
    }
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    writable(path)?;
    fs::remove_dir_all(path)
}

/// Removes what an interrupted run left in `dir`: entries named `<prefix><pid>-<8 hex digits>`
/// whose process is gone (a seal or an export killed half-way leaves its temporary batch
/// directory or tar, which can be hundreds of megabytes); a running process's are kept.
/// Gives what was removed. A failure to remove is logged, never returned: it must not stop
/// the run that found it.
pub(crate) fn remove_leftovers(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('-'))
            .filter(|(_, tag)| tag.len() == 8 && tag.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
            .filter(|&pid| pid > 0)
        else {
            continue;
        };
        if process_exists(pid) {
            continue;
        }
        let path = entry.path();
        let result = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => remove_tree(&path),
            Ok(_) => fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                log::info!(
                    "removed {}, left by process {pid}, which stopped before finishing",
                    path.display()
                );
                removed.push(path);
            }
            Err(e) => log::warn!("could not remove the leftover {}: {e}", path.display()),
        }
    }
    removed
}

/// Whether a process with this id exists (signal 0: no signal is sent).
#[allow(unsafe_code, reason = "kill(2) with signal 0")]
fn process_exists(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists and may be signalled.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// What a walked path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    /// A symbolic link, device, socket …
    Other,
}

/// One path under a walked root.
#[derive(Debug, Clone)]
pub(crate) struct Walked {
    /// Relative to the root, `/`-separated (names that are not UTF-8 are shown lossily).
    pub rel: String,
    pub path: PathBuf,
    pub kind: Kind,
}

/// Every path under `root` (not following links), sorted by relative path.
pub(crate) fn walk(root: &Path) -> Result<Vec<Walked>, ArchiveError> {
    fn visit(dir: &Path, rel: &str, out: &mut Vec<Walked>) -> Result<(), ArchiveError> {
        let entries = fs::read_dir(dir).map_err(ArchiveError::io(format!(
            "cannot read the directory {}",
            dir.display()
        )))?;
        for entry in entries {
            let entry = entry.map_err(ArchiveError::io(format!(
                "cannot read the directory {}",
                dir.display()
            )))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let meta = fs::symlink_metadata(&path).map_err(ArchiveError::io(format!(
                "cannot examine {}",
                path.display()
            )))?;
            let kind = if meta.is_dir() {
                Kind::Dir
            } else if meta.is_file() {
                Kind::File
            } else {
                Kind::Other
            };
            out.push(Walked {
                rel: rel.clone(),
                path: path.clone(),
                kind,
            });
            if kind == Kind::Dir {
                visit(&path, &rel, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(root, "", &mut out)?;
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_read_only_and_removes_read_only_trees() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("t");
        fs::create_dir_all(dir.join("sub")).unwrap();
        let file = dir.join("sub").join("f");
        create_read_only(&file, b"abc").unwrap();
        sync_filesystem(&dir).unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"abc");
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        // Never overwrites.
        assert!(create_read_only(&file, b"x").is_err());
        assert!(sync_filesystem(&dir.join("missing")).is_err());
        set_mode(&dir.join("sub"), DIR_MODE).unwrap();
        set_mode(&dir, DIR_MODE).unwrap();
        sync_dir(&dir).unwrap();
        let walked = walk(&dir).unwrap();
        let rels: Vec<(&str, Kind)> = walked.iter().map(|w| (w.rel.as_str(), w.kind)).collect();
        assert_eq!(rels, vec![("sub", Kind::Dir), ("sub/f", Kind::File)]);
        assert_eq!(walked[1].path, file);
        remove_tree(&dir).unwrap();
        assert!(!dir.exists());
        // Removing what is not there is fine.
        remove_tree(&dir).unwrap();
    }
}
