//! The reader/session abstraction every backend implements (PC/SC here, the simulator in
//! `hw-sim`), in the spirit of openpgp-card's `CardBackend`/`CardTransaction` split:
//!
//! - a [`ReaderProvider`] lists readers and connects to the card in one;
//! - a [`CardConnection`] is a connected card; it hands out short exclusive
//!   [`CardSession`]s (a PC/SC transaction) and is released with an explicit [`Disposition`];
//! - a [`CardSession`] moves raw APDUs; [`transmit`] on top of it follows `61xx`, `6Cxx` and
//!   T=0 warnings with held data.
//!
//! Applications (`sscard`, `sam`) are written only against [`CardSession`].

use crate::apdu::{ApduError, Command, Response};
use crate::status::StatusWord;

/// What happens to the card when a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Leave the card as it is (another process may continue with it).
    Leave,
    /// Warm reset: clears verified PINs and selected files. Right between citizens.
    Reset,
    /// Power the card down.
    Unpower,
}

/// A reader as listed by a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    pub name: String,
    /// The ATR of the card in the reader, when one is present.
    pub atr: Option<Vec<u8>>,
    /// Changes at every card insertion and removal (PC/SC's event counter), so a card pulled
    /// and put back between two looks is still seen. Compare for inequality only: it wraps.
    pub events: u32,
}

/// Transport failures, with the PC/SC cause kept where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    #[error("PC/SC service not running (start it with `systemctl start pcscd` or `pcscd -f`)")]
    ServiceUnavailable(#[source] Option<pcsc::Error>),
    #[error("no card reader connected")]
    NoReader,
    #[error("card reader {0:?} not found")]
    UnknownReader(String),
    #[error("no card in reader {0:?}")]
    NoCard(String),
    #[error("the card was removed")]
    CardRemoved,
    #[error("the card was reset by another application; start the operation again")]
    CardReset,
    #[error("card reader {0:?} is in use by another application")]
    ReaderBusy(String),
    #[error("card does not answer (unresponsive or mute)")]
    Unresponsive,
    #[error("malformed APDU: {0}")]
    Apdu(#[from] ApduError),
    #[error("card sent {0} response chunks without finishing; giving up")]
    ResponseChainTooLong(usize),
    #[error("PC/SC error: {0}")]
    Pcsc(#[source] pcsc::Error),
}

impl TransportError {
    /// True when the error means "the card is no longer there".
    pub fn is_card_gone(&self) -> bool {
        matches!(
            self,
            TransportError::CardRemoved | TransportError::NoCard(_)
        )
    }
}

/// An exclusive exchange with one card (a PC/SC transaction while it lives).
pub trait CardSession {
    /// Sends one raw command APDU and returns the raw response (data ‖ SW1 SW2).
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
    /// The card's answer to reset.
    fn atr(&self) -> &[u8];
    /// True when the card was reset since the previous session on this connection (another
    /// application reset it): verified PINs are gone and the application was re-selected.
    fn was_reset(&self) -> bool {
        false
    }
}

/// A connected card in a reader.
pub trait CardConnection: Send {
    fn reader_name(&self) -> &str;
    fn atr(&self) -> &[u8];
    /// Begins an exclusive session. When the card was reset by someone else, the backend
    /// reconnects, re-selects `reselect` (when given), and reports it through
    /// [`CardSession::was_reset`].
    fn session(
        &mut self,
        reselect: Option<&[u8]>,
    ) -> Result<Box<dyn CardSession + '_>, TransportError>;
    /// Ends the connection with an explicit disposition.
    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError>;
}

/// A source of readers: PC/SC, or the simulator.
pub trait ReaderProvider: Send + Sync {
    fn list_readers(&self) -> Result<Vec<ReaderInfo>, TransportError>;
    fn connect(&self, reader: &str) -> Result<Box<dyn CardConnection>, TransportError>;

    /// Blocks until the readers or their cards differ from `known` (what `list_readers`
    /// gave), or `timeout` passes; either way the caller lists again. Backends that are
    /// told about changes return at once; this default looks again after a short pause.
    fn wait_for_change(
        &self,
        known: &[ReaderInfo],
        timeout: std::time::Duration,
    ) -> Result<(), TransportError> {
        let _ = known;
        std::thread::sleep(timeout.min(std::time::Duration::from_millis(100)));
        Ok(())
    }
}

/// Upper bound on GET RESPONSE rounds for one command (a card looping on `61xx` must not
/// hang the kiosk).
const MAX_RESPONSE_CHUNKS: usize = 256;

/// True for an ISO/IEC 7816-4 case-4 command: it carries data and expects data. Only these
/// can meet a T=0 warning with held data (a case-3 command such as VERIFY expects none, so a
/// `63Cx` answer to it is final; a case-2 command gets its data with the warning).
pub fn is_case4(cmd: &Command) -> bool {
    !cmd.data().is_empty() && cmd.le.is_some()
}

/// Sends `cmd` and returns the complete response (CARD-PROFILE.md section 1):
///
/// - `6Cxx`: the same command is resent once with Le = xx;
/// - `61xx`: GET RESPONSE `00 C0 00 00 xx`, the data joined, until the final status;
/// - a warning (`62xx`/`63xx`) without data to a case-4 command (T=0 holds the data): GET
///   RESPONSE `00 C0 00 00 00` fetches it (answered `6Cxx`: again with Le = xx; `61xx`:
///   followed as above), and the result is the data with the **first** warning. A card with
///   nothing held answers `69 85` (or another error): the result is the warning alone.
///
/// Any other answer is final as it comes, including an error or `90 00` without data to a
/// case-4 command (a card that answers before the data phase). Logs the redacted command and
/// the SW at debug level.
pub fn transmit(session: &mut dyn CardSession, cmd: &Command) -> Result<Response, TransportError> {
    let mut resp = exchange_once(session, cmd)?;
    if let StatusWord::WrongLe(n) = resp.status() {
        let mut again = cmd.clone();
        again.le = Some(le_of(n));
        resp = exchange_once(session, &again)?;
    }
    if resp.data.is_empty() && resp.status().is_warning() && is_case4(cmd) {
        let warning = resp.sw;
        let held = fetch_held(session)?.unwrap_or_default();
        return Ok(Response::new(held, warning));
    }
    let (data, sw) = follow_more_data(session, resp)?;
    Ok(Response::new(data, sw))
}

/// `xx` of `61xx`/`6Cxx` as a length (00 means 256).
fn le_of(n: u8) -> usize {
    if n == 0 {
        256
    } else {
        usize::from(n)
    }
}

fn get_response(le: usize) -> Command {
    Command::new(0x00, 0xC0, 0x00, 0x00).with_le(le)
}

/// Follows `61xx` with GET RESPONSE until a final status: the joined data and that status.
fn follow_more_data(
    session: &mut dyn CardSession,
    first: Response,
) -> Result<(Vec<u8>, u16), TransportError> {
    let Response { mut data, mut sw } = first;
    let mut rounds = 0;
    while let StatusWord::MoreData(n) = StatusWord::from_raw(sw) {
        rounds += 1;
        if rounds > MAX_RESPONSE_CHUNKS {
            return Err(TransportError::ResponseChainTooLong(rounds - 1));
        }
        let mut part = exchange_once(session, &get_response(le_of(n)))?;
        data.append(&mut part.data);
        sw = part.sw;
    }
    Ok((data, sw))
}

/// The data a T=0 card holds after a warning: GET RESPONSE with Le 00, once more with the
/// exact Le after `6Cxx`, chained through `61xx`. `None` when the card holds nothing (`69 85`,
/// or any status that is neither success nor a warning).
fn fetch_held(session: &mut dyn CardSession) -> Result<Option<Vec<u8>>, TransportError> {
    let mut resp = exchange_once(session, &get_response(256))?;
    if let StatusWord::WrongLe(n) = resp.status() {
        resp = exchange_once(session, &get_response(le_of(n)))?;
    }
    let (data, sw) = follow_more_data(session, resp)?;
    let status = StatusWord::from_raw(sw);
    if status.is_success() || status.is_warning() {
        Ok(Some(data))
    } else {
        log::debug!("nothing held after the warning (GET RESPONSE answered {status})");
        Ok(None)
    }
}

fn exchange_once(session: &mut dyn CardSession, cmd: &Command) -> Result<Response, TransportError> {
    let bytes = cmd.to_bytes()?;
    log::debug!("> {}", cmd.redacted());
    let raw = session.transmit_raw(&bytes)?;
    let resp = Response::parse(&raw)?;
    log::debug!("< {} bytes SW={:04X}", resp.data.len(), resp.sw);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A scripted card: expects exact commands, answers exact responses.
    struct Script {
        steps: VecDeque<(Vec<u8>, Vec<u8>)>,
    }

    impl CardSession for Script {
        fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            let (want, answer) = self.steps.pop_front().expect("unexpected extra command");
            assert_eq!(hex::encode_upper(command), hex::encode_upper(want));
            Ok(answer)
        }
        fn atr(&self) -> &[u8] {
            &[0x3B, 0x00]
        }
    }

    fn script(pairs: &[(&str, &str)]) -> Script {
        Script {
            steps: pairs
                .iter()
                .map(|(c, r)| (hex::decode(c).unwrap(), hex::decode(r).unwrap()))
                .collect(),
        }
    }

    #[test]
    fn follows_61xx_with_get_response() {
        let mut s = script(&[
            ("0084000008", "6108"),
            ("00C0000008", "01020304050607089000"),
        ]);
        let r = transmit(&mut s, &Command::new(0, 0x84, 0, 0).with_le(8)).unwrap();
        assert_eq!(r.data, hex::decode("0102030405060708").unwrap());
        assert!(r.is_ok());
        assert!(s.steps.is_empty());
    }

    #[test]
    fn chained_61xx_joins_data_and_keeps_final_sw() {
        let mut s = script(&[
            ("00A4040000", "6102"),
            ("00C0000002", "AABB6101"),
            ("00C0000001", "CC6283"),
        ]);
        let r = transmit(&mut s, &Command::new(0, 0xA4, 4, 0).with_le(256)).unwrap();
        assert_eq!(r.data, vec![0xAA, 0xBB, 0xCC]);
        assert_eq!(r.status(), StatusWord::SelectedFileDeactivated);
    }

    #[test]
    fn resends_on_6cxx() {
        let mut s = script(&[("00B2012800", "6C12"), ("00B2012812", "0110AA9000")]);
        let r = transmit(&mut s, &Command::new(0, 0xB2, 1, 0x28).with_le(256)).unwrap();
        assert_eq!(r.data, vec![0x01, 0x10, 0xAA]);
    }

    const SELECT_SSSE: &str = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00";
    const FCI: &str = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101";

    fn select_ssse() -> Command {
        Command::parse(&hex::decode(SELECT_SSSE).unwrap()).unwrap()
    }

    #[test]
    fn t0_warning_fetches_the_held_data_and_keeps_the_warning() {
        let mut s = script(&[(SELECT_SSSE, "6283"), ("00C0000000", &format!("{FCI}9000"))]);
        let r = transmit(&mut s, &select_ssse()).unwrap();
        assert_eq!(hex::encode_upper(&r.data), FCI);
        assert_eq!(r.status(), StatusWord::SelectedFileDeactivated);
        assert!(s.steps.is_empty());
    }

    #[test]
    fn t0_warning_then_6cxx_inside_get_response() {
        let mut s = script(&[
            (SELECT_SSSE, "6283"),
            ("00C0000000", "6C1B"),
            ("00C000001B", &format!("{FCI}9000")),
        ]);
        let r = transmit(&mut s, &select_ssse()).unwrap();
        assert_eq!(hex::encode_upper(&r.data), FCI);
        assert_eq!(r.sw, 0x6283);
        assert!(s.steps.is_empty());
    }

    #[test]
    fn t0_warning_then_61xx_chain_inside_get_response() {
        let mut s = script(&[
            (SELECT_SSSE, "6283"),
            ("00C0000000", "AABB6102"),
            ("00C0000002", "CCDD6281"),
        ]);
        let r = transmit(&mut s, &select_ssse()).unwrap();
        assert_eq!(r.data, vec![0xAA, 0xBB, 0xCC, 0xDD]);
        // The first warning is the command's result, not the GET RESPONSE's.
        assert_eq!(r.sw, 0x6283);
    }

    #[test]
    fn t0_warning_with_nothing_held_is_the_warning_alone() {
        for refusal in ["6985", "6D00", "6E00"] {
            let mut s = script(&[(SELECT_SSSE, "6283"), ("00C0000000", refusal)]);
            let r = transmit(&mut s, &select_ssse()).unwrap();
            assert!(r.data.is_empty(), "{refusal}");
            assert_eq!(r.sw, 0x6283, "{refusal}");
            assert!(s.steps.is_empty());
        }
    }

    #[test]
    fn a_warning_that_comes_with_its_data_is_final() {
        // T=1: the FCI arrives with the warning.
        let mut s = script(&[(SELECT_SSSE, &format!("{FCI}6283"))]);
        let r = transmit(&mut s, &select_ssse()).unwrap();
        assert_eq!(hex::encode_upper(&r.data), FCI);
        assert_eq!(r.sw, 0x6283);
    }

    #[test]
    fn warnings_to_commands_that_are_not_case_4_are_final() {
        // VERIFY (case 3) and VERIFY without data (case 1): 63Cx is the answer, no GET RESPONSE.
        let mut s = script(&[("0020000003123456", "63C2")]);
        let verify = Command::new(0, 0x20, 0, 0).with_data(vec![0x12, 0x34, 0x56]);
        assert!(!is_case4(&verify));
        let r = transmit(&mut s, &verify).unwrap();
        assert_eq!(r.status(), StatusWord::WrongPin { tries_left: 2 });
        assert!(s.steps.is_empty());
        let mut s = script(&[("00200000", "63C1")]);
        let r = transmit(&mut s, &Command::new(0, 0x20, 0, 0)).unwrap();
        assert_eq!(r.sw, 0x63C1);
        // CHANGE PIN (case 3): a wrong old PIN is final too.
        let mut s = script(&[("805E010007123456FF654321", "63C0")]);
        let change =
            Command::new(0x80, 0x5E, 1, 0).with_data(hex::decode("123456FF654321").unwrap());
        assert_eq!(transmit(&mut s, &change).unwrap().sw, 0x63C0);
        // SELECT without FCI (P2 0C, case 3) of a blocked application.
        let mut s = script(&[("00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF", "6283")]);
        let no_fci =
            Command::new(0, 0xA4, 4, 0x0C).with_data(hex::decode(&SELECT_SSSE[10..40]).unwrap());
        assert_eq!(transmit(&mut s, &no_fci).unwrap().sw, 0x6283);
        // READ RECORD (case 2) answered with a warning and no data.
        let mut s = script(&[("00B2012812", "6282")]);
        let read = Command::new(0, 0xB2, 1, 0x28).with_le(0x12);
        assert_eq!(transmit(&mut s, &read).unwrap().sw, 0x6282);
    }

    #[test]
    fn an_early_answer_to_a_case_4_command_is_final() {
        // An error before the data phase (no data can follow an error on T=0), and a bare
        // success: neither is followed by GET RESPONSE.
        for sw in ["6A81", "6A82", "9303", "9000", "6700"] {
            let mut s = script(&[(SELECT_SSSE, sw)]);
            let r = transmit(&mut s, &select_ssse()).unwrap();
            assert!(r.data.is_empty());
            assert_eq!(format!("{:04X}", r.sw), sw);
            assert!(s.steps.is_empty());
        }
    }

    #[test]
    fn wrong_le_then_warning_fetches_held_data() {
        let mut s = script(&[
            (SELECT_SSSE, "6C1B"),
            ("00A404000F7378312E73682EC9E7BBE1B1A3D5CF1B", "6283"),
            ("00C0000000", &format!("{FCI}9000")),
        ]);
        let r = transmit(&mut s, &select_ssse()).unwrap();
        assert_eq!(hex::encode_upper(&r.data), FCI);
        assert_eq!(r.sw, 0x6283);
    }

    #[test]
    fn endless_61xx_is_an_error_not_a_hang() {
        struct Loop;
        impl CardSession for Loop {
            fn transmit_raw(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x61, 0x01])
            }
            fn atr(&self) -> &[u8] {
                &[]
            }
        }
        let err = transmit(&mut Loop, &Command::new(0, 0x84, 0, 0).with_le(8)).unwrap_err();
        assert!(matches!(err, TransportError::ResponseChainTooLong(_)));
    }

    #[test]
    fn one_byte_answer_is_an_error() {
        let mut s = script(&[("0084000008", "90")]);
        assert!(matches!(
            transmit(&mut s, &Command::new(0, 0x84, 0, 0).with_le(8)),
            Err(TransportError::Apdu(ApduError::ResponseTooShort(1)))
        ));
    }
}
