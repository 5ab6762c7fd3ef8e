//! Card operations behind the technician commands (`kiosk card …`), written against any
//! [`ReaderProvider`] so the same code runs on PC/SC and on the in-process simulator.
//!
//! Each operation opens one exclusive session, selects the application, checks what can be
//! checked before touching the card (weak PINs, blocked states), and ends the connection
//! with an explicit disposition: `Reset` after anything that verified a PIN, so no verified
//! state outlives the operation.

use card_io::date::Date;
use card_io::pin::Pin;
use card_io::sam::psam::{self, Psam};
use card_io::sam::{CardAlgorithms, SamError, SecureModule};
use card_io::sscard::{AppState, CardError, CardInfo, CardStatus, SsCard, SSSE_DF_NAME};
use card_io::transport::{CardConnection, Disposition, ReaderProvider, TransportError};
use serde_json::{json, Value};

use crate::pin_policy::{self, WeakPin};

/// The initial PIN every card is issued with (CARD-PROFILE.md section 3).
pub(crate) const INITIAL_PIN: &str = "123456";

/// Failures of a technician operation; each displays as one plain line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Sam(#[from] SamError),
    #[error("no social security card found ({0})")]
    NoCard(String),
    #[error("PSAM missing: no reader holds a PSAM (put the PSAM in its slot, or name it with --psam-reader)")]
    NoPsam,
    #[error("the new PIN is too weak: {0}; choose another")]
    WeakPin(#[from] WeakPin),
    #[error("the new PIN must differ from the old one")]
    SamePin,
    #[error("the card's PIN is no longer the initial PIN (already activated?): {0}")]
    NotInitialPin(CardError),
}

impl OpError {
    /// True when the citizen's card is no longer there (pulled, or never inserted).
    pub fn is_card_gone(&self) -> bool {
        match self {
            OpError::Transport(t) | OpError::Card(CardError::Transport(t)) => t.is_card_gone(),
            OpError::NoCard(_) => true,
            _ => false,
        }
    }

    /// Exit code for the command line: 1 for card and PIN refusals, 3 for missing hardware
    /// or service (so scripts can tell "fix the kiosk" from "the citizen's card said no").
    pub fn exit_code(&self) -> i32 {
        match self {
            OpError::Transport(_) | OpError::NoPsam | OpError::NoCard(_) => 3,
            OpError::Card(CardError::Transport(_))
            | OpError::Sam(SamError::Transport(_) | SamError::NotFound | SamError::KeyMissing(_))
            | OpError::Card(CardError::Sam(
                SamError::Transport(_) | SamError::NotFound | SamError::KeyMissing(_),
            )) => 3,
            _ => 1,
        }
    }
}

/// Which readers to use.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The card reader; `None` = the first reader whose card selects SSSE.
    pub reader: Option<String>,
    /// The PSAM reader; `None` = the reader whose card selects the PSAM application.
    pub psam_reader: Option<String>,
    /// The algorithm of each region's cards as the PSAM is configured, for cards that show
    /// no FCI (CARD-PROFILE.md section 4); empty: such cards' secured commands are refused.
    pub card_algorithms: CardAlgorithms,
}

/// Connects to the citizen's card.
pub fn connect_card(
    provider: &dyn ReaderProvider,
    target: &Target,
) -> Result<Box<dyn CardConnection>, OpError> {
    if let Some(name) = &target.reader {
        return Ok(provider.connect(name)?);
    }
    let readers = provider.list_readers()?;
    if readers.is_empty() {
        return Err(TransportError::NoReader.into());
    }
    let with_card: Vec<_> = readers.iter().filter(|r| r.atr.is_some()).collect();
    if with_card.is_empty() {
        return Err(OpError::NoCard(format!(
            "no card in any of {} reader(s): insert the card",
            readers.len()
        )));
    }
    // A card that failed to answer (pulled, mute) explains more than "no card" does.
    let mut transport_error = None;
    for r in &with_card {
        let mut conn = match provider.connect(&r.name) {
            Ok(c) => c,
            Err(e) => {
                log::debug!("skipping {:?}: {e}", r.name);
                transport_error = Some(e);
                continue;
            }
        };
        let selected = match conn.session(None) {
            Ok(mut s) => SsCard::select(&mut *s).map(|_| ()),
            Err(e) => Err(e.into()),
        };
        match selected {
            Ok(()) => return Ok(conn),
            Err(CardError::Transport(e)) => {
                log::debug!("skipping {:?}: {e}", r.name);
                transport_error = Some(e);
            }
            Err(e) => log::debug!("{:?} holds no social security card: {e}", r.name),
        }
        let _ = conn.disconnect(Disposition::Leave);
    }
    if let Some(e) = transport_error {
        return Err(e.into());
    }
    Err(OpError::NoCard(format!(
        "none of the {} card(s) present has the social security application: insert the social security card",
        with_card.len()
    )))
}

/// Opens the PSAM, skipping `card_reader` when searching.
pub fn open_psam(
    provider: &dyn ReaderProvider,
    target: &Target,
    card_reader: &str,
) -> Result<Psam, OpError> {
    if let Some(name) = &target.psam_reader {
        return match Psam::open(provider.connect(name)?) {
            Err(SamError::NotFound) => Err(OpError::NoPsam),
            other => Ok(other?.with_card_algorithms(target.card_algorithms.clone())),
        };
    }
    for r in provider.list_readers()? {
        if r.name == card_reader || r.atr.is_none() {
            continue;
        }
        let Ok(mut conn) = provider.connect(&r.name) else {
            continue;
        };
        // A busy or mute reader is not the PSAM's: go on to the next one.
        let is_psam = match conn.session(None) {
            Ok(mut s) => psam::probe(&mut *s).unwrap_or(false),
            Err(e) => {
                log::debug!("skipping {:?}: {e}", r.name);
                false
            }
        };
        if is_psam {
            return Ok(Psam::probed(conn).with_card_algorithms(target.card_algorithms.clone()));
        }
        let _ = conn.disconnect(Disposition::Leave);
    }
    Err(OpError::NoPsam)
}

/// Runs `f` on the selected application in one session, then disconnects with `end`.
pub fn with_card<T>(
    conn: Box<dyn CardConnection>,
    end: Disposition,
    f: impl FnOnce(&mut SsCard<'_>) -> Result<T, OpError>,
) -> Result<T, OpError> {
    let mut conn = conn;
    let result = {
        let mut session = conn.session(Some(&SSSE_DF_NAME))?;
        let mut card = SsCard::select(&mut *session)?;
        f(&mut card)
    };
    // A card already pulled cannot be disconnected cleanly; the operation's own result
    // is what matters then.
    if let Err(e) = conn.disconnect(end) {
        log::debug!("disconnect: {e}");
    }
    result
}

pub fn info(conn: Box<dyn CardConnection>) -> Result<CardInfo, OpError> {
    with_card(conn, Disposition::Leave, |c| Ok(c.read_info()?))
}

pub fn status(conn: Box<dyn CardConnection>, today: Date) -> Result<CardStatus, OpError> {
    with_card(conn, Disposition::Leave, |c| Ok(c.status(today)?))
}

pub fn verify(conn: Box<dyn CardConnection>, pin: &Pin) -> Result<(), OpError> {
    with_card(conn, Disposition::Reset, |c| Ok(c.verify(pin)?))
}

/// Checks a PIN the holder wants to set, against the holder data on the card (two reads).
fn check_new_pin(card: &mut SsCard<'_>, new: &Pin) -> Result<(), OpError> {
    if card.state() != AppState::Active {
        // The operation itself will refuse with the right message.
        return Ok(());
    }
    let ssn = card.read_item(card_io::sscard::records::SSN)?;
    let birth = card.read_item(card_io::sscard::records::BIRTH_DATE)?;
    let ssn = ssn.map(|v| String::from_utf8_lossy(&v).into_owned());
    let birth = birth.as_deref().and_then(Date::from_bcd);
    pin_policy::check(new, ssn.as_deref(), birth)?;
    Ok(())
}

pub fn change_pin(conn: Box<dyn CardConnection>, old: &Pin, new: &Pin) -> Result<(), OpError> {
    if old.same_as(new) {
        return Err(OpError::SamePin);
    }
    with_card(conn, Disposition::Reset, |c| {
        check_new_pin(c, new)?;
        Ok(c.change_pin(old, new)?)
    })
}

/// 启用: replaces the initial PIN with the holder's own.
pub fn activate(conn: Box<dyn CardConnection>, new: &Pin) -> Result<(), OpError> {
    let initial = Pin::parse(INITIAL_PIN).map_err(|_| OpError::SamePin)?;
    if initial.same_as(new) {
        return Err(OpError::WeakPin(WeakPin::Ascending));
    }
    with_card(conn, Disposition::Reset, |c| {
        check_new_pin(c, new)?;
        match c.change_pin(&initial, new) {
            Err(e @ CardError::WrongPin { .. }) => Err(OpError::NotInitialPin(e)),
            other => Ok(other?),
        }
    })
}

pub fn reset_pin(
    conn: Box<dyn CardConnection>,
    sam: &mut dyn SecureModule,
    new: &Pin,
) -> Result<(), OpError> {
    with_card(conn, Disposition::Reset, |c| {
        check_new_pin(c, new)?;
        Ok(c.reset_pin(sam, new)?)
    })
}

pub fn unblock_pin(
    conn: Box<dyn CardConnection>,
    sam: &mut dyn SecureModule,
) -> Result<(), OpError> {
    with_card(conn, Disposition::Reset, |c| Ok(c.unblock_pin(sam)?))
}

pub fn block_app(
    conn: Box<dyn CardConnection>,
    sam: &mut dyn SecureModule,
    permanent: bool,
) -> Result<(), OpError> {
    with_card(conn, Disposition::Reset, |c| {
        Ok(c.block_application(sam, permanent)?)
    })
}

pub fn unblock_app(
    conn: Box<dyn CardConnection>,
    sam: &mut dyn SecureModule,
) -> Result<(), OpError> {
    with_card(
        conn,
        Disposition::Reset,
        |c| Ok(c.unblock_application(sam)?),
    )
}

pub fn block_card(
    conn: Box<dyn CardConnection>,
    sam: &mut dyn SecureModule,
) -> Result<(), OpError> {
    with_card(conn, Disposition::Reset, |c| Ok(c.block_card(sam)?))
}

/// `card info --json`: one flat object with the documented field names.
pub fn info_json(info: &CardInfo) -> Value {
    let id = &info.identity;
    let h = info.holder.as_ref();
    json!({
        "card_number": id.card_number,
        "card_id_code": id.card_id_code,
        "card_type": id.card_type,
        "spec_version": id.spec_version,
        "issuing_org": id.issuing_org,
        "issue_date": id.issue_date.to_string(),
        "expiry_date": id.expiry_date.to_string(),
        "region_code": id.region_code,
        "ssn": h.map(|h| h.ssn.clone()),
        "name": h.map(|h| h.name.clone()),
        "sex": h.map(|h| h.sex),
        "ethnicity": h.map(|h| h.ethnicity),
        "birth_place": h.map(|h| h.birth_place.clone()),
        "birth_date": h.map(|h| h.birth_date.to_string()),
        "person_id": info.ef0d.as_ref().map(|e| e.person_id.clone()),
        "first_apply_region": info.ef0d.as_ref().map(|e| e.first_apply_region.clone()),
        "atr": info.atr,
        "algorithm": info.algorithm.map(|a| a.name()),
        "application": info.application,
    })
}

/// `card status --json`.
pub fn status_json(s: &CardStatus) -> Value {
    json!({
        "application": s.application,
        "pin_tries_left": s.pin_tries_left,
        "pin_blocked": s.pin_blocked,
        "expired": s.expired,
        "expiry_date": s.expiry_date.map(|d| d.to_string()),
    })
}
