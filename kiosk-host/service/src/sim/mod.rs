//! `kiosk serve --sim`: simulated hardware and the controls tests and the developer panel
//! use. The card and the PSAM are hw-sim's card OS on its in-process reader backend; the ID
//! card module, the QR scanner and the receipt printer are hw-sim's devices on
//! pseudo-terminals, opened by the kiosk's production device threads by their `/dev/pts/N`
//! paths; the camera serves scenes built from photographs.
//!
//! - [`cards`]: the card reader (insert, pull, unplug and plug back) and the camera's scene.
//! - [`serial`]: the ID card module (place or lift a person's card, faults), the QR scanner
//!   (scan a text or a demo person's e-card code), the printer (paper, silence, receipts
//!   decoded from the ESC/POS bytes it received).
//! - [`clock`]: the kiosk's clock moved forward (days passing).
//! - [`payment`]: the simulated payment provider, its orders paid, expired or failed
//!   ([`payment_http`]: over HTTP).
//! - [`panel`]: the `/sim` page and its forms.
//! - [`hardware`]: the simulated devices themselves ([`SimDevices`]).
//! - [`hang`]: the session actor made to hang (the watchdog's test).
//! - [`face`]: who stands at the camera during the identity step's face match
//!   ([`face_http`]: chosen over HTTP).

mod answers;
pub mod cards;
pub mod clock;
pub mod face;
pub mod face_http;
// issue 20: the actor hung on purpose, for the watchdog test.
pub mod hang;
pub mod hardware;
pub mod panel;
pub mod payment;
pub mod payment_http;
pub mod serial;

pub use cards::{camera_scene, insert_card, reader, remove_card, SCENES};
pub use hardware::{SimDevices, SimSetupError};
pub use panel::{
    panel, panel_card, panel_id_fault, panel_idcard, panel_printer, panel_qr, panel_reader,
    panel_remove, panel_scene,
};
pub use serial::{
    ecard_qr, id_module_fault, lift_id_card, place_id_card, printer, printer_get, scan_qr,
};

use crate::state::Shared;

/// The simulator's routes: `/api/sim/…` (JSON) and the `/sim` panel with its forms. Only a
/// kiosk running on simulated hardware has them.
pub fn routes() -> axum::Router<std::sync::Arc<Shared>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/sim/card", post(insert_card).delete(remove_card))
        .route("/api/sim/card/again", post(cards::insert_again))
        .route("/api/sim/idcard", post(place_id_card).delete(lift_id_card))
        .route("/api/sim/idmodule", post(id_module_fault))
        .route("/api/sim/qr", post(scan_qr))
        .route("/api/sim/ecard-qr", get(ecard_qr))
        .route("/api/sim/printer", get(printer_get).post(printer))
        .route("/api/sim/reader", post(reader))
        .route("/api/sim/scene", post(camera_scene))
        // issue 17: time passing (a temporary loss lifting on the actor's timer)
        .route("/api/sim/clock", post(clock::advance_clock))
        .route(
            "/api/sim/payment",
            post(payment_http::settle_payment).get(payment_http::payments),
        )
        .route("/sim", get(panel))
        .route("/sim/card", post(panel_card))
        .route("/sim/card/remove", post(panel_remove))
        .route("/sim/reader", post(panel_reader))
        .route("/sim/idcard", post(panel_idcard))
        .route("/sim/idmodule", post(panel_id_fault))
        .route("/sim/qr", post(panel_qr))
        .route("/sim/printer", post(panel_printer))
        .route("/sim/scene", post(panel_scene))
        .route("/api/sim/hang", post(hang::hang))
        // issue 19: who stands at the camera during a face match.
        .route("/api/sim/face", post(face_http::set_scene))
        .route("/sim/face", post(face_http::panel_scene))
}
