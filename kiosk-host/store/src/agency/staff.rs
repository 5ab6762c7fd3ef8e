//! Staff logins checked at the agency (`POST /v1/staff/login`): on a kiosk with an agency,
//! staff accounts and roles live there, so a member removed or a password changed at the
//! agency counts at every kiosk at once.

use zeroize::Zeroize;

use agency_api::{paths, StaffLogin, StaffMember};
use firmware_config::Role;

use super::client::{Client, Fail};
use super::{AgencyError, AgencyStore};

/// What the agency said about a staff login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffCheck {
    /// A staff member, with their roles.
    Member { user: String, roles: Vec<Role> },
    /// Unknown user or wrong password.
    Refused,
    /// The agency did not answer in time, or failed: nothing was decided (the reason).
    Unanswered(String),
}

impl AgencyStore {
    /// Checks `user`'s `password` at the agency (which audits the attempt with this kiosk as
    /// the place). `password` is taken and its string wiped once the request is encoded; the
    /// encoded request is the HTTP client's, freed once sent.
    pub fn staff_login(&self, user: &str, password: &mut String) -> StaffCheck {
        let mut login = StaffLogin {
            user: user.to_string(),
            password: std::mem::take(password),
        };
        let body = Client::body(&login);
        login.password.zeroize();
        let answer = body.and_then(|b| {
            self.client
                .json::<StaffMember>("POST", paths::STAFF_LOGIN, Some(b))
        });
        match answer {
            Ok(Some(member)) => StaffCheck::Member {
                user: member.user,
                roles: member.roles,
            },
            Ok(None) => StaffCheck::Unanswered("the agency has no staff login route".into()),
            Err(Fail::Store(kiosk_core::store::StoreError::Backend(e)))
                if matches!(
                    e.downcast_ref::<AgencyError>(),
                    Some(AgencyError::Answer { status: 401, .. })
                ) =>
            {
                StaffCheck::Refused
            }
            Err(Fail::Store(e)) => StaffCheck::Unanswered(e.to_string()),
            Err(Fail::Unreachable { why, .. }) => StaffCheck::Unanswered(why),
        }
    }
}
