//! Enrolled kiosks, staff accounts, case numbers and health.

use chrono::NaiveDate;
use serde::Serialize;

use agency_api::{Role, StaffMember};
use kiosk_core::domain::Timestamp;

use super::audit::{self, Pending};
use super::rows;
use super::{Db, DbError, Result};

/// An enrolled kiosk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KioskRow {
    pub kiosk_id: String,
    /// Hex serial of the one certificate it may use.
    pub serial: String,
    pub not_after: Timestamp,
    pub enrolled_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A password hash that verifies nothing, checked when the user is unknown so that a wrong
/// user name and a wrong password take the same time.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut random = [0u8; 24];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
        hash_password(&hex::encode(random)).unwrap_or_default()
    })
}

/// Hashes a staff password (argon2id, the argon2 crate's default parameters).
pub fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DbError::Invalid(format!("the password cannot be hashed: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(phc) {
        Ok(hash) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Staff user names: 1 to 32 lowercase letters, digits, `.`, `_` or `-` (as in kiosk.toml).
pub fn valid_user(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 32
        && user
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Kiosk ids: 1 to 32 letters, digits, `-` or `_` (as `[kiosk] id` in kiosk.toml).
pub fn valid_kiosk_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Db {
    /// True when `kiosk_id` is enrolled with the certificate `serial` and not revoked.
    pub async fn kiosk_allowed(&self, kiosk_id: &str, serial: &str) -> Result<bool> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT 1 FROM kiosks WHERE kiosk_id = $1 AND serial = $2
                     AND revoked_at IS NULL AND not_after > now()",
            )
            .await?;
        Ok(client
            .query_opt(&stmt, &[&kiosk_id, &serial])
            .await?
            .is_some())
    }

    /// Records `kiosk_id`'s certificate (replacing an earlier one, which stops working at
    /// once), audited.
    pub async fn enrol(&self, kiosk_id: &str, serial: &str, not_after: Timestamp) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO kiosks (kiosk_id, serial, not_after, enrolled_at, revoked_at)
             VALUES ($1, $2, $3, now(), NULL)
             ON CONFLICT (kiosk_id) DO UPDATE SET serial = excluded.serial,
                 not_after = excluded.not_after, enrolled_at = excluded.enrolled_at,
                 revoked_at = NULL",
            &[&kiosk_id, &serial, &not_after],
        )
        .await?;
        audit::append(
            &tx,
            chrono::Utc::now(),
            "system",
            vec![Pending::new(
                "kiosk.enrol",
                kiosk_id,
                serde_json::json!({"serial": serial, "not_after": not_after.to_rfc3339()}),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes `kiosk_id`'s certificate (audited); false when it is not enrolled.
    pub async fn revoke(&self, kiosk_id: &str) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE kiosks SET revoked_at = now() WHERE kiosk_id = $1 AND revoked_at IS NULL",
                &[&kiosk_id],
            )
            .await?;
        if n == 1 {
            audit::append(
                &tx,
                chrono::Utc::now(),
                "system",
                vec![Pending::new(
                    "kiosk.revoke",
                    kiosk_id,
                    serde_json::json!({}),
                )],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    pub async fn kiosks(&self) -> Result<Vec<KioskRow>> {
        let client = self.client().await?;
        client
            .query(
                "SELECT kiosk_id, serial, not_after, enrolled_at, revoked_at FROM kiosks
                 ORDER BY kiosk_id",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(KioskRow {
                    kiosk_id: r.try_get(0)?,
                    serial: r.try_get(1)?,
                    not_after: r.try_get(2)?,
                    enrolled_at: r.try_get(3)?,
                    revoked_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Adds a staff account, or replaces its password and roles (audited).
    pub async fn staff_add(&self, user: &str, password: &str, roles: &[Role]) -> Result<()> {
        if !valid_user(user) {
            return Err(DbError::Invalid(format!(
                "{user:?} is not a user name: 1 to 32 lowercase letters, digits, `.`, `_` or `-`"
            )));
        }
        if password.chars().count() < 8 {
            return Err(DbError::Invalid(
                "the password is shorter than 8 characters".into(),
            ));
        }
        if roles.is_empty() {
            return Err(DbError::Invalid(
                "give the account at least one role".into(),
            ));
        }
        let phc = hash_password(password)?;
        let codes: Vec<String> = roles.iter().map(rows::code).collect::<Result<_>>()?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO staff (user_name, password_hash, roles, created_at)
             VALUES ($1, $2, $3, now())
             ON CONFLICT (user_name) DO UPDATE SET password_hash = excluded.password_hash,
                 roles = excluded.roles, disabled_at = NULL",
            &[&user, &phc, &codes],
        )
        .await?;
        audit::append(
            &tx,
            chrono::Utc::now(),
            "system",
            vec![Pending::new(
                "staff.add",
                user,
                serde_json::json!({ "roles": codes }),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a staff login made at `kiosk` (audited either way); the member when it holds.
    pub async fn staff_login(
        &self,
        kiosk: &str,
        user: &str,
        password: &str,
    ) -> Result<Option<StaffMember>> {
        let found = {
            let client = self.client().await?;
            client
                .query_opt(
                    "SELECT password_hash, roles FROM staff
                     WHERE user_name = $1 AND disabled_at IS NULL",
                    &[&user],
                )
                .await?
        };
        let (phc, roles): (String, Vec<String>) = match &found {
            Some(row) => (row.try_get(0)?, row.try_get(1)?),
            None => (dummy_hash().to_string(), Vec::new()),
        };
        let password = zeroize::Zeroizing::new(password.to_string());
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .unwrap_or(false)
            && found.is_some();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        audit::append(
            &tx,
            chrono::Utc::now(),
            &format!("kiosk:{kiosk}"),
            vec![Pending::new(
                if ok {
                    "staff.login"
                } else {
                    "staff.login_refused"
                },
                if valid_user(user) {
                    user
                } else {
                    "(not a user name)"
                },
                serde_json::json!({}),
            )],
        )
        .await?;
        tx.commit().await?;
        if !ok {
            return Ok(None);
        }
        let roles = roles
            .iter()
            .map(|r| rows::from_code::<Role>(r, "staff role"))
            .collect::<Result<Vec<Role>>>()?;
        Ok(Some(StaffMember {
            user: user.to_string(),
            roles,
        }))
    }

    /// A new case number `<kiosk>-<yyyymmdd>-<nnnnnn>` for `kiosk` on `day`.
    pub async fn next_case_id(&self, kiosk: &str, day: NaiveDate) -> Result<String> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO case_seq (kiosk_id, day, last) VALUES ($1, $2, 1)
                 ON CONFLICT (kiosk_id, day) DO UPDATE SET last = case_seq.last + 1
                 RETURNING last",
            )
            .await?;
        let n: i32 = client.query_one(&stmt, &[&kiosk, &day]).await?.try_get(0)?;
        if n > 999_999 {
            return Err(DbError::Conflict(format!(
                "kiosk {kiosk} has used every case number of {day}"
            )));
        }
        Ok(format!("{kiosk}-{}-{n:06}", day.format("%Y%m%d")))
    }

    /// True when the database answers a query.
    pub async fn healthy(&self) -> bool {
        match self.client().await {
            Ok(client) => client.simple_query("SELECT 1").await.is_ok(),
            Err(_) => false,
        }
    }
}
