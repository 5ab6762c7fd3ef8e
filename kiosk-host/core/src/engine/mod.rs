//! The business engine: sessions as pure state machines ([`session`]: the reducer; its state,
//! events and effects in `state`), the per-business decisions ([`plan`], with `refusal` and
//! `ctx`), the identity step before anything irreversible ([`identity`]), and the executor that runs their effects with an intent journal ([`executor`]).

mod ctx;
pub mod driver;
pub mod executor;
mod face;
pub mod facts;
pub mod failure;
pub mod identity;
mod next_steps;
pub mod plan;
mod refusal;
pub mod session;
pub mod staff;
mod state;
