//! The business engine: sessions as pure state machines ([`session`]), and the executor that
//! runs their effects with an intent journal ([`executor`]).

use serde::{Deserialize, Serialize};

/// A card command that changes the card, as the journal records it (never with a PIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardAction {
    /// 启用: CHANGE PIN from the initial PIN to the holder's.
    Activate,
    /// CHANGE PIN.
    ChangePin,
    /// RESET PIN through the PSAM.
    ResetPin,
    /// UNBLOCK PIN through the PSAM.
    UnblockPin,
    /// APPLICATION BLOCK (temporary or permanent).
    BlockApp { permanent: bool },
    /// APPLICATION UNBLOCK.
    UnblockApp,
    /// CARD BLOCK (irreversible).
    BlockCard,
}

pub mod driver;
pub mod executor;
pub mod facts;
pub mod failure;
pub mod plan;
pub mod session;
pub mod staff;
