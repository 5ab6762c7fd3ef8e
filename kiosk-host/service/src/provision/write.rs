//! Writing the proposal: the existing file's `[devices]` lines edited in place (comments kept),
//! the result validated, the file replaced atomically with the old one kept as `FILE.bak`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use firmware_config::{Config, ConfigError};

use super::*;

pub(crate) const HEADER: &str =
    "# kiosk.toml written by `kiosk provision`: the [devices] found on this kiosk,\n\
# every other value the default. Each key is described in kiosk.example.toml\n\
# (/usr/share/doc/kiosk/kiosk.example.toml when the package is installed).\n\n";

pub(crate) fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("").trim()
}

/// Sets `changes` in the `[devices]` table of `text`, keeping every other line (comments
/// included): a key's line is replaced, a missing key is added after the table's last key,
/// a missing table is appended.
pub(crate) fn edit_devices(text: &str, changes: &[Change]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header = lines.iter().position(|l| strip_comment(l) == "[devices]");
    let header = match header {
        Some(h) => h,
        None => {
            if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                lines.push(String::new());
            }
            lines.push("[devices]".into());
            lines.len() - 1
        }
    };
    let end = lines[header + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map(|i| header + 1 + i)
        .unwrap_or(lines.len());
    let mut end = end;
    for c in changes {
        let new_line = format!("{} = {}", c.field, c.new);
        let existing = (header + 1..end).find(|&i| {
            let l = lines[i].trim_start();
            l.strip_prefix(c.field.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
        match existing {
            Some(i) => {
                let indent: String = lines[i]
                    .chars()
                    .take_while(|ch| ch.is_whitespace())
                    .collect();
                lines[i] = format!("{indent}{new_line}");
            }
            None => {
                let last_key = (header + 1..end)
                    .rev()
                    .find(|&i| !strip_comment(&lines[i]).is_empty())
                    .unwrap_or(header);
                lines.insert(last_key + 1, new_line);
                end += 1;
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The text to write: `existing` with its `[devices]` lines edited (comments kept) when
/// that gives exactly the proposed configuration, else the whole configuration written
/// out; checked with firmware-config's validation either way. `origin` names the file in
/// diagnostics.
pub fn render(
    existing: Option<&str>,
    proposal: &Proposal,
    origin: &str,
) -> Result<String, ProvisionError> {
    if let Some(text) = existing {
        let edited = edit_devices(text, &proposal.changes);
        match Config::parse(&edited, origin) {
            Ok(c) if c == proposal.config => return Ok(edited),
            Ok(_) => log::debug!("editing [devices] in place did not give the proposal"),
            Err(e @ ConfigError::Invalid(_)) => return Err(ProvisionError::Invalid(e)),
            Err(e) => log::debug!("editing [devices] in place: {e}"),
        }
    }
    // `staff = []` comes first in the serialiser's output; no accounts is the default.
    let body: String = proposal
        .config
        .to_toml()?
        .lines()
        .filter(|l| *l != "staff = []")
        .map(|l| format!("{l}\n"))
        .collect();
    let text = format!("{HEADER}{}", body.trim_start());
    Config::parse(&text, origin).map_err(ProvisionError::Invalid)?;
    Ok(text)
}

/// The backup kept by [`write_config`]: `FILE.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

pub(crate) fn io_error(
    what: &'static str,
    path: &Path,
) -> impl FnOnce(io::Error) -> ProvisionError {
    let path = path.to_owned();
    move |source| ProvisionError::Io { what, path, source }
}

/// Writes `bytes` to `target` through a temporary file in the same directory (fsync, then
/// rename), with `like`'s permissions and owner when given; fsyncs the directory.
pub(crate) fn replace_file(
    target: &Path,
    bytes: &[u8],
    like: Option<&fs::Metadata>,
) -> Result<(), ProvisionError> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kiosk.toml".into());
    let tmp = dir.join(format!(".{name}.provision-{:016x}", rand::random::<u64>()));
    let mode = like
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(io_error("create", &tmp))?;
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_error("set the permissions of", &tmp))?;
        if let Some(m) = like {
            let mine = file.metadata().map_err(io_error("inspect", &tmp))?;
            if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
                std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()))
                    .map_err(io_error("give the owner of the old file to", &tmp))?;
            }
        }
        file.write_all(bytes).map_err(io_error("write", &tmp))?;
        file.sync_all().map_err(io_error("fsync", &tmp))?;
        fs::rename(&tmp, target).map_err(io_error("rename into", target))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("fsync directory", dir))
}

/// Replaces `path` with `text` atomically (temporary file, fsync, rename, fsync of the
/// directory), creating the directory if needed. An existing file is first copied to
/// `FILE.bak` (the same way); its permissions and owner carry over. Returns the backup's
/// path when there was an old file.
pub fn write_config(path: &Path, text: &str) -> Result<Option<PathBuf>, ProvisionError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_error("create the directory", dir))?;
    }
    let old = match fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error("inspect", path)(e)),
    };
    let backup = match &old {
        Some(meta) => {
            let bytes = fs::read(path).map_err(io_error("read", path))?;
            let bak = backup_path(path);
            replace_file(&bak, &bytes, Some(meta))?;
            Some(bak)
        }
        None => None,
    };
    replace_file(path, text.as_bytes(), old.as_ref())?;
    Ok(backup)
}
