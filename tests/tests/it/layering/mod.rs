//! The layers kept apart (issue 15), checked on the workspace's sources and dependency trees:
//! - no module cycle inside any crate ([`modgraph`]), except in the crates of
//!   [`CYCLES_BEING_CUT`], whose cycles are printed;
//! - no source file over [`MAX_LINES`] lines except test code and the data tables of
//!   [`LONG_FILES`] (and, until they are split, [`LONG_FILES_BEING_SPLIT`]);
//! - the dependency rules of [`FORBIDDEN`]: the engine without web server, async runtime,
//!   SQLite or simulator; the packaged kiosk (the `.deb`'s features) without the simulator or
//!   the test keys.
//!
//! The crates are the workspace's members as `cargo metadata` lists them, so a new crate is
//! checked without being named here. The two "being" tables are expected failures: an entry
//! that no longer fails makes the test fail until it is removed, so that what has been fixed
//! stays fixed.

mod modgraph;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use modgraph::Crate;
use serde_json::Value;

/// Crates whose module cycles are being cut (issue 15), with who cuts them. Their cycles are
/// printed and do not fail the test; remove an entry when its crate has none (the test says
/// so).
const CYCLES_BEING_CUT: &[(&str, &str)] = &[];

/// The longest a source file may be.
const MAX_LINES: usize = 800;

/// Source files allowed over [`MAX_LINES`] for good, with the reason (data tables, not code
/// to split). ARCHITECTURE.md names the same files.
const LONG_FILES: &[(&str, &str)] = &[];

/// Source files over [`MAX_LINES`] that are being split (issue 15), with who splits them.
const LONG_FILES_BEING_SPLIT: &[(&str, &str)] = &[];

/// The packages that are test code as a whole: left out of the file-size rule.
const TEST_PACKAGES: &[&str] = &["tests"];

/// A dependency rule: the normal dependencies of `package`, built with `args`, include none
/// of `forbidden`, and enable none of the `features` (`"crate/feature"`).
struct Rule {
    package: &'static str,
    args: &'static [&'static str],
    forbidden: &'static [&'static str],
    features: &'static [&'static str],
    why: &'static str,
}

const FORBIDDEN: &[Rule] = &[
    Rule {
        package: "kiosk-core",
        args: &[],
        forbidden: &["axum", "tokio", "rusqlite", "hw-sim"],
        features: &["card-io/test-keys"],
        why: "the engine, domain and rules: no web server, async runtime, SQLite or simulator",
    },
    Rule {
        package: "kiosk-host",
        args: &["--no-default-features"],
        forbidden: &["hw-sim"],
        features: &["card-io/test-keys"],
        why: "the packaged kiosk (the .deb is built without default features): no simulator, no software PSAM or test keys",
    },
    Rule {
        package: "card-io",
        args: &[],
        forbidden: &["tokio", "axum", "rusqlite", "hw-sim"],
        features: &[],
        why: "the hardware protocols: blocking code, below every other layer",
    },
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
        .to_path_buf()
}

/// `cargo ARGS` in the workspace, offline and with the lock file as it is; its standard
/// output.
fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(args)
        .args(["--offline", "--locked"])
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", cargo.to_string_lossy()));
    assert!(
        out.status.success(),
        "cargo {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("cargo prints UTF-8")
}

/// A workspace member: its name, folder and the root files of its library and binaries.
struct Package {
    name: String,
    dir: PathBuf,
    roots: Vec<PathBuf>,
}

fn members() -> Vec<Package> {
    let meta: Value =
        serde_json::from_str(&cargo(&["metadata", "--format-version", "1", "--no-deps"]))
            .expect("cargo metadata prints JSON");
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut out: Vec<Package> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(&id)))
        .map(|p| {
            let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest_path"));
            let roots = p["targets"]
                .as_array()
                .expect("targets")
                .iter()
                .filter(|t| {
                    t["kind"].as_array().is_some_and(|k| {
                        k.iter().any(|k| {
                            matches!(k.as_str(), Some("lib" | "rlib" | "proc-macro" | "bin"))
                        })
                    })
                })
                .map(|t| PathBuf::from(t["src_path"].as_str().expect("src_path")))
                .collect();
            Package {
                name: p["name"].as_str().expect("name").to_string(),
                dir: manifest.parent().expect("package folder").to_path_buf(),
                roots,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 9, "cargo metadata lists {} members", out.len());
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Whether nothing more is to be said of `entry`: it passes, or it fails as its table expects
/// (`who` fixes it). An expected failure that passes is a problem of its own (see the module
/// header).
fn expected_or_passing(
    table: &str,
    entry: &str,
    who: Option<&str>,
    failing: bool,
    problems: &mut Vec<String>,
) -> bool {
    match (who, failing) {
        (Some(who), false) => {
            problems.push(format!(
                "{entry} passes now ({who}): remove its entry from {table} so that it must keep passing"
            ));
            true
        }
        (Some(who), true) => {
            eprintln!("{entry}: an expected failure, until {who}");
            true
        }
        (None, _) => !failing,
    }
}

#[test]
fn no_module_cycle_in_any_crate() {
    let being_cut: BTreeMap<&str, &str> = CYCLES_BEING_CUT.iter().copied().collect();
    let mut problems = Vec::new();
    let packages = members();
    for name in being_cut.keys() {
        assert!(
            packages.iter().any(|p| p.name == *name),
            "CYCLES_BEING_CUT names {name}, not a workspace member"
        );
    }
    for p in &packages {
        let mut found = Vec::new();
        for root in &p.roots {
            let krate = Crate::read(root).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            for cycle in krate.cycles() {
                found.push(format!("{} ({}): {cycle}", p.name, relative(root)));
            }
        }
        let who = being_cut.get(p.name.as_str()).copied();
        for f in &found {
            eprintln!("{f}");
        }
        if !expected_or_passing(
            "CYCLES_BEING_CUT",
            &p.name,
            who,
            !found.is_empty(),
            &mut problems,
        ) {
            problems.extend(found);
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The source files of a package: those its library and binaries are built from (the module
/// trees outside `#[cfg(test)]`), and its build script.
fn source_files(p: &Package) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = p
        .roots
        .iter()
        .flat_map(|root| {
            Crate::read(root)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name))
                .modules
                .into_values()
                .map(|m| m.file)
        })
        .collect();
    let build = p.dir.join("build.rs");
    if build.is_file() {
        files.push(build);
    }
    files.sort();
    files.dedup();
    files
}

#[test]
fn no_source_file_over_800_lines_but_data_tables() {
    let allowed: BTreeMap<&str, &str> = LONG_FILES.iter().copied().collect();
    let being_split: BTreeMap<&str, &str> = LONG_FILES_BEING_SPLIT.iter().copied().collect();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for p in members()
        .iter()
        .filter(|p| !TEST_PACKAGES.contains(&p.name.as_str()))
    {
        for file in source_files(p) {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let lines = text.lines().count();
            let name = relative(&file);
            seen.push(name.clone());
            if allowed.contains_key(name.as_str()) {
                continue;
            }
            let long = lines > MAX_LINES;
            let entry = format!("{name} ({lines} lines)");
            if !expected_or_passing(
                "LONG_FILES_BEING_SPLIT",
                &entry,
                being_split.get(name.as_str()).copied(),
                long,
                &mut problems,
            ) {
                problems.push(format!(
                    "{entry}: over {MAX_LINES}; split it, or name it in LONG_FILES with the reason (a data table)"
                ));
            }
        }
    }
    for name in allowed.keys().chain(being_split.keys()) {
        if !seen.iter().any(|s| s == name) {
            problems.push(format!(
                "{name} is no source file of the workspace any more: remove its entry"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn dependency_rules_hold() {
    let mut problems = Vec::new();
    for rule in FORBIDDEN {
        let mut args = vec!["tree", "-p", rule.package];
        args.extend(rule.args);
        args.extend(["-e", "normal,features", "--prefix", "none"]);
        let tree = cargo(&args);
        let packages: Vec<&str> = tree
            .lines()
            .filter(|l| !l.contains(" feature \""))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(
            packages.contains(&rule.package),
            "cargo {}: no {} in\n{tree}",
            args.join(" "),
            rule.package
        );
        for f in rule.forbidden {
            if packages.contains(f) {
                let mut inverse = vec!["tree", "-p", rule.package];
                inverse.extend(rule.args);
                inverse.extend(["-e", "normal", "-i", f]);
                problems.push(format!(
                    "{} {} depends on {f} ({}):\n{}",
                    rule.package,
                    rule.args.join(" "),
                    rule.why,
                    cargo(&inverse)
                ));
            }
        }
        for cf in rule.features {
            let (krate, feature) = cf.split_once('/').expect("crate/feature");
            let line = format!("{krate} feature \"{feature}\"");
            if tree.lines().any(|l| l.trim() == line) {
                problems.push(format!(
                    "{} {} enables {cf} ({}): `cargo {} -i {krate}` shows where",
                    rule.package,
                    rule.args.join(" "),
                    rule.why,
                    args.join(" ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The checker itself, on small crates written for it.
mod checker {
    use super::modgraph::Crate;
    use std::path::Path;

    /// Writes `files` (path under `src/`, text) and reads the crate rooted at `src/lib.rs`.
    fn krate(files: &[(&str, &str)]) -> (tempfile::TempDir, Crate) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let p = dir.path().join("src").join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("folders");
            std::fs::write(&p, text).expect("fixture written");
        }
        let k = Crate::read(&dir.path().join("src/lib.rs")).expect("fixture crate");
        (dir, k)
    }

    fn cycles(files: &[(&str, &str)]) -> Vec<Vec<String>> {
        krate(files)
            .1
            .cycles()
            .into_iter()
            .map(|c| c.modules)
            .collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_modules_naming_each_other_are_a_cycle() {
        let found = krate(&[
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::B;\npub struct A(B);\n"),
            (
                "b.rs",
                "pub struct B;\nfn f() -> crate::a::A { crate::a::A(B) }\n",
            ),
        ])
        .1
        .cycles();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].modules, names(&["a", "b"]));
        assert_eq!(
            found[0].edges,
            vec![
                ("a".to_string(), "b".to_string()),
                ("b".to_string(), "a".to_string())
            ]
        );
        assert!(found[0].to_string().starts_with("a ↔ b"), "{}", found[0]);
    }

    #[test]
    fn a_layered_crate_has_none() {
        let files = [
            (
                "lib.rs",
                "pub mod domain;\npub mod engine;\npub mod store;\n",
            ),
            ("domain.rs", "pub struct Case;\n"),
            (
                "engine/mod.rs",
                "pub mod plan;\npub mod session;\nuse crate::domain::Case;\n",
            ),
            ("engine/plan.rs", "use crate::domain::Case;\n"),
            (
                "engine/session.rs",
                "use super::plan;\nfn f(c: crate::domain::Case) { plan::g(c) }\n",
            ),
            (
                "store.rs",
                "use crate::{domain::Case, engine::{plan, session::{self}}};\n",
            ),
        ];
        let (_dir, k) = krate(&files);
        assert_eq!(k.modules.len(), 6, "{:?}", k.modules.keys());
        assert!(k.cycles().is_empty(), "{:?}", k.cycles());
        let edges = k.edges();
        assert!(edges["engine::session"].contains("engine::plan"));
        assert!(edges["store"].contains("engine::session"));
        assert!(edges["store"].contains("engine::plan"));
    }

    #[test]
    fn a_parent_and_a_child_using_each_other_are_a_cycle() {
        assert_eq!(
            cycles(&[
                ("lib.rs", "mod rules;\n"),
                (
                    "rules/mod.rs",
                    "mod table;\npub struct Rule;\nfn find() { table::ALL; }\n"
                ),
                (
                    "rules/table.rs",
                    "use super::Rule;\npub const ALL: [Rule; 0] = [];\n"
                ),
            ]),
            vec![names(&["rules", "rules::table"])]
        );
    }

    #[test]
    fn re_exports_comments_literals_and_test_code_are_no_dependencies() {
        let files = [
            (
                "lib.rs",
                "pub mod a;\npub mod b;\npub use a::A;\npub(crate) use b::{B as Bee};\n",
            ),
            (
                "a.rs",
                "pub struct A;\nfn f() -> crate::b::B { crate::b::B }\n",
            ),
            (
                "b.rs",
                concat!(
                    "pub struct B;\n",
                    "// crate::a::A in a comment\n",
                    "/* crate::a::A /* nested */ crate::a::A */\n",
                    "const S: &str = \"crate::a::A\";\n",
                    "const R: &str = r#\"crate::a::A \"quoted\"\"#;\n",
                    "const C: char = '\\'';\n",
                    "fn g<'a>(x: &'a str) -> &'a str { x }\n",
                    "#[cfg(test)]\n",
                    "mod tests {\n    use crate::a::A;\n}\n",
                    "#[cfg(test)]\n",
                    "use crate::a::{A};\n",
                    "pub fn after() {}\n",
                ),
            ),
        ];
        let (_dir, k) = krate(&files);
        assert!(k.cycles().is_empty(), "{:?}", k.cycles());
        let edges = k.edges();
        assert!(
            !edges.contains_key(""),
            "the root only re-exports: {edges:?}"
        );
        assert!(!edges.contains_key("b"), "{edges:?}");
        assert!(edges["a"].contains("b"), "{edges:?}");
        // Without the test code, `b` does name `a`: the same crate then has a cycle.
        let mut with_use = files;
        with_use[2].1 = "pub struct B;\nuse crate::a::A;\n";
        assert_eq!(cycles(&with_use), vec![names(&["a", "b"])]);
    }

    #[test]
    fn module_files_follow_the_declarations() {
        let (dir, k) = krate(&[
            ("lib.rs", "mod a;\n#[cfg(test)]\nmod tests;\n"),
            ("a/mod.rs", "mod b;\n"),
            ("a/b.rs", "fn f() {}\n"),
            ("tests.rs", "use crate::a;\n"),
            ("stray.rs", "use crate::a;\n"),
        ]);
        let mods: Vec<&str> = k.modules.keys().map(String::as_str).collect();
        assert_eq!(mods, ["", "a", "a::b"]);
        assert_eq!(k.modules["a::b"].file, dir.path().join("src/a/b.rs"));
        let missing = tempfile::tempdir().expect("temp dir");
        std::fs::write(missing.path().join("lib.rs"), "mod gone;\n").expect("written");
        let e = Crate::read(&missing.path().join("lib.rs")).expect_err("no gone.rs");
        assert!(e.contains("`mod gone;` found neither"), "{e}");
        assert!(Crate::read(Path::new("/nonexistent/lib.rs")).is_err());
    }
}
