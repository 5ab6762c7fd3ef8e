//! card-io reads cards it has never seen: random personalisations that follow the profile
//! (names of 1–25 characters with "·", any settings: T=0/T=1, 2.00/3.00, 3DES/SM4, retry
//! limits 3/6/8, either blocked-SW variant, every T=0 warning framing) give back exactly what
//! was written, and every secured command works with the card's own keys.

use card_io::date::Date;
use card_io::pin::Pin;
use card_io::sam::Algorithm;
use card_io::sscard::{AppState, CardError, Sex};
use hw_sim::personalisation::{self as pers, CardFile};
use hw_sim::{BlockedSw, CardOs, Settings, SpecVersion, T0Warnings, Transport};
use kiosk_core::card_ops::{self, Target};
use proptest::prelude::*;
use tests::rig::{InProcess, Rig};

const HAN: &[char] = &[
    '阿', '卜', '杜', '热', '依', '木', '买', '提', '明', '吐', '尔', '逊', '托', '合', '古', '丽',
    '努', '尔', '艾', '力', '克', '江', '麦', '尼', '沙', '吾', '孜', '张', '王', '李', '伟', '芳',
];

fn name() -> impl Strategy<Value = String> {
    // 1–25 characters (≤ 50 GBK bytes: 30 in tag 09, 20 in tag 4E), "·" between parts.
    proptest::collection::vec(
        proptest::collection::vec(proptest::sample::select(HAN), 1..8),
        1..4,
    )
    .prop_map(|parts| {
        parts
            .iter()
            .map(|p| p.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("·")
    })
    .prop_filter("fits in 09 + 4E", |n| n.chars().count() <= 25)
}

fn date(from: u16, to: u16) -> impl Strategy<Value = Date> {
    (from..to, 1u8..=12, 1u8..=28)
        .prop_map(|(y, m, d)| Date::new(y, m, d).unwrap_or_else(|| unreachable!()))
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop_oneof![Just(Transport::T0), Just(Transport::T1)],
        prop_oneof![Just(BlockedSw::Sw6283), Just(BlockedSw::Sw6A81)],
        proptest::sample::select(vec![3u8, 6, 8]),
        prop_oneof![Just(SpecVersion::V2), Just(SpecVersion::V3)],
        prop_oneof![Just(Algorithm::Tdes), Just(Algorithm::Sm4)],
        proptest::sample::select(T0Warnings::ALL.to_vec()),
    )
        .prop_map(
            |(transport, blocked_sw, pin_retry_limit, spec_version, algorithm, t0_warnings)| {
                Settings {
                    transport,
                    t0_warnings,
                    blocked_sw,
                    pin_retry_limit,
                    spec_version,
                    algorithm,
                }
            },
        )
}

fn id_number(region: u32, birth: Date, seq: u16) -> String {
    let first17 = format!(
        "{region:06}{:04}{:02}{:02}{seq:03}",
        birth.year, birth.month, birth.day
    );
    let check = card_io::citizen::check_char(first17.as_bytes()).unwrap_or_else(|| unreachable!());
    format!("{first17}{check}")
}

prop_compose! {
    fn card_file()(settings in settings(),
                   name in name(),
                   serial in any::<[u8; 8]>(),
                   org in any::<[u8; 12]>(),
                   tail in any::<[u8; 13]>(),
                   birth in date(1930, 2010),
                   issue in date(2010, 2026),
                   years in 1u16..20,
                   female in any::<bool>(),
                   ethnicity in 1u8..=56,
                   place in 100000u32..999999,
                   seq in 0u16..1000,
                   number in "[A-Z][0-9]{8}",
                   person in "[0-9]{12}") -> CardFile {
        let v3 = settings.spec_version == SpecVersion::V3;
        let expiry = Date::new(issue.year + years, issue.month, issue.day).unwrap_or_else(|| unreachable!());
        CardFile {
            card: pers::CardSection { chip_serial: hex::encode_upper(serial) },
            settings,
            state: pers::StateSection::default(),
            ef05: pers::Ef05Section {
                card_id_code: format!("652300{}", hex::encode_upper(tail)),
                card_type: "1".into(),
                issuing_org: hex::encode_upper(org),
                issue_date: issue,
                expiry_date: expiry,
                card_number: number,
            },
            ef06: pers::Ef06Section {
                ssn: id_number(place, birth, seq),
                name,
                name_extension: None,
                sex: if female { Sex::Female } else { Sex::Male },
                ethnicity,
                birth_place: format!("{place:06}"),
                birth_date: birth,
            },
            ef0d: v3.then(|| pers::Ef0dSection { person_id: person, first_apply_region: "652300".into() }),
            origin: "generated".into(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_profile_card_reads_back_and_takes_every_command(file in card_file()) {
        let t = file.settings.transport;
        let limit = file.settings.pin_retry_limit;
        let card = CardOs::from_personalisation(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let rig = InProcess::new(t);
        rig.insert(card);
        let conn = || card_ops::connect_card(rig.provider(), &Target::default()).unwrap_or_else(|e| panic!("{e}"));

        let info = card_ops::info(conn()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&info.identity.card_number, &file.ef05.card_number);
        prop_assert_eq!(&info.identity.card_id_code, &file.ef05.card_id_code);
        prop_assert_eq!(&info.identity.issuing_org, &file.ef05.issuing_org);
        prop_assert_eq!(info.identity.expiry_date, file.ef05.expiry_date);
        prop_assert_eq!(info.identity.spec_version.as_str(), file.settings.spec_version.as_str());
        prop_assert_eq!(info.algorithm, Some(file.settings.algorithm));
        let h = info.holder.as_ref().ok_or_else(|| TestCaseError::fail("no holder"))?;
        prop_assert_eq!(&h.name, &file.ef06.name);
        prop_assert_eq!(&h.ssn, &file.ef06.ssn);
        prop_assert_eq!(h.sex, file.ef06.sex);
        prop_assert_eq!(h.ethnicity, file.ef06.ethnicity);
        prop_assert_eq!(&h.birth_place, &file.ef06.birth_place);
        prop_assert_eq!(h.birth_date, file.ef06.birth_date);
        prop_assert_eq!(info.ef0d.as_ref().map(|e| e.person_id.clone()), file.ef0d.as_ref().map(|e| e.person_id.clone()));

        let today = Date::new(2026, 11, 28).unwrap_or_else(|| unreachable!());
        let s = card_ops::status(conn(), today).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(s.pin_tries_left, Some(limit));
        prop_assert_eq!(s.expired, Some(file.ef05.expiry_date < today));

        // Every secured command with this card's own diversified keys. A temporarily blocked
        // T=0 card of the 6A81 variant shows no FCI: the PSAM's configuration for the region
        // gives the algorithm.
        let configured = Target {
            card_algorithms: [("652300".to_owned(), file.settings.algorithm)].into(),
            ..Target::default()
        };
        let mut sam = card_ops::open_psam(rig.provider(), &configured, hw_sim::backend::CARD_SLOT)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let new = Pin::parse("704915").unwrap_or_else(|_| unreachable!());
        card_ops::reset_pin(conn(), &mut sam, &new).map_err(|e| TestCaseError::fail(e.to_string()))?;
        card_ops::verify(conn(), &new).map_err(|e| TestCaseError::fail(e.to_string()))?;
        card_ops::block_app(conn(), &mut sam, false).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(card_ops::status(conn(), today).map_err(|e| TestCaseError::fail(e.to_string()))?.application, AppState::TemporarilyBlocked);
        let info = card_ops::info(conn()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let no_fci = t == Transport::T0 && file.settings.blocked_sw == BlockedSw::Sw6A81;
        prop_assert_eq!(info.algorithm, (!no_fci).then_some(file.settings.algorithm));
        if no_fci {
            let mut unconfigured = card_ops::open_psam(rig.provider(), &Target::default(), hw_sim::backend::CARD_SLOT)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let refused = card_ops::unblock_app(conn(), &mut unconfigured);
            prop_assert!(
                matches!(&refused, Err(card_ops::OpError::Card(CardError::AlgorithmUnknown { region_code })) if region_code == "652300"),
                "{:?}", refused
            );
        }
        card_ops::unblock_app(conn(), &mut sam).map_err(|e| TestCaseError::fail(e.to_string()))?;
        card_ops::unblock_pin(conn(), &mut sam).map_err(|e| TestCaseError::fail(e.to_string()))?;
        card_ops::block_card(conn(), &mut sam).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(card_ops::status(conn(), today).map_err(|e| TestCaseError::fail(e.to_string()))?.application, AppState::CardBlocked);
    }
}
