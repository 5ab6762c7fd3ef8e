//! Staff accounts for tests: a `kiosk.toml` with `[[staff]]` users, logging in to a served
//! kiosk, and the anti-forgery token of a staff page.

use std::path::Path;

use crate::served::Served;

/// An argon2id PHC string of `password` (fixed salt: tests only).
pub fn phc(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(b"kiosk-test-salt!").expect("a salt");
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("a hash")
        .to_string()
}

/// Writes a `kiosk.toml` with `[[staff]]` accounts `(user, password, roles)`.
pub fn staff_config(path: &Path, accounts: &[(&str, &str, &[&str])]) {
    let mut text = String::new();
    for (user, password, roles) in accounts {
        let roles: Vec<String> = roles.iter().map(|r| format!("{r:?}")).collect();
        text.push_str(&format!(
            "[[staff]]\nuser = \"{user}\"\npassword_hash = \"{}\"\nroles = [{}]\n\n",
            phc(password),
            roles.join(", ")
        ));
    }
    std::fs::write(path, text).expect("kiosk.toml written");
}

/// The login form's token and its cookie (`name=value`), as `GET /staff/login` gives them.
pub fn login_form(k: &Served) -> (String, String) {
    let page = k.get("/staff/login", None);
    let cookie = page
        .cookie()
        .unwrap_or_else(|| panic!("no login cookie: {}", page.head));
    (csrf(&page.body), cookie)
}

/// Posts the login form (`fields` already URL-encoded, the token added) with its cookie.
pub fn post_login(k: &Served, fields: &str) -> crate::served::Answer {
    let (token, cookie) = login_form(k);
    k.post_form(
        "/staff/login",
        &format!("csrf={token}&{fields}"),
        Some(&cookie),
    )
}

/// Logs in; returns the session cookie (`name=value`).
pub fn login(k: &Served, user: &str, password: &str) -> String {
    let body = format!("user={user}&password={}", password.replace(' ', "+"));
    let r = post_login(k, &body);
    assert_eq!(r.status, 303, "login {user}: {}", r.body);
    r.cookie()
        .unwrap_or_else(|| panic!("no cookie for {user}: {}", r.head))
}

/// The anti-forgery token of a page's forms.
pub fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no csrf token in {html}"))
        .to_string()
}
