//! E-card tokens and dynamic e-card QR codes: round trips, every refusal with its own message,
//! the 60-second window, forged and altered codes, the signing key file, the `[keys]` setting,
//! and random input.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use firmware_config::{keys, Config};
use kiosk_core::domain::Timestamp;
use kiosk_core::ecard::{
    load_signing_key, sign_dynamic, sign_dynamic_ref, EcardError, EcardIssuer, EcardVerifier,
    Scanned, ACTIVATION_PREFIX, ACTIVATION_VALIDITY_S, DYNAMIC_PREFIX, DYNAMIC_REF_PREFIX,
    TOKEN_PREFIX,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const ID: &str = "652301198005061234";
const CARD: &str = "J65230118";
const TID: &str = "00112233445566778899aabbccddeeff";

fn agency() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn platform() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

fn stranger() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

fn verifier() -> EcardVerifier {
    EcardVerifier::new(vec![agency().verifying_key(), platform().verifying_key()])
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("valid instant")
}

/// A code over arbitrary payload bytes, signed by `key`.
fn forge(prefix: &str, key: &SigningKey, payload: &[u8]) -> String {
    format!(
        "{prefix}{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(key.sign(payload).to_bytes())
    )
}

/// A version-1 token (`SSEC1.`, the ID number in clear) as kiosks issued them before
/// version 2, signed by `key`: such tokens in citizens' hands keep verifying.
fn v1_token(key: &SigningKey) -> String {
    let payload = format!(
        r#"{{"v":1,"kind":"ecard","tid":"{TID}","idn":"{ID}","cn":"{CARD}","iat":{}}}"#,
        t0().timestamp()
    );
    forge(TOKEN_PREFIX, key, payload.as_bytes())
}

fn dynamic_json(v: u32, kind: &str, ts: i64) -> Vec<u8> {
    format!(r#"{{"v":{v},"kind":"{kind}","tid":"{TID}","idn":"{ID}","cn":"{CARD}","ts":{ts}}}"#)
        .into_bytes()
}

/// The payload bytes of a code made by this module.
fn payload_of(code: &str) -> Vec<u8> {
    let body = code.split('.').nth(1).expect("payload part");
    URL_SAFE_NO_PAD.decode(body).expect("base64url")
}

#[test]
fn issued_activation_code_round_trip() {
    let issuer = EcardIssuer::new(agency());
    let mut rng = StdRng::seed_from_u64(1);
    let now = t0() + Duration::milliseconds(750);
    let issued = issuer.issue(ID, CARD, now, &mut rng);

    assert!(
        issued.token.starts_with(ACTIVATION_PREFIX),
        "{}",
        issued.token
    );
    assert_eq!(issued.ecard.id_number, ID);
    assert_eq!(issued.ecard.card_number, CARD);
    assert_eq!(issued.ecard.token_id.len(), 32);
    assert!(issued.ecard.token_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        issued.ecard.issued_at,
        t0(),
        "whole seconds, as in the token"
    );

    // The payload is the documented JSON, nothing personal in it, and the signature covers
    // exactly its bytes.
    let payload: serde_json::Value =
        serde_json::from_slice(&payload_of(&issued.token)).expect("json");
    assert_eq!(
        payload,
        serde_json::json!({
            "v": 2, "kind": "ecard", "tid": issued.ecard.token_id,
            "iat": t0().timestamp(), "exp": t0().timestamp() + ACTIVATION_VALIDITY_S
        })
    );
    let decoded = String::from_utf8(payload_of(&issued.token)).expect("utf-8");
    assert!(
        !decoded.contains(ID) && !decoded.contains(CARD),
        "{decoded}"
    );

    let back = verifier()
        .verify_activation(&issued.token, t0())
        .expect("verifies");
    assert_eq!(back.token_id, issued.ecard.token_id);
    assert_eq!(back.issued_at, t0());
    // It expires.
    let late = t0() + Duration::seconds(ACTIVATION_VALIDITY_S + 1);
    assert!(matches!(
        verifier().verify_activation(&issued.token, late),
        Err(EcardError::ActivationExpired { ago_s: 1 })
    ));
    // Not a version-1 token, not a dynamic code.
    assert!(verifier().verify_token(&issued.token).is_err());
    assert!(verifier().verify_scan(&issued.token, t0()).is_err());

    // Fresh identifiers each time.
    let again = issuer.issue(ID, CARD, now, &mut rng);
    assert_ne!(again.ecard.token_id, issued.ecard.token_id);
    assert_ne!(again.token, issued.token);
}

#[test]
fn version_1_tokens_keep_verifying() {
    let token = v1_token(&agency());
    let back = verifier().verify_token(&token).expect("verifies");
    assert_eq!(
        (back.id_number.as_str(), back.card_number.as_str()),
        (ID, CARD)
    );
    assert_eq!(back.token_id, TID);
    // They carry no expiry: years later they still verify (the registry decides).
    assert_eq!(back.issued_at, t0());
}

#[test]
fn dynamic_reference_codes_carry_nothing_personal() {
    let qr = sign_dynamic_ref(&platform(), TID, t0());
    assert!(qr.starts_with(DYNAMIC_REF_PREFIX), "{qr}");
    let decoded = String::from_utf8(payload_of(&qr)).expect("utf-8");
    assert_eq!(
        decoded,
        format!(
            r#"{{"v":2,"kind":"dynamic","tid":"{TID}","ts":{}}}"#,
            t0().timestamp()
        )
    );
    assert_eq!(
        verifier().verify_scan(&qr, t0()).expect("fresh"),
        Scanned::Reference {
            token_id: TID.into(),
            signed_at: t0()
        }
    );
    assert!(matches!(
        verifier().verify_scan(&qr, t0() + Duration::seconds(61)),
        Err(EcardError::Expired { age_s: 61 })
    ));
    // A version-1 code still verifies, as what it names.
    let v1 = sign_dynamic(&platform(), ID, CARD, TID, t0());
    assert!(matches!(
        verifier().verify_scan(&v1, t0()),
        Ok(Scanned::Named(who)) if who.id_number == ID
    ));
    // Version and prefix must agree.
    let mixed = forge(
        DYNAMIC_REF_PREFIX,
        &platform(),
        &dynamic_json(1, "dynamic", t0().timestamp()),
    );
    assert!(matches!(
        verifier().verify_scan(&mixed, t0()),
        Err(EcardError::Version { found: 1 })
    ));
}

#[test]
fn dynamic_code_round_trip() {
    let qr = sign_dynamic(&platform(), ID, CARD, TID, t0());
    assert!(qr.starts_with(DYNAMIC_PREFIX), "{qr}");
    assert!(
        qr.len() < 400,
        "fits a small QR code and the scanner's line: {}",
        qr.len()
    );
    assert!(qr.is_ascii() && !qr.contains(['+', '/', '=', ' ']), "{qr}");

    let who = verifier().verify_dynamic(&qr, t0()).expect("fresh");
    assert_eq!(who.id_number, ID);
    assert_eq!(who.card_number, CARD);
    assert_eq!(who.token_id, TID);
    assert_eq!(who.signed_at, t0());
    // The scanner may leave a line ending.
    assert!(verifier()
        .verify_dynamic(&format!("{qr}\r\n"), t0())
        .is_ok());
}

#[test]
fn sixty_second_window() {
    let qr = sign_dynamic(&platform(), ID, CARD, TID, t0());
    let v = verifier();
    for ok in [0, 1, 59, 60] {
        assert!(
            v.verify_dynamic(&qr, t0() + Duration::seconds(ok)).is_ok(),
            "{ok} s old"
        );
    }
    let err = v
        .verify_dynamic(&qr, t0() + Duration::seconds(61))
        .expect_err("61 s old");
    assert!(matches!(err, EcardError::Expired { age_s: 61 }), "{err:?}");
    assert!(err.to_string().contains("61 s ago"), "{err}");
    // Half a second past the minute is past it too.
    assert!(matches!(
        v.verify_dynamic(&qr, t0() + Duration::milliseconds(60_500)),
        Err(EcardError::Expired { age_s: 60 })
    ));

    // Up to 5 s ahead is clock skew; more is refused.
    assert!(v.verify_dynamic(&qr, t0() - Duration::seconds(5)).is_ok());
    let err = v
        .verify_dynamic(&qr, t0() - Duration::seconds(6))
        .expect_err("6 s ahead");
    assert!(
        matches!(err, EcardError::FromTheFuture { ahead_s: 6 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("future"), "{err}");
}

#[test]
fn forged_with_another_key() {
    let qr = sign_dynamic(&stranger(), ID, CARD, TID, t0());
    let err = verifier()
        .verify_dynamic(&qr, t0())
        .expect_err("unknown key");
    assert!(
        matches!(err, EcardError::BadSignature { keys: 2 }),
        "{err:?}"
    );

    let token = v1_token(&stranger());
    assert!(matches!(
        verifier().verify_token(&token),
        Err(EcardError::BadSignature { .. })
    ));

    // The platform key alone does not accept the kiosk's tokens, and the reverse.
    let agency_token = v1_token(&agency());
    assert!(matches!(
        EcardVerifier::new(vec![platform().verifying_key()]).verify_token(&agency_token),
        Err(EcardError::BadSignature { keys: 1 })
    ));
}

#[test]
fn tampered_payload() {
    let qr = sign_dynamic(&platform(), ID, CARD, TID, t0());
    let (_, rest) = qr.split_at(DYNAMIC_PREFIX.len());
    let (_, signature) = rest.split_once('.').expect("two parts");

    // Someone else's ID number under the original signature.
    let other = String::from_utf8(payload_of(&qr))
        .expect("utf-8")
        .replace(ID, "650102199001011234");
    let swapped = format!(
        "{DYNAMIC_PREFIX}{}.{signature}",
        URL_SAFE_NO_PAD.encode(other.as_bytes())
    );
    assert!(matches!(
        verifier().verify_dynamic(&swapped, t0()),
        Err(EcardError::BadSignature { .. })
    ));

    // A later time stamp to stretch the window.
    let later = String::from_utf8(payload_of(&qr)).expect("utf-8").replace(
        &t0().timestamp().to_string(),
        &(t0().timestamp() + 3600).to_string(),
    );
    let stretched = format!(
        "{DYNAMIC_PREFIX}{}.{signature}",
        URL_SAFE_NO_PAD.encode(later.as_bytes())
    );
    assert!(matches!(
        verifier().verify_dynamic(&stretched, t0() + Duration::seconds(3600)),
        Err(EcardError::BadSignature { .. })
    ));

    // One flipped bit anywhere in the signature.
    let mut sig = URL_SAFE_NO_PAD.decode(signature).expect("b64");
    sig[17] ^= 0x04;
    let flipped = format!(
        "{DYNAMIC_PREFIX}{}.{}",
        rest.split_once('.').expect("two parts").0,
        URL_SAFE_NO_PAD.encode(&sig)
    );
    assert!(matches!(
        verifier().verify_dynamic(&flipped, t0()),
        Err(EcardError::BadSignature { .. })
    ));
}

/// One refusal case: what it is, what came back (the token id on success), the variant
/// expected, and a text its message must contain.
type Case = (
    &'static str,
    Result<String, EcardError>,
    fn(&EcardError) -> bool,
    &'static str,
);

/// Every refusal, each with its own variant and its own message.
#[test]
fn every_rejection_says_what_was_wrong() {
    let v = verifier();
    let good = sign_dynamic(&platform(), ID, CARD, TID, t0());
    let payload_b64 = good
        .strip_prefix(DYNAMIC_PREFIX)
        .and_then(|r| r.split_once('.'))
        .expect("shape")
        .0
        .to_owned();
    let token = v1_token(&agency());
    let ts = t0().timestamp();

    let dynamic = |qr: &str, at: Timestamp| v.verify_dynamic(qr, at).map(|who| who.token_id);
    let cases: Vec<Case> = vec![
        (
            "wrong prefix",
            dynamic("https://example.org/qr?x=1", t0()),
            |e| matches!(e, EcardError::WrongPrefix { expected: "SSEQ1." }),
            "does not start with SSEQ1.",
        ),
        (
            "too long",
            dynamic(&format!("{DYNAMIC_PREFIX}{}", "A".repeat(2000)), t0()),
            |e| matches!(e, EcardError::TooLong { .. }),
            "at most 1024",
        ),
        (
            "no signature part",
            dynamic(&format!("{DYNAMIC_PREFIX}{payload_b64}"), t0()),
            |e| matches!(e, EcardError::Shape { parts: 1 }),
            "expected payload.signature",
        ),
        (
            "bad base64 payload",
            dynamic(&format!("{DYNAMIC_PREFIX}%%%.AAAA"), t0()),
            |e| matches!(e, EcardError::Base64 { part: "payload", .. }),
            "payload is not base64url",
        ),
        (
            "bad base64 signature",
            dynamic(&format!("{DYNAMIC_PREFIX}{payload_b64}.+/+/"), t0()),
            |e| matches!(e, EcardError::Base64 { part: "signature", .. }),
            "signature is not base64url",
        ),
        (
            "short signature",
            dynamic(
                &format!(
                    "{DYNAMIC_PREFIX}{payload_b64}.{}",
                    URL_SAFE_NO_PAD.encode([1u8; 10])
                ),
                t0(),
            ),
            |e| matches!(e, EcardError::SignatureLength { len: 10 }),
            "10 bytes long",
        ),
        (
            "no keys",
            EcardVerifier::new(Vec::new())
                .verify_dynamic(&good, t0())
                .map(|who| who.token_id),
            |e| matches!(e, EcardError::NoKeys),
            "[keys] ecard is empty",
        ),
        (
            "unknown key",
            dynamic(&sign_dynamic(&stranger(), ID, CARD, TID, t0()), t0()),
            |e| matches!(e, EcardError::BadSignature { .. }),
            "does not verify",
        ),
        (
            "bad json",
            dynamic(&forge(DYNAMIC_PREFIX, &platform(), b"not json {"), t0()),
            |e| matches!(e, EcardError::Json { .. }),
            "not e-card JSON",
        ),
        (
            "unknown field",
            dynamic(
                &forge(
                    DYNAMIC_PREFIX,
                    &platform(),
                    format!(r#"{{"v":1,"kind":"dynamic","tid":"{TID}","idn":"{ID}","cn":"{CARD}","ts":{ts},"admin":true}}"#)
                        .as_bytes(),
                ),
                t0(),
            ),
            |e| matches!(e, EcardError::Json { .. }),
            "unknown field `admin`",
        ),
        (
            "version",
            dynamic(&forge(DYNAMIC_PREFIX, &platform(), &dynamic_json(2, "dynamic", ts)), t0()),
            |e| matches!(e, EcardError::Version { found: 2 }),
            "SSEC1./SSEQ1. carry version 1",
        ),
        (
            "token shown as a dynamic code",
            dynamic(&token.replacen(TOKEN_PREFIX, DYNAMIC_PREFIX, 1), t0()),
            |e| matches!(e, EcardError::WrongKind { expected: "dynamic", .. }),
            "of kind \"ecard\", expected \"dynamic\"",
        ),
        (
            "missing field",
            dynamic(
                &forge(
                    DYNAMIC_PREFIX,
                    &platform(),
                    format!(r#"{{"v":1,"kind":"dynamic","tid":"{TID}","idn":"{ID}","cn":"{CARD}"}}"#).as_bytes(),
                ),
                t0(),
            ),
            |e| matches!(e, EcardError::Json { .. }),
            "missing field `ts`",
        ),
        (
            "impossible time",
            dynamic(&forge(DYNAMIC_PREFIX, &platform(), &dynamic_json(1, "dynamic", i64::MAX)), t0()),
            |e| matches!(e, EcardError::BadTime { .. }),
            "not a valid Unix time",
        ),
        (
            "expired",
            dynamic(&good, t0() + Duration::seconds(61)),
            |e| matches!(e, EcardError::Expired { .. }),
            "refresh the code",
        ),
        (
            "from the future",
            dynamic(&good, t0() - Duration::seconds(30)),
            |e| matches!(e, EcardError::FromTheFuture { ahead_s: 30 }),
            "30 s in the future",
        ),
        (
            "dynamic code as a token",
            v.verify_token(&good).map(|ecard| ecard.token_id),
            |e| matches!(e, EcardError::WrongPrefix { expected: "SSEC1." }),
            "does not start with SSEC1.",
        ),
    ];

    let mut messages = Vec::new();
    for (what, result, is_expected, text) in cases {
        let err = match result {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => e,
        };
        assert!(is_expected(&err), "{what}: {err:?}");
        let message = err.to_string();
        assert!(message.contains(text), "{what}: {message}");
        assert!(!message.contains(ID), "{what}: message leaks the ID number");
        messages.push(message);
    }
    let mut distinct = messages.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), messages.len(), "{messages:#?}");
}

#[test]
fn verifier_from_config_keys() {
    let hex_key = keys::encode_public(&platform().verifying_key());
    let b64_key = STANDARD.encode(agency().verifying_key().as_bytes());
    let config = firmware_config::Keys {
        ecard: vec![hex_key, format!("ed25519-public:{b64_key}")],
        ..Default::default()
    };
    let v = EcardVerifier::from_config(&config).expect("keys");
    assert_eq!(v.keys().len(), 2);
    assert!(v
        .verify_dynamic(&sign_dynamic(&platform(), ID, CARD, TID, t0()), t0())
        .is_ok());
    let token = v1_token(&agency());
    assert!(v.verify_token(&token).is_ok());

    let bad = firmware_config::Keys {
        ecard: vec![
            keys::encode_public(&platform().verifying_key()),
            "abcd".into(),
        ],
        ..Default::default()
    };
    let err = EcardVerifier::from_config(&bad).expect_err("short key");
    assert!(
        matches!(err, EcardError::PublicKey { index: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ecard[1]"), "{err}");
}

#[test]
fn signing_key_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ecard.key");
    // The format `kiosk config keygen` writes, with the mode it writes.
    std::fs::write(&path, keys::encode_secret(&agency())).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let key = load_signing_key(&path).expect("loads");
    assert_eq!(key.to_bytes(), agency().to_bytes());

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let err = load_signing_key(&path).expect_err("group-readable");
    assert!(
        matches!(err, EcardError::KeyFileMode { mode: 0o640, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("chmod 600"), "{err}");

    let public = dir.path().join("ecard.key.pub");
    std::fs::write(&public, keys::encode_public(&agency().verifying_key())).expect("write");
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let err = load_signing_key(&public).expect_err("a public key");
    assert!(matches!(err, EcardError::KeyFileFormat { .. }), "{err:?}");
    assert!(err.to_string().contains("ed25519-secret:"), "{err}");

    let err = load_signing_key(&dir.path().join("missing.key")).expect_err("missing");
    assert!(matches!(err, EcardError::KeyFileRead { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.key"), "{err}");
}

#[test]
fn debug_output_masks_the_id_number() {
    let issued = EcardIssuer::new(agency()).issue(ID, CARD, t0(), &mut StdRng::seed_from_u64(6));
    let who = verifier()
        .verify_dynamic(&sign_dynamic(&platform(), ID, CARD, TID, t0()), t0())
        .expect("fresh");
    for text in [format!("{issued:?}"), format!("{who:?}")] {
        assert!(!text.contains(ID), "{text}");
        assert!(text.contains("652301********1234"), "{text}");
        assert!(!text.contains(CARD), "{text}");
    }
    assert!(
        !format!("{issued:?}").contains(&issued.token),
        "token bytes carry the ID"
    );
    let issuer = format!("{:?}", EcardIssuer::new(agency()));
    assert!(
        !issuer.contains(&hex::encode(agency().to_bytes())),
        "{issuer}"
    );
}

#[test]
fn signing_key_setting() {
    let example = include_str!("../../../../kiosk.example.toml");
    let config = Config::parse(example, "kiosk.example.toml").expect("example valid");
    assert_eq!(
        config.keys.ecard_signing_key.as_deref(),
        Some("/etc/kiosk/keys/ecard.key")
    );
    assert!(Config::parse("", "x")
        .expect("empty")
        .keys
        .ecard_signing_key
        .is_none());

    let err = Config::parse("[keys]\necard_signing_key = \"ecard.key\"\n", "kiosk.toml")
        .expect_err("relative");
    let text = err.to_string();
    assert!(
        text.starts_with("kiosk.toml:2:")
            && text.contains("ecard_signing_key \"ecard.key\" is not an absolute path"),
        "{text}"
    );
}

proptest! {
    #[test]
    fn random_text_never_panics(s in ".{0,300}") {
        let v = verifier();
        prop_assert!(v.verify_dynamic(&s, t0()).is_err());
        prop_assert!(v.verify_token(&s).is_err());
    }

    #[test]
    fn random_codes_after_the_prefix_never_panic(
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        sig in proptest::collection::vec(any::<u8>(), 0..80),
        tail in "[A-Za-z0-9_.=+/-]{0,120}",
    ) {
        let v = verifier();
        for prefix in [DYNAMIC_PREFIX, TOKEN_PREFIX] {
            let code = format!(
                "{prefix}{}.{}",
                URL_SAFE_NO_PAD.encode(&payload),
                URL_SAFE_NO_PAD.encode(&sig)
            );
            prop_assert!(v.verify_dynamic(&code, t0()).is_err());
            prop_assert!(v.verify_token(&code).is_err());
            let odd = format!("{prefix}{tail}");
            prop_assert!(v.verify_dynamic(&odd, t0()).is_err());
            prop_assert!(v.verify_token(&odd).is_err());
        }
    }

    #[test]
    fn signed_garbage_payloads_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        // Signed by a trusted key, so parsing is reached.
        let v = verifier();
        prop_assert!(v.verify_dynamic(&forge(DYNAMIC_PREFIX, &platform(), &payload), t0()).is_err());
        prop_assert!(v.verify_token(&forge(TOKEN_PREFIX, &agency(), &payload)).is_err());
    }
}
