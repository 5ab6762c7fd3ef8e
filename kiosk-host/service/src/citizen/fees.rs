//! Fees at the kiosk (issue 17, item 7; BUSINESS-RULES.md section 8). "Confirm" on a business
//! with a fee first asks for the payment ([`gate`]): the kiosk's payment provider opens an
//! order whose QR code the citizen pays, and only once it is paid ([`poll`], on the actor's
//! tick) does the business go on to the card; or, where the outlet takes payment at the
//! counter (`[business] pay_at_counter`, or no provider), a pay-at-counter slip is printed and
//! the card is never touched. A payment taken for a business that then failed is refunded
//! through the same provider ([`settle`]); every step is audited (`payment.*`). With the
//! default fee of 0 none of this happens.

use firmware_config::Language;
use kiosk_core::domain::Actor;
use kiosk_core::engine::session::Phase;
use kiosk_core::payment::{self, HowToPay, PayState};
use kiosk_core::text::Tri;
use serde_json::json;

use super::live::Live;
pub use super::live::Paying;
use crate::kit::Kit;

/// What "confirm" does about the fee.
#[derive(Debug)]
pub enum Gate {
    /// Nothing to pay, or paid: the business goes on.
    Go,
    /// A payment is open: the citizen pays it first.
    Wait,
    /// Pay at the counter: the slip, printed and shown; the business stops here.
    Counter(Vec<String>),
    /// The provider could not open the payment.
    Problem(String),
}

fn audit(kit: &Kit, action: &str, case_id: &str, detail: serde_json::Value) {
    if let Err(e) = kit
        .store
        .get()
        .append(&Actor::System, action, case_id, detail)
    {
        log::error!("{action} of case {case_id} not audited: {e}");
    }
}

/// Decides what "confirm" does about the fee of the session's business.
pub fn gate(kit: &Kit, live: &mut Live, lang: Language) -> Gate {
    if live
        .paying
        .as_ref()
        .is_some_and(|p| p.state == PayState::Paid)
    {
        return Gate::Go;
    }
    let business = live.session.business;
    let how = payment::how_to_pay(business, &kit.config.business, kit.payment.is_some());
    let (fen, provider) = match (how, &kit.payment) {
        (HowToPay::Free, _) => return Gate::Go,
        (HowToPay::AtKiosk { fen }, Some(p)) => (fen, p),
        (HowToPay::AtCounter { fen } | HowToPay::AtKiosk { fen }, _) => {
            let lines = counter_slip(live, fen, lang);
            audit(
                kit,
                "payment.counter_slip",
                &live.session.case_id,
                json!({ "amount_fen": fen }),
            );
            if let Some(print) = &kit.print {
                if let Err(e) = print(&lines) {
                    log::warn!("pay-at-counter slip not printed: {e}");
                }
            }
            return Gate::Counter(lines);
        }
    };
    if live
        .paying
        .as_ref()
        .is_some_and(|p| p.state == PayState::Pending)
    {
        return Gate::Wait;
    }
    match provider.request(&live.session.case_id, fen) {
        Ok(request) => {
            audit(
                kit,
                "payment.requested",
                &live.session.case_id,
                json!({ "order": request.order_id, "amount_fen": fen }),
            );
            live.paying = Some(Paying {
                request,
                state: PayState::Pending,
            });
            Gate::Wait
        }
        Err(e) => {
            log::warn!("payment for case {}: {e}", live.session.case_id);
            Gate::Problem(
                Tri::new(
                    "暂时无法在本机缴费,请到服务窗口办理",
                    "paying at this kiosk is not possible right now; please go to a service counter",
                    "ھازىر بۇ ئۈسكۈنىدە ھەق تۆلىگىلى بولمايدۇ، مۇلازىمەت كۆزنىكىگە بېرىڭ",
                )
                .pick(lang)
                .to_string(),
            )
        }
    }
}

/// On the actor's tick: where the open payment stands. True when it was just paid: the
/// business goes on (the caller confirms it). An expired or failed payment takes the citizen
/// back to the confirm screen, with the reason.
pub fn poll(kit: &Kit, live: &mut Live, lang: Language) -> bool {
    let (Some(paying), Some(provider)) = (live.paying.as_mut(), &kit.payment) else {
        return false;
    };
    if paying.state != PayState::Pending {
        return false;
    }
    let state = match provider.state(&paying.request.order_id) {
        Ok(s) => s,
        Err(e) => {
            log::warn!("payment order {}: {e}", paying.request.order_id);
            return false;
        }
    };
    if state == PayState::Pending {
        return false;
    }
    paying.state = state;
    let order = paying.request.order_id.clone();
    let case_id = live.session.case_id.clone();
    match state {
        PayState::Paid => {
            audit(kit, "payment.paid", &case_id, json!({ "order": order }));
            true
        }
        other => {
            audit(
                kit,
                "payment.not_paid",
                &case_id,
                json!({ "order": order, "state": format!("{other:?}") }),
            );
            live.paying = None;
            live.problem = Some(
                Tri::new(
                    "支付未完成,未收取任何费用;可再次确认缴费或取消办理",
                    "the payment did not go through and nothing was taken; confirm to pay again, or cancel",
                    "ھەق تۆلەش تاماملانمىدى، ھېچ نەرسە ئېلىنمىدى؛ قايتا جەزملەپ تۆلەڭ ياكى بىكار قىلىڭ",
                )
                .pick(lang)
                .to_string(),
            );
            false
        }
    }
}

/// After each engine step: a paid business that failed is refunded through the provider and
/// the refund audited; an order still open when the session ends is closed, so it can no
/// longer be paid.
pub fn settle(kit: &Kit, live: &mut Live) {
    let Some(provider) = &kit.payment else {
        return;
    };
    let Some(paying) = live.paying.as_mut() else {
        return;
    };
    let case_id = live.session.case_id.clone();
    let order = paying.request.order_id.clone();
    match (paying.state, &live.session.phase) {
        (PayState::Paid, Phase::Failed { .. }) => match provider.refund(&order) {
            Ok(()) => {
                paying.state = PayState::Refunded;
                audit(
                    kit,
                    "payment.refunded",
                    &case_id,
                    json!({ "order": order, "amount_fen": paying.request.amount_fen }),
                );
            }
            Err(e) => {
                log::error!("refund of order {order} (case {case_id}): {e}");
                audit(
                    kit,
                    "payment.refund_failed",
                    &case_id,
                    json!({ "order": order, "error": e.to_string() }),
                );
            }
        },
        (PayState::Pending, _) if live.session.is_over() => {
            if let Err(e) = provider.close(&order) {
                log::warn!("closing order {order}: {e}");
            }
            paying.state = PayState::Expired;
        }
        _ => {}
    }
}

/// The pay-at-counter slip: the business, the case number, the amount, and that nothing was
/// done to the card.
fn counter_slip(live: &Live, fen: i64, lang: Language) -> Vec<String> {
    let name = kiosk_core::rules::rule(live.session.business)
        .name
        .pick(lang)
        .to_string();
    let yuan = payment::yuan(fen);
    let t = |zh: String, en: String, ug: String| Tri::new(zh, en, ug).pick(lang).clone();
    vec![
        t(
            "社会保障卡业务缴费单".into(),
            "Payment slip".into(),
            "ھەق تۆلەش تالونى".into(),
        ),
        t(
            format!("业务: {name}"),
            format!("Service: {name}"),
            format!("مۇلازىمەت: {name}"),
        ),
        t(
            format!("办件编号: {}", live.session.case_id),
            format!("Case number: {}", live.session.case_id),
            format!("ئىش نومۇرى: {}", live.session.case_id),
        ),
        t(
            format!("应缴金额: {yuan} 元"),
            format!("Amount: CNY {yuan}"),
            format!("تۆلەيدىغان سومما: {yuan} يۈەن"),
        ),
        t(
            "请持本单到服务窗口缴费并办理;本机未对您的卡做任何操作".into(),
            "Pay at a service counter with this slip, where the business is done; nothing was done to your card here".into(),
            "بۇ تالون بىلەن مۇلازىمەت كۆزنىكىدە ھەق تۆلەپ بېجىرىڭ؛ بۇ يەردە كارتىڭىزغا ھېچ ئىش قىلىنمىدى".into(),
        ),
    ]
}

/// The screen of a fee being paid (the QR code) or to pay at the counter (the slip).
pub fn screen(
    live: &Live,
    business: String,
    settings: &firmware_config::Business,
    lang: Language,
) -> ui_web::view::Screen {
    let fen = live.paying.as_ref().map_or_else(
        || payment::fee_fen(live.session.business, settings),
        |p| p.request.amount_fen,
    );
    let amount = Tri::new(
        format!("{} 元", payment::yuan(fen)),
        format!("CNY {}", payment::yuan(fen)),
        format!("{} يۈەن", payment::yuan(fen)),
    )
    .pick(lang)
    .clone();
    ui_web::view::Screen::Pay {
        business,
        amount,
        qr: live
            .paying
            .as_ref()
            .filter(|p| p.state == PayState::Pending)
            .map(|p| p.request.qr.clone()),
        slip: live.counter_slip.clone().unwrap_or_default(),
        problem: live.problem.clone(),
    }
}
