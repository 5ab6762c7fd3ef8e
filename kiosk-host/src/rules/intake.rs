//! Completeness check (placeholder until written).
