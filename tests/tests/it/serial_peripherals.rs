//! The e-card QR scanner and the receipt printer end to end through real pseudo-terminals:
//! card-io's `QrReader` and `Printer` on the slave side, hw-sim's simulators on the master.

use std::time::{Duration, Instant};

use card_io::printer::{Paper, Printer, PrinterConfig, PrinterError, Receipt};
use card_io::qr::{QrConfig, QrError, QrEvent, QrReader};
use hw_sim::printer::PrinterState;
use hw_sim::qr::Fault;
use kiosk_core::mask;

const WAIT: Duration = Duration::from_secs(3);

fn qr() -> (hw_sim::qr::QrSim, QrReader) {
    let (path, sim) = hw_sim::qr::spawn_pty(0, 7).expect("qr pty");
    let reader = QrReader::open(
        &path,
        QrConfig {
            line_gap: Duration::from_millis(200),
            ..QrConfig::default()
        },
    )
    .expect("open qr port");
    (sim, reader)
}

fn expect_scan(reader: &QrReader, payload: &str) {
    match reader.next_event(WAIT) {
        Some(QrEvent::Scan(s)) => assert_eq!(s.payload, payload),
        other => panic!("expected scan {payload:?}, got {other:?}"),
    }
}

fn expect_error(reader: &QrReader) -> QrError {
    match reader.next_event(WAIT) {
        Some(QrEvent::Error(e)) => e,
        other => panic!("expected an error event, got {other:?}"),
    }
}

fn assert_quiet(reader: &QrReader) {
    if let Some(e) = reader.next_event(Duration::from_millis(300)) {
        panic!("unexpected event {e:?}");
    }
}

const ECARD: &str = "https://ecard.example.cn/qr?v=2&c=6501AB3F9e0d&t=1715000000&sig=Zm9vYmFy";

#[test]
fn scans_arrive_as_events() {
    let (sim, reader) = qr();
    let before = std::time::SystemTime::now();
    sim.scan(ECARD).expect("scan");
    sim.scan("电子社保卡 ئېلېكترونلۇق").expect("scan");
    match reader.next_event(WAIT) {
        Some(QrEvent::Scan(s)) => {
            assert_eq!(s.payload, ECARD);
            assert!(s.at >= before);
        }
        other => panic!("expected a scan, got {other:?}"),
    }
    expect_scan(&reader, "电子社保卡 ئېلېكترونلۇق");
    assert_quiet(&reader);
    reader.stop();
}

#[test]
fn over_long_line_is_an_error_and_the_next_scan_arrives() {
    let (sim, reader) = qr();
    sim.set_fault(Fault::Long);
    sim.scan(ECARD).expect("scan");
    assert!(matches!(
        expect_error(&reader),
        QrError::TooLong { limit: 1024 }
    ));
    expect_scan(&reader, ECARD);
    sim.set_fault(Fault::None);
    sim.scan("next").expect("scan");
    expect_scan(&reader, "next");
    assert_quiet(&reader);
}

#[test]
fn garbage_is_an_error_and_the_next_scan_arrives() {
    let (sim, reader) = qr();
    sim.set_fault(Fault::Garbage);
    for _ in 0..3 {
        sim.scan(ECARD).expect("scan");
        assert!(matches!(expect_error(&reader), QrError::NotUtf8 { .. }));
        expect_scan(&reader, ECARD);
    }
    assert_quiet(&reader);
}

#[test]
fn split_scans_are_reassembled() {
    let (sim, reader) = qr();
    sim.set_fault(Fault::Split);
    for i in 0..5 {
        let payload = format!("{ECARD}&n={i}");
        sim.scan(&payload).expect("scan");
        expect_scan(&reader, &payload);
    }
    assert_quiet(&reader);
}

#[test]
fn unterminated_noise_is_dropped_after_silence() {
    let (sim, reader) = qr();
    sim.send_raw(b"\x00\x13\xfe half a line").expect("noise");
    assert!(matches!(
        expect_error(&reader),
        QrError::Incomplete { len: 15, .. }
    ));
    sim.scan(ECARD).expect("scan");
    expect_scan(&reader, ECARD);
}

#[test]
fn simulator_gone_is_port_lost() {
    let (sim, reader) = qr();
    sim.scan("last").expect("scan");
    expect_scan(&reader, "last");
    drop(sim);
    match reader.next_event(WAIT) {
        Some(QrEvent::PortLost(e)) => assert!(e.to_string().contains("lost"), "{e}"),
        other => panic!("expected port lost, got {other:?}"),
    }
    assert!(reader.next_event(Duration::from_millis(100)).is_none());
}

#[test]
fn stop_is_prompt_while_waiting() {
    let (_sim, reader) = qr();
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    reader.stop();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
}

fn printer(state: PrinterState) -> (hw_sim::printer::PrinterSim, Printer) {
    let (path, sim) = hw_sim::printer::spawn_pty(state).expect("printer pty");
    let printer = Printer::open(
        &path,
        PrinterConfig {
            answer_timeout: Duration::from_millis(400),
            ..PrinterConfig::default()
        },
    )
    .expect("open printer port");
    (sim, printer)
}

/// A receipt as the kiosk prints it: personal data masked (BUSINESS-RULES.md section 7).
fn receipt() -> Receipt {
    Receipt::new("社会保障卡业务回执")
        .field("业务", "PIN 解锁")
        .field("姓名", mask::name("阿卜杜热合曼·买买提"))
        .field("身份证号", mask::id_number("650102199001010019"))
        .field("办理时间", "2024-05-06 10:21:00")
        .separator()
        .text("请妥善保管本回执。")
        .centered("乌鲁木齐市社会保险管理局")
}

#[test]
fn printed_receipt_decodes_to_the_same_text() {
    let (sim, mut p) = printer(PrinterState::default());
    let r = receipt();
    let text = r.to_text();
    assert!(text.contains("650102********0019"));
    assert!(!text.contains("650102199001010019"));
    let report = p.print(&r).expect("print");
    assert!(!report.paper_near_end);
    let printed = sim.next_receipt(WAIT).expect("a receipt");
    assert_eq!(printed.text(), text);
    assert_eq!(printed.lines, r.lines());
    // A second receipt on the same port.
    let r2 = Receipt::new("一次性告知").text("缺少: 身份证\n缺少: 照片");
    p.print(&r2).expect("print");
    assert_eq!(
        sim.next_receipt(WAIT).expect("a receipt").text(),
        r2.to_text()
    );
}

#[test]
fn paper_out_is_reported_promptly() {
    let (sim, mut p) = printer(PrinterState {
        paper: Paper::Out,
        ..PrinterState::default()
    });
    let t = Instant::now();
    let err = p.print(&receipt()).expect_err("paper out");
    assert!(matches!(err, PrinterError::PaperOut), "{err:?}");
    assert_eq!(err.to_string(), "printer out of paper");
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert!(sim.next_receipt(Duration::from_millis(200)).is_none());

    sim.control().set_paper(Paper::Ok);
    p.print(&receipt())
        .expect("print after the roll is changed");
    assert!(sim.next_receipt(WAIT).is_some());
}

#[test]
fn paper_near_end_prints_with_a_warning() {
    let (sim, mut p) = printer(PrinterState {
        paper: Paper::NearEnd,
        ..PrinterState::default()
    });
    let report = p.print(&receipt()).expect("print");
    assert!(report.paper_near_end);
    assert!(sim.next_receipt(WAIT).is_some());
}

#[test]
fn offline_printer_is_an_error() {
    let (sim, mut p) = printer(PrinterState {
        online: false,
        ..PrinterState::default()
    });
    let err = p.print(&receipt()).expect_err("offline");
    assert!(matches!(err, PrinterError::Offline), "{err:?}");
    assert_eq!(err.to_string(), "printer offline");
    assert!(sim.next_receipt(Duration::from_millis(200)).is_none());
}

#[test]
fn silent_printer_times_out_with_a_clear_error() {
    let (sim, mut p) = printer(PrinterState::default());
    sim.control().set_answering(false);
    let t = Instant::now();
    let err = p.print(&receipt()).expect_err("silent");
    let took = t.elapsed();
    assert!(
        matches!(
            err,
            PrinterError::NotAnswering {
                query: 4,
                timeout_ms: 400
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "printer not answering (status query 4, 400 ms)"
    );
    assert!(
        took >= Duration::from_millis(390) && took < Duration::from_secs(1),
        "{took:?}"
    );
    assert!(sim.next_receipt(Duration::from_millis(200)).is_none());

    // Answering again: the next print works (no stale answer left behind).
    sim.control().set_answering(true);
    p.print(&receipt()).expect("print");
    assert!(sim.next_receipt(WAIT).is_some());
}

#[test]
fn printer_gone_is_an_error_not_a_hang() {
    let (sim, mut p) = printer(PrinterState::default());
    sim.stop();
    let t = Instant::now();
    let err = p.print(&receipt()).expect_err("gone");
    assert!(
        matches!(
            err,
            PrinterError::Port { .. } | PrinterError::NotAnswering { .. }
        ),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}
