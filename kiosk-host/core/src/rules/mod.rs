//! The rule table of BUSINESS-RULES.md as data: per business, who must be identified, whether
//! the card must be present, the states it may start from, the materials (6.1.3.2 a–e), whether
//! an agent may act, the time limit, the fee and the procedure. The completeness check
//! ([`intake`]), the session engine and the public service guide ([`guide`]) all read this one
//! table, so they cannot disagree.

pub mod guide;
pub mod intake;
mod row;
mod table;

pub use row::{
    AgentPolicy, BusinessRule, CardPresence, Fee, Material, Needed, Precondition, Requirement,
    TimeLimit,
};
pub use table::{all, rule, COMPLAINT_CHANNEL};
