//! `hw-sim printer` as a process: the first stdout line is the pty path; card-io's `Printer`
//! prints on it and the receipt comes out on stdout (or in `--output FILE`) as text (a raster
//! image as `[image W×H]`); stdin
//! commands change what the status queries answer.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use card_io::printer::{Printer, PrinterConfig, PrinterError, Receipt};

struct Sim {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    path: String,
}

impl Sim {
    fn start(args: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hw-sim"))
            .arg("printer")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hw-sim printer");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut path = String::new();
        stdout.read_line(&mut path).expect("first line");
        let path = path.trim().to_owned();
        assert!(path.starts_with("/dev/pts/"), "first line {path:?}");
        Sim {
            child,
            stdin,
            stdout,
            path,
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write stdin");
        self.stdin.flush().expect("flush stdin");
        // Let the stdin thread apply it.
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Stdout lines up to and including the cut mark.
    fn receipt(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut l = String::new();
            let n = self.stdout.read_line(&mut l).expect("read stdout");
            assert!(n > 0, "hw-sim printer ended");
            let l = l.trim_end_matches('\n').to_owned();
            if l == hw_sim::printer::cli::CUT_MARK {
                return lines;
            }
            lines.push(l);
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config() -> PrinterConfig {
    PrinterConfig {
        answer_timeout: Duration::from_millis(300),
        ..PrinterConfig::default()
    }
}

fn receipt() -> Receipt {
    Receipt::new("社会保障卡业务回执")
        .field("姓名", "阿***")
        .field("身份证号", "650102********0019")
        .centered("谢谢")
}

#[test]
fn prints_to_stdout_and_obeys_commands() {
    let mut sim = Sim::start(&[]);
    let mut printer = Printer::open(&sim.path, config()).expect("open");
    let r = receipt();
    printer.print(&r).expect("print");
    assert_eq!(sim.receipt().join("\n"), r.to_text());

    sim.send("paper out");
    assert!(matches!(printer.print(&r), Err(PrinterError::PaperOut)));
    sim.send("paper ok");
    sim.send("offline");
    assert!(matches!(printer.print(&r), Err(PrinterError::Offline)));
    sim.send("online");
    sim.send("silent");
    let t = Instant::now();
    assert!(matches!(
        printer.print(&r),
        Err(PrinterError::NotAnswering { .. })
    ));
    assert!(t.elapsed() < Duration::from_secs(2));
    sim.send("answer");
    sim.send("paper near-end");
    let report = printer.print(&r).expect("print");
    assert!(report.paper_near_end);
    assert_eq!(sim.receipt().join("\n"), r.to_text());

    // A Uyghur line goes as a raster image: stdout shows it as its size.
    let raster = card_io::printer::Rasteriser::load(Default::default())
        .expect("the Debian fonts of DEFAULT_FONTS are installed (scripts/lib.sh)");
    let ug = Receipt::new("回执").text("ئىسمى: 阿***");
    let report = printer.print_with(&ug, Some(&raster)).expect("print");
    assert_eq!(report.images, 1);
    let printed = sim.receipt();
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert_eq!(printed[0], "回执");
    assert!(
        printed[1].starts_with("[image ") && printed[1].ends_with(']'),
        "{printed:?}"
    );
}

#[test]
fn starts_out_of_paper() {
    let sim = Sim::start(&["--paper-out"]);
    let mut printer = Printer::open(&sim.path, config()).expect("open");
    assert!(matches!(
        printer.print(&receipt()),
        Err(PrinterError::PaperOut)
    ));
}

#[test]
fn writes_receipts_to_a_file() {
    let file = std::env::temp_dir().join(format!("hw-sim-printer-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let sim = Sim::start(&["--output", file.to_str().expect("utf-8 temp path")]);
    let mut printer = Printer::open(&sim.path, config()).expect("open");
    let r = receipt();
    printer.print(&r).expect("print");
    let want = format!("{}\n{}\n", r.to_text(), hw_sim::printer::cli::CUT_MARK);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut got = String::new();
    while Instant::now() < deadline {
        got = std::fs::read_to_string(&file).unwrap_or_default();
        if got == want {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_file(&file);
    assert_eq!(got, want);
}
