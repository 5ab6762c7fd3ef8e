//! Writing a whole file atomically: after a crash or power cut the path holds either the old
//! content or the new, never a part. The one way every crate of the kiosk writes a file it
//! must not lose (configuration, bundles' state, key files, `kiosk provision`'s `kiosk.toml`).
//!
//! The bytes go into a temporary file in the same directory (the `tempfile` crate; created
//! mode 600, then given its final mode and owner), which is fsynced and then moved into place
//! by [`tempfile::NamedTempFile::persist`] (replacing) or
//! [`persist_noclobber`](tempfile::NamedTempFile::persist_noclobber) (never replacing:
//! `renameat2(RENAME_NOREPLACE)` or a hard link); finally the directory is fsynced so the
//! name is durable too. On failure the temporary file is removed and the path is unchanged.

use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A step of an atomic write failed; the path is unchanged.
#[derive(Debug, thiserror::Error)]
#[error("cannot {step} {}: {source}", path.display())]
pub struct AtomicWriteError {
    /// What was being done: "create a temporary file in", "write", "fsync", "replace",
    /// "create", "fsync the directory", …
    pub step: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl AtomicWriteError {
    /// True when [`AtomicFile::create_new`] found the path taken.
    pub fn already_exists(&self) -> bool {
        self.source.kind() == io::ErrorKind::AlreadyExists
    }
}

/// One file to write atomically: its path, mode (default 644) and owner (default the
/// process's).
#[derive(Debug, Clone, Copy)]
pub struct AtomicFile<'a> {
    path: &'a Path,
    mode: u32,
    owner: Option<(u32, u32)>,
}

impl<'a> AtomicFile<'a> {
    pub fn new(path: &'a Path) -> AtomicFile<'a> {
        AtomicFile {
            path,
            mode: 0o644,
            owner: None,
        }
    }

    /// The new file's permission bits (the umask does not apply).
    #[must_use]
    pub fn mode(self, mode: u32) -> AtomicFile<'a> {
        AtomicFile { mode, ..self }
    }

    /// The new file's owner and group (the caller must be allowed to give them).
    #[must_use]
    pub fn owner(self, uid: u32, gid: u32) -> AtomicFile<'a> {
        AtomicFile {
            owner: Some((uid, gid)),
            ..self
        }
    }

    /// Writes `bytes` to the path, replacing what is there.
    pub fn replace(&self, bytes: &[u8]) -> Result<(), AtomicWriteError> {
        self.write(bytes, true)
    }

    /// Writes `bytes` to the path, which must not exist: an existing file (or link) is left
    /// alone and the error says so ([`AtomicWriteError::already_exists`]).
    pub fn create_new(&self, bytes: &[u8]) -> Result<(), AtomicWriteError> {
        self.write(bytes, false)
    }

    fn write(&self, bytes: &[u8], replace: bool) -> Result<(), AtomicWriteError> {
        let fail = |step: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| AtomicWriteError { step, path, source }
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(fail("create a temporary file in", dir))?;
        let at = tmp.path().to_owned();
        let file = tmp.as_file_mut();
        file.set_permissions(Permissions::from_mode(self.mode))
            .map_err(fail("set the mode of", &at))?;
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::fchown(&*file, Some(uid), Some(gid))
                .map_err(fail("set the owner of", &at))?;
        }
        file.write_all(bytes).map_err(fail("write", &at))?;
        file.sync_all().map_err(fail("fsync", &at))?;
        let (persisted, step) = if replace {
            (tmp.persist(self.path), "replace")
        } else {
            (tmp.persist_noclobber(self.path), "create")
        };
        // On failure the temporary file comes back in the error and is removed as it drops.
        persisted.map_err(|e| fail(step, self.path)(e.error))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(fail("fsync the directory", dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn replaces_with_the_mode_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        AtomicFile::new(&path).replace(b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o644);
        AtomicFile::new(&path).mode(0o640).replace(b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o640);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn create_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        AtomicFile::new(&path)
            .mode(0o600)
            .create_new(b"secret")
            .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let e = AtomicFile::new(&path).create_new(b"other").unwrap_err();
        assert!(e.already_exists(), "{e}");
        assert!(e.to_string().starts_with("cannot create "), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no").join("such");
        let e = AtomicFile::new(&path).replace(b"x").unwrap_err();
        assert!(!e.already_exists());
        assert!(
            e.to_string().contains("cannot create a temporary file in"),
            "{e}"
        );
    }
}
