//! The face pairs of `data/face/pairs.tsv`: two pictures, and whether they show the same
//! person. Read by the accuracy test and by `face-bench`.

use std::path::{Path, PathBuf};

/// One line of the pairs file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub a: String,
    pub b: String,
    pub same: bool,
    pub note: String,
}

/// Where the pairs file's picture names point: `fetched/` to the fetched photographs,
/// `hw-sim/` to hw-sim's photos, `shared/` to the shared fixtures.
#[derive(Debug, Clone)]
pub struct PictureDirs {
    pub fetched: PathBuf,
    pub hw_sim: PathBuf,
    pub shared: PathBuf,
}

impl PictureDirs {
    /// The folders of a checkout whose workspace root is `root`, with the fetched data in
    /// `face_data` (scripts/lib.sh fetch_face_data's `target/face`).
    pub fn in_checkout(root: &Path, face_data: &Path) -> PictureDirs {
        PictureDirs {
            fetched: face_data.join("photos"),
            hw_sim: root.join("hw-sim/photos"),
            shared: root.join("../shared/fixtures/photos"),
        }
    }

    /// The file a picture name stands for.
    pub fn resolve(&self, name: &str) -> Result<PathBuf, String> {
        let (dir, file) = name
            .split_once('/')
            .ok_or_else(|| format!("{name:?} has no folder prefix"))?;
        let base = match dir {
            "fetched" => &self.fetched,
            "hw-sim" => &self.hw_sim,
            "shared" => &self.shared,
            other => return Err(format!("{name:?}: unknown folder {other:?}")),
        };
        Ok(base.join(file))
    }
}

/// Parses the pairs file: tab-separated `a b same|different [note]`, `#` comments.
pub fn parse(text: &str) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (a, b, kind) = match cols.as_slice() {
            [a, b, kind, ..] => (*a, *b, *kind),
            _ => return Err(format!("line {}: expected a, b and same|different", i + 1)),
        };
        let same = match kind {
            "same" => true,
            "different" => false,
            other => return Err(format!("line {}: {other:?} is not same|different", i + 1)),
        };
        pairs.push(Pair {
            a: a.to_string(),
            b: b.to_string(),
            same,
            note: cols.get(3).unwrap_or(&"").to_string(),
        });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_file_parses_and_names_known_folders() {
        let text = include_str!("../../data/face/pairs.tsv");
        let pairs = parse(text).unwrap();
        assert!(pairs.iter().filter(|p| p.same).count() >= 10);
        assert!(pairs.iter().filter(|p| !p.same).count() >= 10);
        let dirs = PictureDirs::in_checkout(Path::new("/r"), Path::new("/f"));
        for p in &pairs {
            dirs.resolve(&p.a).unwrap();
            dirs.resolve(&p.b).unwrap();
        }
        assert_eq!(
            dirs.resolve("hw-sim/astronaut.png").unwrap(),
            PathBuf::from("/r/hw-sim/photos/astronaut.png")
        );
        assert!(parse("a\tb\tmaybe\n").is_err());
        assert!(parse("a b same\n").is_err());
        assert!(dirs.resolve("elsewhere/x.png").is_err());
    }
}
