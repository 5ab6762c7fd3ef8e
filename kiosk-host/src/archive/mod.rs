//! Archives (存档, clauses 6.4 and 7): archive numbers, monthly sealed batches and their
//! export and verification.

pub mod number;
pub mod seal;
