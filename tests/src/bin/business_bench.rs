//! Each business end to end through the engine: from the business's start to its final
//! state (receipt ready, case committed with its audit entries and archive record), in
//! process (hw-sim's reader backend) and through pcscd + vpcd (card-io's `PcscProvider`).
//!
//!     cargo run --release -p tests --bin business-bench [-- ROUNDS] [--no-vpcd]
//!
//! Each round of each business runs on a fresh kiosk (the demo registry in a new SQLite
//! file, `synchronous=FULL`); the card is put in the reader and any setup is done before the
//! clock starts, so the time is the host's: the engine, the card's APDUs and the durable
//! commits. The ID card, photo and PINs arrive as the events the devices would send (the
//! photo pipeline's own time is `photo_bench`'s figure).

use std::time::Instant;

use hw_sim::Transport;
use tests::kiosk::TestKiosk;
use tests::rig::{InProcess, Rig, Vpcd};
use tests::timing::Samples;
use tests::walks::{self, Walk};

fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

fn measure(rig: &dyn Rig, walk: &Walk, rounds: usize) -> Samples {
    let mut samples = Samples::default();
    for _ in 0..rounds {
        let k = TestKiosk::new();
        let e = k.engine(rig.provider(), &no_printer);
        walks::prepare(walk, &e, rig);
        let t = Instant::now();
        let s = (walk.run)(&e);
        samples.push(t.elapsed());
        walks::check_completed(walk, &k, &s);
    }
    samples
}

fn main() {
    let mut rounds = 20usize;
    let mut vpcd = true;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--no-vpcd" => vpcd = false,
            n => match n.parse() {
                Ok(r) if r > 0 => rounds = r,
                _ => {
                    eprintln!("usage: business-bench [ROUNDS] [--no-vpcd] (got {n:?})");
                    std::process::exit(2);
                }
            },
        }
    }
    let all = walks::all();
    let in_process = InProcess::new(Transport::T1);
    // Warm-up: the compliant photo is made once per process (photo pipeline), outside every
    // timed walk.
    let _ = tests::kiosk::compliant_photo();
    let local: Vec<Samples> = all
        .iter()
        .map(|w| measure(&in_process, w, rounds))
        .collect();
    let through: Option<Vec<Samples>> = vpcd.then(|| {
        let rig = Vpcd::lock(Transport::T1);
        all.iter().map(|w| measure(&*rig, w, rounds)).collect()
    });

    println!("## Each business end to end ({rounds} rounds each, fresh kiosk per round)\n");
    println!("| business | in-process p50 / p99 | pcscd + vpcd p50 / p99 |");
    println!("|---|---|---|");
    for (i, w) in all.iter().enumerate() {
        let v = through
            .as_ref()
            .map(|t| t[i].p50_p99())
            .unwrap_or_else(|| "not run (--no-vpcd)".into());
        println!("| {} | {} | {} |", w.name, local[i].p50_p99(), v);
    }
}
