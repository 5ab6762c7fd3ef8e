//! The rule table of BUSINESS-RULES.md as data: per business, who must be identified, whether
//! the card must be present, the states it may start from, the materials (6.1.3.2 a–e), whether
//! an agent may act, the time limit, the fee and the procedure. The completeness check
//! ([`intake`]), the session engine and the public service guide ([`guide`]) all read this one
//! table, so they cannot disagree.

pub mod agents;
pub mod consequence;
pub mod guide;
pub mod intake;
mod row;
mod table;

pub use row::{
    AgentPolicy, BusinessRule, CardPresence, Fee, Material, Needed, Precondition, Requirement,
    TimeLimit,
};
pub use table::{all, rule, COMPLAINT_CHANNEL};

/// Whether a business runs while a kiosk's agency cannot be reached: those on the card alone.
/// The status query reads the card itself; a PIN change needs only the card (the executor
/// lets it run without a reservation, its record waits in the outbox). Every other business
/// reads or changes the registry, and pauses.
pub fn runs_without_registry(code: crate::domain::BusinessCode) -> bool {
    use crate::domain::BusinessCode;
    matches!(code, BusinessCode::Status | BusinessCode::PinChange)
}
