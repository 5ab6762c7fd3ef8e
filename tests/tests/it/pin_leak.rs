//! The PIN leak search (issue 7, item 5): every business that takes PINs runs through
//! `kiosk serve --sim` over HTTP (JSON and forms) with the most verbose logging the kiosk has
//! (`RUST_LOG=trace`: every crate, every level, the APDU log included), with PINs refused as
//! weak, PINs that differ from their repeat, a wrong old PIN and malformed PINs; then the
//! technician commands (`kiosk card activate|verify|change-pin|reset-pin|unblock-pin`) take
//! PINs on standard input through pcscd + vpcd. Afterwards every PIN used is searched, in
//! every encoding a leak could take, in everything the runs left behind: the processes'
//! output and logs, every HTTP answer, every file of the database directory, the sealed
//! archive batch and its tar export, the printed receipts and the audit log. None may appear.
//!
//! The search proves it looks in the right places: in each place a value that must be there
//! (the archive numbers, the masked ID number, the redacted APDU log lines) is found with the
//! same search, and the needles of every encoding are found when planted.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tests::rig::{card_present, VPCD_CARD_READER, VPCD_PSAM_READER};
use tests::served::{kind, Answer, Served};

/// The PINs of the kiosk's businesses. Not weak (checked below), none part of a demo
/// person's ID number or birth date, and each starting with 8 or 9, so that their BCD bytes
/// start with a byte that is not ASCII and cannot come from any text.
const ENABLE_NEW: &str = "918274";
const ENABLE_MISMATCH_NEW: &str = "862094";
const ENABLE_MISMATCH_REPEAT: &str = "937158";
const RESET_NEW: &str = "840536";
const CHANGE_WRONG_OLD: &str = "972613";
const CHANGE_NEW: &str = "857302";
/// The card to insert: the one handed back last, inserted again (the same chip).
const AGAIN: &str = "";
/// The PINs of the technician commands.
const CLI_ACTIVATE: &str = "906147";
const CLI_WRONG: &str = "839251";
const CLI_CHANGE: &str = "925780";
const CLI_RESET: &str = "871469";

/// Every PIN searched for, with where it was used.
const SECRETS: [(&str, &str); 10] = [
    (ENABLE_NEW, "enable: the new PIN"),
    (
        ENABLE_MISMATCH_NEW,
        "enable: a new PIN whose repeat differed",
    ),
    (ENABLE_MISMATCH_REPEAT, "enable: the differing repeat"),
    (RESET_NEW, "pin_reset (forms): the new PIN"),
    (CHANGE_WRONG_OLD, "pin_change: a wrong old PIN"),
    (CHANGE_NEW, "pin_change: the new PIN"),
    (CLI_ACTIVATE, "kiosk card activate / verify / change-pin"),
    (CLI_WRONG, "kiosk card verify: a wrong PIN"),
    (CLI_CHANGE, "kiosk card change-pin: the new PIN"),
    (CLI_RESET, "kiosk card reset-pin"),
];

/// One way a PIN could be written down.
struct Needle {
    pin: &'static str,
    encoding: &'static str,
    bytes: Vec<u8>,
}

fn bcd(pin: &str) -> Vec<u8> {
    let d: Vec<u8> = pin.bytes().map(|b| b - b'0').collect();
    d.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Every encoding of `pin` searched for. The hex text of the BCD bytes, upper or lower case,
/// is the ASCII digits themselves (BCD nibbles are 0–9), so the digits needle covers it, and
/// with it the hex of CHANGE PIN's `old FF new` data in either case.
fn needles(pin: &'static str) -> Vec<Needle> {
    let b = bcd(pin);
    let spaced = b
        .iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ");
    let utf16 = |le: bool| -> Vec<u8> {
        pin.encode_utf16()
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect()
    };
    let mut v = vec![
        Needle {
            pin,
            encoding:
                "ASCII digits (= hex text of the BCD bytes, either case; JSON and form values)",
            bytes: pin.as_bytes().to_vec(),
        },
        Needle {
            pin,
            encoding: "packed BCD bytes (as VERIFY / CHANGE PIN carry them)",
            bytes: b.clone(),
        },
        Needle {
            pin,
            encoding: "hex text of the BCD bytes, spaced (the APDU log's style)",
            bytes: spaced.into_bytes(),
        },
        Needle {
            pin,
            encoding: "digit values 0-9 (card_io::pin::Pin's buffer)",
            bytes: pin.bytes().map(|c| c - b'0').collect(),
        },
        Needle {
            pin,
            encoding: "UTF-16LE",
            bytes: utf16(true),
        },
        Needle {
            pin,
            encoding: "UTF-16BE",
            bytes: utf16(false),
        },
        Needle {
            pin,
            encoding: "JSON \\u escapes",
            bytes: pin
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect::<String>()
                .into_bytes(),
        },
        Needle {
            pin,
            encoding: "percent-encoded digits",
            bytes: pin
                .bytes()
                .map(|c| format!("%{c:02X}"))
                .collect::<String>()
                .into_bytes(),
        },
        Needle {
            pin,
            encoding: "hex text of the ASCII digits",
            bytes: hex::encode(pin).into_bytes(),
        },
        Needle {
            pin,
            encoding: "base64 of the ASCII digits",
            bytes: base64(pin.as_bytes()).into_bytes(),
        },
    ];
    // The hex text of the APDU data: upper- and lower-case variants differ only for letters,
    // and BCD digits have none.
    v.dedup_by(|a, b| a.bytes == b.bytes);
    v
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One place searched: a name and its bytes.
struct Place {
    name: String,
    bytes: Vec<u8>,
}

fn place(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Place {
    Place {
        name: name.into(),
        bytes: bytes.into(),
    }
}

/// The kiosk's database as plaintext (its key is beside it, as `kiosk serve --sim` keeps
/// it): the files themselves are encrypted, so a PIN stored in them would not be seen there.
fn decrypted(what: &str, db: &Path, scratch: &Path) -> Place {
    let key = kiosk_store::sqlite::DbKey::load(&kiosk_store::sqlite::key::beside(db))
        .expect("the simulated kiosk's database key");
    let out = scratch.join(format!("{}.plain.db", what.replace(' ', "-")));
    tests::kiosk::plaintext_copy(db, &key, &out);
    place(what, std::fs::read(&out).expect("plaintext copy"))
}

/// Every file under `dir`, as places named by `what` and the file's path below `dir`.
fn files_under(what: &str, dir: &Path) -> Vec<Place> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.push(place(format!("{what}: {rel}"), bytes));
            }
        }
    }
    out
}

/// The places with no PIN in any encoding; the hits otherwise, with context.
/// The shortest needle searched in a database file itself. Those files are SQLCipher pages
/// (and the WAL index), random bytes to anyone without the key, where any given 3-byte
/// pattern (a PIN as packed BCD) turns up by chance about once in 16 MB. Their contents are
/// searched in full, every needle, in the decrypted copies ("database decrypted …").
const MIN_NEEDLE_IN_CIPHERTEXT: usize = 6;

/// True for the kiosk's database files (not its key file, which is hex text).
fn ciphertext(p: &Place) -> bool {
    p.name.starts_with("database directory") && !p.name.ends_with(".key")
}

fn leaks(places: &[Place], needles: &[Needle]) -> Vec<String> {
    let mut hits = Vec::new();
    for p in places {
        for n in needles {
            if ciphertext(p) && n.bytes.len() < MIN_NEEDLE_IN_CIPHERTEXT {
                continue;
            }
            if let Some(at) = find(&p.bytes, &n.bytes) {
                let from = at.saturating_sub(40);
                let to = (at + n.bytes.len() + 40).min(p.bytes.len());
                hits.push(format!(
                    "PIN {} as {} in {} at byte {at}: {:?}",
                    n.pin,
                    n.encoding,
                    p.name,
                    String::from_utf8_lossy(&p.bytes[from..to])
                ));
            }
        }
    }
    hits
}

/// Asserts that the search sees `value` in the places named with `prefix` (at least one of
/// them when `any`, else every one): a search that looked in the wrong place would not.
fn must_see(places: &[Place], prefix: &str, value: &str, any: bool) {
    let chosen: Vec<&Place> = places
        .iter()
        .filter(|p| p.name.starts_with(prefix))
        .collect();
    assert!(!chosen.is_empty(), "no place named {prefix:?} was searched");
    let seen = |p: &&Place| find(&p.bytes, value.as_bytes()).is_some();
    if any {
        assert!(
            chosen.iter().any(seen),
            "the search does not see {value:?} in any of {:?}",
            chosen.iter().map(|p| &p.name).collect::<Vec<_>>()
        );
    } else {
        for p in chosen {
            assert!(seen(&p), "the search does not see {value:?} in {}", p.name);
        }
    }
}

/// The served kiosk and every HTTP answer it gave.
struct Walk<'a> {
    k: &'a Served,
    answers: Vec<u8>,
}

impl Walk<'_> {
    fn keep(&mut self, a: &Answer) {
        self.answers.extend_from_slice(a.head.as_bytes());
        self.answers.extend_from_slice(a.body.as_bytes());
        self.answers.push(b'\n');
    }

    fn json(&mut self, method: &str, path: &str, body: Value) -> Value {
        let a = self.k.json(method, path, &body);
        self.keep(&a);
        assert!(a.status < 400, "{method} {path}: {} {}", a.status, a.body);
        serde_json::from_str(&a.body).unwrap_or(Value::Null)
    }

    fn form(&mut self, path: &str, body: &str) {
        let a = self.k.post_form(path, body, None);
        self.keep(&a);
        assert_eq!(a.status, 303, "POST {path} {body}: {} {}", a.head, a.body);
    }

    fn screen(&mut self) -> Value {
        let a = self.k.get("/api/session", None);
        self.keep(&a);
        serde_json::from_str(&a.body).expect("a JSON page")
    }

    /// Waits for a screen other than a bare "waiting for the card" one.
    fn wait(&mut self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let page = self.screen();
            if ok(&page) {
                return page;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {page}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// From the start screen of a business to its PIN screen (or to the end when it asks
    /// no PIN): ID card, card, confirmation, as the screens ask.
    fn walk_to_pins(&mut self, mut page: Value, person: &str, card: &str) -> Value {
        for _ in 0..10 {
            match (kind(&page), page["screen"]["ask"]["kind"].as_str()) {
                ("ask", Some("id_card")) => {
                    self.json("POST", "/api/sim/idcard", json!({ "person": person }));
                    page = self.wait("the ID card read", |p| {
                        p["screen"]["ask"]["kind"] != "id_card"
                    });
                }
                ("ask", Some("card")) => {
                    if card == AGAIN {
                        self.json("POST", "/api/sim/card/again", json!({}));
                    } else {
                        self.json("POST", "/api/sim/card", json!({ "card": card }));
                    }
                    page = self.wait("the card read", |p| p["screen"]["ask"]["kind"] != "card");
                }
                ("confirm", _) => {
                    page = self.json("POST", "/api/session/event", json!({ "action": "confirm" }))
                }
                ("pins" | "done" | "failed" | "refused", _) => return page,
                (other, _) => panic!("no way on from screen {other}: {page}"),
            }
        }
        panic!("too many screens before the PINs: {page}");
    }

    fn pins(&mut self, old: Option<&str>, new: &str, repeat: &str) -> Value {
        let mut body = json!({ "action": "pins", "new": new, "repeat": repeat });
        if let Some(o) = old {
            body["old"] = json!(o);
        }
        self.json("POST", "/api/session/event", body)
    }

    /// The PIN screen again, with the problem it names.
    fn refused_pins(&mut self, page: &Value, what: &str) {
        assert_eq!(kind(page), "pins", "{what}: {page}");
        assert!(
            page["screen"]["problem"]
                .as_str()
                .is_some_and(|p| !p.is_empty()),
            "{what}: the PIN screen names the problem: {page}"
        );
    }

    /// The done screen: prints the receipt, rates, and gives the case's archive number.
    fn finish_done(&mut self, page: &Value, what: &str) -> String {
        assert_eq!(kind(page), "done", "{what}: {page}");
        let archive_no = page["screen"]["receipt"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find_map(|l| l.strip_prefix("档号: "))
            .unwrap_or_else(|| panic!("{what}: no archive number on the receipt: {page}"))
            .trim()
            .to_string();
        let printed = self.json("POST", "/api/session/event", json!({ "action": "print" }));
        assert_eq!(kind(&printed), "done", "{what}: printed: {printed}");
        let home = self.json(
            "POST",
            "/api/session/event",
            json!({ "action": "rate", "level": 5 }),
        );
        // The cards are handed back (issue 22): taken out, then home.
        assert_eq!(kind(&home), "take_cards", "{what}: rated: {home}");
        self.json("DELETE", "/api/sim/card", json!({}));
        self.json("DELETE", "/api/sim/idcard", json!({}));
        self.wait("home once the cards are taken", |p| kind(p) == "home");
        archive_no
    }
}

/// The kiosk's businesses that take PINs, through the JSON API and the forms. Gives the
/// archive numbers of the cases done.
fn businesses(w: &mut Walk<'_>) -> Vec<String> {
    let mut archive = Vec::new();
    w.json("DELETE", "/api/sim/card", json!({}));

    // 启用 (enable) for the demo's issued card: a weak PIN, a repeat that differs, a
    // malformed PIN, then a good one.
    let start = w.json(
        "POST",
        "/api/session/start",
        json!({ "business": "enable" }),
    );
    let page = w.walk_to_pins(start, "v3-uyghur.toml", "v3-uyghur.toml");
    assert_eq!(
        page["screen"]["old"], false,
        "enable asks no old PIN: {page}"
    );
    let page = w.pins(None, "345678", "345678");
    w.refused_pins(&page, "enable, a PIN that counts up");
    let page = w.pins(None, "003X00", "003X00");
    w.refused_pins(&page, "enable, a PIN with a letter");
    let page = w.pins(None, ENABLE_MISMATCH_NEW, ENABLE_MISMATCH_REPEAT);
    w.refused_pins(&page, "enable, a repeat that differs");
    let page = w.pins(None, ENABLE_NEW, ENABLE_NEW);
    archive.push(w.finish_done(&page, "enable"));
    w.json("DELETE", "/api/sim/card", json!({}));

    // 密码重置 (pin_reset) for 张伟 through the server-rendered forms (form-encoded PINs),
    // a weak PIN first. The card, handed back, is inserted again for the PIN change after it
    // (a card left in the reader is never read for the next session).
    w.form("/session/start", "business=pin_reset");
    let page = w.screen();
    let page = w.walk_to_pins(page, "v2-3des.toml", "v2-3des.toml");
    assert_eq!(kind(&page), "pins", "pin_reset: {page}");
    w.form("/session/event", "action=pins&new=777777&repeat=777777");
    let page = w.screen();
    w.refused_pins(&page, "pin_reset, six equal digits");
    w.form(
        "/session/event",
        &format!("action=pins&new={RESET_NEW}&repeat={RESET_NEW}"),
    );
    let page = w.screen();
    archive.push(w.finish_done(&page, "pin_reset"));

    // 密码修改 (pin_change) with the same card (inserted again): a wrong old PIN (the card
    // refuses it; the PIN screen again, the new PIN kept, issue 22), then the PIN set by the
    // reset, typed alone.
    let start = w.json(
        "POST",
        "/api/session/start",
        json!({ "business": "pin_change" }),
    );
    let page = w.walk_to_pins(start, "v2-3des.toml", AGAIN);
    assert_eq!(
        page["screen"]["old"], true,
        "pin_change asks the old PIN: {page}"
    );
    let page = w.pins(Some(RESET_NEW), "654321", "654321");
    w.refused_pins(&page, "pin_change, a PIN that counts down");
    let page = w.pins(Some(CHANGE_WRONG_OLD), CHANGE_NEW, CHANGE_NEW);
    assert_eq!(
        (kind(&page), &page["screen"]["new"]),
        ("pins", &json!(false)),
        "pin_change with a wrong old PIN: the old PIN asked again: {page}"
    );
    assert!(
        page["screen"]["tries_left"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{page}"
    );
    let page = w.json(
        "POST",
        "/api/session/event",
        json!({ "action": "pins", "old": RESET_NEW }),
    );
    archive.push(w.finish_done(&page, "pin_change"));
    w.json("DELETE", "/api/sim/card", json!({}));

    // 密码解锁 (pin_unblock): the business of a blocked PIN (the PSAM restores the tries; no
    // PIN is typed).
    let start = w.json(
        "POST",
        "/api/session/start",
        json!({ "business": "pin_unblock" }),
    );
    let page = w.walk_to_pins(start, "pin-blocked.toml", "pin-blocked.toml");
    archive.push(w.finish_done(&page, "pin_unblock"));
    w.json("DELETE", "/api/sim/card", json!({}));
    archive
}

fn kiosk_cmd(args: &[&str], stdin: &str) -> Output {
    let bin = tests::workspace_bin("kiosk");
    let mut child = Command::new(&bin)
        .args(args)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write to kiosk");
    child.wait_with_output().expect("kiosk output")
}

fn output_place(name: &str, o: &Output) -> Place {
    let mut bytes = o.stdout.clone();
    bytes.extend_from_slice(&o.stderr);
    place(name, bytes)
}

fn wait_for(what: &str, ready: impl Fn() -> bool) {
    tests::rig::wait_until(what, Duration::from_secs(30), ready);
}

/// The technician commands through pcscd + vpcd, PINs on standard input. Each output is a
/// place to search.
fn technician(places: &mut Vec<Place>) {
    // pcscd for this test alone while its own emulator is attached (dropped last).
    let _pcsc = tests::rig::pcsc_exclusive();
    wait_for("the previous simulator to leave vpcd", || {
        !card_present(VPCD_CARD_READER) && !card_present(VPCD_PSAM_READER)
    });
    let sim = Command::new(tests::workspace_bin("hw-sim"))
        .args(["vpcd", "--card"])
        .arg(tests::card_path("v3-uyghur.toml"))
        .arg("--psam")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hw-sim vpcd");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(sim);
    wait_for("the simulated card (is pcscd running with vpcd?)", || {
        card_present(VPCD_CARD_READER) && card_present(VPCD_PSAM_READER)
    });
    let steps: [(&str, &[&str], String, bool); 9] = [
        (
            "activate",
            &["card", "activate"],
            format!("{CLI_ACTIVATE}\n"),
            true,
        ),
        (
            "verify (wrong)",
            &["card", "verify"],
            format!("{CLI_WRONG}\n"),
            false,
        ),
        (
            "verify",
            &["card", "verify"],
            format!("{CLI_ACTIVATE}\n"),
            true,
        ),
        (
            "change-pin (weak new)",
            &["card", "change-pin"],
            format!("{CLI_ACTIVATE}\n222222\n"),
            false,
        ),
        (
            "change-pin",
            &["card", "change-pin"],
            format!("{CLI_ACTIVATE}\n{CLI_CHANGE}\n"),
            true,
        ),
        (
            "reset-pin",
            &["card", "reset-pin"],
            format!("{CLI_RESET}\n"),
            true,
        ),
        (
            "verify (wrong, again)",
            &["card", "verify"],
            format!("{CLI_WRONG}\n"),
            false,
        ),
        ("unblock-pin", &["card", "unblock-pin"], String::new(), true),
        (
            "verify (reset PIN)",
            &["card", "verify"],
            format!("{CLI_RESET}\n"),
            true,
        ),
    ];
    for (what, args, stdin, ok) in steps {
        let o = kiosk_cmd(args, &stdin);
        assert_eq!(
            o.status.success(),
            ok,
            "kiosk card {what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        places.push(output_place(&format!("kiosk card {what} output"), &o));
    }
}

#[test]
fn no_pin_leaves_a_trace_anywhere() {
    for (pin, what) in SECRETS {
        let p = tests::pin(pin);
        assert!(
            kiosk_core::pin_policy::check(&p, None, None).is_ok(),
            "{pin} ({what}) would be refused as weak"
        );
    }
    let needles: Vec<Needle> = SECRETS.iter().flat_map(|(p, _)| needles(p)).collect();
    // The search finds each encoding when it is there.
    for n in &needles {
        let planted = [b"abc ".as_slice(), &n.bytes, b" xyz"].concat();
        assert_eq!(
            leaks(
                &[place("planted", planted)],
                &[Needle {
                    pin: n.pin,
                    encoding: n.encoding,
                    bytes: n.bytes.clone()
                }]
            )
            .len(),
            1,
            "{} as {} not found when planted",
            n.pin,
            n.encoding
        );
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let db_dir = dir.path().join("db");
    std::fs::create_dir(&db_dir).expect("db dir");
    let db = db_dir.join("kiosk.db");
    let (out, err) = (dir.path().join("serve.out"), dir.path().join("serve.err"));
    let db_arg = db.display().to_string();
    let key_arg = kiosk_store::sqlite::key::beside(&db).display().to_string();
    let k = Served::start_logged(
        &["--sim", "--db", &db_arg],
        &[("RUST_LOG", "trace")],
        &out,
        &err,
    );
    let mut w = Walk {
        k: &k,
        answers: Vec::new(),
    };
    let archive_nos = businesses(&mut w);
    let receipts = w.json("GET", "/api/sim/printer", Value::Null);
    assert!(
        receipts["receipts"]
            .as_array()
            .is_some_and(|r| r.len() >= archive_nos.len()),
        "a receipt printed per case: {receipts}"
    );
    let panel = k.get("/sim", None);
    let answers = std::mem::take(&mut w.answers);
    drop(k);

    let mut places = vec![
        place(
            "kiosk serve stdout",
            std::fs::read(&out).expect("stdout file"),
        ),
        place(
            "kiosk serve stderr (log, APDU log)",
            std::fs::read(&err).expect("stderr file"),
        ),
        place("HTTP answers", answers),
        place("receipts: /api/sim/printer", receipts.to_string()),
        place("receipts: /sim panel", panel.body),
    ];
    places.extend(files_under(
        "database directory after the businesses",
        &db_dir,
    ));
    places.push(decrypted(
        "database decrypted after the businesses",
        &db,
        dir.path(),
    ));

    // The month sealed (with a clock in the next month, as `kiosk archive seal` would run
    // then), the batch exported as tar by the command line.
    let batches = dir.path().join("archive");
    {
        use kiosk_store::archive::Month;
        // `kiosk serve --sim` keeps its database key beside the database.
        let key = kiosk_store::sqlite::DbKey::load(&kiosk_store::sqlite::key::beside(&db))
            .expect("the simulated kiosk's database key");
        let store = kiosk_store::sqlite::SqliteStore::open(&db, &key).expect("open the database");
        let now = chrono::Utc::now();
        let month = Month::of_instant(now);
        let later = month
            .next()
            .first_day()
            .and_hms_opt(12, 0, 0)
            .expect("noon")
            .and_utc();
        let sealed = kiosk_store::archive::seal_month(
            &store,
            &month.to_string(),
            "0001",
            &batches,
            &kiosk_core::domain::Actor::System,
            later,
            &tests::kiosk::archive_test_key(),
        )
        .expect("seal the month");
        assert!(
            sealed.info.records >= archive_nos.len() as u64,
            "{:?}",
            sealed.info
        );
        let tar = dir.path().join("batch.tar");
        let o = kiosk_cmd(
            &[
                "archive",
                "export",
                &sealed.dir.display().to_string(),
                &tar.display().to_string(),
            ],
            "",
        );
        assert!(
            o.status.success(),
            "export: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        places.push(output_place("kiosk archive export output", &o));
        places.push(place(
            "archive tar export",
            std::fs::read(&tar).expect("tar"),
        ));
    }
    places.extend(files_under("archive batch", &batches));
    places.extend(files_under("database directory after sealing", &db_dir));
    for (what, args) in [
        (
            "audit log: kiosk audit show",
            vec![
                "audit",
                "show",
                "--limit",
                "100000",
                "--db",
                &db_arg,
                "--key-file",
                &key_arg,
            ],
        ),
        (
            "audit log: kiosk audit show --json",
            vec![
                "audit",
                "show",
                "--json",
                "--limit",
                "100000",
                "--db",
                &db_arg,
                "--key-file",
                &key_arg,
            ],
        ),
        (
            "audit log: kiosk audit verify",
            vec!["audit", "verify", "--db", &db_arg, "--key-file", &key_arg],
        ),
    ] {
        let o = kiosk_cmd(&args, "");
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        places.push(output_place(what, &o));
    }
    places.extend(files_under("database directory at the end", &db_dir));
    places.push(decrypted("database decrypted at the end", &db, dir.path()));

    technician(&mut places);

    // The search sees what must be there, in the places it claims to look.
    for no in &archive_nos {
        must_see(&places, "database decrypted after the businesses", no, true);
        must_see(&places, "database decrypted at the end", no, true);
        must_see(&places, "archive batch", no, true);
        must_see(&places, "archive tar export", no, false);
        must_see(&places, "receipts: /api/sim/printer", no, false);
        must_see(&places, "HTTP answers", no, false);
    }
    must_see(
        &places,
        "audit log: kiosk audit show --json",
        "pin_change",
        false,
    );
    must_see(&places, "kiosk serve stdout", "serving on http://", false);
    // The APDU log: the PIN commands by header, their data redacted (VERIFY, CHANGE PIN).
    must_see(
        &places,
        "kiosk serve stderr",
        "84 24 00 01 Lc=7 [7 bytes redacted]",
        false,
    );
    must_see(
        &places,
        "kiosk serve stderr",
        "80 5E 01 00 Lc=7 [7 bytes redacted]",
        false,
    );
    must_see(
        &places,
        "kiosk card change-pin output",
        "80 5E 01 00 Lc=7 [7 bytes redacted]",
        false,
    );
    must_see(&places, "kiosk card reset-pin output", "80 FA 05 00", false);
    must_see(&places, "HTTP answers", "652301********0015", false);

    let scanned: usize = places.iter().map(|p| p.bytes.len()).sum();
    eprintln!(
        "PIN leak search: {} PINs × {} encodings = {} needles over {} places, {} bytes",
        SECRETS.len(),
        needles.len() / SECRETS.len(),
        needles.len(),
        places.len(),
        scanned
    );
    for p in &places {
        eprintln!("  {:>9} bytes  {}", p.bytes.len(), p.name);
    }
    let found = leaks(&places, &needles);
    assert!(found.is_empty(), "PINs leaked:\n{}", found.join("\n"));
}
