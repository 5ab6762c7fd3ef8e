//! Staff pages: login against the argon2 hashes of `[[staff]]`, with lockout after repeated
//! failures and idle expiry; the session cookie is `HttpOnly; SameSite=Strict` and limited to
//! `/staff`, and every form carries an anti-forgery token. Every login, failure, logout and
//! page use is audited with the staff user as the actor. The sessions are in [`sessions`], the
//! check every page makes ([`access::authorise`]) and which role opens which page
//! ([`roles_for`]) in [`access`]; login and logout are in [`login`], each page in its own
//! submodule; this module only routes. The pages read and
//! write the store on the handlers' own connections ([`Shared::records`]), never through the
//! citizen's session: a page that takes its time (the audit chain verified) delays no one
//! at the screen.

mod access;
mod applications;
mod archive;
mod audit_log;
pub mod gate;
mod identity;
mod labels;
mod login;
pub(crate) mod pseudonym;
mod selftest;
pub(crate) mod sessions;
mod stats;
mod suggestions;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ui_web::i18n::StaffKey;
use ui_web::StaffPage;

use crate::state::Shared;

use access::{audit, authorise_get, page};
pub use access::{roles_for, Csrf, PageError, Prefs, Who};
pub use gate::LoginGate;
pub use pseudonym::NameKey;
pub use sessions::{StaffSessions, IDLE, LOCKOUT, MAX_FAILURES};

/// The staff routes, merged into the kiosk's router.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/staff", get(home))
        .route("/staff/login", get(login::form).post(login::login))
        .route("/staff/logout", post(login::logout))
        .route("/staff/selftest", get(selftest::show).post(selftest::again))
        .route("/staff/archive", get(archive::show).post(archive::query))
        .route("/staff/stats", get(stats::show).post(stats::period_form))
        .route("/staff/audit", get(audit_log::show))
        .route(
            "/staff/applications",
            get(applications::show).post(applications::move_one),
        )
        .route("/staff/suggestions", get(suggestions::show))
        // issue 19: the staff approval of a citizen's identity.
        .route(
            "/staff/identity",
            get(identity::show).post(identity::decide),
        )
}

/// `GET /staff`: the pages the user's roles open.
pub async fn home(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Home, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    audit(&s, &who.actor(), "staff.home", serde_json::json!({})).await;
    page(
        &who,
        StaffKey::PageHome,
        StatusCode::OK,
        ui_web::Screen::StaffHome {
            nav: who.nav(StaffPage::Home),
        },
    )
}
