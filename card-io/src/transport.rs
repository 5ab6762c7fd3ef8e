//! The reader/session abstraction every backend implements (PC/SC here, the simulator in
//! `hw-sim`), in the spirit of openpgp-card's `CardBackend`/`CardTransaction` split:
//!
//! - a [`ReaderProvider`] lists readers and connects to the card in one;
//! - a [`CardConnection`] is a connected card; it hands out short exclusive
//!   [`CardSession`]s (a PC/SC transaction) and is released with an explicit [`Disposition`];
//! - a [`CardSession`] moves raw APDUs; [`transmit`] on top of it follows `61xx` and `6Cxx`.
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

/// Sends `cmd` and returns the complete response: `61xx` is followed with GET RESPONSE
/// (`00 C0 00 00 xx`) and the data joined; `6Cxx` resends the same command with Le = xx
/// (once). Logs the redacted command and the SW at debug level.
pub fn transmit(session: &mut dyn CardSession, cmd: &Command) -> Result<Response, TransportError> {
    let mut resp = exchange_once(session, cmd)?;
    if let StatusWord::WrongLe(n) = resp.status() {
        let mut again = cmd.clone();
        again.le = Some(if n == 0 { 256 } else { n as usize });
        resp = exchange_once(session, &again)?;
    }
    let mut data = std::mem::take(&mut resp.data);
    let mut sw = resp.sw;
    let mut rounds = 0;
    while let StatusWord::MoreData(n) = StatusWord::from_raw(sw) {
        rounds += 1;
        if rounds > MAX_RESPONSE_CHUNKS {
            return Err(TransportError::ResponseChainTooLong(rounds - 1));
        }
        let get =
            Command::new(0x00, 0xC0, 0x00, 0x00).with_le(if n == 0 { 256 } else { n as usize });
        let mut part = exchange_once(session, &get)?;
        data.append(&mut part.data);
        sw = part.sw;
    }
    Ok(Response::new(data, sw))
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
