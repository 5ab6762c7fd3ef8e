//! Staff login against the agency's staff accounts on a kiosk with `[agency]`, else (and
//! while the agency does not answer) against the argon2 hashes of `[[staff]]` (lockout after
//! [`MAX_FAILURES`] failures for [`LOCKOUT`]), and logout. Both audited with the user as the actor. A name
//! that is not a staff user costs the same argon2 check as a wrong password, and gets the same
//! answer, so neither the time nor the text tells a guesser which names exist.

use crate::extract::PageForm;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHasher};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ui_web::StaffPage;
use zeroize::Zeroize;

use super::access::{
    audit, authorise_form, cookie, html, lang, random_hex, staff_lang, token, Csrf, COOKIE,
};
use super::sessions::{StaffSession, LOCKOUT};
use crate::state::Shared;
use kiosk_core::domain::Actor;
use kiosk_store::agency::StaffCheck;

/// The cookie holding the login form's anti-forgery token (login CSRF: a page elsewhere
/// cannot log the kiosk's browser in as someone else, as it can read neither the cookie nor
/// the form).
const LOGIN_COOKIE: &str = "kiosk_login";

/// The login page with a fresh anti-forgery token, in the form and in its cookie.
fn login_page(s: &Shared, problem: Option<String>) -> Response {
    login_page_with(s, StatusCode::OK, problem)
}

fn login_page_with(s: &Shared, status: StatusCode, problem: Option<String>) -> Response {
    let csrf = random_hex(16);
    let page = html(
        staff_lang(crate::screens::lang(lang(s))),
        "工作人员登录 / Staff login",
        ui_web::Screen::StaffLogin {
            problem,
            csrf: csrf.clone(),
        },
    );
    (
        status,
        [(
            header::SET_COOKIE,
            format!("{LOGIN_COOKIE}={csrf}; Path=/staff/login; HttpOnly; SameSite=Strict"),
        )],
        page,
    )
        .into_response()
}

/// `GET /staff/login`.
pub async fn form(State(s): State<Arc<Shared>>) -> Response {
    login_page(&s, None)
}

#[derive(Deserialize)]
pub struct Login {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
}

/// Whether the form's token is the one its cookie holds (both present, equal in constant
/// time).
fn login_token_matches(headers: &HeaderMap, form: &str) -> bool {
    let Some(cookie) = cookie(headers, LOGIN_COOKIE) else {
        return false;
    };
    !form.is_empty()
        && cookie.len() == form.len()
        && cookie
            .bytes()
            .zip(form.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

impl Drop for Login {
    fn drop(&mut self) {
        self.password.zeroize();
    }
}

/// The longest user name looked up; a longer one is a wrong login (and is not written to the
/// audit log in full).
const MAX_USER: usize = 64;

/// An argon2id hash of a random password, checked when the name is not a staff user, so an
/// unknown name takes as long as a known one.
fn decoy_hash() -> Option<&'static str> {
    static DECOY: OnceLock<Option<String>> = OnceLock::new();
    DECOY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            Argon2::default()
                .hash_password(random_hex(16).as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| log::error!("decoy password hash: {e}"))
                .ok()
        })
        .as_deref()
}

/// `POST /staff/login`.
pub async fn login(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<Login>,
) -> Response {
    if !login_token_matches(&headers, &form.csrf) {
        return login_page_with(
            &s,
            StatusCode::FORBIDDEN,
            Some("登录表单已失效，请重试 / the login form expired: try again".into()),
        );
    }
    // The name as typed (cleaned) for the lookup; the audit log gets it only when it is a
    // staff user's, else its pseudonym.
    let user = kiosk_core::text::clean_cut(&form.user, MAX_USER + 1);
    let known = user.chars().count() <= MAX_USER && s.config.staff.iter().any(|a| a.user == user);
    let actor = if known {
        Actor::Staff(user.clone())
    } else {
        Actor::Staff(s.login_names.pseudonym(&form.user))
    };
    let locked = s
        .staff
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .locked(&user, Instant::now());
    if locked {
        audit(&s, &actor, "staff.login_locked", serde_json::json!({})).await;
        return login_page(
            &s,
            Some(format!(
                "登录失败次数过多，请 {} 分钟后再试 / too many failed logins: try again in {} minutes",
                LOCKOUT.as_secs() / 60,
                LOCKOUT.as_secs() / 60
            )),
        );
    }
    let password = std::mem::take(&mut { form }.password);
    // On a kiosk with an agency the agency decides, and its answer stands (a member removed
    // there is refused here at once). The kiosk's own `[[staff]]` accounts count only while
    // the agency does not answer: a technician at a kiosk cut off from it.
    let (password, offline) = match &s.agency {
        Some(agency) if user.chars().count() <= MAX_USER => {
            match ask_agency(agency, &user, password).await {
                AgencyAnswer::Member { user, roles } => {
                    return open_session(&s, user, roles, "agency").await;
                }
                AgencyAnswer::Refused => return refuse(&s, &user, &actor).await,
                AgencyAnswer::Unanswered { why, password } => {
                    log::warn!("staff login: the agency did not answer ({why}); local accounts");
                    (password, true)
                }
            }
        }
        _ => (password, false),
    };
    let account = s
        .config
        .staff
        .iter()
        .find(|a| a.user == user && user.chars().count() <= MAX_USER)
        .map(|a| (a.password_hash.clone(), a.roles.clone()));
    // The same work for a name that is no staff user (the decoy); never a match then.
    let (hash, roles) = match account {
        Some((hash, roles)) => (Some(hash), roles),
        None => (decoy_hash().map(str::to_string), Vec::new()),
    };
    let checked = match hash {
        Some(hash) => s.login_gate.verify(hash, password).await,
        None => Ok(false),
    };
    let verified = match checked {
        Ok(true) if known => Some(roles),
        Ok(_) => None,
        Err(busy) => {
            log::debug!("login not checked: {busy:?}");
            return login_page_with(
                &s,
                StatusCode::TOO_MANY_REQUESTS,
                Some(
                    "登录尝试过多，请稍后再试 / too many login attempts: try again shortly".into(),
                ),
            );
        }
    };
    match verified {
        Some(roles) => {
            let via = if offline {
                "kiosk account, agency unreachable"
            } else {
                "kiosk account"
            };
            open_session(&s, user, roles, via).await
        }
        None if offline => {
            failed(&s, &user, &actor).await;
            login_page(
                &s,
                Some(
                    "无法连接社保卡管理系统核对工作人员账号，且本机没有此账号 / the agency cannot be reached to check staff accounts, and this kiosk has no such account"
                        .into(),
                ),
            )
        }
        None => refuse(&s, &user, &actor).await,
    }
}

/// What the agency said about a login, with the password back when it said nothing.
enum AgencyAnswer {
    Member {
        user: String,
        roles: Vec<firmware_config::Role>,
    },
    Refused,
    Unanswered {
        why: String,
        password: String,
    },
}

/// Asks the agency about `user` and `password` (a blocking call with the agency's deadline,
/// off the async threads). The password is wiped unless it comes back for the local check.
async fn ask_agency(
    agency: &Arc<kiosk_store::AgencyStore>,
    user: &str,
    mut password: String,
) -> AgencyAnswer {
    let agency = Arc::clone(agency);
    let name = user.to_string();
    let mut sent = password.clone();
    let asked = tokio::task::spawn_blocking(move || agency.staff_login(&name, &mut sent)).await;
    let answer = match asked {
        Ok(StaffCheck::Member { user, roles }) => AgencyAnswer::Member { user, roles },
        Ok(StaffCheck::Refused) => AgencyAnswer::Refused,
        Ok(StaffCheck::Unanswered(why)) => {
            return AgencyAnswer::Unanswered { why, password };
        }
        Err(e) => {
            return AgencyAnswer::Unanswered {
                why: format!("the login check stopped: {e}"),
                password,
            };
        }
    };
    password.zeroize();
    answer
}

/// A failed login counted (lockout, the login gate) and audited.
async fn failed(s: &Shared, user: &str, actor: &Actor) {
    s.login_gate.failed();
    {
        s.staff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failed(user, Instant::now());
    }
    audit(s, actor, "staff.login_failed", serde_json::json!({})).await;
}

/// A wrong user or password: counted, audited, and the login page again.
async fn refuse(s: &Shared, user: &str, actor: &Actor) -> Response {
    failed(s, user, actor).await;
    login_page(s, Some("用户名或密码错误 / wrong user or password".into()))
}

/// Opens a staff session for `user` with `roles` (checked by `via`), audited, and goes to
/// the staff home page.
async fn open_session(
    s: &Shared,
    user: String,
    roles: Vec<firmware_config::Role>,
    via: &str,
) -> Response {
    let token = random_hex(32);
    let default_lang = s.config.ui.default_language;
    {
        let now = Instant::now();
        s.staff.lock().unwrap_or_else(|p| p.into_inner()).open(
            token.clone(),
            StaffSession {
                user: user.clone(),
                roles,
                csrf: random_hex(16),
                lang: staff_lang(crate::screens::lang(default_lang)),
                last: now,
            },
            now,
        );
    }
    audit(
        s,
        &Actor::Staff(user),
        "staff.login",
        serde_json::json!({ "via": via }),
    )
    .await;
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}={token}; Path=/staff; HttpOnly; SameSite=Strict"),
        )],
        Redirect::to("/staff"),
    )
        .into_response()
}

/// `POST /staff/logout`.
pub async fn logout(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<Csrf>,
) -> Response {
    let who = match authorise_form(&s, &headers, StaffPage::Home, &form.csrf) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Some(t) = token(&headers) {
        s.staff.lock().unwrap_or_else(|p| p.into_inner()).close(&t);
    }
    audit(&s, &who.actor(), "staff.logout", serde_json::json!({})).await;
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/staff; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/staff/login"),
    )
        .into_response()
}
