//! Staff pages: login against the argon2 hashes of `[[staff]]`, with lockout after repeated
//! failures and idle expiry; the session cookie is `HttpOnly; SameSite=Strict` and limited to
//! `/staff`, and every form carries an anti-forgery token. Every login, failure, logout and
//! page use is audited with the staff user as the actor. This module holds the sessions and
//! the check every page makes ([`authorise`]); which role opens which page is [`roles_for`];
//! login and logout are in [`login`], each page in its own submodule. The pages read and
//! write the store on the handlers' own connections ([`Shared::records`]), never through the
//! citizen's session: a page that takes its time (the audit chain verified) delays no one
//! at the screen.

mod applications;
mod archive;
mod audit_log;
pub mod gate;
mod labels;
mod login;
mod selftest;
mod sessions;
mod stats;
mod suggestions;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use firmware_config::Role;
use serde::Deserialize;
use ui_web::i18n::StaffKey;
use ui_web::{Lang, StaffNav, StaffPage};

use super::Shared;
use kiosk_core::domain::Actor;
use kiosk_core::store::AuditLog;

pub use gate::LoginGate;
use sessions::StaffSession;
pub use sessions::{StaffSessions, IDLE, LOCKOUT, MAX_FAILURES};

const COOKIE: &str = "kiosk_staff";

/// The key that turns a login name that is no staff user into the audit log's pseudonym
/// (`unknown:<12 hex digits>`, a keyed SHA-256): repeated attempts with one name can be
/// linked, the name itself (perhaps a password or an ID number typed into the wrong field)
/// is never stored. Derived from the database key, so the pseudonyms stay the same across
/// restarts and mean nothing without it.
pub struct NameKey(zeroize::Zeroizing<[u8; 32]>);

impl NameKey {
    pub fn new(key: zeroize::Zeroizing<[u8; 32]>) -> NameKey {
        NameKey(key)
    }

    /// The pseudonym of `name`.
    pub fn pseudonym(&self, name: &str) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.0.as_ref());
        h.update(name.as_bytes());
        format!("unknown:{}", hex::encode(&h.finalize()[..6]))
    }
}

impl std::fmt::Debug for NameKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameKey(..)")
    }
}

/// The roles that may open a staff page (BUSINESS-RULES.md sections 5, 6).
pub fn roles_for(page: StaffPage) -> &'static [Role] {
    use Role::*;
    match page {
        StaffPage::Home => &[FrontDesk, Archive, Technician, Supervisor],
        StaffPage::SelfTest => &[Technician, Supervisor],
        // 7.2: archive queries are for the archive role.
        StaffPage::Archive => &[Archive],
        // 8.2: staff see statistics per business and period.
        StaffPage::Stats => &[FrontDesk, Supervisor],
        // 8.1.1: internal control.
        StaffPage::Audit => &[Supervisor],
        // The same roles as `kiosk application move`.
        StaffPage::Applications => &[FrontDesk, Supervisor],
        // 8.3: suggestions are shown to supervisors.
        StaffPage::Suggestions => &[Supervisor],
    }
}

/// Why a staff page could not do what was asked. Bad input names the field and what to
/// write; the others are the kiosk's own failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    #[error("{0}")]
    Input(String),
    #[error("the database could not be read or written: {0}")]
    Store(#[from] kiosk_core::store::StoreError),
    #[error("the request could not be handled: {0}")]
    Task(String),
}

impl PageError {
    /// The response for a failure that is not the user's input.
    fn response(&self) -> Response {
        log::error!("staff page: {self}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CACHE_CONTROL, "no-store")],
            Html(ui_web::render_page(&super::screens::unavailable())),
        )
            .into_response()
    }
}

/// The logged-in user a request is for.
#[derive(Debug, Clone)]
pub struct Who {
    pub user: String,
    pub roles: Vec<Role>,
    pub csrf: String,
    pub lang: Lang,
}

impl Who {
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.user.clone())
    }

    /// The navigation of a page: the pages this user's roles open.
    pub fn nav(&self, current: StaffPage) -> StaffNav {
        StaffNav {
            user: self.user.clone(),
            pages: StaffPage::ALL
                .into_iter()
                .filter(|p| roles_for(*p).iter().any(|r| self.roles.contains(r)))
                .collect(),
            current,
            csrf: self.csrf.clone(),
        }
    }

    pub fn t(&self, key: StaffKey) -> &'static str {
        key.text(self.lang)
    }
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}

/// Staff pages are in Chinese or English (staff are trained in either).
fn staff_lang(l: Lang) -> Lang {
    match l {
        Lang::Ug => Lang::ZhCn,
        other => other,
    }
}

fn html(lang: Lang, title: &str, screen: ui_web::Screen) -> Response {
    let p = ui_web::Page {
        lang,
        elderly: false,
        title: title.to_string(),
        idle_timeout_s: None,
        in_session: false,
        sim: false,
        attract_after_s: None,
        screen,
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(ui_web::render_page(&p)),
    )
        .into_response()
}

/// A staff page, with `status` (200, or 422 when it shows a problem with the input).
fn page(who: &Who, key: StaffKey, status: StatusCode, screen: ui_web::Screen) -> Response {
    (status, html(who.lang, who.t(key), screen)).into_response()
}

/// The screen's language now (the login page's, before anyone is logged in).
fn lang(s: &Shared) -> firmware_config::Language {
    s.shown().chrome.lang
}

/// Appends an audit entry with the staff user (or the name tried) as the actor.
async fn audit(s: &Shared, actor: &Actor, action: &str, detail: serde_json::Value) {
    let (actor, action, subject) = (actor.clone(), action.to_string(), s.config.kiosk.id.clone());
    let appended = s
        .records
        .run(move |store| {
            store
                .append(&actor, &action, &subject, detail)
                .map_err(|e| format!("audit {action}: {e}"))
        })
        .await;
    match appended {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => log::error!("{e}"),
        Err(e) => log::error!("audit: {e}"),
    }
}

/// Runs `f` on one of the handlers' store connections in a blocking task (the store is
/// synchronous).
async fn with_store<T: Send + 'static>(
    s: &Shared,
    f: impl FnOnce(&kiosk_store::sqlite::SqliteStore) -> T + Send + 'static,
) -> Result<T, PageError> {
    s.records
        .run(f)
        .await
        .map_err(|e| PageError::Task(e.to_string()))
}

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
}

fn token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of the cookie `name`, if the request has it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// `?lang=` on a staff page (the chrome's language links).
#[derive(Debug, Default, Deserialize)]
pub struct Prefs {
    lang: Option<String>,
    page: Option<u32>,
}

/// What a request carries that [`authorise`] checks.
#[derive(Default)]
struct Ask<'a> {
    /// The form's anti-forgery token (forms only; `Some("")` when the form had none).
    csrf: Option<&'a str>,
    /// A language chosen with `?lang=`.
    lang: Option<&'a str>,
}

/// The logged-in user whose roles open `page`, refreshing the session; else the response
/// to send (to the login page, or forbidden).
fn authorise(
    s: &Shared,
    headers: &HeaderMap,
    page: StaffPage,
    ask: Ask<'_>,
) -> Result<Who, Box<Response>> {
    let mut staff = s.staff.lock().unwrap_or_else(|p| p.into_inner());
    let Some(t) = token(headers) else {
        return Err(Box::new(Redirect::to("/staff/login").into_response()));
    };
    let now = Instant::now();
    let Some(session) = staff.live(&t, now) else {
        return Err(Box::new(Redirect::to("/staff/login").into_response()));
    };
    if let Some(c) = ask.csrf {
        if c != session.csrf {
            return Err(Box::new(
                (
                    StatusCode::FORBIDDEN,
                    "表单已失效，请重新打开页面 / the form expired: open the page again",
                )
                    .into_response(),
            ));
        }
    }
    if !session.roles.iter().any(|r| roles_for(page).contains(r)) {
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                "没有此页面的权限 / your role does not allow this page",
            )
                .into_response(),
        ));
    }
    if let Some(l) = ask.lang.and_then(Lang::from_tag) {
        session.lang = staff_lang(l);
    }
    session.last = now;
    Ok(Who {
        user: session.user.clone(),
        roles: session.roles.clone(),
        csrf: session.csrf.clone(),
        lang: session.lang,
    })
}

/// `authorise` for a page shown with `GET` (`?lang=` honoured).
fn authorise_get(
    s: &Shared,
    headers: &HeaderMap,
    page: StaffPage,
    prefs: &Prefs,
) -> Result<Who, Box<Response>> {
    authorise(
        s,
        headers,
        page,
        Ask {
            csrf: None,
            lang: prefs.lang.as_deref(),
        },
    )
}

/// `authorise` for a form post: the token must match.
fn authorise_form(
    s: &Shared,
    headers: &HeaderMap,
    page: StaffPage,
    csrf: &str,
) -> Result<Who, Box<Response>> {
    authorise(
        s,
        headers,
        page,
        Ask {
            csrf: Some(csrf),
            lang: None,
        },
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

/// A form with only the anti-forgery token. A form without one is treated as a wrong one.
#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    csrf: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reaches_the_home_and_only_the_archive_role_the_archive() {
        for role in [
            Role::FrontDesk,
            Role::Archive,
            Role::Technician,
            Role::Supervisor,
        ] {
            assert!(roles_for(StaffPage::Home).contains(&role));
            assert_eq!(
                roles_for(StaffPage::Archive).contains(&role),
                role == Role::Archive
            );
        }
        let who = Who {
            user: "desk".into(),
            roles: vec![Role::FrontDesk],
            csrf: String::new(),
            lang: Lang::ZhCn,
        };
        assert_eq!(
            who.nav(StaffPage::Home).pages,
            [StaffPage::Home, StaffPage::Stats, StaffPage::Applications]
        );
    }
}
