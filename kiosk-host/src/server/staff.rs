//! Staff pages: login against the argon2 hashes of `[[staff]]`, with lockout after repeated
//! failures and idle expiry; the session cookie is `HttpOnly; SameSite=Strict` and limited to
//! `/staff`, and every form carries an anti-forgery token. Every login, failure, logout and
//! page use is audited with the staff user as the actor. Now: the technician's self-test
//! page (the same checks as `kiosk selftest`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use firmware_config::Role;
use serde::Deserialize;
use zeroize::Zeroize;

use super::Shared;
use crate::domain::Actor;
use crate::store::AuditLog;

/// A staff session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(15 * 60);
/// Failed logins of one user before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked user waits.
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);

const COOKIE: &str = "kiosk_staff";

struct StaffSession {
    user: String,
    roles: Vec<Role>,
    csrf: String,
    last: Instant,
}

/// Logged-in staff and failed attempts.
#[derive(Default)]
pub struct StaffSessions {
    sessions: HashMap<String, StaffSession>,
    failures: HashMap<String, (u32, Instant)>,
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}

fn page(core_lang: firmware_config::Language, title: &str, screen: ui_web::Screen) -> Response {
    let p = ui_web::Page {
        lang: super::screens::lang(core_lang),
        elderly: false,
        title: title.to_string(),
        idle_timeout_s: None,
        in_session: false,
        sim: false,
        screen,
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(ui_web::render_page(&p)),
    )
        .into_response()
}

fn lang(s: &Shared) -> firmware_config::Language {
    s.core.lock().unwrap_or_else(|p| p.into_inner()).lang
}

fn audit(s: &Shared, actor: &Actor, action: &str, detail: serde_json::Value) {
    let core = s.core.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = core
        .store
        .append(actor, action, &core.config.kiosk.id, detail)
    {
        log::error!("audit {action}: {e}");
    }
}

fn login_page(s: &Shared, problem: Option<String>) -> Response {
    page(
        lang(s),
        "工作人员登录 / Staff login",
        ui_web::Screen::StaffLogin { problem },
    )
}

/// `GET /staff/login`.
pub async fn login_form(State(s): State<Arc<Shared>>) -> Response {
    login_page(&s, None)
}

#[derive(Deserialize)]
pub struct Login {
    user: String,
    password: String,
}

impl Drop for Login {
    fn drop(&mut self) {
        self.password.zeroize();
    }
}

/// `POST /staff/login`.
pub async fn login(State(s): State<Arc<Shared>>, Form(form): Form<Login>) -> Response {
    let user = form.user.trim().to_string();
    {
        let mut staff = s.staff.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((n, since)) = staff.failures.get(&user).copied() {
            if n >= MAX_FAILURES && since.elapsed() < LOCKOUT {
                drop(staff);
                audit(
                    &s,
                    &Actor::Staff(user.clone()),
                    "staff.login_locked",
                    serde_json::json!({}),
                );
                return login_page(
                    &s,
                    Some(format!(
                        "登录失败次数过多，请 {} 分钟后再试 / too many failed logins: try again in {} minutes",
                        LOCKOUT.as_secs() / 60,
                        LOCKOUT.as_secs() / 60
                    )),
                );
            }
            if since.elapsed() >= LOCKOUT {
                staff.failures.remove(&user);
            }
        }
    }
    let account = {
        let core = s.core.lock().unwrap_or_else(|p| p.into_inner());
        core.config
            .staff
            .iter()
            .find(|a| a.user == user)
            .map(|a| (a.password_hash.clone(), a.roles.clone()))
    };
    let password = std::mem::take(&mut { form }.password);
    let verified = tokio::task::spawn_blocking(move || {
        let mut password = password;
        let ok = account.as_ref().is_some_and(|(hash, _)| {
            PasswordHash::new(hash)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        });
        password.zeroize();
        ok.then(|| account.map(|(_, roles)| roles).unwrap_or_default())
    })
    .await
    .unwrap_or(None);
    let Some(roles) = verified else {
        {
            let mut staff = s.staff.lock().unwrap_or_else(|p| p.into_inner());
            let entry = staff
                .failures
                .entry(user.clone())
                .or_insert((0, Instant::now()));
            entry.0 += 1;
            entry.1 = Instant::now();
        }
        audit(
            &s,
            &Actor::Staff(user),
            "staff.login_failed",
            serde_json::json!({}),
        );
        return login_page(&s, Some("用户名或密码错误 / wrong user or password".into()));
    };
    let token = random_hex(32);
    {
        let mut staff = s.staff.lock().unwrap_or_else(|p| p.into_inner());
        staff.failures.remove(&user);
        staff.sessions.insert(
            token.clone(),
            StaffSession {
                user: user.clone(),
                roles,
                csrf: random_hex(16),
                last: Instant::now(),
            },
        );
    }
    audit(
        &s,
        &Actor::Staff(user),
        "staff.login",
        serde_json::json!({}),
    );
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}={token}; Path=/staff; HttpOnly; SameSite=Strict"),
        )],
        Redirect::to("/staff/selftest"),
    )
        .into_response()
}

fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The logged-in user with one of `roles`, refreshing the session; else the response to
/// send (login page, or forbidden).
fn authorise(
    s: &Shared,
    headers: &HeaderMap,
    roles: &[Role],
    csrf: Option<&str>,
) -> Result<(String, String), Box<Response>> {
    let mut staff = s.staff.lock().unwrap_or_else(|p| p.into_inner());
    let Some(t) = token(headers) else {
        return Err(Box::new(Redirect::to("/staff/login").into_response()));
    };
    let expired = staff
        .sessions
        .get(&t)
        .is_some_and(|x| x.last.elapsed() > IDLE);
    if expired {
        staff.sessions.remove(&t);
    }
    let Some(session) = staff.sessions.get_mut(&t) else {
        return Err(Box::new(Redirect::to("/staff/login").into_response()));
    };
    if let Some(c) = csrf {
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
    if !session.roles.iter().any(|r| roles.contains(r)) {
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                "没有此页面的权限 / your role does not allow this page",
            )
                .into_response(),
        ));
    }
    session.last = Instant::now();
    Ok((session.user.clone(), session.csrf.clone()))
}

/// `GET /staff/selftest`: the technician page (technician or supervisor role).
pub async fn selftest(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let (user, csrf) = match authorise(&s, &headers, &[Role::Technician, Role::Supervisor], None) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let (config, readers) = {
        let core = s.core.lock().unwrap_or_else(|p| p.into_inner());
        (core.config.clone(), core.readers.clone())
    };
    let results = tokio::task::spawn_blocking(move || {
        let cameras = crate::provision::system_cameras();
        let cx = crate::selftest::Context {
            config: &config,
            config_path: None,
            readers: &*readers,
            serial: &crate::provision::SystemSerial,
            cameras: cameras.as_deref(),
            store: &crate::selftest::SqliteProbe,
            now: SystemTime::now(),
        };
        crate::selftest::run_all(&cx)
    })
    .await
    .unwrap_or_default();
    audit(
        &s,
        &Actor::Staff(user.clone()),
        "staff.selftest",
        serde_json::json!({
            "failed": results.iter().filter(|r| r.status == crate::selftest::Status::Fail).count(),
        }),
    );
    let checks = results
        .iter()
        .map(|r| ui_web::CheckRow {
            name: r.name.to_string(),
            status: serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            detail: r.detail.clone(),
            hint: r.hint.clone(),
        })
        .collect();
    page(
        lang(&s),
        "设备自检 / Self-test",
        ui_web::Screen::SelfTest { user, checks, csrf },
    )
}

#[derive(Deserialize)]
pub struct Csrf {
    csrf: String,
}

/// `POST /staff/selftest`: run again.
pub async fn selftest_again(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<Csrf>,
) -> Response {
    match authorise(
        &s,
        &headers,
        &[Role::Technician, Role::Supervisor],
        Some(&form.csrf),
    ) {
        Ok(_) => Redirect::to("/staff/selftest").into_response(),
        Err(r) => *r,
    }
}

/// `POST /staff/logout`.
pub async fn logout(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<Csrf>,
) -> Response {
    let all = [
        Role::FrontDesk,
        Role::Archive,
        Role::Technician,
        Role::Supervisor,
    ];
    let (user, _) = match authorise(&s, &headers, &all, Some(&form.csrf)) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Some(t) = token(&headers) {
        s.staff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sessions
            .remove(&t);
    }
    audit(
        &s,
        &Actor::Staff(user),
        "staff.logout",
        serde_json::json!({}),
    );
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/staff; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/staff/login"),
    )
        .into_response()
}
