//! The structured address: the division code kept next to the written-out address, through
//! contact changes, ID card upserts, the checks and migration 5.

use super::*;

const ADDRESS: &str = "新疆维吾尔自治区昌吉回族自治州昌吉市延安北路街道北京路12号";
const TOWN: &str = "652301002";

fn set_contact(address: Option<&str>, division: Option<&str>) -> Change {
    Change::SetContact {
        id_number: ID_A.into(),
        phone: None,
        address: address.map(str::to_string),
        division: division.map(str::to_string),
    }
}

fn person_a(store: &SqliteStore) -> Person {
    store.person(ID_A).unwrap().unwrap()
}

#[test]
fn a_contact_change_keeps_the_division_next_to_the_address() {
    let store = seeded();
    assert_eq!(person_a(&store).address_division, None);
    store
        .commit(&commit(
            "2026-01-06T02:00:00Z",
            vec![set_contact(Some(ADDRESS), Some(TOWN))],
        ))
        .unwrap();
    let p = person_a(&store);
    assert_eq!(p.address, ADDRESS);
    assert_eq!(p.address_division.as_deref(), Some(TOWN));
    let e = last_entry(&store);
    assert_eq!(e.action, "person.contact");
    assert_eq!(e.detail["division"], json!("652301***"), "the town masked");
    let stars = "*".repeat(ADDRESS.chars().count() - 6);
    assert_eq!(e.detail["address"], json!(format!("新疆维吾尔自{stars}")));

    // A phone alone leaves the address and its division.
    store
        .commit(&commit(
            "2026-01-06T02:10:00Z",
            vec![Change::SetContact {
                id_number: ID_A.into(),
                phone: Some("13900001111".into()),
                address: None,
                division: None,
            }],
        ))
        .unwrap();
    assert_eq!(person_a(&store).address_division.as_deref(), Some(TOWN));

    // An address typed in full clears the division.
    store
        .commit(&commit(
            "2026-01-06T02:20:00Z",
            vec![set_contact(Some("新疆昌吉市北京路12号"), None)],
        ))
        .unwrap();
    let p = person_a(&store);
    assert_eq!(p.address, "新疆昌吉市北京路12号");
    assert_eq!(p.address_division, None);

    // An ID card's person sets the division it has: none clears it.
    store
        .commit(&commit(
            "2026-01-06T02:30:00Z",
            vec![set_contact(Some(ADDRESS), Some("652301"))],
        ))
        .unwrap();
    assert_eq!(person_a(&store).address_division.as_deref(), Some("652301"));
    store
        .commit(&commit(
            "2026-01-06T02:40:00Z",
            vec![Change::UpsertPerson(person(ID_A, "张伟"))],
        ))
        .unwrap();
    let p = person_a(&store);
    assert_eq!(p.address, "新疆昌吉市兴昌路475号");
    assert_eq!(p.address_division, None);

    // A new person comes with the division given.
    let mut b = person(ID_B, "李娜");
    b.address_division = Some(TOWN.into());
    store
        .commit(&commit(
            "2026-01-06T02:50:00Z",
            vec![Change::UpsertPerson(b.clone())],
        ))
        .unwrap();
    assert_eq!(store.person(ID_B).unwrap(), Some(b));
}

#[test]
fn a_division_of_another_shape_or_without_an_address_is_refused_and_writes_nothing() {
    let store = seeded();
    let before = audit_count(&store);
    let mut bad_person = person(ID_A, "张伟");
    bad_person.address_division = Some("6523".into());
    for (change, field) in [
        (
            set_contact(Some(ADDRESS), Some("65230100")),
            "division must be",
        ),
        (
            set_contact(Some(ADDRESS), Some("65230１002")),
            "division must be",
        ),
        (set_contact(None, Some(TOWN)), "no address"),
        (Change::UpsertPerson(bad_person), "address_division must be"),
    ] {
        // With a good change before it: the whole commit is refused.
        let err = store
            .commit(&commit(
                "2026-01-06T02:00:00Z",
                vec![
                    Change::SetContact {
                        id_number: ID_A.into(),
                        phone: Some("13900001111".into()),
                        address: None,
                        division: None,
                    },
                    change,
                ],
            ))
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains(field), "{err}");
    }
    assert_eq!(audit_count(&store), before);
    let p = person_a(&store);
    assert_eq!(p.phone.as_deref(), Some("13812345678"));
    assert_eq!(p.address_division, None);
}

/// A version-4 database: migration 5 adds the column, old rows read without a division, new
/// ones keep theirs, and the column takes nothing but 6 or 9 digits.
#[test]
fn migration_5_adds_the_division_to_persons_of_a_version_4_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    {
        let v4 = raw(&path);
        for sql in [
            include_str!("../../../src/migrations/0001_init.sql"),
            include_str!("../../../src/migrations/0002_open_cases.sql"),
            include_str!("../../../src/migrations/0003_sealed_by_month.sql"),
            include_str!("../../../src/migrations/0004_outbox.sql"),
        ] {
            v4.execute_batch(sql).unwrap();
        }
        v4.pragma_update(None, "user_version", 4).unwrap();
        v4.execute(
            "INSERT INTO persons (id_number, name, sex, ethnicity, birth_date, address, phone,
                 photo_sha256)
             VALUES (?1, '张伟', 'male', 1, '1980-05-06', '新疆昌吉市兴昌路475号', NULL, NULL)",
            [ID_A],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path, &db_key(&path)).unwrap();
    assert!(store.schema_version().unwrap() >= 5);
    assert_eq!(store.schema_version().unwrap(), SqliteStore::SCHEMA_VERSION);
    let old = person_a(&store);
    assert_eq!(old.address, "新疆昌吉市兴昌路475号");
    assert_eq!(old.address_division, None);
    store
        .commit(&commit(
            "2026-01-06T02:00:00Z",
            vec![set_contact(Some(ADDRESS), Some(TOWN))],
        ))
        .unwrap();
    drop(store);

    let conn = raw(&path);
    let stored: Option<String> = conn
        .query_row(
            "SELECT address_division FROM persons WHERE id_number = ?1",
            [ID_A],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored.as_deref(), Some(TOWN));
    for bad in ["65230", "6523010", "65230a", "6523010021"] {
        let err = conn
            .execute(
                "UPDATE persons SET address_division = ?2 WHERE id_number = ?1",
                [ID_A, bad],
            )
            .unwrap_err();
        assert!(err.to_string().contains("CHECK"), "{bad}: {err}");
    }
    for good in ["652301", TOWN] {
        conn.execute(
            "UPDATE persons SET address_division = ?2 WHERE id_number = ?1",
            [ID_A, good],
        )
        .unwrap();
    }
}
