//! Monthly sealing (placeholder until written).
