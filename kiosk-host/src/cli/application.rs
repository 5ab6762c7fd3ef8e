//! `kiosk application list|move`: staff follow applications (申领, 补领, 换领, 换发) along their
//! progress states. Moving one is audited with the staff user as the actor.
//!
//! Exit codes: 0 done, 1 refused (not a staff user with the role, not the next state),
//! 2 a bad argument, 3 the configuration or the database cannot be opened.

use chrono::Utc;
use firmware_config::{Config, Role};

use kiosk_core::domain::Progress;
use kiosk_core::engine::staff::{self, StaffError};
use kiosk_core::mask;
use kiosk_core::store::Registry;

use super::common::{fail, StoreArgs};

#[derive(clap::Subcommand)]
pub(crate) enum ApplicationCmd {
    /// List the applications in one progress state, oldest first.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// submitted, accepted, in_production, ready_for_pickup, collected or rejected.
        #[arg(long, default_value = "submitted")]
        progress: String,
        #[arg(long)]
        json: bool,
    },
    /// Move an application to its next state (or reject it, with reasons).
    Move {
        #[command(flatten)]
        store: StoreArgs,
        /// The case number (办件编号) of the application.
        case: String,
        /// The new state.
        #[arg(long)]
        to: String,
        /// Reasons, required for `rejected`.
        #[arg(long)]
        reasons: Option<String>,
        /// The staff user (front desk or supervisor role).
        #[arg(long)]
        staff: String,
    },
}

fn progress(arg: &str, value: &str) -> Result<Progress, i32> {
    Progress::from_code(value).ok_or_else(|| {
        let all: Vec<_> = Progress::ALL.iter().map(|p| p.code()).collect();
        fail(
            2,
            format!(
                "{arg}: {value:?} is not a progress state; write one of {}",
                all.join(", ")
            ),
        )
    })
}

/// The user must be a configured staff account with the front-desk or supervisor role.
fn check_staff(config: &Config, user: &str) -> Result<(), i32> {
    let Some(account) = config.staff.iter().find(|s| s.user == user) else {
        eprintln!("refused: {user:?} is not a staff user of this kiosk (no [[staff]] entry)");
        return Err(1);
    };
    if account
        .roles
        .iter()
        .any(|r| matches!(r, Role::FrontDesk | Role::Supervisor))
    {
        Ok(())
    } else {
        eprintln!("refused: {user:?} has neither the front_desk nor the supervisor role");
        Err(1)
    }
}

pub(crate) fn run(cmd: ApplicationCmd) -> i32 {
    match cmd {
        ApplicationCmd::List {
            store,
            progress: p,
            json,
        } => {
            let p = match progress("--progress", &p) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let (_, store) = match store.open() {
                Ok(x) => x,
                Err(e) => {
                    return fail(3, e);
                }
            };
            let apps = match store.applications_in(p) {
                Ok(a) => a,
                Err(e) => return fail(3, format!("cannot read the applications: {e}")),
            };
            if json {
                let rows: Vec<_> = apps
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "case_id": a.case_id,
                            "id_number": mask::id_number(&a.id_number),
                            "business": a.business,
                            "progress": a.progress,
                            "deadline": a.deadline,
                            "deadline_provisional": a.deadline_provisional,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                println!(
                    "{} application(s) {} ({})",
                    apps.len(),
                    p.code(),
                    p.text().zh
                );
                for a in &apps {
                    println!(
                        "{}  {}  {:?}  deadline {}{}",
                        a.case_id,
                        mask::id_number(&a.id_number),
                        a.business,
                        a.deadline,
                        if a.deadline_provisional {
                            " (provisional)"
                        } else {
                            ""
                        }
                    );
                }
            }
            0
        }
        ApplicationCmd::Move {
            store,
            case,
            to,
            reasons,
            staff: user,
        } => {
            let to = match progress("--to", &to) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let (config, store) = match store.open() {
                Ok(x) => x,
                Err(e) => {
                    return fail(3, e);
                }
            };
            if let Err(code) = check_staff(&config, &user) {
                return code;
            }
            match staff::move_application(&store, &case, to, reasons.as_deref(), &user, Utc::now())
            {
                Ok(()) => {
                    println!("{case}: {} ({})", to.code(), to.text().zh);
                    0
                }
                Err(StaffError::Store(e)) => {
                    eprintln!("refused: {e}");
                    if matches!(e, kiosk_core::store::StoreError::Conflict(_)) {
                        1
                    } else {
                        3
                    }
                }
                Err(e) => {
                    eprintln!("refused: {e}");
                    1
                }
            }
        }
    }
}
