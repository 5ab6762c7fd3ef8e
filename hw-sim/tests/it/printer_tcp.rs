//! The receipt printer over raw TCP (a network printer's port 9100) and over a USB printer
//! class device's I/O path: card-io's `Printer` against hw-sim's printer, the same ESC/POS and
//! the same faults as on serial — paper out, offline, silence, the printer gone — and the
//! receipt decoded back to text. In process (`PrinterSim::listen_tcp`) and through the
//! `hw-sim printer --tcp` process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use card_io::printer::{Paper, Printer, PrinterConfig, PrinterError, PrinterTarget, Receipt};
use hw_sim::printer::{spawn_pty, PrinterState};

fn config() -> PrinterConfig {
    PrinterConfig {
        answer_timeout: Duration::from_millis(300),
        write_timeout: Duration::from_secs(2),
        ..PrinterConfig::default()
    }
}

fn receipt() -> Receipt {
    Receipt::new("社会保障卡业务回执")
        .field("姓名", "古丽娜尔·吐**")
        .field("身份证号", "652301********0047")
        .field("业务", "解挂")
        .centered("谢谢")
}

#[test]
fn a_receipt_over_tcp_comes_out_as_its_text() {
    let (_, mut sim) = spawn_pty(PrinterState::default()).expect("printer");
    let addr = sim.listen_tcp("127.0.0.1:0").expect("listen");
    let target = PrinterTarget::Tcp {
        address: addr.to_string(),
    };
    let mut printer = Printer::open_target(&target, config()).expect("connect");
    assert!(printer.describe().starts_with("tcp://127.0.0.1:"));
    let status = printer.status().expect("status over TCP");
    assert!(status.online);
    assert_eq!(status.paper, Paper::Ok);
    let r = receipt();
    let report = printer.print(&r).expect("print");
    assert!(!report.paper_near_end);
    let printed = sim.next_receipt(Duration::from_secs(2)).expect("receipt");
    assert_eq!(printed.text(), r.to_text());
    // A second connection (the next job) to the same printer.
    drop(printer);
    let mut printer = Printer::open_target(&target, config()).expect("reconnect");
    printer.print(&r).expect("print again");
    assert_eq!(
        sim.next_receipt(Duration::from_secs(2))
            .expect("receipt")
            .text(),
        r.to_text()
    );
}

#[test]
fn paper_offline_and_silence_over_tcp() {
    let (_, mut sim) = spawn_pty(PrinterState::default()).expect("printer");
    let addr = sim.listen_tcp("127.0.0.1:0").expect("listen");
    let control = sim.control();
    let mut printer = Printer::connect_tcp(&addr.to_string(), config()).expect("connect");
    let r = receipt();

    control.set_paper(Paper::Out);
    assert!(matches!(printer.print(&r), Err(PrinterError::PaperOut)));
    control.set_paper(Paper::NearEnd);
    assert!(
        printer
            .print(&r)
            .expect("near end still prints")
            .paper_near_end
    );
    assert!(sim.next_receipt(Duration::from_secs(2)).is_some());
    control.set_paper(Paper::Ok);
    control.set_online(false);
    assert!(matches!(printer.print(&r), Err(PrinterError::Offline)));
    control.set_online(true);
    control.set_answering(false);
    let t = Instant::now();
    assert!(matches!(
        printer.print(&r),
        Err(PrinterError::NotAnswering { query: 4, .. })
    ));
    assert!(t.elapsed() < Duration::from_secs(2), "silence is bounded");
    control.set_answering(true);
    printer.print(&r).expect("answers again");
    assert_eq!(
        sim.next_receipt(Duration::from_secs(2))
            .expect("receipt")
            .text(),
        r.to_text()
    );
}

#[test]
fn a_printer_gone_from_the_network_is_a_plain_error() {
    let (_, mut sim) = spawn_pty(PrinterState::default()).expect("printer");
    let addr = sim.listen_tcp("127.0.0.1:0").expect("listen");
    let mut printer = Printer::connect_tcp(&addr.to_string(), config()).expect("connect");
    printer.status().expect("status");
    sim.stop();
    let err = printer.print(&receipt()).unwrap_err();
    assert!(
        matches!(
            err,
            PrinterError::Port { .. } | PrinterError::NotAnswering { .. }
        ),
        "{err:?}"
    );
    // Nobody listens there any more: connecting fails at once, with the address.
    let err = Printer::connect_tcp(&addr.to_string(), config()).unwrap_err();
    assert!(matches!(err, PrinterError::OpenLink { .. }), "{err:?}");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

/// The USB printer class link's I/O (non-blocking device, `poll(2)` for every wait) against
/// a character device that answers like a bidirectional printer: the simulator's pty. It has
/// no `LPGETSTATUS` (not a printer port), so the printer's own answers are all there is, as on
/// a bidirectional USB printer whose port status says nothing more.
#[test]
fn the_usb_link_prints_and_reads_status_answers_on_a_character_device() {
    let (path, sim) = spawn_pty(PrinterState::default()).expect("printer");
    let control = sim.control();
    let mut printer = Printer::open_usb(&path, config()).expect("open the device");
    assert_eq!(printer.port_status().expect("port status"), None);
    let r = receipt();
    printer.print(&r).expect("print");
    assert_eq!(
        sim.next_receipt(Duration::from_secs(2))
            .expect("receipt")
            .text(),
        r.to_text()
    );
    control.set_paper(Paper::Out);
    assert!(matches!(printer.print(&r), Err(PrinterError::PaperOut)));
    control.set_paper(Paper::Ok);
    control.set_answering(false);
    assert!(matches!(
        printer.status(),
        Err(PrinterError::NotAnswering { .. })
    ));
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn hw_sim_printer_listens_on_tcp_as_well_as_a_pty() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hw-sim"))
        .args(["printer", "--tcp", "127.0.0.1:0", "--paper-out"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hw-sim printer");
    let stdout = child.stdout.take().expect("stdout");
    let _process = Process(child);
    let mut stdout = BufReader::new(stdout);
    let mut pty = String::new();
    stdout.read_line(&mut pty).expect("pty line");
    assert!(pty.starts_with("/dev/pts/"), "{pty:?}");
    let mut tcp = String::new();
    stdout.read_line(&mut tcp).expect("tcp line");
    let address = tcp
        .trim()
        .strip_prefix("tcp ")
        .unwrap_or_else(|| panic!("second line {tcp:?}"))
        .to_owned();
    // The same printer on both: out of paper on each.
    let mut over_tcp = Printer::connect_tcp(&address, config()).expect("connect");
    assert!(matches!(
        over_tcp.print(&receipt()),
        Err(PrinterError::PaperOut)
    ));
    let mut over_pty = Printer::open(pty.trim(), config()).expect("open pty");
    assert!(matches!(
        over_pty.print(&receipt()),
        Err(PrinterError::PaperOut)
    ));
}
