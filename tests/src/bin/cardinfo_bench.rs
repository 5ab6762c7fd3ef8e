//! `kiosk card info` as a whole process against `opensc-tool` sending the same APDUs, both
//! through pcscd + vpcd to the same simulated card (hw-sim's card OS behind this process's
//! vpcd bridge), alternating, each run timed from spawn to exit.
//!
//!     cargo build --release -p kiosk-host --bin kiosk
//!     cargo run --release -p tests --bin cardinfo-bench [-- RUNS]     # default 40 pairs
//!
//! The APDUs are recorded from card-io itself: `card_ops::info` run once in process through
//! the APDU-recording provider (`tests::counting`), on the same card file; `opensc-tool -r READER -s APDU …` then sends
//! exactly those. Both name the reader (`kiosk card info --reader`), so neither searches for
//! the card; a third column runs `kiosk card info` without `--reader` (it then lists the
//! readers and selects the application in each card until one answers).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hw_sim::Transport;
use kiosk_core::card_ops::{self, Target};
use tests::counting::CountingProvider;
use tests::rig::{InProcess, Rig, Vpcd, VPCD_CARD_READER};
use tests::timing::{ms, Samples};

const CARD: &str = "v3-uyghur.toml";

/// The commands `kiosk card info` sends to this card, recorded in process.
fn info_apdus() -> Vec<String> {
    let rig = InProcess::new(Transport::T1);
    rig.insert(tests::card(CARD, Transport::T1));
    let rec = CountingProvider::new(rig.provider());
    let target = Target {
        reader: Some(hw_sim::backend::CARD_SLOT.to_string()),
        psam_reader: None,
        ..Target::default()
    };
    let conn = card_ops::connect_card(&rec, &target).expect("card");
    card_ops::info(conn).expect("info");
    rec.take_commands().iter().map(hex::encode_upper).collect()
}

/// Runs a command to its end and returns its wall time; panics with its output if it
/// failed or if `check` rejects its standard output.
fn timed(cmd: &mut Command, check: &dyn Fn(&str) -> Result<(), String>) -> Duration {
    let t = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let took = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if let Err(why) = check(&stdout) {
        panic!("{cmd:?}: {why}\n{stdout}");
    }
    took
}

fn main() {
    let runs: usize = match std::env::args().nth(1) {
        None => 40,
        Some(a) => match a.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("usage: cardinfo-bench [RUNS] (a positive number, got {a:?})");
                std::process::exit(2);
            }
        },
    };
    let apdus = info_apdus();
    let kiosk = tests::sibling_bin("kiosk");
    let expected = tests::card_file(CARD);
    let card_number = expected.ef05.card_number.clone();

    let rig = Vpcd::lock(Transport::T1);
    rig.insert(tests::card(CARD, Transport::T1));

    let mut ours = Command::new(&kiosk);
    ours.args(["card", "info", "--json", "--reader", VPCD_CARD_READER]);
    let mut ours_search = Command::new(&kiosk);
    ours_search.args(["card", "info", "--json"]);
    let mut opensc = Command::new("opensc-tool");
    opensc.args(["-r", VPCD_CARD_READER]);
    for a in &apdus {
        opensc.args(["-s", a]);
    }
    let ours_ok = |out: &str| {
        if out.contains(&card_number) {
            Ok(())
        } else {
            Err(format!("card number {card_number} not in the output"))
        }
    };
    let n = apdus.len();
    let opensc_ok = move |out: &str| {
        let ok = out.matches("Received (SW1=0x90, SW2=0x00)").count();
        if ok == n {
            Ok(())
        } else {
            Err(format!("{ok} of {n} answers were 9000"))
        }
    };
    // Warm-up: caches, pcscd's first connection.
    for _ in 0..3 {
        timed(&mut ours, &ours_ok);
        timed(&mut opensc, &opensc_ok);
    }
    let mut a = Samples::default();
    let mut b = Samples::default();
    let mut c = Samples::default();
    let mut ratios = Vec::with_capacity(runs);
    for i in 0..runs {
        // Alternate the order so neither always follows the other.
        let (x, y) = if i % 2 == 0 {
            (timed(&mut ours, &ours_ok), timed(&mut opensc, &opensc_ok))
        } else {
            let y = timed(&mut opensc, &opensc_ok);
            (timed(&mut ours, &ours_ok), y)
        };
        a.push(x);
        b.push(y);
        ratios.push(x.as_secs_f64() / y.as_secs_f64());
        c.push(timed(&mut ours_search, &ours_ok));
    }
    ratios.sort_by(f64::total_cmp);
    let median = |s: &Samples| s.percentile(50.0).map(ms).unwrap_or_default();
    println!("## `kiosk card info` against `opensc-tool` ({n} APDUs, {runs} alternating pairs)\n");
    println!("APDUs (recorded from card-io): {}\n", apdus.join(" "));
    println!("| process (whole, spawn to exit) | median | p90 |");
    println!("|---|---|---|");
    let p90 = |s: &Samples| s.percentile(90.0).map(ms).unwrap_or_default();
    println!(
        "| `kiosk card info --json --reader \"{VPCD_CARD_READER}\"` | {} | {} |",
        median(&a),
        p90(&a)
    );
    println!(
        "| `opensc-tool -r \"{VPCD_CARD_READER}\" -s …` ({n} APDUs) | {} | {} |",
        median(&b),
        p90(&b)
    );
    println!(
        "| `kiosk card info --json` (finds the card itself) | {} | {} |",
        median(&c),
        p90(&c)
    );
    println!(
        "| ratio kiosk / opensc-tool (median of pairs; target ≤ 1) | {:.3} | |",
        ratios[ratios.len() / 2]
    );
}
