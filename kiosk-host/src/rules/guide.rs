//! Service guide (placeholder until written).
