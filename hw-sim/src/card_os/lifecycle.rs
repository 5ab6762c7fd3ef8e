//! Where the SSSE application is in its life (CARD-PROFILE.md section 4): what the card OS
//! answers in each state, and what card files set.

use serde::{Deserialize, Serialize};

/// Where the SSSE application is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Active,
    /// SELECT answers FCI + `6283` (or `6A81`); only EF05 can be read.
    TemporarilyBlocked,
    /// Every command answers `9303`.
    PermanentlyBlocked,
    /// Every command answers `6A81`.
    CardBlocked,
}
