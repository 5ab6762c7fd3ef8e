//! The kiosk host: business rules and the technician's commands.
//!
//! - [`pin_policy`]: which PINs a holder may set (BUSINESS-RULES.md section 1).
//! - [`card_ops`]: the card operations behind `kiosk card …`, on any reader provider.
//! - [`mask`]: masking of personal data for screens and receipts.

pub mod card_ops;
pub mod mask;
pub mod pin_policy;
