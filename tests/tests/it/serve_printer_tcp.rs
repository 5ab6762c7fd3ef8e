//! The receipt printer on the network, end to end (issue 20, item 4): `kiosk serve --sim`
//! with `printer_tcp` naming the raw TCP port of a separate `hw-sim printer --tcp` process
//! (the kiosk's own simulated printer stays unused: `printer_port = ""`). A citizen's loss
//! report prints its receipt over TCP, decoded back by the printer process; the paper taken
//! out there shows as the printer down on the kiosk's health board and on the receipt screen.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use tests::served::{eventually, kind, temp_file, Served as Kiosk};

const ZHANG: &str = "v2-3des.toml";

/// `hw-sim printer --tcp 127.0.0.1:0`: killed when dropped; its output lines on a channel.
struct PrinterProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for PrinterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PrinterProcess {
    fn start() -> (PrinterProcess, String) {
        let mut child = Command::new(tests::workspace_bin("hw-sim"))
            .args(["printer", "--tcp", "127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("hw-sim printer");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let p = PrinterProcess { child, lines };
        let _pty = p.line().expect("the pty line");
        let tcp = p.line().expect("the tcp line");
        let addr = tcp
            .strip_prefix("tcp ")
            .unwrap_or_else(|| panic!("not a tcp line: {tcp}"))
            .to_string();
        (p, addr)
    }

    fn line(&self) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(30)).ok()
    }

    /// Lines up to the cut mark: one printed receipt.
    fn receipt(&self) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(l) = self.line() {
            if l == hw_sim::printer::cli::CUT_MARK {
                return out;
            }
            out.push(l);
        }
        panic!("no receipt printed (so far: {out:?})");
    }

    fn command(&mut self, c: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{c}").expect("printer command");
        stdin.flush().expect("flush");
    }
}

fn health(k: &Kiosk, state: &str) -> Value {
    eventually(&format!("printer {state}"), || {
        let h = k.health("printer");
        if h["state"] == state {
            Ok(h)
        } else {
            Err(h.to_string())
        }
    })
}

#[test]
fn a_receipt_prints_on_a_network_printer_and_paper_out_is_reported() {
    let (mut printer, addr) = PrinterProcess::start();
    let (_dir, config) = temp_file(
        "kiosk.toml",
        &format!("[devices]\nprinter_port = \"\"\nprinter_tcp = \"{addr}\"\n"),
    );
    let config_arg = config.to_string_lossy().to_string();
    let k = Kiosk::sim(&["--config", &config_arg]);
    let h = health(&k, "ok");
    assert_eq!(h["port"], format!("tcp://{addr}"), "{h}");

    k.report_loss(ZHANG);
    let page = k.api("POST", "/api/session/event", json!({ "action": "print" }));
    assert_eq!(kind(&page), "done", "{page}");
    let receipt = printer.receipt();
    let text = receipt.join("\n");
    assert!(text.contains("********0015"), "the receipt, masked: {text}");
    assert!(!text.contains("652301197508210015"), "{text}");
    let sim_printed = k.api("GET", "/api/sim/printer", Value::Null);
    assert_eq!(
        sim_printed["receipts"],
        json!([]),
        "nothing went to the kiosk's own simulated printer: {sim_printed}"
    );

    printer.command("paper out");
    let h = health(&k, "down");
    assert!(
        h["message"].as_str().unwrap_or("").contains("out of paper"),
        "{h}"
    );
    let page = k.api("POST", "/api/session/event", json!({ "action": "print" }));
    let note = page["screen"]["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["label"] == "凭条"))
        .and_then(|f| f["value"].as_str())
        .unwrap_or("")
        .to_string();
    assert!(note.contains("缺纸"), "the receipt screen says so: {page}");
    printer.command("paper ok");
    health(&k, "ok");
    k.api("POST", "/api/session/event", json!({ "action": "print" }));
    assert!(printer.receipt().join("\n").contains("********0015"));
    // The printer process gone: silence, reported down.
    drop(printer);
    let h = health(&k, "down");
    assert!(
        h["message"].as_str().unwrap_or("").contains("printer"),
        "{h}"
    );
}
