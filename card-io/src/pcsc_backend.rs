//! The PC/SC backend on the `pcsc` crate.
//!
//! - [`PcscProvider`] lists readers and connects. It keeps one context and, when a call
//!   finds the service gone (`pcscd` restarted), establishes a new one and retries once:
//!   a restarted `pcscd` never needs a kiosk restart (pcsc-rust issue #21: an old context
//!   stays "valid" but answers `NoService` forever).
//! - [`PcscConnection`] holds a shared-mode connection; each [`CardConnection::session`]
//!   is an exclusive PC/SC transaction. A card reset by another application is detected
//!   when the transaction begins: the backend reconnects, re-selects the application the
//!   caller names and reports `was_reset` (the caller must ask for the PIN again).

use std::ffi::CString;
use std::sync::Mutex;
use std::time::Duration;

use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};

use crate::apdu::Command;
use crate::transport::{
    self, CardConnection, CardSession, Disposition, ReaderInfo, ReaderProvider, TransportError,
};

/// Maps a PC/SC error to the transport error a user can act on, keeping the cause.
pub(crate) fn map_error(err: pcsc::Error, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match err {
        E::NoService | E::ServiceStopped | E::InvalidHandle | E::CommError => {
            TransportError::ServiceUnavailable(Some(err))
        }
        E::NoReadersAvailable => TransportError::NoReader,
        E::UnknownReader | E::ReaderUnavailable => TransportError::UnknownReader(reader.to_owned()),
        E::NoSmartcard => TransportError::NoCard(reader.to_owned()),
        E::RemovedCard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        E::SharingViolation => TransportError::ReaderBusy(reader.to_owned()),
        E::UnresponsiveCard | E::UnpoweredCard | E::UnsupportedCard => TransportError::Unresponsive,
        other => TransportError::Pcsc(other),
    }
}

fn is_service_error(e: &TransportError) -> bool {
    matches!(e, TransportError::ServiceUnavailable(_))
}

fn pcsc_disposition(d: Disposition) -> pcsc::Disposition {
    match d {
        Disposition::Leave => pcsc::Disposition::LeaveCard,
        Disposition::Reset => pcsc::Disposition::ResetCard,
        Disposition::Unpower => pcsc::Disposition::UnpowerCard,
    }
}

/// Readers through `pcscd` (or WinSCard).
pub struct PcscProvider {
    context: Mutex<Option<Context>>,
    /// A second context for `wait_for_change`: pcsc-lite holds a context for the whole of
    /// a blocking `SCardGetStatusChange`, so waiting on the first would stall card commands.
    wait_context: Mutex<Option<Context>>,
}

impl Default for PcscProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl PcscProvider {
    /// Creates the provider; the context is established on first use, so a kiosk can start
    /// while `pcscd` is still down.
    pub fn new() -> PcscProvider {
        PcscProvider {
            context: Mutex::new(None),
            wait_context: Mutex::new(None),
        }
    }

    fn context(&self, fresh: bool) -> Result<Context, TransportError> {
        let mut guard = self.context.lock().unwrap_or_else(|p| p.into_inner());
        if fresh {
            *guard = None;
        }
        if let Some(ctx) = guard.as_ref() {
            return Ok(ctx.clone());
        }
        let ctx = Context::establish(Scope::User).map_err(|e| map_error(e, ""))?;
        *guard = Some(ctx.clone());
        Ok(ctx)
    }

    /// Runs `f` with the context; when the service turns out to be gone, once more with a
    /// fresh context.
    fn with_context<T>(
        &self,
        f: impl Fn(&Context) -> Result<T, TransportError>,
    ) -> Result<T, TransportError> {
        let ctx = self.context(false)?;
        match f(&ctx) {
            Err(e) if is_service_error(&e) => {
                log::info!("PC/SC service lost ({e}); establishing a new context");
                let ctx = self.context(true)?;
                f(&ctx)
            }
            other => other,
        }
    }

    fn reader_names(ctx: &Context) -> Result<Vec<CString>, TransportError> {
        match ctx.list_readers_owned() {
            Ok(names) => Ok(names),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e, "")),
        }
    }
}

impl ReaderProvider for PcscProvider {
    fn list_readers(&self) -> Result<Vec<ReaderInfo>, TransportError> {
        self.with_context(|ctx| {
            let names = Self::reader_names(ctx)?;
            if names.is_empty() {
                return Ok(Vec::new());
            }
            let mut states: Vec<ReaderState> = names
                .iter()
                .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
                .collect();
            ctx.get_status_change(Duration::ZERO, &mut states)
                .or_else(|e| {
                    if e == pcsc::Error::Timeout {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .map_err(|e| map_error(e, ""))?;
            Ok(states
                .iter()
                .map(|s| ReaderInfo {
                    name: s.name().to_string_lossy().into_owned(),
                    atr: s
                        .event_state()
                        .contains(State::PRESENT)
                        .then(|| s.atr().to_vec()),
                    events: s.event_count(),
                })
                .collect())
        })
    }

    /// Blocks in `SCardGetStatusChange` on every reader and on PnP notification, on a context
    /// of its own; returns at once when what it sees already differs from `known`.
    fn wait_for_change(
        &self,
        known: &[ReaderInfo],
        timeout: Duration,
    ) -> Result<(), TransportError> {
        let ctx = {
            let mut guard = self.wait_context.lock().unwrap_or_else(|p| p.into_inner());
            match guard.as_ref() {
                Some(c) => c.clone(),
                None => {
                    let c = Context::establish(Scope::User).map_err(|e| map_error(e, ""))?;
                    *guard = Some(c.clone());
                    c
                }
            }
        };
        let drop_context = |e: pcsc::Error| {
            *self.wait_context.lock().unwrap_or_else(|p| p.into_inner()) = None;
            map_error(e, "")
        };
        let names = Self::reader_names(&ctx).inspect_err(|_| {
            *self.wait_context.lock().unwrap_or_else(|p| p.into_inner()) = None;
        })?;
        let mut states: Vec<ReaderState> = std::iter::once(pcsc::PNP_NOTIFICATION().to_owned())
            .chain(names.iter().cloned())
            .map(|n| ReaderState::new(n, State::UNAWARE))
            .collect();
        // The present state of everything, without waiting.
        match ctx.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(drop_context(e)),
        }
        let now: Vec<(String, bool, u32)> = states[1..]
            .iter()
            .map(|s| {
                (
                    s.name().to_string_lossy().into_owned(),
                    s.event_state().contains(State::PRESENT),
                    s.event_count(),
                )
            })
            .collect();
        let before: Vec<(String, bool, u32)> = known
            .iter()
            .map(|r| (r.name.clone(), r.atr.is_some(), r.events))
            .collect();
        if now != before {
            return Ok(());
        }
        for s in &mut states {
            s.sync_current_state();
        }
        match ctx.get_status_change(timeout, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => Ok(()),
            Err(e) => Err(drop_context(e)),
        }
    }

    fn connect(&self, reader: &str) -> Result<Box<dyn CardConnection>, TransportError> {
        self.with_context(|ctx| {
            let names = Self::reader_names(ctx)?;
            let name = names
                .iter()
                .find(|n| n.to_bytes() == reader.as_bytes())
                .ok_or_else(|| {
                    if names.is_empty() {
                        TransportError::NoReader
                    } else {
                        TransportError::UnknownReader(reader.to_owned())
                    }
                })?;
            let card = ctx
                .connect(name, ShareMode::Shared, Protocols::ANY)
                .map_err(|e| map_error(e, reader))?;
            let atr = card_atr(&card, reader)?;
            log::debug!("connected to {reader:?}, ATR {}", hex::encode_upper(&atr));
            Ok(Box::new(PcscConnection {
                card,
                reader: reader.to_owned(),
                atr,
            }) as Box<dyn CardConnection>)
        })
    }
}

fn card_atr(card: &pcsc::Card, reader: &str) -> Result<Vec<u8>, TransportError> {
    let status = card.status2_owned().map_err(|e| map_error(e, reader))?;
    Ok(status.atr().to_vec())
}

/// A card connected through PC/SC in shared mode.
pub(crate) struct PcscConnection {
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
}

/// One PC/SC transaction.
pub(crate) struct PcscSession<'a> {
    tx: pcsc::Transaction<'a>,
    reader: &'a str,
    atr: &'a [u8],
    was_reset: bool,
    buf: Vec<u8>,
}

impl CardConnection for PcscConnection {
    fn reader_name(&self) -> &str {
        &self.reader
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn session(
        &mut self,
        reselect: Option<&[u8]>,
    ) -> Result<Box<dyn CardSession + '_>, TransportError> {
        let reader = self.reader.as_str();
        let mut was_reset = false;
        let tx = match self.card.transaction2() {
            Ok(tx) => tx,
            Err((card, pcsc::Error::ResetCard)) => {
                log::info!("card in {reader:?} was reset by another application; reconnecting");
                card.reconnect(
                    ShareMode::Shared,
                    Protocols::ANY,
                    pcsc::Disposition::LeaveCard,
                )
                .map_err(|e| map_error(e, reader))?;
                was_reset = true;
                card.transaction2().map_err(|(_, e)| map_error(e, reader))?
            }
            Err((_, e)) => return Err(map_error(e, reader)),
        };
        let mut session = PcscSession {
            tx,
            reader,
            atr: &self.atr,
            was_reset,
            buf: vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        };
        if was_reset {
            if let Some(aid) = reselect {
                let select = Command::new(0x00, 0xA4, 0x04, 0x00)
                    .with_data(aid.to_vec())
                    .with_le(256);
                let r = transport::transmit(&mut session, &select)?;
                log::debug!("re-selected application after reset: SW={:04X}", r.sw);
            }
        }
        Ok(Box::new(session))
    }

    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        let reader = self.reader.clone();
        self.card
            .disconnect(pcsc_disposition(disposition))
            .map_err(|(_, e)| map_error(e, &reader))
    }
}

impl PcscSession<'_> {
    /// `CardRemoved` when the reader reports the card gone within about a second (readers
    /// notice a removal on their next poll), else `otherwise`.
    fn gone_or(&self, otherwise: TransportError) -> TransportError {
        for _ in 0..10 {
            match self.tx.status2_owned() {
                Err(pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard) => {
                    return TransportError::CardRemoved
                }
                Ok(st) if st.status().contains(pcsc::Status::ABSENT) => {
                    return TransportError::CardRemoved
                }
                Err(_) => return otherwise,
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
        otherwise
    }
}

impl CardSession for PcscSession<'_> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.tx.transmit(command, &mut self.buf) {
            // No status word at all: the card went away mid-command (vpcd answers so when its
            // card's connection drops), or it is mute.
            Ok(out) if out.len() < 2 => Err(self.gone_or(TransportError::Unresponsive)),
            Ok(out) => Ok(out.to_vec()),
            Err(e) => {
                let mapped = map_error(e, self.reader);
                // A card pulled mid-command can surface as a generic failure (e.g. "not
                // transacted", "unresponsive"); ask the reader whether the card is still
                // there before reporting it as such.
                if matches!(
                    mapped,
                    TransportError::Pcsc(_) | TransportError::Unresponsive
                ) {
                    Err(self.gone_or(mapped))
                } else {
                    Err(mapped)
                }
            }
        }
    }

    fn atr(&self) -> &[u8] {
        self.atr
    }

    fn was_reset(&self) -> bool {
        self.was_reset
    }
}
