//! What every staff page does with a request: find the logged-in user whose roles open it
//! ([`authorise`], from the session cookie and, on forms, the anti-forgery token), answer in
//! the staff's language ([`page`]), audit what was done ([`audit`]) and run store work on the
//! handlers' connections ([`with_store`]). Which role opens which page is [`roles_for`].

use std::time::Instant;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use firmware_config::Role;
use serde::Deserialize;
use ui_web::i18n::StaffKey;
use ui_web::{Lang, StaffNav, StaffPage};

use crate::screens;
use crate::state::Shared;
use kiosk_core::domain::Actor;
use kiosk_core::store::AuditLog;

/// The staff session's cookie.
pub(super) const COOKIE: &str = "kiosk_staff";

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
        // issue 19: the front desk checks identities in person.
        StaffPage::Identity => &[FrontDesk, Supervisor],
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
    pub(super) fn response(&self) -> Response {
        log::error!("staff page: {self}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CACHE_CONTROL, "no-store")],
            Html(ui_web::render_page(&screens::unavailable())),
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

pub(super) fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}

/// Staff pages are in Chinese or English (staff are trained in either).
pub(super) fn staff_lang(l: Lang) -> Lang {
    match l {
        Lang::Ug => Lang::ZhCn,
        other => other,
    }
}

pub(super) fn html(lang: Lang, title: &str, screen: ui_web::Screen) -> Response {
    let p = ui_web::Page {
        lang,
        elderly: false,
        title: title.to_string(),
        idle_timeout_s: None,
        in_session: false,
        sim: false,
        attract_after_s: None,
        staff_called: false,
        screen,
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(ui_web::render_page(&p)),
    )
        .into_response()
}

/// A staff page, with `status` (200, or 422 when it shows a problem with the input).
pub(super) fn page(
    who: &Who,
    key: StaffKey,
    status: StatusCode,
    screen: ui_web::Screen,
) -> Response {
    (status, html(who.lang, who.t(key), screen)).into_response()
}

/// The screen's language now (the login page's, before anyone is logged in).
pub(super) fn lang(s: &Shared) -> firmware_config::Language {
    s.shown().chrome.lang
}

/// Appends an audit entry with the staff user (or the name tried) as the actor.
pub(super) async fn audit(s: &Shared, actor: &Actor, action: &str, detail: serde_json::Value) {
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
pub(super) async fn with_store<T: Send + 'static>(
    s: &Shared,
    f: impl FnOnce(&kiosk_store::sqlite::SqliteStore) -> T + Send + 'static,
) -> Result<T, PageError> {
    s.records
        .run(f)
        .await
        .map_err(|e| PageError::Task(e.to_string()))
}

pub(super) fn token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of the cookie `name`, if the request has it (RFC 6265's `cookie-string`: pairs
/// separated by `;`, in any number of `Cookie` headers).
///
/// Hand-written on purpose: `axum-extra`'s `CookieJar` (and the `cookie` crate under it) is
/// not in the crate registry this workspace builds from offline, and the kiosk reads two
/// cookies it set itself (the staff session and the login form's token), both opaque
/// base64url values that need no percent-decoding; their attributes are written where they
/// are set (`staff::login`).
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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
    pub(super) lang: Option<String>,
    pub(super) page: Option<u32>,
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
pub(super) fn authorise_get(
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
pub(super) fn authorise_form(
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

/// A form with only the anti-forgery token. A form without one is treated as a wrong one.
#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    pub(super) csrf: String,
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
            [
                StaffPage::Home,
                StaffPage::Stats,
                StaffPage::Applications,
                StaffPage::Identity
            ]
        );
    }
}
