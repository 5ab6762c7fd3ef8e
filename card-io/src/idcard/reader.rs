//! The read sequence of a GA 467 module: find → select → read, each step with its own
//! timeout and one retry (real modules often fail a step once, e.g. a find while the card is
//! still settling on the antenna), plus module status and module id.
//!
//! The reader works over any [`Port`]; [`open`] gives one on a serial port by path.

use std::fmt;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::codec::{self, Answer, Decoder, FrameError};
use super::text::{IdText, TextError, TEXT_LEN};
use super::wlt::{WltPhoto, WLT_LEN};

/// Line speed of a module out of the box (8N1).
pub const DEFAULT_BAUD: u32 = 115_200;
/// Bytes of the select answer's data.
pub(crate) const SELECT_DATA_LEN: usize = 8;

/// One exchange of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    ModuleStatus,
    ModuleId,
    FindCard,
    SelectCard,
    ReadCard,
}

impl Step {
    /// `CMD PARA`.
    pub fn command(self) -> [u8; 2] {
        match self {
            Step::ModuleStatus => [0x11, 0xFF],
            Step::ModuleId => [0x12, 0xFF],
            Step::FindCard => [0x20, 0x01],
            Step::SelectCard => [0x20, 0x02],
            Step::ReadCard => [0x30, 0x01],
        }
    }

    /// SW3 of a successful answer.
    pub fn success(self) -> u8 {
        match self {
            Step::FindCard => 0x9F,
            _ => 0x90,
        }
    }

    /// Bytes of the longest answer a module sends for this step (for the wire time).
    pub(crate) fn answer_len(self) -> usize {
        codec::OVERHEAD
            + 3
            + match self {
                Step::ModuleStatus => 0,
                Step::ModuleId => 16,
                Step::FindCard => 4,
                Step::SelectCard => SELECT_DATA_LEN,
                Step::ReadCard => 4 + TEXT_LEN + WLT_LEN,
            }
    }

    fn what(self) -> &'static str {
        match self {
            Step::ModuleStatus => "module status",
            Step::ModuleId => "module id",
            Step::FindCard => "find card",
            Step::SelectCard => "select card",
            Step::ReadCard => "read card",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [c, p] = self.command();
        write!(f, "{} ({c:02X} {p:02X})", self.what())
    }
}

/// Who has to act on a failure: the citizen and their card, or the technician and the
/// port/module. `kiosk idcard` turns these into exit codes 1 and 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No card, a card that cannot be selected or read, corrupt answers, bad card data.
    Card,
    /// The port cannot be opened or fails, the module is silent or is not a GA 467 module.
    Device,
}

#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    #[error("cannot open the ID card module's port {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: serialport::Error,
    },
    #[error("the ID card module's port failed during {step}: {source}")]
    Io {
        step: Step,
        #[source]
        source: io::Error,
    },
    #[error("the ID card module's port closed during {step}")]
    Closed { step: Step },
    #[error(
        "the ID card module did not answer {step} within {} ms ({attempts} attempts): check the module's cable and power",
        waited.as_millis()
    )]
    Timeout {
        step: Step,
        waited: Duration,
        attempts: u8,
    },
    #[error("corrupt answer from the ID card module to {step} ({attempts} attempts): {source}; check the module's cable and baud rate")]
    Frame {
        step: Step,
        attempts: u8,
        #[source]
        source: FrameError,
    },
    #[error("no ID card on the reader: place the card on the reader")]
    NoCard,
    #[error("the ID card could not be selected: lift the card and place it on the reader again")]
    SelectFailed,
    #[error("the ID card could not be read: lift the card and place it on the reader again")]
    ReadFailed,
    #[error("the ID card module received a corrupted command during {step} (checksum error): check the cable")]
    ModuleChecksum { step: Step },
    #[error("the ID card module rejected the length of the command for {step}")]
    ModuleLength { step: Step },
    #[error("the device on the port does not know {step}: is it a GA 467 ID card module?")]
    UnknownCommand { step: Step },
    #[error(
        "the ID card module answered {step} with status {}",
        hex::encode_upper(sw)
    )]
    Status { step: Step, sw: [u8; 3] },
    #[error("the ID card module's answer to {step} is malformed: {problem}")]
    Malformed { step: Step, problem: String },
    #[error("bad ID card read: {source}")]
    Text {
        #[from]
        source: TextError,
    },
}

impl ReaderError {
    pub fn failure(&self) -> Failure {
        match self {
            // Answers that stay corrupt after the retry point at the line (cable, baud rate,
            // noise), not at the citizen's card.
            ReaderError::Open { .. }
            | ReaderError::Io { .. }
            | ReaderError::Closed { .. }
            | ReaderError::Timeout { .. }
            | ReaderError::UnknownCommand { .. }
            | ReaderError::Frame { .. }
            | ReaderError::Status { .. } => Failure::Device,
            ReaderError::NoCard
            | ReaderError::SelectFailed
            | ReaderError::ReadFailed
            | ReaderError::ModuleChecksum { .. }
            | ReaderError::ModuleLength { .. }
            | ReaderError::Malformed { .. }
            | ReaderError::Text { .. } => Failure::Card,
        }
    }

    /// Whether trying the step again can help (not when the port itself is gone).
    fn retryable(&self) -> bool {
        !matches!(
            self,
            ReaderError::Open { .. } | ReaderError::Io { .. } | ReaderError::Closed { .. }
        )
    }
}

/// A byte stream to a module, with the two controls the reader needs.
pub trait Port: Read + Write {
    /// How long the next `read` may wait for a byte before failing with
    /// `ErrorKind::TimedOut` (or `WouldBlock`).
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()>;
    /// Drops bytes received and not read yet (a late answer to an earlier attempt).
    fn discard_input(&mut self) -> io::Result<()>;
}

impl<P: Port + ?Sized> Port for Box<P> {
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        (**self).set_read_timeout(timeout)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        (**self).discard_input()
    }
}

/// A serial port opened by path (a real module, or a simulator's pseudo-terminal).
pub struct SerialLine {
    port: Box<dyn serialport::SerialPort>,
}

impl fmt::Debug for SerialLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SerialLine({:?})", self.port.name())
    }
}

impl SerialLine {
    /// Opens `path` at `baud`, 8N1, no flow control, for this process only.
    pub fn open(path: &str, baud: u32) -> Result<SerialLine, serialport::Error> {
        let port = crate::serial::open_8n1(path, baud, Duration::from_millis(100))?;
        Ok(SerialLine { port })
    }
}

impl Read for SerialLine {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.port.read(buf)
    }
}

impl Write for SerialLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.port.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.port.flush()
    }
}

impl Port for SerialLine {
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.port.set_timeout(timeout).map_err(io::Error::from)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.port
            .clear(serialport::ClearBuffer::Input)
            .map_err(io::Error::from)
    }
}

/// Line speed, time allowed per step (on top of the answer's wire time at that speed), and
/// attempts per step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderConfig {
    pub baud: u32,
    pub module_timeout: Duration,
    pub find_timeout: Duration,
    pub select_timeout: Duration,
    /// A module takes up to about a second to read a card over the air.
    pub read_timeout: Duration,
    /// Tries per step: 2 = one retry.
    pub attempts: u8,
}

impl Default for ReaderConfig {
    fn default() -> ReaderConfig {
        ReaderConfig {
            baud: DEFAULT_BAUD,
            module_timeout: Duration::from_millis(500),
            find_timeout: Duration::from_millis(500),
            select_timeout: Duration::from_millis(500),
            read_timeout: Duration::from_millis(2000),
            attempts: 2,
        }
    }
}

impl ReaderConfig {
    /// How long `step` may take: its allowance plus the wire time of command and answer.
    pub fn timeout(&self, step: Step) -> Duration {
        let base = match step {
            Step::ModuleStatus | Step::ModuleId => self.module_timeout,
            Step::FindCard => self.find_timeout,
            Step::SelectCard => self.select_timeout,
            Step::ReadCard => self.read_timeout,
        };
        base + wire_time(codec::OVERHEAD + 2 + step.answer_len(), self.baud)
    }
}

/// Time `bytes` take on the line at `baud`, 8N1 (10 bits a byte).
pub fn wire_time(bytes: usize, baud: u32) -> Duration {
    let bits = bytes as u64 * 10;
    Duration::from_nanos(bits.saturating_mul(1_000_000_000) / u64::from(baud.max(1)))
}

/// Bytes written and read so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub sent: u64,
    pub received: u64,
}

/// The module's identity (`12 FF`): the bytes it sends, shown in hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModuleId(pub Vec<u8>);

impl fmt::Display for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode_upper(&self.0))
    }
}

/// What an attempt at a step ended with before the retry decision.
enum Attempt {
    Timeout(Duration),
    Frame(FrameError),
    Failed(ReaderError),
}

/// A GA 467 module on a port.
pub struct IdReader<P: Port> {
    port: P,
    config: ReaderConfig,
    decoder: Decoder,
    traffic: Traffic,
    module_id: Option<ModuleId>,
}

/// Opens the module on the serial port `path` at `baud` (8N1), other settings default.
pub fn open(path: &str, baud: u32) -> Result<IdReader<SerialLine>, ReaderError> {
    open_with(
        path,
        ReaderConfig {
            baud,
            ..ReaderConfig::default()
        },
    )
}

/// Opens the module on the serial port `path` with `config`.
pub fn open_with(path: &str, config: ReaderConfig) -> Result<IdReader<SerialLine>, ReaderError> {
    let line = SerialLine::open(path, config.baud).map_err(|source| ReaderError::Open {
        path: path.to_string(),
        source,
    })?;
    Ok(IdReader::new(line, config))
}

impl<P: Port> IdReader<P> {
    pub fn new(port: P, config: ReaderConfig) -> IdReader<P> {
        IdReader {
            port,
            config,
            decoder: Decoder::new(),
            traffic: Traffic::default(),
            module_id: None,
        }
    }

    pub fn config(&self) -> &ReaderConfig {
        &self.config
    }

    pub fn port_mut(&mut self) -> &mut P {
        &mut self.port
    }

    /// Bytes exchanged since the reader was made.
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    /// `11 FF`: `Ok` when the module reports itself ready.
    pub fn module_status(&mut self) -> Result<(), ReaderError> {
        self.run(Step::ModuleStatus, |_| Ok(()))
    }

    /// `12 FF`: the module's id; later card reads carry it.
    pub fn module_id(&mut self) -> Result<ModuleId, ReaderError> {
        let id = self.run(Step::ModuleId, |a| {
            if a.data.is_empty() {
                return Err(ReaderError::Malformed {
                    step: Step::ModuleId,
                    problem: "no id bytes".into(),
                });
            }
            Ok(ModuleId(a.data.clone()))
        })?;
        self.module_id = Some(id.clone());
        Ok(id)
    }

    /// `20 01`: is there a card on the module?
    pub fn find_card(&mut self) -> Result<(), ReaderError> {
        self.run(Step::FindCard, |_| Ok(()))
    }

    /// `20 02`: selects the card found; the 8 bytes the module answers with.
    pub(crate) fn select_card(&mut self) -> Result<[u8; SELECT_DATA_LEN], ReaderError> {
        self.run(Step::SelectCard, |a| {
            a.data
                .as_slice()
                .try_into()
                .map_err(|_| ReaderError::Malformed {
                    step: Step::SelectCard,
                    problem: format!("{} data bytes, expected {SELECT_DATA_LEN}", a.data.len()),
                })
        })
    }

    /// `30 01`: the text and the photo of the selected card.
    pub(crate) fn read_text_and_photo(&mut self) -> Result<(IdText, WltPhoto), ReaderError> {
        self.run(Step::ReadCard, parse_read)
    }

    /// The whole sequence: find, select, read.
    pub fn read_card(&mut self) -> Result<super::IdCardRead, ReaderError> {
        self.find_card()?;
        self.select_card()?;
        let (text, photo_wlt) = self.read_text_and_photo()?;
        Ok(super::IdCardRead {
            text,
            photo_wlt,
            module_id: self.module_id.clone(),
        })
    }

    /// One step with its retries; `parse` turns a successful answer into the result.
    fn run<T>(
        &mut self,
        step: Step,
        parse: impl Fn(&Answer) -> Result<T, ReaderError>,
    ) -> Result<T, ReaderError> {
        let attempts = self.config.attempts.max(1);
        let mut last = None;
        for attempt in 1..=attempts {
            let outcome = match self.attempt(step) {
                Ok(answer) => check_status(step, &answer).and_then(|()| parse(&answer)),
                Err(Attempt::Failed(e)) => Err(e),
                Err(Attempt::Timeout(waited)) => Err(ReaderError::Timeout {
                    step,
                    waited,
                    attempts,
                }),
                Err(Attempt::Frame(source)) => Err(ReaderError::Frame {
                    step,
                    attempts,
                    source,
                }),
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(e) if e.retryable() => {
                    log::debug!("ID module {step}, attempt {attempt}/{attempts}: {e}");
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(ReaderError::Timeout {
            step,
            waited: Duration::ZERO,
            attempts,
        }))
    }

    /// Sends the step's command once and waits for one frame.
    fn attempt(&mut self, step: Step) -> Result<Answer, Attempt> {
        let io = |source| Attempt::Failed(ReaderError::Io { step, source });
        self.port.discard_input().map_err(io)?;
        self.decoder.clear();
        let [cmd, para] = step.command();
        let frame = codec::encode_command(cmd, para, &[]).map_err(Attempt::Frame)?;
        self.port.write_all(&frame).map_err(io)?;
        self.port.flush().map_err(io)?;
        self.traffic.sent += frame.len() as u64;

        let timeout = self.config.timeout(step);
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 512];
        // A corrupt frame does not end the attempt: the decoder resynchronises, and a good
        // answer may still follow before the deadline.
        let mut corrupt = None;
        loop {
            if let Some(frame) = self.decoder.next_frame() {
                match frame.and_then(|f| f.answer()) {
                    Ok(answer) => return Ok(answer),
                    Err(e) => {
                        corrupt = Some(e);
                        continue;
                    }
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(match corrupt {
                    Some(e) => Attempt::Frame(e),
                    None => Attempt::Timeout(timeout),
                });
            }
            self.port.set_read_timeout(deadline - now).map_err(io)?;
            match self.port.read(&mut buf) {
                Ok(0) => return Err(Attempt::Failed(ReaderError::Closed { step })),
                Ok(n) => {
                    self.traffic.received += n as u64;
                    self.decoder.push(&buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(io(e)),
            }
        }
    }
}

fn check_status(step: Step, answer: &Answer) -> Result<(), ReaderError> {
    let sw = answer.sw;
    if sw[..2] != [0, 0] {
        return Err(ReaderError::Status { step, sw });
    }
    match sw[2] {
        s if s == step.success() => Ok(()),
        0x80 => Err(ReaderError::NoCard),
        0x81 => Err(ReaderError::SelectFailed),
        0x41 => Err(ReaderError::ReadFailed),
        0x10 => Err(ReaderError::ModuleChecksum { step }),
        0x11 => Err(ReaderError::ModuleLength { step }),
        0x21 => Err(ReaderError::UnknownCommand { step }),
        _ => Err(ReaderError::Status { step, sw }),
    }
}

/// Data of `30 01`: text length (2, BE) ‖ photo length (2, BE) ‖ text ‖ photo.
fn parse_read(answer: &Answer) -> Result<(IdText, WltPhoto), ReaderError> {
    let malformed = |problem: String| ReaderError::Malformed {
        step: Step::ReadCard,
        problem,
    };
    let d = &answer.data;
    let [t0, t1, p0, p1, rest @ ..] = d.as_slice() else {
        return Err(malformed(format!(
            "{} data bytes, too short for the two lengths",
            d.len()
        )));
    };
    let text_len = usize::from(u16::from_be_bytes([*t0, *t1]));
    let photo_len = usize::from(u16::from_be_bytes([*p0, *p1]));
    if text_len != TEXT_LEN {
        return Err(malformed(format!(
            "text length {text_len}, expected {TEXT_LEN}"
        )));
    }
    if photo_len != WLT_LEN {
        return Err(malformed(format!(
            "photo length {photo_len}, expected {WLT_LEN}"
        )));
    }
    if rest.len() != text_len + photo_len {
        return Err(malformed(format!(
            "{} bytes of text and photo, the lengths announce {}",
            rest.len(),
            text_len + photo_len
        )));
    }
    let (text, photo) = rest.split_at(text_len);
    let text = IdText::decode(text)?;
    let photo = WltPhoto::new(photo).map_err(|e| malformed(e.to_string()))?;
    Ok((text, photo))
}
