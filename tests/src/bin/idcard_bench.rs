//! `idcard_bench`: the time to read a resident ID card (find → select → read) from the
//! simulated GA 467 module over a pseudo-terminal.
//!
//! A pty moves bytes as fast as the kernel copies them, so the measured host time is not
//! what a 115200-baud line takes. Both figures are printed: the measured host time, and the
//! wire time of the bytes exchanged at 115200 8N1 (10 bits a byte), which is the floor a
//! real module's line imposes (its own card-reading time comes on top).
//!
//! ```text
//! cargo run --release -p tests --bin idcard_bench [-- READS]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use card_io::idcard::codec::{encode_answer, Decoder};
use card_io::idcard::{self, wire_time, IdText, ReaderConfig, Traffic, DEFAULT_BAUD};
use hw_sim::idcard::{spawn_pty, IdModule, Person};

const DEFAULT_READS: usize = 50;
const WARM_UP: usize = 3;

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn run(reads: usize) -> Result<(), String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hw-sim/people/v2-3des.toml");
    let person = Person::load(&path).map_err(|e| e.to_string())?;
    let module = IdModule::new(&person).map_err(|e| e.to_string())?;
    let (port, _handle) = spawn_pty(module).map_err(|e| e.to_string())?;
    let config = ReaderConfig {
        baud: DEFAULT_BAUD,
        ..ReaderConfig::default()
    };
    let mut reader = idcard::open_with(&port, config).map_err(|e| e.to_string())?;

    for _ in 0..WARM_UP {
        reader.read_card().map_err(|e| e.to_string())?;
    }
    let mut times = Vec::with_capacity(reads);
    let mut per_read = Traffic::default();
    for _ in 0..reads {
        let before = reader.traffic();
        let started = Instant::now();
        reader.read_card().map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        let after = reader.traffic();
        per_read = Traffic {
            sent: after.sent - before.sent,
            received: after.received - before.received,
        };
    }
    let bytes = (per_read.sent + per_read.received) as usize;
    let wire = wire_time(bytes, DEFAULT_BAUD);
    let min = times.iter().min().copied().unwrap_or_default();
    let max = times.iter().max().copied().unwrap_or_default();
    let med = median(&mut times);
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];

    // Host CPU for one read's bytes without any port: decode the read answer and its text.
    let text = person.text.encode().map_err(|e| e.to_string())?;
    let mut data = vec![0x01, 0x00, 0x04, 0x00];
    data.extend_from_slice(&text);
    data.extend_from_slice(&person.photo);
    let frame = encode_answer([0, 0, 0x90], &data).map_err(|e| e.to_string())?;
    let rounds = 20_000;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut d = Decoder::new();
        d.push(&frame);
        let body = d
            .next_frame()
            .ok_or("no frame")?
            .map_err(|e| e.to_string())?
            .body;
        IdText::decode(&body[7..7 + 256]).map_err(|e| e.to_string())?;
    }
    let decode = started.elapsed() / rounds;

    println!("ID card read over a pty (hw-sim GA 467 module, {port}), {reads} reads after {WARM_UP} warm-up");
    println!(
        "  bytes per read:            {} sent + {} received = {bytes} (3 commands, 3 answers)",
        per_read.sent, per_read.received
    );
    println!("  host time, median:         {}", ms(med));
    println!(
        "  host time, min / p90 / max: {} / {} / {}",
        ms(min),
        ms(p90),
        ms(max)
    );
    println!(
        "  wire time at {DEFAULT_BAUD} 8N1:    {} (10 bits a byte; a real module's card access comes on top)",
        ms(wire)
    );
    println!(
        "  expected at 115200:        {} (wire time + measured host time)",
        ms(wire + med)
    );
    println!(
        "  decode of the read answer (frame + text, no port): {:.1} µs",
        decode.as_secs_f64() * 1e6
    );
    Ok(())
}

fn main() -> ExitCode {
    let reads = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => DEFAULT_READS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: idcard_bench [READS]  (READS > 0, default {DEFAULT_READS})");
            return ExitCode::from(2);
        }
    };
    match run(reads) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
