//! The OpenAPI schemas of `kiosk-core`'s domain types, which travel in their serde form but
//! do not derive `utoipa::ToSchema` themselves. Each type here has the name, fields and
//! serde shape of the `kiosk-core` type it describes and is never built: bodies hold the real
//! types and point at these with `#[schema(value_type = …)]`. The tests of this module
//! serialise every variant of the real types and validate them against these schemas (with
//! no other properties allowed), so a field added to, renamed in or removed from a domain
//! type fails them until its schema here follows.

#![allow(
    dead_code,
    reason = "schema mirrors are never built: bodies point at them with value_type"
)]

use chrono::NaiveDate;
use serde_json::Value;
use utoipa::ToSchema;

/// A card record's state (BUSINESS-RULES.md section 2): 制卡中, 封存, 正常, 临时挂失,
/// 正式挂失, 注销.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardState {
    InProduction,
    Issued,
    Active,
    LostTemporary,
    LostFormal,
    Cancelled,
}

/// Progress of an application.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Submitted,
    Accepted,
    InProduction,
    ReadyForPickup,
    Collected,
    Rejected,
}

/// Sex (GB/T 2261).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

/// The business codes of BUSINESS-RULES.md section 1.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BusinessCode {
    Apply,
    Enable,
    Ecard,
    Status,
    ChangeInfo,
    ReportLoss,
    CancelLoss,
    Replace,
    Exchange,
    Reissue,
    Cancel,
    PinChange,
    PinReset,
    PinUnblock,
    Photo,
}

/// How a case ended.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    ReturnedIncomplete,
    Refused,
    Abandoned,
    Reconciled,
    Failed,
}

/// Staff roles.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    Archive,
    Technician,
    Supervisor,
}

/// A cardholder (参保人), keyed by the ID number.
#[derive(ToSchema)]
pub struct Person {
    pub id_number: String,
    /// The full name.
    pub name: String,
    pub sex: Sex,
    /// GB 3304 code.
    #[schema(minimum = 0, maximum = 255)]
    pub ethnicity: u8,
    pub birth_date: NaiveDate,
    /// The address written out (what receipts and screens show, masked).
    pub address: String,
    /// The GB/T 2260 division `address` lies in (a county's 6 or a town's 9 digits), when it
    /// was picked at the kiosk; absent when the address came whole (ID card, typed in full,
    /// imported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9]{6}([0-9]{3})?$")]
    pub address_division: Option<String>,
    pub phone: Option<String>,
    /// SHA-256 (hex) of the card photo on file.
    pub photo_sha256: Option<String>,
}

/// A card record.
#[derive(ToSchema)]
pub struct CardRecord {
    /// 卡号, 9 characters.
    pub card_number: String,
    pub id_number: String,
    /// Hex, upper case.
    pub chip_serial: Option<String>,
    pub state: CardState,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    /// When the current state was entered.
    #[schema(value_type = String, format = DateTime)]
    pub state_since: String,
    pub reissue_batch: Option<String>,
    /// True once a replacement was requested while the card was lost: 解挂 is refused.
    pub replacement_requested: bool,
}

/// An application for a new card.
#[derive(ToSchema)]
pub struct Application {
    pub case_id: String,
    pub id_number: String,
    pub business: BusinessCode,
    pub progress: Progress,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: String,
    pub deadline: NaiveDate,
    pub deadline_provisional: bool,
    pub old_card: Option<String>,
    pub reasons: Option<String>,
    /// When the card was made (moved to `ready_for_pickup`, or `collected` first).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ready_at: Option<String>,
    /// The deadline before its last recompute with the calendar; null if never.
    pub deadline_recomputed_from: Option<NaiveDate>,
}

/// The production's own on-time figure for applications whose expected date falls in
/// `from..=to`, as of `today` (`kiosk_core::store::ProductionStats`).
#[derive(ToSchema)]
pub struct ProductionStats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    /// Made on or before the expected date.
    pub on_time: u64,
    /// Made after the expected date.
    pub late: u64,
    /// Not made yet, expected date before `today`.
    pub overdue: u64,
    /// Not made yet, expected date `today` or later.
    pub not_yet_due: u64,
    /// Rejected before the card was made.
    pub rejected: u64,
}

/// An electronic social security card.
#[derive(ToSchema)]
pub struct Ecard {
    pub id_number: String,
    pub card_number: String,
    pub token_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: String,
}

/// A case (办件).
#[derive(ToSchema)]
pub struct Case {
    /// `<kiosk id>-<yyyymmdd>-<sequence>`.
    pub case_id: String,
    pub business: BusinessCode,
    pub id_number: Option<String>,
    pub agent_id_number: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<String>,
    pub outcome: Option<Outcome>,
    pub deadline: Option<NaiveDate>,
    pub summary: String,
}

/// Who did something: `{"kind": "citizen", "id": "<case id>"}`,
/// `{"kind": "staff", "id": "<user>"}` or `{"kind": "system"}`.
#[derive(ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Citizen(String),
    Staff(String),
    System,
}

/// A card command as the journal records it.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardAction {
    Activate,
    ChangePin,
    ResetPin,
    UnblockPin,
    BlockApp { permanent: bool },
    UnblockApp,
    BlockCard,
}

/// One registry change. Changes that move a state name the state they expect (`from`); a
/// state that is not current refuses the whole commit (409 `conflict`).
#[derive(ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Creates the person, or updates name, sex, ethnicity, birth date, address and the
    /// address's division.
    UpsertPerson(Person),
    /// `null` leaves a field as it is.
    SetContact {
        id_number: String,
        phone: Option<String>,
        address: Option<String>,
        /// The GB/T 2260 division of `address` (6 or 9 digits), only with `address`; a new
        /// address without one clears the person's division.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(pattern = "^[0-9]{6}([0-9]{3})?$")]
        division: Option<String>,
    },
    /// The JPEG's bytes as an array of numbers (0–255).
    SetPhoto {
        id_number: String,
        sha256: String,
        jpeg: Vec<u8>,
    },
    AddCard(CardRecord),
    SetCardState {
        card_number: String,
        from: CardState,
        to: CardState,
    },
    MarkReplacementRequested {
        card_number: String,
    },
    CreateApplication(Application),
    MoveApplication {
        case_id: String,
        from: Progress,
        to: Progress,
        reasons: Option<String>,
    },
    IssueEcard(Ecard),
    RevokeEcards {
        id_number: String,
    },
}

/// What a commit applies in one transaction (`kiosk_core::store::Commit`).
#[derive(ToSchema)]
pub struct Commit {
    pub actor: Actor,
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    /// Opens, updates or (with an outcome) closes the case.
    pub case: Option<Case>,
    pub changes: Vec<Change>,
    /// Must be null at the agency: archive records stay at the kiosk.
    #[schema(value_type = Option<Object>)]
    pub archive: Option<Value>,
    /// Must be null at the agency: the intent journal stays at the kiosk.
    #[schema(value_type = Option<Vec<Value>>)]
    pub settle: Option<Value>,
    /// Extra audit entries: `[action, subject, detail]` each (two strings and any JSON).
    #[schema(value_type = Vec<Vec<Value>>)]
    pub events: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::{json, Value};
    use utoipa::openapi::OpenApi;
    use utoipa::OpenApi as _;

    use kiosk_core::domain::{
        Actor, Application, BusinessCode, CardAction, CardRecord, CardState, Case, Ecard, Outcome,
        Person, Progress, Sex,
    };
    use kiosk_core::store::{Change, Commit, IntentStatus};

    #[derive(utoipa::OpenApi)]
    #[openapi(components(schemas(
        super::Commit,
        super::CardAction,
        crate::Holder,
        crate::CardOutcome,
        crate::StaffMember,
        super::ProductionStats
    )))]
    struct Doc;

    /// Object schemas admit no other property, so a field the schema lacks fails. A schema
    /// combined with others (`allOf`, as a tagged variant holding a struct is) is closed where
    /// it is combined (`unevaluatedProperties`), not on its own.
    fn strict(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.contains_key("allOf") {
                    m.insert("unevaluatedProperties".into(), Value::Bool(false));
                    if let Some(Value::Array(parts)) = m.get_mut("allOf") {
                        for part in parts {
                            open_parts(part);
                        }
                    }
                } else if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                    m.insert("additionalProperties".into(), Value::Bool(false));
                    m.values_mut().for_each(strict);
                } else {
                    m.values_mut().for_each(strict);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(strict),
            _ => {}
        }
    }

    /// An `allOf` part: its own properties' schemas strict, itself open (its `$ref`s are
    /// resolved against the open copies under `#/components/open/`).
    fn open_parts(v: &mut Value) {
        if let Value::Object(m) = v {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                *r = r.replace("#/components/schemas/", "#/components/open/");
            }
            if let Some(Value::Object(props)) = m.get_mut("properties") {
                props.values_mut().for_each(strict);
            }
        }
    }

    fn check(name: &str, value: &Value) {
        let errors = errors(name, value);
        assert!(errors.is_empty(), "{name}: {value}: {errors:?}");
    }

    fn errors(name: &str, value: &Value) -> Vec<String> {
        let doc: OpenApi = Doc::openapi();
        let mut components = serde_json::to_value(&doc.components).unwrap();
        let mut open = components["schemas"].clone();
        if let Value::Object(m) = &mut open {
            for schema in m.values_mut() {
                if let Value::Object(s) = schema {
                    if let Some(Value::Object(props)) = s.get_mut("properties") {
                        props.values_mut().for_each(strict);
                    }
                }
            }
        }
        strict(&mut components);
        components["open"] = open;
        let root = json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": components,
        });
        let v = jsonschema::draft202012::new(&root).unwrap();
        v.iter_errors(value).map(|e| e.to_string()).collect()
    }

    #[test]
    fn a_field_the_schemas_do_not_describe_fails_them() {
        let mut commit = serde_json::to_value(Commit::new(Actor::System, at())).unwrap();
        commit["changes"] = json!([serde_json::to_value(Change::UpsertPerson(person())).unwrap()]);
        assert!(errors("Commit", &commit).is_empty());
        commit["changes"][0]["colour"] = json!("red");
        assert!(!errors("Commit", &commit).is_empty());
        let mut holder = serde_json::to_value(crate::Holder {
            person: person(),
            cards: vec![card(CardState::Active)],
            applications: vec![],
            ecards: vec![],
            has_photo: false,
        })
        .unwrap();
        assert!(errors("Holder", &holder).is_empty());
        holder["cards"][0]["generation"] = json!(3);
        assert!(!errors("Holder", &holder).is_empty());
    }

    fn at() -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_770_000_000, 123_456_789).unwrap()
    }

    fn person() -> Person {
        Person {
            id_number: "652301198005061234".into(),
            name: "张伟".into(),
            sex: Sex::Male,
            ethnicity: 1,
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 5, 6).unwrap(),
            address: "新疆昌吉市".into(),
            address_division: Some("652301".into()),
            phone: Some("13912345678".into()),
            photo_sha256: None,
        }
    }

    fn card(state: CardState) -> CardRecord {
        CardRecord {
            card_number: "A12345678".into(),
            id_number: "652301198005061234".into(),
            chip_serial: Some("0011223344556677".into()),
            state,
            issue_date: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
            expiry_date: None,
            state_since: at(),
            reissue_batch: None,
            replacement_requested: false,
        }
    }

    fn case(outcome: Option<Outcome>) -> Case {
        Case {
            case_id: "K1-20260101-000001".into(),
            business: BusinessCode::Replace,
            id_number: Some("652301198005061234".into()),
            agent_id_number: None,
            started_at: at(),
            finished_at: outcome.map(|_| at()),
            outcome,
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 1, 31),
            summary: "ok".into(),
        }
    }

    #[test]
    fn every_change_and_actor_fits_the_commit_schema() {
        let application = Application {
            case_id: "K1-20260101-000001".into(),
            id_number: "652301198005061234".into(),
            business: BusinessCode::Apply,
            progress: Progress::Submitted,
            submitted_at: at(),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            deadline_provisional: true,
            old_card: Some("A12345678".into()),
            reasons: None,
            ready_at: Some(at()),
            deadline_recomputed_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 30),
        };
        let changes = vec![
            Change::UpsertPerson(person()),
            Change::SetContact {
                id_number: "652301198005061234".into(),
                phone: None,
                address: Some("x".into()),
                division: Some("652301002".into()),
            },
            Change::SetContact {
                id_number: "652301198005061234".into(),
                phone: Some("13912345678".into()),
                address: None,
                division: None,
            },
            Change::SetPhoto {
                id_number: "652301198005061234".into(),
                sha256: "ab".into(),
                jpeg: vec![0xff, 0xd8, 0],
            },
            Change::AddCard(card(CardState::Issued)),
            Change::SetCardState {
                card_number: "A12345678".into(),
                from: CardState::Active,
                to: CardState::LostFormal,
            },
            Change::MarkReplacementRequested {
                card_number: "A12345678".into(),
            },
            Change::CreateApplication(application),
            Change::MoveApplication {
                case_id: "K1-20260101-000001".into(),
                from: Progress::Submitted,
                to: Progress::Rejected,
                reasons: Some("照片不合格".into()),
            },
            Change::IssueEcard(Ecard {
                id_number: "652301198005061234".into(),
                card_number: "A12345678".into(),
                token_id: "00ff".into(),
                issued_at: at(),
            }),
            Change::RevokeEcards {
                id_number: "652301198005061234".into(),
            },
        ];
        for (i, actor) in [
            Actor::Citizen("K1-20260101-000001".into()),
            Actor::Staff("li".into()),
            Actor::System,
        ]
        .into_iter()
        .enumerate()
        {
            let mut commit = Commit::new(actor, at());
            commit.case = Some(case(if i == 0 {
                None
            } else {
                Some(Outcome::Completed)
            }));
            commit.changes = changes.clone();
            commit
                .events
                .push(("case.refused".into(), "K1".into(), json!({"why": "x"})));
            check("Commit", &serde_json::to_value(&commit).unwrap());
        }
        // `settle` is described too (the agency refuses it, the schema admits the shape).
        let mut commit = Commit::new(Actor::System, at());
        commit.settle = Some((3, IntentStatus::Applied));
        check("Commit", &serde_json::to_value(&commit).unwrap());
    }

    #[test]
    fn every_card_action_and_holder_fits() {
        for action in [
            CardAction::Activate,
            CardAction::ChangePin,
            CardAction::ResetPin,
            CardAction::UnblockPin,
            CardAction::BlockApp { permanent: true },
            CardAction::UnblockApp,
            CardAction::BlockCard,
        ] {
            check("CardAction", &serde_json::to_value(action).unwrap());
        }
        for state in CardState::ALL {
            let holder = crate::Holder {
                person: person(),
                cards: vec![card(state)],
                applications: vec![],
                ecards: vec![],
                has_photo: false,
            };
            check("Holder", &serde_json::to_value(&holder).unwrap());
        }
        for role in [
            crate::Role::FrontDesk,
            crate::Role::Archive,
            crate::Role::Technician,
            crate::Role::Supervisor,
        ] {
            let m = crate::StaffMember {
                user: "li".into(),
                roles: vec![role],
            };
            check("StaffMember", &serde_json::to_value(&m).unwrap());
        }
        for p in Progress::ALL {
            let v = serde_json::to_value(p).unwrap();
            let doc = serde_json::to_value(Doc::openapi()).unwrap();
            let allowed = &doc["components"]["schemas"]["Progress"]["enum"];
            assert!(
                allowed.as_array().unwrap().contains(&v),
                "{v} not in {allowed}"
            );
        }
        let outcome = crate::CardOutcome {
            key: "K1-20260101-000001#2".into(),
            case_id: "K1-20260101-000001".into(),
            card_number: "A12345678".into(),
            chip_serial: "00".into(),
            action: CardAction::BlockApp { permanent: false },
            applied: true,
            at: at(),
        };
        check("CardOutcome", &serde_json::to_value(&outcome).unwrap());
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let production = kiosk_core::store::ProductionStats {
            from: day(1),
            to: day(31),
            today: day(15),
            on_time: 3,
            late: 1,
            overdue: 1,
            not_yet_due: 2,
            rejected: 1,
        };
        check(
            "ProductionStats",
            &serde_json::to_value(production).unwrap(),
        );
    }
}
