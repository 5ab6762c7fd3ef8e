//! `card-bench`: the figures of BENCHMARKS.md, measured in one run.
//!
//!     cargo run --release -p tests --bin card-bench            # everything
//!     cargo run --release -p tests --bin card-bench -- apdus   # APDU counts only
//!
//! 1. APDUs per operation and card variant (deterministic), against a vendor-style
//!    field-by-field read (SELECT application, SELECT EF, READ RECORD for every item).
//! 2. Host time per APDU through pcscd + vpcd: card-io (`SsCard::read_item`, i.e.
//!    transmit + SW handling + TLV decoding) against a bare `pcsc` transmit loop sending the
//!    same READ RECORD, interleaved in rounds on the same stack; the ratio of medians.
//!    Then what a card operation costs around its APDUs: connect, transaction, disconnect.
//! 3. In-process time per operation (the kiosk's own overhead without a card's latency).

use std::ffi::CString;
use std::time::Instant;

use card_io::date::Date;
use card_io::pcsc_backend::PcscProvider;
use card_io::sscard::{records, SsCard, SSSE_DF_NAME};
use card_io::transport::{self, ReaderProvider};
use card_io::Command;
use hw_sim::backend::CARD_SLOT;
use hw_sim::Transport;
use kiosk_core::card_ops;
use tests::apdu_table::{op_counts, target};
use tests::card;
use tests::counting::CountingProvider;
use tests::pin;
use tests::rig::{InProcess, Rig, Vpcd, VPCD_CARD_READER};

/// A vendor-SDK-style read of every item: SELECT SSSE, SELECT EF, READ RECORD by number.
fn vendor_style_read(card_name: &str, t: Transport) -> usize {
    let rig = InProcess::new(t);
    rig.insert(card(card_name, t));
    let p = CountingProvider::new(rig.provider());
    let mut conn = p.connect(CARD_SLOT).unwrap_or_else(|e| panic!("{e}"));
    let mut s = conn.session(None).unwrap_or_else(|e| panic!("{e}"));
    let files: [(u16, u8); 3] = [(0xEF05, 7), (0xEF06, 7), (0xEF0D, 2)];
    for (fid, n) in files {
        for rec in 1..=n {
            let sel = Command::new(0, 0xA4, 4, 0)
                .with_data(SSSE_DF_NAME.to_vec())
                .with_le(256);
            let _ = transport::transmit(&mut *s, &sel);
            let ef = Command::new(0, 0xA4, 2, 0).with_data(fid.to_be_bytes().to_vec());
            let _ = transport::transmit(&mut *s, &ef);
            let _ = transport::transmit(&mut *s, &Command::new(0, 0xB2, rec, 0x04).with_le(256));
        }
    }
    drop(s);
    p.take()
}

fn apdu_tables() {
    println!("## APDUs per operation (card APDUs + PSAM APDUs)\n");
    let variants = [
        ("v3-uyghur.toml", Transport::T1, "3.00 3DES T=1"),
        ("v3-uyghur.toml", Transport::T0, "3.00 3DES T=0"),
        ("v3-sm4.toml", Transport::T1, "3.00 SM4 T=1"),
        ("v2-3des.toml", Transport::T1, "2.00 3DES T=1"),
        ("v2-3des.toml", Transport::T0, "2.00 3DES T=0"),
    ];
    let tables: Vec<_> = variants.iter().map(|(f, t, _)| op_counts(f, *t)).collect();
    print!("| operation |");
    for (_, _, label) in &variants {
        print!(" {label} |");
    }
    println!();
    println!("|---|{}", "---|".repeat(variants.len()));
    for (i, (op, _, _)) in tables[0].iter().enumerate() {
        print!("| {op} |");
        for t in &tables {
            let (_, c, s) = t[i];
            if s > 0 {
                print!(" {c} + {s} |");
            } else {
                print!(" {c} |");
            }
        }
        println!();
    }
    print!("| vendor-style field-by-field read (3 per item) |");
    for (f, t, _) in &variants {
        print!(" {} |", vendor_style_read(f, *t));
    }
    println!("\n");
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn per_apdu_through_pcscd() {
    println!("## Host time per APDU through pcscd + vpcd\n");
    let provider = PcscProvider::new();
    match provider.list_readers() {
        Ok(rs) if rs.iter().any(|r| r.name == VPCD_CARD_READER) => {}
        other => {
            println!("(skipped: pcscd with the vpcd driver is not running: {other:?})\n");
            return;
        }
    }
    // The shared rig waits for any previous emulator to leave before attaching its own.
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(card("v3-uyghur.toml", Transport::T1));
    const N: usize = 200;
    const ROUNDS: usize = 41;
    let read = Command::new(0, 0xB2, 0x01, 0x28).with_le(18);
    let read_bytes = read.to_bytes().unwrap_or_else(|e| panic!("{e}"));

    // Bare pcsc: one transaction, transmit in a loop.
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap_or_else(|e| panic!("{e}"));
    let name = CString::new(VPCD_CARD_READER).unwrap_or_else(|e| panic!("{e}"));
    let mut bare_card = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut conn = provider
        .connect(VPCD_CARD_READER)
        .unwrap_or_else(|e| panic!("{e}"));

    let mut bare = Vec::new();
    let mut ours = Vec::new();
    let mut buf = [0u8; 300];
    let mut run_bare = |bare: &mut Vec<f64>| {
        let tx = bare_card.transaction().unwrap_or_else(|e| panic!("{e}"));
        let select = Command::new(0, 0xA4, 4, 0)
            .with_data(SSSE_DF_NAME.to_vec())
            .with_le(256);
        let select = select.to_bytes().unwrap_or_else(|e| panic!("{e}"));
        tx.transmit(&select, &mut buf)
            .unwrap_or_else(|e| panic!("{e}"));
        let t0 = Instant::now();
        for _ in 0..N {
            let r = tx
                .transmit(&read_bytes, &mut buf)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.len(), 20);
        }
        bare.push(t0.elapsed().as_secs_f64() / N as f64);
    };
    let mut run_ours = |ours: &mut Vec<f64>| {
        let mut s = conn.session(None).unwrap_or_else(|e| panic!("{e}"));
        let mut card = SsCard::select(&mut *s).unwrap_or_else(|e| panic!("{e}"));
        let t0 = Instant::now();
        for _ in 0..N {
            let v = card
                .read_item(records::CARD_ID_CODE)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(v.is_some());
        }
        ours.push(t0.elapsed().as_secs_f64() / N as f64);
    };
    // Alternate which path goes first, so neither gains from warm caches.
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            run_bare(&mut bare);
            run_ours(&mut ours);
        } else {
            run_ours(&mut ours);
            run_bare(&mut bare);
        }
    }
    // Rounds alternate, so each pair saw the same machine load; the ratio is the median of
    // the per-pair ratios.
    let mut ratios: Vec<f64> = ours.iter().zip(&bare).map(|(o, b)| o / b).collect();
    let r = median(&mut ratios);
    let b = median(&mut bare);
    let o = median(&mut ours);
    println!("| path | median per APDU ({ROUNDS} alternating rounds of {N}) |");
    println!("|---|---|");
    println!("| bare `pcsc` transmit loop | {:.1} µs |", b * 1e6);
    println!(
        "| card-io `SsCard::read_item` (transmit + SW + TLV) | {:.1} µs |",
        o * 1e6
    );
    println!("| ratio card-io / bare (median of paired rounds) | {r:.3} |\n");
    drop(conn);
    connection_costs(&provider);
}

/// What a card operation costs around its APDUs: connecting, the transaction (session),
/// and the two ways a kiosk disconnects (leave the card as it is after a read, reset it
/// after a PIN or a secured command).
fn connection_costs(provider: &PcscProvider) {
    const N: usize = 100;
    let mut connect = Vec::new();
    let mut session = Vec::new();
    let mut leave = Vec::new();
    let mut reset = Vec::new();
    for i in 0..2 * N {
        let t0 = Instant::now();
        let mut conn = provider
            .connect(VPCD_CARD_READER)
            .unwrap_or_else(|e| panic!("{e}"));
        connect.push(t0.elapsed().as_secs_f64());
        let t1 = Instant::now();
        drop(conn.session(None).unwrap_or_else(|e| panic!("{e}")));
        session.push(t1.elapsed().as_secs_f64());
        let (disposition, into) = if i % 2 == 0 {
            (transport::Disposition::Leave, &mut leave)
        } else {
            (transport::Disposition::Reset, &mut reset)
        };
        let t2 = Instant::now();
        conn.disconnect(disposition)
            .unwrap_or_else(|e| panic!("{e}"));
        into.push(t2.elapsed().as_secs_f64());
    }
    println!("| PC/SC operation through pcscd + vpcd | median ({N} or more each) |");
    println!("|---|---|");
    for (what, v) in [
        ("connect (`SCardConnect`)", &mut connect),
        ("session: begin and end a transaction", &mut session),
        ("disconnect, leaving the card", &mut leave),
        ("disconnect, resetting the card", &mut reset),
    ] {
        println!("| {what} | {:.1} µs |", median(v) * 1e6);
    }
    println!();
}

fn in_process_ops() {
    println!("## In-process time per operation (simulated card, no card latency)\n");
    let rig = InProcess::new(Transport::T1);
    rig.insert(card("v3-uyghur.toml", Transport::T1));
    let tg = target();
    let today = Date::new(2026, 1, 1).unwrap_or_else(|| unreachable!());
    let mut sam =
        card_ops::open_psam(rig.provider(), &tg, CARD_SLOT).unwrap_or_else(|e| panic!("{e}"));
    let conn = || card_ops::connect_card(rig.provider(), &tg).unwrap_or_else(|e| panic!("{e}"));
    let time = |label: &str, f: &mut dyn FnMut()| {
        let n = 2000;
        let t0 = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "| {label} | {:.1} µs |",
            t0.elapsed().as_secs_f64() / n as f64 * 1e6
        );
    };
    println!("| operation | mean |");
    println!("|---|---|");
    time("info", &mut || {
        drop(card_ops::info(conn()).unwrap_or_else(|e| panic!("{e}")))
    });
    time("status", &mut || {
        let _status = card_ops::status(conn(), today).unwrap_or_else(|e| panic!("{e}"));
    });
    time("verify", &mut || {
        card_ops::verify(conn(), &pin("123456")).unwrap_or_else(|e| panic!("{e}"))
    });
    time(
        "block-app + unblock-app (card + PSAM, 3DES MACs)",
        &mut || {
            card_ops::block_app(conn(), &mut sam, false).unwrap_or_else(|e| panic!("{e}"));
            card_ops::unblock_app(conn(), &mut sam).unwrap_or_else(|e| panic!("{e}"))
        },
    );
    println!();
}

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    println!(
        "# card-bench ({})\n",
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        }
    );
    apdu_tables();
    if what == "apdus" {
        return;
    }
    in_process_ops();
    per_apdu_through_pcscd();
}
