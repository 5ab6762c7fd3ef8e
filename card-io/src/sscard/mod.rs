//! The social security card application (CARD-PROFILE.md sections 2–5), written only
//! against [`CardSession`].
//!
//! An [`SsCard`] starts with SELECT SSSE, which also tells the lifecycle state and the
//! algorithm of the card's keys. Items are read by identifier through the SFI
//! (`00 B2 <tag> <SFI<<3> <Le>`), so no SELECT EF is ever sent and each item costs one
//! command. Commands secured by a MAC take the card key from a [`SecureModule`].

pub mod fci;
pub mod records;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::date::Date;
use crate::pin::Pin;
use crate::sam::{crypto, Algorithm, Factors, KeyRole, SamError, SecureModule};
use crate::status::StatusWord;
use crate::transport::{self, CardSession, TransportError};

pub use crate::citizen::Sex;
pub use fci::Fci;
pub use records::{CardIdentity, Ef0d, Holder, Item, RecordError};

/// DF name of the SSSE application: `sx1.sh.` ‖ 社会保障 in GBK.
pub const SSSE_DF_NAME: [u8; 15] = [
    0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF,
];

/// The application's lifecycle state as the card shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    Active,
    TemporarilyBlocked,
    PermanentlyBlocked,
    CardBlocked,
}

/// Card application failures, each with a plain meaning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("secure module: {0}")]
    Sam(#[from] SamError),
    #[error("this card has no social security application (SELECT answered {0})")]
    NotSocialSecurityCard(StatusWord),
    #[error("wrong PIN, {tries_left} tries left")]
    WrongPin { tries_left: u8 },
    #[error("PIN blocked: it must be unblocked (解锁) with the secure module before use")]
    PinBlocked,
    #[error("the card's PIN unblock limit is used up")]
    UnblockLimitReached,
    #[error("social security application temporarily blocked (挂失/临时锁定)")]
    AppTemporarilyBlocked,
    #[error("social security application permanently blocked")]
    AppPermanentlyBlocked,
    #[error("card blocked (卡片锁定): it can no longer be used")]
    CardBlocked,
    #[error("the card rejected the new PIN (not 6 digits, or the same as the old one)")]
    NewPinRejected,
    #[error("the card rejected the secure module's MAC (wrong keys for this card?)")]
    MacRejected,
    #[error("the card shows no key algorithm (no FCI: application temporarily blocked on a T=0 card) and the secure module has none configured for region {region_code}: the operation cannot proceed")]
    AlgorithmUnknown { region_code: String },
    #[error("card data unreadable: {0}")]
    Record(#[from] RecordError),
    #[error("{operation}: card answered {sw}")]
    Status {
        operation: &'static str,
        sw: StatusWord,
    },
}

/// What `status` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardStatus {
    pub application: AppState,
    /// `None` when the card cannot tell (application blocked, or PIN already verified).
    pub pin_tries_left: Option<u8>,
    pub pin_blocked: bool,
    /// `None` when the expiry date cannot be read (application or card blocked).
    pub expired: Option<bool>,
    pub expiry_date: Option<Date>,
}

/// Everything readable on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardInfo {
    pub identity: CardIdentity,
    /// `None` when the application is temporarily blocked (EF06 is not readable then).
    pub holder: Option<Holder>,
    /// `None` on 2.00 cards.
    pub ef0d: Option<Ef0d>,
    pub application: AppState,
    /// `None` when the card showed no FCI (a temporarily blocked T=0 card of the `6A 81`
    /// variant, or one that held nothing after its warning).
    pub algorithm: Option<Algorithm>,
    /// Hex.
    pub atr: String,
}

/// The SSSE application on one card session.
pub struct SsCard<'s> {
    session: &'s mut dyn CardSession,
    state: AppState,
    fci: Option<Fci>,
    region_code: Option<String>,
}

impl<'s> SsCard<'s> {
    /// Sends SELECT SSSE and reads the lifecycle state from its answer. Blocked
    /// applications and cards still give an `SsCard`, so their state can be reported.
    ///
    /// A bare `6A 81` is ambiguous on T=0, where no FCI can follow an error: a blocked card,
    /// or a temporarily blocked application of the `6A 81` variant. READ RECORD of EF05 tag 01
    /// tells them apart (CARD-PROFILE.md section 4): the application answers it (and the
    /// region code is kept), a blocked card refuses with `6A 81`. One command more, only then.
    pub fn select(session: &'s mut dyn CardSession) -> Result<SsCard<'s>, CardError> {
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x00)
            .with_data(SSSE_DF_NAME.to_vec())
            .with_le(256);
        let r = transport::transmit(session, &cmd)?;
        let mut region_code = None;
        let state = match (r.status(), r.data.is_empty()) {
            (StatusWord::Success, _) => AppState::Active,
            (StatusWord::SelectedFileDeactivated, _) => AppState::TemporarilyBlocked,
            // With an FCI, 6A81 is the temporary-block variant.
            (StatusWord::FunctionNotSupported, false) => AppState::TemporarilyBlocked,
            (StatusWord::FunctionNotSupported, true) => match probe_ef05(session)? {
                Some(region) => {
                    region_code = Some(region);
                    AppState::TemporarilyBlocked
                }
                None => AppState::CardBlocked,
            },
            (StatusWord::ApplicationLocked, _) => AppState::PermanentlyBlocked,
            (sw, _) => return Err(CardError::NotSocialSecurityCard(sw)),
        };
        let fci = if r.data.is_empty() {
            None
        } else {
            Some(Fci::parse(&r.data)?)
        };
        if state == AppState::Active && fci.is_none() {
            return Err(RecordError {
                item: "SELECT SSSE",
                detail: "no FCI in the answer".into(),
            }
            .into());
        }
        Ok(SsCard {
            session,
            state,
            fci,
            region_code,
        })
    }

    pub fn state(&self) -> AppState {
        self.state
    }

    pub fn fci(&self) -> Option<&Fci> {
        self.fci.as_ref()
    }

    pub fn atr(&self) -> &[u8] {
        self.session.atr()
    }

    /// The algorithm of the card's keys from its FCI; `None` when SELECT gave none (a
    /// blocked card, or a temporarily blocked T=0 card that holds nothing after its warning).
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.fci.as_ref().map(|f| f.algorithm)
    }

    /// The algorithm for a secured command: the FCI's, else the secure module's configuration
    /// for the card's region (CARD-PROFILE.md section 4), else a plain refusal.
    fn key_algorithm(
        &self,
        sam: &dyn SecureModule,
        region_code: &str,
    ) -> Result<Algorithm, CardError> {
        if let Some(alg) = self.algorithm() {
            return Ok(alg);
        }
        sam.card_algorithm(region_code)
            .ok_or_else(|| CardError::AlgorithmUnknown {
                region_code: region_code.to_owned(),
            })
    }

    fn blocked_error(&self) -> CardError {
        match self.state {
            AppState::Active => CardError::Status {
                operation: "SELECT SSSE",
                sw: StatusWord::Success,
            },
            AppState::TemporarilyBlocked => CardError::AppTemporarilyBlocked,
            AppState::PermanentlyBlocked => CardError::AppPermanentlyBlocked,
            AppState::CardBlocked => CardError::CardBlocked,
        }
    }

    fn require(&self, allowed: &[AppState]) -> Result<(), CardError> {
        if allowed.contains(&self.state) {
            Ok(())
        } else {
            Err(self.blocked_error())
        }
    }

    fn send(&mut self, cmd: &Command) -> Result<Response, CardError> {
        Ok(transport::transmit(self.session, cmd)?)
    }

    /// Maps the status words every command shares onto errors.
    fn common_error(&self, operation: &'static str, r: &Response) -> CardError {
        match r.status() {
            StatusWord::ApplicationLocked => CardError::AppPermanentlyBlocked,
            StatusWord::FunctionNotSupported => CardError::CardBlocked,
            StatusWord::WrongMac => CardError::MacRejected,
            sw => CardError::Status { operation, sw },
        }
    }

    /// Reads one item by identifier through its SFI. `Ok(None)` when the record is absent.
    pub fn read_item(&mut self, item: Item) -> Result<Option<Vec<u8>>, CardError> {
        let cmd = Command::new(0x00, 0xB2, item.tag, item.sfi << 3).with_le(item.record_len());
        let r = self.send(&cmd)?;
        match r.status() {
            StatusWord::Success => Ok(Some(records::record_value(item, &r.data)?)),
            StatusWord::RecordNotFound | StatusWord::FileNotFound => Ok(None),
            StatusWord::ConditionsNotSatisfied | StatusWord::SecurityNotSatisfied
                if self.state == AppState::TemporarilyBlocked =>
            {
                Err(CardError::AppTemporarilyBlocked)
            }
            _ => Err(self.common_error(item.name, &r)),
        }
    }

    fn require_item(&mut self, item: Item) -> Result<Vec<u8>, CardError> {
        self.read_item(item)?.ok_or_else(|| {
            CardError::Record(RecordError {
                item: item.name,
                detail: "record missing on the card".into(),
            })
        })
    }

    /// The 6-digit region code (EF05 tag 01), read once per session.
    pub fn region_code(&mut self) -> Result<String, CardError> {
        if let Some(r) = &self.region_code {
            return Ok(r.clone());
        }
        let v = self.require_item(records::CARD_ID_CODE)?;
        let r = records::region_from_id_code(&v)?;
        self.region_code = Some(r.clone());
        Ok(r)
    }

    /// EF05, tags 01–07: seven commands.
    pub(crate) fn read_identity(&mut self) -> Result<CardIdentity, CardError> {
        self.require(&[AppState::Active, AppState::TemporarilyBlocked])?;
        let items = [
            records::CARD_ID_CODE,
            records::CARD_TYPE,
            records::SPEC_VERSION,
            records::ISSUING_ORG,
            records::ISSUE_DATE,
            records::EXPIRY_DATE,
            records::CARD_NUMBER,
        ];
        let mut values: [Vec<u8>; 7] = Default::default();
        for (slot, item) in values.iter_mut().zip(items) {
            *slot = self.require_item(item)?;
        }
        let identity = records::card_identity(&values)?;
        self.region_code = Some(identity.region_code.clone());
        Ok(identity)
    }

    /// EF06: seven commands (tag 4E may be absent on 2.00 cards).
    pub(crate) fn read_holder(&mut self) -> Result<Holder, CardError> {
        self.require(&[AppState::Active])?;
        let ssn = self.require_item(records::SSN)?;
        let name = self.require_item(records::NAME)?;
        let ext = self.read_item(records::NAME_EXT)?;
        let sex = self.require_item(records::SEX)?;
        let eth = self.require_item(records::ETHNICITY)?;
        let place = self.require_item(records::BIRTH_PLACE)?;
        let birth = self.require_item(records::BIRTH_DATE)?;
        Ok(records::holder(
            &ssn,
            &name,
            ext.as_deref(),
            &sex,
            &eth,
            &place,
            &birth,
        )?)
    }

    /// EF0D (3.00 cards): two commands; `None` when the card has no EF0D.
    pub(crate) fn read_ef0d(&mut self) -> Result<Option<Ef0d>, CardError> {
        self.require(&[AppState::Active])?;
        let Some(person) = self.read_item(records::PERSON_ID)? else {
            return Ok(None);
        };
        let region = self.require_item(records::FIRST_APPLY_REGION)?;
        Ok(Some(records::ef0d(&person, &region)?))
    }

    /// Everything readable: EF05, then EF06 and (3.00) EF0D when the application is active.
    pub fn read_info(&mut self) -> Result<CardInfo, CardError> {
        let algorithm = self.algorithm();
        let identity = self.read_identity()?;
        let (holder, ef0d) = if self.state == AppState::Active {
            let holder = self.read_holder()?;
            let ef0d = if identity.is_v3() {
                self.read_ef0d()?
            } else {
                None
            };
            (Some(holder), ef0d)
        } else {
            (None, None)
        };
        Ok(CardInfo {
            identity,
            holder,
            ef0d,
            application: self.state,
            algorithm,
            atr: hex::encode_upper(self.session.atr()),
        })
    }

    /// PIN tries left from a VERIFY without data (never uses up a try). `Ok(None)` when the
    /// PIN is already verified in this session.
    pub fn pin_tries_left(&mut self) -> Result<Option<u8>, CardError> {
        self.require(&[AppState::Active])?;
        let r = self.send(&Command::new(0x00, 0x20, 0x00, 0x00))?;
        match r.status() {
            StatusWord::WrongPin { tries_left } => Ok(Some(tries_left)),
            StatusWord::Success => Ok(None),
            StatusWord::AuthenticationBlocked => Ok(Some(0)),
            StatusWord::ConditionsNotSatisfied => Err(CardError::AppTemporarilyBlocked),
            _ => Err(self.common_error("VERIFY (tries left)", &r)),
        }
    }

    /// State, PIN tries and validity: at most three commands (SELECT, VERIFY without data,
    /// READ RECORD of the expiry date).
    pub fn status(&mut self, today: Date) -> Result<CardStatus, CardError> {
        let (pin_tries_left, pin_blocked) = if self.state == AppState::Active {
            let t = self.pin_tries_left()?;
            (t, t == Some(0))
        } else {
            (None, false)
        };
        let expiry_date = if matches!(self.state, AppState::Active | AppState::TemporarilyBlocked) {
            let v = self.require_item(records::EXPIRY_DATE)?;
            Some(Date::from_bcd(&v).ok_or_else(|| RecordError {
                item: records::EXPIRY_DATE.name,
                detail: format!("not a BCD date: {}", hex::encode_upper(&v)),
            })?)
        } else {
            None
        };
        Ok(CardStatus {
            application: self.state,
            pin_tries_left,
            pin_blocked,
            expired: expiry_date.map(|d| d < today),
            expiry_date,
        })
    }

    fn pin_result(&self, operation: &'static str, r: &Response) -> Result<(), CardError> {
        match r.status() {
            StatusWord::Success => Ok(()),
            StatusWord::WrongPin { tries_left: 0 } | StatusWord::AuthenticationBlocked => {
                Err(CardError::PinBlocked)
            }
            StatusWord::WrongPin { tries_left } => Err(CardError::WrongPin { tries_left }),
            StatusWord::WrongData => Err(CardError::NewPinRejected),
            StatusWord::ConditionsNotSatisfied => Err(CardError::AppTemporarilyBlocked),
            _ => Err(self.common_error(operation, r)),
        }
    }

    /// VERIFY.
    pub fn verify(&mut self, pin: &Pin) -> Result<(), CardError> {
        self.require(&[AppState::Active])?;
        let cmd = Command::new(0x00, 0x20, 0x00, 0x00).with_data(pin.to_bcd().to_vec());
        let r = self.send(&cmd)?;
        self.pin_result("VERIFY", &r)
    }

    /// CHANGE PIN `80 5E 01 00 07 <old> FF <new>`.
    pub fn change_pin(&mut self, old: &Pin, new: &Pin) -> Result<(), CardError> {
        self.require(&[AppState::Active])?;
        let mut data = Zeroizing::new(Vec::with_capacity(7));
        data.extend_from_slice(&*old.to_bcd());
        data.push(0xFF);
        data.extend_from_slice(&*new.to_bcd());
        let cmd = Command::new(0x80, 0x5E, 0x01, 0x00).with_data(data.to_vec());
        let r = self.send(&cmd)?;
        self.pin_result("CHANGE PIN", &r)
    }

    /// GET CHALLENGE: 8 random bytes, valid for the next command only.
    pub fn get_challenge(&mut self) -> Result<[u8; 8], CardError> {
        let r = self.send(&Command::new(0x00, 0x84, 0x00, 0x00).with_le(8))?;
        if !r.is_ok() {
            return Err(self.common_error("GET CHALLENGE", &r));
        }
        <[u8; 8]>::try_from(r.data.as_slice()).map_err(|_| {
            CardError::Record(RecordError {
                item: "GET CHALLENGE",
                detail: format!("{} bytes, expected 8", r.data.len()),
            })
        })
    }

    /// A command secured with a MAC: key initialisation in the secure module, GET
    /// CHALLENGE on the card, MAC over `84 INS P1 P2 Lc ‖ data`, then the command.
    fn secured(
        &mut self,
        sam: &mut dyn SecureModule,
        role: KeyRole,
        ins: u8,
        p1: u8,
        p2: u8,
        data: &[u8],
    ) -> Result<Response, CardError> {
        self.require(&[AppState::Active, AppState::TemporarilyBlocked])?;
        let region = self.region_code()?;
        let alg = self.key_algorithm(sam, &region)?;
        let factors = Factors::new(self.session.atr(), &region)?;
        sam.init_key(role, alg, &factors)?;
        let challenge = self.get_challenge()?;
        let lc = data.len() + 4;
        let mut mac_input = Zeroizing::new(Vec::with_capacity(5 + lc));
        mac_input.extend_from_slice(&[0x84, ins, p1, p2, lc as u8]);
        mac_input.extend_from_slice(data);
        let mac = sam.mac(&crypto::iv_from_challenge(alg, &challenge), &mac_input)?;
        let mut body = Zeroizing::new(Vec::with_capacity(lc));
        body.extend_from_slice(data);
        body.extend_from_slice(&mac);
        self.send(&Command::new(0x84, ins, p1, p2).with_data(body.to_vec()))
    }

    /// RESET PIN (重置): sets `new` and restores the counter. Key: RPK.
    pub fn reset_pin(&mut self, sam: &mut dyn SecureModule, new: &Pin) -> Result<(), CardError> {
        self.require(&[AppState::Active])?;
        let r = self.secured(sam, KeyRole::PinReset, 0x24, 0x00, 0x01, &*new.to_bcd())?;
        self.pin_result("RESET PIN", &r)
    }

    /// UNBLOCK PIN (解锁): restores the counter and keeps the PIN. Key: UPK.
    pub fn unblock_pin(&mut self, sam: &mut dyn SecureModule) -> Result<(), CardError> {
        self.require(&[AppState::Active])?;
        let r = self.secured(sam, KeyRole::PinUnblock, 0x24, 0x00, 0x00, &[])?;
        match r.status() {
            StatusWord::AuthenticationBlocked => Err(CardError::UnblockLimitReached),
            _ => self.pin_result("UNBLOCK PIN", &r),
        }
    }

    /// APPLICATION BLOCK, temporary or permanent. Key: STK.
    pub fn block_application(
        &mut self,
        sam: &mut dyn SecureModule,
        permanent: bool,
    ) -> Result<(), CardError> {
        self.require(&[AppState::Active, AppState::TemporarilyBlocked])?;
        let r = self.secured(
            sam,
            KeyRole::Maintenance,
            0x1E,
            0x00,
            u8::from(permanent),
            &[],
        )?;
        if !r.is_ok() {
            return Err(self.common_error("APPLICATION BLOCK", &r));
        }
        self.state = if permanent {
            AppState::PermanentlyBlocked
        } else {
            AppState::TemporarilyBlocked
        };
        Ok(())
    }

    /// APPLICATION UNBLOCK: undoes a temporary block. Key: STK. On an active application
    /// nothing is sent.
    pub fn unblock_application(&mut self, sam: &mut dyn SecureModule) -> Result<(), CardError> {
        if self.state == AppState::Active {
            return Ok(());
        }
        self.require(&[AppState::TemporarilyBlocked])?;
        let r = self.secured(sam, KeyRole::Maintenance, 0x18, 0x00, 0x00, &[])?;
        if !r.is_ok() {
            return Err(self.common_error("APPLICATION UNBLOCK", &r));
        }
        self.state = AppState::Active;
        Ok(())
    }

    /// CARD BLOCK: irreversible. Key: CBK.
    pub fn block_card(&mut self, sam: &mut dyn SecureModule) -> Result<(), CardError> {
        self.require(&[AppState::Active, AppState::TemporarilyBlocked])?;
        let r = self.secured(sam, KeyRole::CardBlock, 0x16, 0x00, 0x00, &[])?;
        if !r.is_ok() {
            return Err(self.common_error("CARD BLOCK", &r));
        }
        self.state = AppState::CardBlocked;
        Ok(())
    }
}

/// READ RECORD of EF05 tag 01 after a bare `6A 81` to SELECT: `Some(region code)` when the
/// application answers (temporarily blocked), `None` when the card refuses with `6A 81`
/// (blocked card).
fn probe_ef05(session: &mut dyn CardSession) -> Result<Option<String>, CardError> {
    let item = records::CARD_ID_CODE;
    let cmd = Command::new(0x00, 0xB2, item.tag, item.sfi << 3).with_le(item.record_len());
    let r = transport::transmit(session, &cmd)?;
    match r.status() {
        StatusWord::Success => {
            let value = records::record_value(item, &r.data)?;
            Ok(Some(records::region_from_id_code(&value)?))
        }
        StatusWord::FunctionNotSupported => Ok(None),
        sw => Err(CardError::Status {
            operation: "READ RECORD EF05 after SELECT answered 6A81",
            sw,
        }),
    }
}
