//! Staff login against the argon2 hashes of `[[staff]]` (lockout after [`MAX_FAILURES`]
//! failures for [`LOCKOUT`]), and logout. Both audited with the user as the actor.

use crate::server::http::PageForm;
use std::sync::Arc;
use std::time::Instant;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ui_web::StaffPage;
use zeroize::Zeroize;

use super::{
    audit, authorise_form, html, lang, random_hex, staff_lang, token, Csrf, StaffSession, COOKIE,
    LOCKOUT, MAX_FAILURES,
};
use crate::domain::Actor;
use crate::server::Shared;

fn login_page(s: &Shared, problem: Option<String>) -> Response {
    html(
        staff_lang(crate::server::screens::lang(lang(s))),
        "工作人员登录 / Staff login",
        ui_web::Screen::StaffLogin { problem },
    )
}

/// `GET /staff/login`.
pub async fn form(State(s): State<Arc<Shared>>) -> Response {
    login_page(&s, None)
}

#[derive(Deserialize)]
pub struct Login {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
}

impl Drop for Login {
    fn drop(&mut self) {
        self.password.zeroize();
    }
}

/// `POST /staff/login`.
pub async fn login(State(s): State<Arc<Shared>>, PageForm(form): PageForm<Login>) -> Response {
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
    let (account, default_lang) = {
        let core = s.core.lock().unwrap_or_else(|p| p.into_inner());
        (
            core.config
                .staff
                .iter()
                .find(|a| a.user == user)
                .map(|a| (a.password_hash.clone(), a.roles.clone())),
            core.config.ui.default_language,
        )
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
                lang: staff_lang(crate::server::screens::lang(default_lang)),
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
        s.staff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sessions
            .remove(&t);
    }
    audit(&s, &who.actor(), "staff.logout", serde_json::json!({}));
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/staff; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/staff/login"),
    )
        .into_response()
}
