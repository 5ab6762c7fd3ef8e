use super::*;

#[test]
fn the_document_is_openapi_3_1_with_every_path_of_the_api_crate() {
    let doc: serde_json::Value = serde_json::from_str(document_json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        paths::PERSON,
        paths::PERSON_PHOTO,
        paths::CARDS,
        paths::CARD,
        paths::CARD_BY_CHIP,
        paths::ECARD,
        paths::APPLICATIONS,
        paths::APPLICATION,
        paths::PRODUCTION_STATS,
        paths::CASES,
        paths::CASE,
        paths::CASE_IDS,
        paths::RESERVATIONS,
        paths::RESERVATION,
        paths::COMMITS,
        paths::CARD_OUTCOMES,
        paths::STAFF_LOGIN,
        paths::HEALTH,
        paths::OPENAPI,
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["kiosk_certificate"]["type"],
        "mutualTLS"
    );
    // deterministic
    assert_eq!(document().to_pretty_json().unwrap(), document_json());
}
