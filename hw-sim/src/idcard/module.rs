//! The GA 467 module as a pure state machine: bytes from the host in, answers out, with
//! faults on demand. The pseudo-terminal runner ([`super::pty`]) only moves bytes.

use std::fmt;
use std::str::FromStr;

use card_io::idcard::codec::{self, Decoder, FrameError, PREAMBLE};
use card_io::idcard::text::TEXT_LEN;
use card_io::idcard::wlt::WLT_LEN;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::person::Person;
use crate::error::SimError;

/// What the simulated module answers `12 FF` with (16 bytes).
pub const MODULE_ID: [u8; 16] = *b"HWSIM-GA467-0001";

/// A misbehaviour of the module or its card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// No card on the antenna: find answers `80` (select `81`, read `41`).
    NoCard,
    /// Select answers `81`.
    SelectFail,
    /// Read answers `41`.
    ReadFail,
    /// Answers arrive with a corrupted byte (their checksum no longer matches).
    BadChecksum,
    /// Answers are written in odd-sized chunks with small delays (the runner does that).
    Split,
    /// Noise, including partial preambles, comes before each answer.
    Garbage,
    /// Commands get no answer at all.
    Silence,
}

impl Fault {
    pub const ALL: [Fault; 7] = [
        Fault::NoCard,
        Fault::SelectFail,
        Fault::ReadFail,
        Fault::BadChecksum,
        Fault::Split,
        Fault::Garbage,
        Fault::Silence,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::NoCard => "no-card",
            Fault::SelectFail => "select-fail",
            Fault::ReadFail => "read-fail",
            Fault::BadChecksum => "bad-checksum",
            Fault::Split => "split",
            Fault::Garbage => "garbage",
            Fault::Silence => "silence",
        }
    }
}

/// A fault, for every answer it applies to (`times: None`) or for the next `times` of them.
///
/// Written `NAME` or `NAME:N`, e.g. `bad-checksum:1` (one corrupted answer, then good ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultSpec {
    pub fault: Fault,
    pub times: Option<u32>,
}

impl From<Fault> for FaultSpec {
    fn from(fault: Fault) -> FaultSpec {
        FaultSpec { fault, times: None }
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.times {
            None => f.write_str(self.fault.name()),
            Some(n) => write!(f, "{}:{n}", self.fault.name()),
        }
    }
}

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<FaultSpec, String> {
        let (name, times) = match s.split_once(':') {
            Some((name, n)) => {
                let n: u32 = n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("{s:?}: the count after ':' must be a number above 0")
                })?;
                (name, Some(n))
            }
            None => (s, None),
        };
        let fault = Fault::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                format!("unknown fault {name:?} (one of {})", names.join(", "))
            })?;
        Ok(FaultSpec { fault, times })
    }
}

/// Bytes to send the host, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    pub bytes: Vec<u8>,
    /// Send in odd-sized chunks with small delays (the `split` fault).
    pub split: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CardState {
    Idle,
    Found,
    Selected,
}

/// The simulated module, with one person's card on its antenna or none.
pub struct IdModule {
    /// The answer data of `30 01` for the card on the antenna; `None`: no card.
    read_data: Option<Vec<u8>>,
    /// Successful `30 01` answers sent so far.
    reads: u64,
    faults: Vec<FaultSpec>,
    state: CardState,
    decoder: Decoder,
    rng: StdRng,
}

impl fmt::Debug for IdModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdModule")
            .field("card", &self.read_data.is_some())
            .field("faults", &self.faults)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

const SW_FIND_OK: u8 = 0x9F;
const SW_OK: u8 = 0x90;
const SW_NO_CARD: u8 = 0x80;
const SW_SELECT_FAILED: u8 = 0x81;
const SW_READ_FAILED: u8 = 0x41;
const SW_CHECKSUM: u8 = 0x10;
const SW_LENGTH: u8 = 0x11;
const SW_UNKNOWN: u8 = 0x21;

/// The answer data of `30 01` for `person`'s card: text length ‖ photo length ‖ text ‖ photo.
fn read_data(person: &Person) -> Result<Vec<u8>, SimError> {
    let text = person.text.encode().map_err(|e| SimError::Invalid {
        origin: person.origin.clone(),
        field: "text".into(),
        problem: e.to_string(),
    })?;
    if person.photo.len() != WLT_LEN {
        return Err(SimError::Invalid {
            origin: person.origin.clone(),
            field: "photo".into(),
            problem: format!("{} bytes, expected {WLT_LEN}", person.photo.len()),
        });
    }
    let mut data = Vec::with_capacity(4 + TEXT_LEN + WLT_LEN);
    data.extend_from_slice(&(TEXT_LEN as u16).to_be_bytes());
    data.extend_from_slice(&(WLT_LEN as u16).to_be_bytes());
    data.extend_from_slice(&text);
    data.extend_from_slice(&person.photo);
    Ok(data)
}

impl IdModule {
    /// A module with `person`'s card on it.
    pub fn new(person: &Person) -> Result<IdModule, SimError> {
        let mut m = IdModule::empty();
        m.place(person)?;
        Ok(m)
    }

    /// A module with no card on it (find answers `80`).
    pub fn empty() -> IdModule {
        IdModule {
            read_data: None,
            reads: 0,
            faults: Vec::new(),
            state: CardState::Idle,
            decoder: Decoder::new(),
            rng: StdRng::seed_from_u64(467),
        }
    }

    /// Puts `person`'s card on the antenna (replacing any card there).
    pub fn place(&mut self, person: &Person) -> Result<(), SimError> {
        self.read_data = Some(read_data(person)?);
        self.state = CardState::Idle;
        Ok(())
    }

    /// Takes the card off the antenna.
    pub fn lift(&mut self) {
        self.read_data = None;
        self.state = CardState::Idle;
    }

    /// Whether a card is on the antenna.
    pub fn has_card(&self) -> bool {
        self.read_data.is_some()
    }

    /// Successful card reads (`30 01` answered with text and photo) so far.
    pub fn reads(&self) -> u64 {
        self.reads
    }

    /// Replaces every fault with `spec`.
    pub fn set_fault(&mut self, spec: impl Into<FaultSpec>) {
        self.faults = vec![spec.into()];
    }

    /// Adds a fault to those active (replacing one of the same kind).
    pub fn add_fault(&mut self, spec: impl Into<FaultSpec>) {
        let spec = spec.into();
        self.faults.retain(|f| f.fault != spec.fault);
        self.faults.push(spec);
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The faults still active.
    pub fn faults(&self) -> &[FaultSpec] {
        &self.faults
    }

    /// Whether `fault` applies to this answer; uses up one of a counted fault.
    fn take(&mut self, fault: Fault) -> bool {
        let Some(i) = self.faults.iter().position(|f| f.fault == fault) else {
            return false;
        };
        if let Some(n) = &mut self.faults[i].times {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.faults.remove(i);
            }
        }
        true
    }

    /// Takes bytes from the host; returns what to send back, in order.
    pub(crate) fn receive(&mut self, bytes: &[u8]) -> Vec<Outgoing> {
        self.decoder.push(bytes);
        let mut out = Vec::new();
        while let Some(frame) = self.decoder.next_frame() {
            let answer = match frame {
                Ok(frame) => match frame.command() {
                    Ok(c) => self.command(c.cmd, c.para),
                    Err(_) => Some((SW_LENGTH, Vec::new())),
                },
                Err(FrameError::BadChecksum { .. }) => Some((SW_CHECKSUM, Vec::new())),
                Err(_) => Some((SW_LENGTH, Vec::new())),
            };
            if self.take(Fault::Silence) {
                continue;
            }
            if let Some((sw3, data)) = answer {
                out.push(self.wrap(sw3, &data));
            }
        }
        out
    }

    /// The answer to one command: SW3 and data, `None` for no answer.
    fn command(&mut self, cmd: u8, para: u8) -> Option<(u8, Vec<u8>)> {
        Some(match (cmd, para) {
            (0x11, 0xFF) => (SW_OK, Vec::new()),
            (0x12, 0xFF) => (SW_OK, MODULE_ID.to_vec()),
            (0x20, 0x01) => {
                if !self.has_card() || self.take(Fault::NoCard) {
                    self.state = CardState::Idle;
                    (SW_NO_CARD, Vec::new())
                } else {
                    self.state = CardState::Found;
                    (SW_FIND_OK, vec![0; 4])
                }
            }
            (0x20, 0x02) => {
                if self.state == CardState::Idle
                    || self.take(Fault::NoCard)
                    || self.take(Fault::SelectFail)
                {
                    (SW_SELECT_FAILED, Vec::new())
                } else {
                    self.state = CardState::Selected;
                    (SW_OK, vec![0; 8])
                }
            }
            (0x30, 0x01) => {
                let failed = self.state != CardState::Selected
                    || self.take(Fault::NoCard)
                    || self.take(Fault::ReadFail);
                match self.read_data.clone() {
                    Some(data) if !failed => {
                        self.reads += 1;
                        (SW_OK, data)
                    }
                    _ => (SW_READ_FAILED, Vec::new()),
                }
            }
            _ => (SW_UNKNOWN, Vec::new()),
        })
    }

    /// Frames an answer and applies the transport faults.
    fn wrap(&mut self, sw3: u8, data: &[u8]) -> Outgoing {
        let mut frame = match codec::encode_answer([0, 0, sw3], data) {
            Ok(f) => f,
            // Our own answers are never longer than the protocol's longest.
            Err(_) => codec::encode_answer([0, 0, SW_LENGTH], &[]).unwrap_or_default(),
        };
        if self.take(Fault::BadChecksum) {
            // A byte in the middle of the body: only the checksum can tell.
            let body = frame.len() - codec::OVERHEAD;
            let at = PREAMBLE.len() + 2 + body / 2;
            frame[at] ^= 0x5A;
        }
        let mut bytes = if self.take(Fault::Garbage) {
            self.noise()
        } else {
            Vec::new()
        };
        bytes.extend_from_slice(&frame);
        Outgoing {
            bytes,
            split: self.take(Fault::Split),
        }
    }

    /// Random bytes with no whole preamble in them, ending in partial preambles.
    fn noise(&mut self) -> Vec<u8> {
        let n = self.rng.gen_range(3..24);
        let mut v: Vec<u8> = (0..n)
            .map(|_| match self.rng.gen::<u8>() {
                0xAA => 0x55,
                b => b,
            })
            .collect();
        v.extend_from_slice(&[0xAA, 0xAA, 0x96, 0x69, 0x00, 0x05, 0xAA, 0xAA]);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use card_io::idcard::codec::{decode_frame, encode_command};
    use card_io::idcard::IdText;
    use std::path::Path;

    fn module() -> IdModule {
        let person = Person::from_toml_str(
            include_str!("../../people/v2-3des.toml"),
            "v2-3des.toml",
            Path::new("."),
        )
        .unwrap();
        IdModule::new(&person).unwrap()
    }

    fn ask(m: &mut IdModule, cmd: u8, para: u8) -> Vec<Outgoing> {
        m.receive(&encode_command(cmd, para, &[]).unwrap())
    }

    fn sw3(out: &[Outgoing]) -> u8 {
        assert_eq!(out.len(), 1);
        decode_frame(&out[0].bytes).unwrap().answer().unwrap().sw[2]
    }

    #[test]
    fn sequence_and_states() {
        let mut m = module();
        assert_eq!(sw3(&ask(&mut m, 0x30, 0x01)), SW_READ_FAILED);
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x02)), SW_SELECT_FAILED);
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_FIND_OK);
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x02)), SW_OK);
        let out = ask(&mut m, 0x30, 0x01);
        let a = decode_frame(&out[0].bytes).unwrap().answer().unwrap();
        assert_eq!(a.sw, [0, 0, SW_OK]);
        assert_eq!(a.data.len(), 4 + 256 + 1024);
        assert_eq!(IdText::decode(&a.data[4..260]).unwrap().name, "张伟");
        assert_eq!(sw3(&ask(&mut m, 0x11, 0xFF)), SW_OK);
        assert_eq!(sw3(&ask(&mut m, 0x99, 0x00)), SW_UNKNOWN);
    }

    #[test]
    fn empty_module_place_and_lift() {
        let mut m = IdModule::empty();
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_NO_CARD);
        let person = Person::from_toml_str(
            include_str!("../../people/v2-3des.toml"),
            "v2-3des.toml",
            Path::new("."),
        )
        .unwrap();
        m.place(&person).unwrap();
        assert!(m.has_card());
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_FIND_OK);
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x02)), SW_OK);
        assert_eq!(sw3(&ask(&mut m, 0x30, 0x01)), SW_OK);
        assert_eq!(m.reads(), 1);
        m.lift();
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_NO_CARD);
        assert_eq!(sw3(&ask(&mut m, 0x30, 0x01)), SW_READ_FAILED);
        assert_eq!(m.reads(), 1);
    }

    #[test]
    fn host_frame_errors() {
        let mut m = module();
        let mut f = encode_command(0x20, 0x01, &[]).unwrap();
        f[9] ^= 1;
        assert_eq!(sw3(&m.receive(&f)), SW_CHECKSUM);
        let mut f = PREAMBLE.to_vec();
        f.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(sw3(&m.receive(&f)), SW_LENGTH);
    }

    #[test]
    fn counted_faults_wear_off() {
        let mut m = module();
        m.set_fault("no-card:2".parse::<FaultSpec>().unwrap());
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_NO_CARD);
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_NO_CARD);
        assert_eq!(sw3(&ask(&mut m, 0x20, 0x01)), SW_FIND_OK);
        assert!(m.faults().is_empty());
        m.set_fault(Fault::Silence);
        assert!(ask(&mut m, 0x20, 0x01).is_empty());
        assert!(ask(&mut m, 0x11, 0xFF).is_empty());
        m.clear_faults();
        assert_eq!(sw3(&ask(&mut m, 0x11, 0xFF)), SW_OK);
    }

    #[test]
    fn transport_faults() {
        let mut m = module();
        m.set_fault(Fault::BadChecksum);
        let out = ask(&mut m, 0x11, 0xFF);
        assert!(matches!(
            decode_frame(&out[0].bytes),
            Err(FrameError::BadChecksum { .. })
        ));
        m.set_fault(Fault::Garbage);
        m.add_fault(Fault::Split);
        let out = ask(&mut m, 0x11, 0xFF);
        assert!(out[0].split);
        assert!(!out[0].bytes.starts_with(&PREAMBLE));
        let mut d = Decoder::new();
        d.push(&out[0].bytes);
        assert_eq!(d.next_frame().unwrap().unwrap().body, [0, 0, SW_OK]);
    }

    #[test]
    fn fault_names() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<FaultSpec>().unwrap(), FaultSpec::from(f));
        }
        assert_eq!(
            "read-fail:3".parse::<FaultSpec>().unwrap().to_string(),
            "read-fail:3"
        );
        assert!("melt".parse::<FaultSpec>().unwrap_err().contains("no-card"));
        assert!("silence:x".parse::<FaultSpec>().is_err());
        assert!("silence:0".parse::<FaultSpec>().is_err());
    }
}
