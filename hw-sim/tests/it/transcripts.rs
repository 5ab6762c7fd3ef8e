//! Replays the APDU transcripts in `tests/transcripts/*.apdu` against the card OS.
//!
//! Format, one item per line (`#` starts a comment):
//!
//! - `@card FILE` (first): the card file in `cards/`; GET CHALLENGE answers `0102030405060708`;
//! - `@transport t0|t1`: override the card file's transport;
//! - `@both`: the transcript is written in T=1 form and is replayed in T=1 and in T=0, where
//!   `61xx` answers are followed with GET RESPONSE and joined (both modes pass the same test);
//! - `@algorithm 3des|sm4`, `@lifecycle STATE`, `@pin_tries_left N`,
//!   `@t0_warnings after-data|held|held-6c`: change the card;
//! - `@reset`: warm reset;
//! - `> APDU` / `< RESPONSE`: a command and its exact answer, hex (spaces allowed).

use std::path::{Path, PathBuf};

use card_io::sam::Algorithm;
use hw_sim::{CardOs, Lifecycle, SimDevice, T0Warnings, Transport};

const CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

enum Step {
    Exchange {
        line: usize,
        command: Vec<u8>,
        expected: Vec<u8>,
    },
    Reset,
    Algorithm(Algorithm),
    Lifecycle(Lifecycle),
    PinTriesLeft(u8),
    T0Warnings(T0Warnings),
}

struct Transcript {
    card: PathBuf,
    transport: Option<Transport>,
    both: bool,
    steps: Vec<Step>,
}

fn parse_hex(s: &str, file: &Path, line: usize) -> Vec<u8> {
    let compact: String = s.split_whitespace().collect();
    hex::decode(&compact)
        .unwrap_or_else(|e| panic!("{}:{line}: bad hex {s:?}: {e}", file.display()))
}

fn parse(file: &Path) -> Transcript {
    let text = std::fs::read_to_string(file).unwrap();
    let mut t = Transcript {
        card: PathBuf::new(),
        transport: None,
        both: false,
        steps: Vec::new(),
    };
    let mut command: Option<(usize, Vec<u8>)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let (word, arg) = l
            .split_once(char::is_whitespace)
            .map(|(a, b)| (a, b.trim()))
            .unwrap_or((l, ""));
        let bad = |what: &str| -> ! { panic!("{}:{line}: {what}: {raw:?}", file.display()) };
        if command.is_some() && word != "<" {
            bad("a command must be followed by its answer");
        }
        match word {
            "@card" => t.card = manifest().join("cards").join(arg),
            "@transport" => {
                t.transport = Some(match arg {
                    "t0" => Transport::T0,
                    "t1" => Transport::T1,
                    _ => bad("transport"),
                })
            }
            "@both" => t.both = true,
            "@reset" => t.steps.push(Step::Reset),
            "@algorithm" => t.steps.push(Step::Algorithm(match arg {
                "3des" => Algorithm::Tdes,
                "sm4" => Algorithm::Sm4,
                _ => bad("algorithm"),
            })),
            "@lifecycle" => t.steps.push(Step::Lifecycle(match arg {
                "active" => Lifecycle::Active,
                "temporarily_blocked" => Lifecycle::TemporarilyBlocked,
                "permanently_blocked" => Lifecycle::PermanentlyBlocked,
                "card_blocked" => Lifecycle::CardBlocked,
                _ => bad("lifecycle"),
            })),
            "@pin_tries_left" => t.steps.push(Step::PinTriesLeft(
                arg.parse().unwrap_or_else(|_| bad("number")),
            )),
            "@t0_warnings" => t.steps.push(Step::T0Warnings(
                T0Warnings::ALL
                    .into_iter()
                    .find(|w| w.name() == arg)
                    .unwrap_or_else(|| bad("t0_warnings")),
            )),
            ">" => command = Some((line, parse_hex(arg, file, line))),
            "<" => match command.take() {
                Some((line, command)) => t.steps.push(Step::Exchange {
                    line,
                    command,
                    expected: parse_hex(arg, file, line),
                }),
                None => bad("answer without a command"),
            },
            _ => bad("unknown line"),
        }
    }
    assert!(
        command.is_none(),
        "{}: last command has no answer",
        file.display()
    );
    assert!(
        !t.card.as_os_str().is_empty(),
        "{}: no @card",
        file.display()
    );
    t
}

/// One exchange; in `follow` mode `61xx` is followed with GET RESPONSE and the data joined.
fn exchange(card: &mut CardOs, command: &[u8], follow: bool) -> Vec<u8> {
    let mut resp = card.process(command);
    if !follow {
        return resp;
    }
    let mut out = Vec::new();
    loop {
        let (data, sw) = resp.split_at(resp.len() - 2);
        out.extend_from_slice(data);
        if sw[0] != 0x61 {
            out.extend_from_slice(sw);
            return out;
        }
        resp = card.process(&[0x00, 0xC0, 0x00, 0x00, sw[1]]);
    }
}

fn replay(file: &Path, t: &Transcript, transport: Option<Transport>, follow: bool) -> usize {
    let mut card = CardOs::from_file(&t.card).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    if let Some(tr) = transport {
        card.settings_mut().transport = tr;
    }
    card.set_fixed_challenge(Some(CHALLENGE));
    let mut n = 0;
    for step in &t.steps {
        match step {
            Step::Reset => card.reset(),
            Step::Algorithm(a) => card.settings_mut().algorithm = *a,
            Step::Lifecycle(l) => card.set_lifecycle(*l),
            Step::PinTriesLeft(k) => card.set_pin_tries_left(*k),
            Step::T0Warnings(w) => card.settings_mut().t0_warnings = *w,
            Step::Exchange {
                line,
                command,
                expected,
            } => {
                let got = exchange(&mut card, command, follow);
                assert_eq!(
                    hex::encode_upper(&got),
                    hex::encode_upper(expected),
                    "{}:{line} ({:?}): > {}",
                    file.display(),
                    card.settings().transport,
                    hex::encode_upper(command)
                );
                n += 1;
            }
        }
    }
    n
}

fn transcripts() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest().join("tests/transcripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "apdu"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_transcript_replays() {
    let files = transcripts();
    assert!(files.len() >= 15, "{} transcripts", files.len());
    let mut exchanges = 0;
    for file in &files {
        let t = parse(file);
        if t.both {
            exchanges += replay(file, &t, Some(Transport::T1), false);
            exchanges += replay(file, &t, Some(Transport::T0), true);
        } else {
            exchanges += replay(file, &t, t.transport, false);
        }
    }
    assert!(exchanges > 200, "{exchanges} exchanges");
}

#[test]
fn transcripts_cover_every_command_family_and_lifecycle_state() {
    let all: String = transcripts()
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for needle in [
        "> 00A40400",
        "> 00A40200",
        "> 00B2",
        "> 00200000",
        "> 805E",
        "> 0084",
        "> 8424000004",
        "> 8424000107",
        "> 841E",
        "> 8418",
        "> 8416",
        "> 00C0",
        "6283",
        "6A81",
        "9303",
        "6C12",
        "611B",
        "@t0_warnings held",
        "@t0_warnings held-6c",
    ] {
        assert!(all.contains(needle), "no transcript has {needle}");
    }
}
