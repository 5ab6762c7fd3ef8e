//! `kiosk audit verify|show`: the hash-chained audit log (8.1.1).
//!
//! Exit codes: 0 the log is intact (or was shown), 1 verification found problems, 3 the
//! configuration or the database cannot be opened or read.

use std::path::PathBuf;

use kiosk_core::domain::LOCAL_OFFSET_S;
use kiosk_core::store::audit_chain::canonical_json;
use kiosk_core::store::{AuditEntry, AuditLog, AuditReport};
use kiosk_core::text::escape_controls;
use kiosk_store::sqlite::SqliteStore;

use super::common::{fail, StoreArgs};

#[derive(clap::Subcommand)]
pub(crate) enum AuditCmd {
    /// Recompute every hash and link of the audit log and check the heads recorded by sealed
    /// archive batches; prints every problem with its sequence number.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print audit entries in order.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        /// The first sequence number to show.
        #[arg(long, default_value_t = 1)]
        from: i64,
        /// At most this many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON (an array of entries).
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cmd: AuditCmd) -> i32 {
    match cmd {
        AuditCmd::Verify { store, json } => verify(&store, json),
        AuditCmd::Show {
            store,
            from,
            limit,
            json,
        } => show(&store, from, limit, json),
    }
}

/// Opens an existing database: verifying or showing a log that is not there must not
/// quietly create an empty one.
fn open_existing(args: &StoreArgs) -> Result<SqliteStore, String> {
    let path = match &args.db {
        Some(p) => p.clone(),
        None => PathBuf::from(args.config()?.storage.database),
    };
    if !path.is_file() {
        return Err(format!("no database at {}", path.display()));
    }
    args.open().map(|(_, store)| store)
}

fn verify(args: &StoreArgs, json: bool) -> i32 {
    let store = match open_existing(args) {
        Ok(s) => s,
        Err(e) => return fail(3, &e),
    };
    let report = match store.verify() {
        Ok(r) => r,
        Err(e) => return fail(3, format!("cannot read the audit log: {e}")),
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(3, format!("cannot print the report: {e}")),
        }
    } else {
        print_report(&report);
    }
    if report.ok() {
        0
    } else {
        1
    }
}

fn print_report(report: &AuditReport) {
    println!("entries checked: {}", report.entries);
    match &report.head {
        Some((seq, hash)) => println!("head: seq {seq} {hash}"),
        None => println!("head: none (the log is empty)"),
    }
    if report.ok() {
        println!("intact");
    } else {
        println!("problems: {}", report.problems.len());
        for p in &report.problems {
            println!("  {p}");
        }
    }
}

fn show(args: &StoreArgs, from: i64, limit: u32, json: bool) -> i32 {
    let store = match open_existing(args) {
        Ok(s) => s,
        Err(e) => return fail(3, &e),
    };
    let entries = match store.entries(from, limit) {
        Ok(e) => e,
        Err(e) => return fail(3, format!("cannot read the audit log: {e}")),
    };
    if json {
        match serde_json::to_string_pretty(&entries) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(3, format!("cannot print the entries: {e}")),
        }
    } else {
        for e in &entries {
            println!("{}", line(e));
        }
    }
    0
}

/// One entry on one line, its time in kiosk-local time (UTC+8). Every control or
/// bidirectional character of what the entry holds is written out (`\u{a}`), so no stored
/// text can start a line of its own, move the cursor or reorder what the terminal shows.
fn line(e: &AuditEntry) -> String {
    let local = e.at + chrono::Duration::seconds(i64::from(LOCAL_OFFSET_S));
    format!(
        "{:>6}  {}  {}  {}  {}  {}",
        e.seq,
        local.format("%Y-%m-%d %H:%M:%S"),
        escape_controls(&e.actor),
        escape_controls(&e.action),
        escape_controls(&e.subject),
        escape_controls(&canonical_json(&e.detail))
    )
}
