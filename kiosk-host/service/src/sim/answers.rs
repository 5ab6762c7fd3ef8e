//! What the simulator's controls share: their error answers ([`bad`], [`error`]) and the
//! files of the simulator's folders, by name only ([`file_in`], [`names`]).

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A 400 answer with a message.
pub(super) fn bad(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// A file name inside one of the simulator's folders (no paths from the network).
pub(super) fn file_in(dir: &Path, name: &str) -> Result<PathBuf, Box<Response>> {
    let ok = !name.is_empty()
        && name.ends_with(".toml")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..");
    let path = dir.join(name);
    if ok && path.is_file() {
        Ok(path)
    } else {
        Err(Box::new(bad(format!("no such simulated file: {name:?}"))))
    }
}

/// The file names (`*.toml`) of a simulator folder, sorted.
pub(super) fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
