//! The business engine: sessions as pure state machines ([`session`]), and the executor that
//! runs their effects with an intent journal ([`executor`]).

pub mod driver;
pub mod executor;
pub mod facts;
pub mod failure;
pub mod plan;
pub mod session;
pub mod staff;
