//! `receipt_bench`: what a Uyghur receipt costs on the raster path (issue 22) against the
//! same receipt in Chinese on the printer's text path: the time to load the fonts (once per
//! kiosk process), to shape, lay out, rasterise and encode one receipt, the bytes sent, the
//! wire time of those bytes at 9600 and 115200 baud 8N1 (10 bits a byte: the printer's line
//! is the floor, a pty moves bytes as fast as the kernel copies them), the host time to send
//! it through card-io's `Printer` to hw-sim's simulated printer on a pty (status queries
//! included), and the paper used.
//!
//! The receipt is a status query's, as the kiosk prints it (12 lines, the longer ones wrap).
//!
//! ```text
//! cargo run --release -p tests --bin receipt_bench [-- RUNS]     # default 30
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use card_io::printer::{Printer, PrinterConfig, RasterSettings, Rasteriser, Receipt};
use hw_sim::printer::{spawn_pty, PrinterState};

const DEFAULT_RUNS: usize = 30;
/// Dot rows per millimetre at 203 dpi.
const DOTS_PER_MM: f64 = 8.0;

const UYGHUR: [&str; 12] = [
    "ئىجتىمائىي كاپالەت كارتىسى ئىش تالونى",
    "ئىش: كارتا ھالىتىنى سۈرۈشتۈرۈش",
    "ئىش نومۇرى: kiosk-0001-20261207-000001",
    "ۋاقىت: 2026-12-07 17:20",
    "كىملىك نومۇرى: 652301********003X",
    "كارتا نومۇرى: *****5678",
    "كارتا ھالىتى: تارقىتىلغان، قوزغىتىلمىغان",
    "پارولنى سىناش قېتىمى قالدى: 3",
    "ئىناۋەتلىك مۇددىتى: 2031-03-15",
    "ئارخىپ نومۇرى: 0001-SB·2026-D50-652300001-000001",
    "ئارخىپ نومۇرىنىڭ ئىشلىتىلىشى: بۇ ئىشنى سۈرۈشتۈرۈش ياكى قايتا تەكشۈرۈشتە مۇلازىمەت كۆزنىكىگە بۇ نومۇرنى كۆرسىتىڭ",
    "نازارەت ۋە شىكايەت: 12333 ئادەم كۈچى بايلىقى ۋە ئىجتىمائىي كاپالەت مۇلازىمەت لىنىيىسى؛ سانجى خۇيزۇ ئاپتونوم ئوبلاستلىق ئىجتىمائىي سۇغۇرتا باشقۇرۇش ئىدارىسى (0994-2206673)",
];

const CHINESE: [&str; 12] = [
    "社会保障卡业务回执",
    "业务: 状态查询",
    "办件编号: kiosk-0001-20261207-000001",
    "时间: 2026-12-07 17:20",
    "证件号码: 652301********003X",
    "卡号: *****5678",
    "卡状态: 已发放未启用",
    "密码剩余尝试次数: 3",
    "有效期: 2031-03-15",
    "档号: 0001-SB·2026-D50-652300001-000001",
    "档号用途: 查询或复核本次业务时,请向服务窗口出示此号",
    "监督投诉: 12333 人力资源和社会保障服务热线;昌吉回族自治州社会保险管理局(0994-2206673)",
];

fn receipt(lines: &[&str]) -> Receipt {
    Receipt::new(lines[0]).text(lines[1..].join("\n"))
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn wire(bytes: usize, baud: u32) -> String {
    format!("{:.2} s", bytes as f64 * 10.0 / f64::from(baud))
}

fn run(runs: usize) -> Result<(), String> {
    let started = Instant::now();
    let raster = Rasteriser::load(RasterSettings::default()).map_err(|e| e.to_string())?;
    let load = started.elapsed();
    let (ug, zh) = (receipt(&UYGHUR), receipt(&CHINESE));
    let encode = |r: &Receipt| -> Result<(Duration, card_io::printer::Encoded), String> {
        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let e = r.encode_with(Some(&raster)).map_err(|e| e.to_string())?;
            times.push(t.elapsed());
            last = Some(e);
        }
        last.map(|e| (median(&mut times), e))
            .ok_or_else(|| "no run".to_string())
    };
    let (ug_time, ug_bytes) = encode(&ug)?;
    let (zh_time, zh_bytes) = encode(&zh)?;

    // Sent to the simulated printer through card-io's Printer (status before and after).
    let (path, sim) = spawn_pty(PrinterState::default()).map_err(|e| e.to_string())?;
    let mut printer = Printer::open(&path, PrinterConfig::default()).map_err(|e| e.to_string())?;
    let mut send = |r: &Receipt| -> Result<Duration, String> {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            printer
                .print_with(r, Some(&raster))
                .map_err(|e| e.to_string())?;
            times.push(t.elapsed());
            sim.next_receipt(Duration::from_secs(5))
                .ok_or("the simulated printer printed nothing")?;
        }
        Ok(median(&mut times))
    };
    let ug_send = send(&ug)?;
    let zh_send = send(&zh)?;

    println!(
        "Receipt printing, {runs} runs each (medians); fonts loaded once in {}",
        ms(load)
    );
    println!();
    println!("| receipt | path | images | bytes | render + encode | send to hw-sim (pty) | wire at 9600 | wire at 115200 | paper |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, time, e, sent) in [
        ("Uyghur, status query", ug_time, &ug_bytes, ug_send),
        ("Chinese, same content", zh_time, &zh_bytes, zh_send),
    ] {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {:.0} mm ({} dots) |",
            if e.images > 0 {
                "raster (GS v 0)"
            } else {
                "text (GB18030)"
            },
            e.images,
            e.bytes.len(),
            ms(time),
            ms(sent),
            wire(e.bytes.len(), 9_600),
            wire(e.bytes.len(), 115_200),
            f64::from(e.paper_dots) / DOTS_PER_MM,
            e.paper_dots,
        );
    }
    println!();
    println!(
        "Raster/text bytes: {:.1}×; paper {:.1}×.",
        ug_bytes.bytes.len() as f64 / zh_bytes.bytes.len().max(1) as f64,
        f64::from(ug_bytes.paper_dots) / f64::from(zh_bytes.paper_dots.max(1))
    );
    Ok(())
}

fn main() -> ExitCode {
    let runs = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => DEFAULT_RUNS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: receipt_bench [RUNS]");
            return ExitCode::from(2);
        }
    };
    match run(runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("receipt_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
