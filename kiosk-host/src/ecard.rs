//! E-card tokens (placeholder until written).
