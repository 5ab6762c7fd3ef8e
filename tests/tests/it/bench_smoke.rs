//! The bench binaries that need neither pcscd nor wrk, run with tiny sizes so they keep
//! working (their figures are BENCHMARKS.md's, from scripts/bench.sh); `audit-load-bench`
//! starts the workspace's `kiosk` beside it.
//! Each binary checks its own results as it goes (records sealed, rows found, every
//! business completed) and exits non-zero otherwise.

use std::process::Command;

fn run(bin: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{bin} {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn archive_bench_seals_and_queries_small_stores() {
    let out = run(
        env!("CARGO_BIN_EXE_archive-bench"),
        &["--month", "300", "--records", "2000", "--queries", "5"],
    );
    assert!(out.contains("## Sealing a month of 300 cases"), "{out}");
    assert!(out.contains("## Querying 2000 archive records"), "{out}");
    assert!(out.contains("USING INDEX archive_by_person"), "{out}");
    assert!(out.contains("USING INDEX archive_by_time"), "{out}");
}

#[test]
fn business_bench_walks_every_business_in_process() {
    let out = run(env!("CARGO_BIN_EXE_business-bench"), &["1", "--no-vpcd"]);
    for walk in tests::walks::all() {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("| {} | ", walk.name)) && l.contains(" ms")),
            "no figure for {}: {out}",
            walk.name
        );
    }
}

#[test]
fn archive_bench_refuses_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_archive-bench"))
        .args(["--month", "zero"])
        .output()
        .expect("archive-bench runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--month"));
}

#[test]
fn audit_load_bench_reads_the_screen_during_a_small_verify() {
    let out = run(
        env!("CARGO_BIN_EXE_audit-load-bench"),
        &["--entries", "2000", "--seconds", "2"],
    );
    assert!(
        out.contains("## The citizen's screen while the audit chain is verified (2000 entries)"),
        "{out}"
    );
    assert!(out.contains("| alone | "), "{out}");
    assert!(out.contains("| while `/staff/audit` verifies ("), "{out}");
}
