//! The simulated payment provider: orders kept in memory, paid, expired or failed by the
//! simulator's controls (`POST /api/sim/payment`, the `/sim` panel) as a citizen's payment app
//! and the provider would; refunds are recorded on the order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use kiosk_core::payment::{PayState, Payment, PaymentError, PaymentRequest};

/// One order.
#[derive(Debug, Clone)]
struct Order {
    case_id: String,
    amount_fen: i64,
    state: PayState,
}

/// The simulated provider.
#[derive(Debug, Default)]
pub struct SimPayment {
    orders: Mutex<BTreeMap<String, Order>>,
    next: AtomicU64,
}

impl SimPayment {
    fn orders(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Order>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Settles a pending order (the newest when `order_id` is `None`) as `to` (paid,
    /// expired or failed); returns its id, or why not.
    pub fn settle(&self, order_id: Option<&str>, to: PayState) -> Result<String, String> {
        let mut orders = self.orders();
        let id = match order_id {
            Some(id) => id.to_string(),
            None => orders
                .iter()
                .rev()
                .find(|(_, o)| o.state == PayState::Pending)
                .map(|(id, _)| id.clone())
                .ok_or("no pending payment order")?,
        };
        let order = orders
            .get_mut(&id)
            .ok_or_else(|| format!("no order {id}"))?;
        if order.state != PayState::Pending {
            return Err(format!("order {id} is {:?}, not pending", order.state));
        }
        order.state = to;
        Ok(id)
    }

    /// Every order as (id, case, amount, state), oldest first.
    pub fn list(&self) -> Vec<(String, String, i64, PayState)> {
        self.orders()
            .iter()
            .map(|(id, o)| (id.clone(), o.case_id.clone(), o.amount_fen, o.state))
            .collect()
    }
}

impl Payment for SimPayment {
    fn request(&self, case_id: &str, amount_fen: i64) -> Result<PaymentRequest, PaymentError> {
        if amount_fen <= 0 {
            return Err(PaymentError::Refused(format!(
                "an order of {amount_fen} fen"
            )));
        }
        // Zero-padded, so the map's order is the orders' order.
        let order_id = format!("SIMPAY-{:08}", self.next.fetch_add(1, Ordering::SeqCst) + 1);
        self.orders().insert(
            order_id.clone(),
            Order {
                case_id: case_id.to_string(),
                amount_fen,
                state: PayState::Pending,
            },
        );
        Ok(PaymentRequest {
            qr: format!("simpay://pay?order={order_id}&fen={amount_fen}"),
            order_id,
            case_id: case_id.to_string(),
            amount_fen,
        })
    }

    fn state(&self, order_id: &str) -> Result<PayState, PaymentError> {
        self.orders()
            .get(order_id)
            .map(|o| o.state)
            .ok_or_else(|| PaymentError::UnknownOrder(order_id.to_string()))
    }

    fn refund(&self, order_id: &str) -> Result<(), PaymentError> {
        let mut orders = self.orders();
        let order = orders
            .get_mut(order_id)
            .ok_or_else(|| PaymentError::UnknownOrder(order_id.to_string()))?;
        if order.state != PayState::Paid {
            return Err(PaymentError::Refused(format!(
                "order {order_id} is {:?}, not paid",
                order.state
            )));
        }
        order.state = PayState::Refunded;
        Ok(())
    }

    fn close(&self, order_id: &str) -> Result<(), PaymentError> {
        let mut orders = self.orders();
        let order = orders
            .get_mut(order_id)
            .ok_or_else(|| PaymentError::UnknownOrder(order_id.to_string()))?;
        if order.state == PayState::Pending {
            order.state = PayState::Expired;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_are_paid_expired_failed_and_refunded_once() {
        let p = SimPayment::default();
        let a = p.request("K1-1", 2000).expect("order");
        let b = p.request("K1-2", 2000).expect("order");
        assert_eq!(p.state(&a.order_id).ok(), Some(PayState::Pending));
        // The newest pending order is settled by default.
        assert_eq!(p.settle(None, PayState::Paid), Ok(b.order_id.clone()));
        assert_eq!(
            p.settle(Some(&a.order_id), PayState::Expired),
            Ok(a.order_id.clone())
        );
        assert!(p.settle(None, PayState::Paid).is_err(), "none pending");
        assert!(
            p.refund(&a.order_id).is_err(),
            "an expired order took nothing"
        );
        p.refund(&b.order_id).expect("refund");
        assert_eq!(p.state(&b.order_id).ok(), Some(PayState::Refunded));
        assert!(p.refund(&b.order_id).is_err(), "refunded once");
        assert!(p.request("K1-3", 0).is_err());
    }
}
