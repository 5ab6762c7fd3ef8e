//! Fees (BUSINESS-RULES.md section 8): a business with a fee is paid for *before* anything
//! irreversible happens, through a [`Payment`] provider, and a payment taken for a business
//! that then failed is refunded through the same provider (the service audits both). Where
//! the outlet takes payment at the counter (`[business] pay_at_counter`), the kiosk prints a
//! pay-at-counter slip and stops before the card is touched. The default fee is 0: nothing
//! changes where none is charged.

use firmware_config::Business;

use crate::domain::BusinessCode;
use crate::rules::{self, Fee};

/// The fee of `business` under `settings`, in fen (0: free).
pub fn fee_fen(business: BusinessCode, settings: &Business) -> i64 {
    match rules::rule(business).fee {
        Fee::Free => 0,
        Fee::ReplacementFee => settings.replacement_fee_fen.max(0),
    }
}

/// How the citizen pays a fee at this kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HowToPay {
    /// Nothing to pay.
    Free,
    /// At the kiosk, through its payment provider, before the card is touched.
    AtKiosk { fen: i64 },
    /// At the counter: a slip is printed and nothing irreversible happens at the kiosk.
    AtCounter { fen: i64 },
}

/// How `business` is paid for: free, at the kiosk (when it has a provider and the outlet
/// takes payment there), or at the counter.
pub fn how_to_pay(business: BusinessCode, settings: &Business, has_provider: bool) -> HowToPay {
    match fee_fen(business, settings) {
        0 => HowToPay::Free,
        fen if settings.pay_at_counter || !has_provider => HowToPay::AtCounter { fen },
        fen => HowToPay::AtKiosk { fen },
    }
}

/// A payment asked of the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The provider's order number.
    pub order_id: String,
    pub case_id: String,
    pub amount_fen: i64,
    /// What the payment QR code encodes (the citizen scans it with a payment app).
    pub qr: String,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayState {
    Pending,
    Paid,
    /// Not paid in time; nothing was taken.
    Expired,
    /// The provider refused it; nothing was taken.
    Failed,
    /// Paid, then given back.
    Refunded,
}

/// Why the provider could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("the payment provider cannot be reached: {0}")]
    Unavailable(String),
    #[error("no such payment order: {0}")]
    UnknownOrder(String),
    #[error("the payment provider refused: {0}")]
    Refused(String),
}

/// A payment provider.
pub trait Payment: Send + Sync {
    /// Opens an order of `amount_fen` for `case_id`; the citizen pays it by its QR code.
    fn request(&self, case_id: &str, amount_fen: i64) -> Result<PaymentRequest, PaymentError>;
    /// Where the order stands.
    fn state(&self, order_id: &str) -> Result<PayState, PaymentError>;
    /// Gives a paid order back in full.
    fn refund(&self, order_id: &str) -> Result<(), PaymentError>;
    /// Closes an order not paid (the session ended): a later payment of it is refused.
    fn close(&self, order_id: &str) -> Result<(), PaymentError>;
}

/// Yuan as the receipt and the screens write it ("20.00").
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_configured_fee_is_charged_and_the_setting_says_where() {
        let free = Business::default();
        assert_eq!(fee_fen(BusinessCode::Replace, &free), 0);
        assert_eq!(
            how_to_pay(BusinessCode::Replace, &free, true),
            HowToPay::Free
        );
        let charged = Business {
            replacement_fee_fen: 2000,
            ..Business::default()
        };
        assert_eq!(
            how_to_pay(BusinessCode::Exchange, &charged, true),
            HowToPay::AtKiosk { fen: 2000 }
        );
        assert_eq!(
            how_to_pay(BusinessCode::Exchange, &charged, false),
            HowToPay::AtCounter { fen: 2000 }
        );
        assert_eq!(
            how_to_pay(BusinessCode::Apply, &charged, true),
            HowToPay::Free
        );
        let counter = Business {
            pay_at_counter: true,
            ..charged
        };
        assert_eq!(
            how_to_pay(BusinessCode::Replace, &counter, true),
            HowToPay::AtCounter { fen: 2000 }
        );
        assert_eq!(yuan(2000), "20.00");
        assert_eq!(yuan(1050), "10.50");
    }
}
