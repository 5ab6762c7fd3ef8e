//! E-card codes as the QR scanner delivers them (`SSEQ1.` dynamic codes, `SSEC1.` tokens,
//! `SSEC2.` activation codes):
//! any text gives an identity or an `EcardError`, never a panic; codes signed by the fuzzer's
//! choice of key, holder and time verify exactly when the key is trusted and the time is
//! within the window, and give back what was signed; a valid code changed in any one byte is
//! refused.
//!
//! Input: a selector byte; even → the rest as a scanned line (through `from_utf8_lossy`);
//! odd → the fields of a code to sign (`kiosk_fuzz::fields`).
#![no_main]

use chrono::{DateTime, TimeDelta, Utc};
use ed25519_dalek::SigningKey;
use kiosk_fuzz::fields;
use kiosk_core::ecard::{
    self, EcardError, EcardIssuer, EcardVerifier, CLOCK_SKEW_S, DYNAMIC_VALIDITY_S, MAX_CODE_LEN,
};
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every single-byte change of `code` that is still text must be refused.
fn mutations_refused(code: &str, flip: &[u8], verify: impl Fn(&str) -> bool) {
    for (i, x) in flip.iter().enumerate().take(8) {
        let mut b = code.as_bytes().to_vec();
        if b.is_empty() {
            return;
        }
        let at = (usize::from(*x) * 31 + i * 7) % b.len();
        b[at] ^= x | 1;
        if let Ok(changed) = String::from_utf8(b) {
            // Surrounding whitespace is trimmed by design; a changed byte inside is not.
            if changed.trim() != code {
                assert!(!verify(&changed), "altered code accepted: byte {at}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&case, rest)) = data.split_first() else {
        return;
    };
    let trusted = EcardVerifier::new(vec![key(7).verifying_key(), key(9).verifying_key()]);
    let now = at(1_780_000_000);
    if case % 2 == 0 {
        let line = text(rest);
        for r in [
            trusted.verify_dynamic(&line, now).map(|_| ()),
            trusted.verify_token(&line).map(|_| ()),
            EcardVerifier::new(Vec::new())
                .verify_token(&line)
                .map(|_| ()),
        ] {
            if let Err(e) = r {
                let _ = e.to_string();
                if line.trim().len() > MAX_CODE_LEN {
                    assert!(matches!(e, EcardError::TooLong { .. }), "{e}");
                }
            }
        }
        return;
    }
    let f = fields(rest, 6);
    let signer = f[0].first().copied().unwrap_or(7);
    let (idn, cn, tid) = (text(f[1]), text(f[2]), text(f[3]));
    let offset = f[4]
        .iter()
        .take(8)
        .fold(0i64, |acc, b| (acc << 8) | i64::from(*b));
    let signed = now
        .timestamp()
        .checked_add(offset % 200_000_000_000)
        .map(at);
    let Some(signed) = signed else { return };
    let is_trusted = signer == 7 || signer == 9;

    // Dynamic code.
    let code = ecard::sign_dynamic(&key(signer), &idn, &cn, &tid, signed);
    let age = now.signed_duration_since(signed);
    let in_window =
        age <= TimeDelta::seconds(DYNAMIC_VALIDITY_S) && -age <= TimeDelta::seconds(CLOCK_SKEW_S);
    match trusted.verify_dynamic(&code, now) {
        Ok(id) => {
            assert!(is_trusted && in_window && code.len() <= MAX_CODE_LEN);
            assert_eq!(
                (id.id_number, id.card_number, id.token_id),
                (idn.clone(), cn.clone(), tid)
            );
            assert_eq!(id.signed_at, signed);
        }
        Err(e) => {
            let expected = !is_trusted || !in_window || code.len() > MAX_CODE_LEN;
            assert!(expected, "a good dynamic code was refused: {e}");
        }
    }
    // A token is not a dynamic code, and the other way round.
    assert!(trusted.verify_token(&code).is_err());
    if is_trusted && in_window && code.len() <= MAX_CODE_LEN {
        mutations_refused(&code, f[5], |c| trusted.verify_dynamic(c, now).is_ok());
    }

    // Issued token.
    let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(signer));
    let issued = EcardIssuer::new(key(signer)).issue(&idn, &cn, signed, &mut rng);
    assert!(trusted.verify_dynamic(&issued.token, now).is_err());
    assert!(trusted.verify_token(&issued.token).is_err());
    assert!(!format!("{issued:?}").contains(&issued.token) || issued.token.is_empty());
    match trusted.verify_activation(&issued.token, signed) {
        Ok(a) => {
            assert!(is_trusted && issued.token.len() <= MAX_CODE_LEN);
            assert_eq!(a.token_id, issued.ecard.token_id);
            assert_eq!(a.issued_at, issued.ecard.issued_at);
            mutations_refused(&issued.token, f[5], |c| {
                trusted.verify_activation(c, signed).is_ok()
            });
        }
        Err(e) => assert!(
            !is_trusted || issued.token.len() > MAX_CODE_LEN,
            "a good token was refused: {e}"
        ),
    }
});
