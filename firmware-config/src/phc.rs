//! Syntax of an argon2id PHC string: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`
//! (salt and hash in unpadded standard base64). Hashing itself is not done here.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

/// Why a string is not an argon2id PHC string; the text says what is expected.
pub fn check(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('$').collect();
    let [empty, alg, version, params, salt, hash] = parts.as_slice() else {
        return Err(format!(
            "has {} `$`-separated fields, a PHC string has 5 ($argon2id$v=19$m=..,t=..,p=..$salt$hash)",
            parts.len().saturating_sub(1)
        ));
    };
    if !empty.is_empty() {
        return Err("does not start with `$`".into());
    }
    if *alg != "argon2id" {
        return Err(format!("algorithm is `{alg}`, not `argon2id`"));
    }
    if *version != "v=19" {
        return Err(format!("version field is `{version}`, not `v=19`"));
    }
    let numbers: Vec<(&str, &str)> = params
        .split(',')
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .collect();
    let names: Vec<&str> = numbers.iter().map(|(k, _)| *k).collect();
    if names != ["m", "t", "p"] {
        return Err(format!(
            "parameters are `{params}`, expected `m=<KiB>,t=<passes>,p=<lanes>`"
        ));
    }
    let mut values = [0u64; 3];
    for (slot, (name, digits)) in values.iter_mut().zip(&numbers) {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 10 {
            return Err(format!(
                "parameter {name} is `{digits}`, not a decimal number"
            ));
        }
        *slot = digits
            .parse()
            .map_err(|_| format!("parameter {name} is out of range"))?;
    }
    let [m, t, p] = values;
    if !(1..=0x00FF_FFFF).contains(&p) {
        return Err(format!("p={p} lanes, argon2 allows 1 to 16777215"));
    }
    if t < 1 {
        return Err("t=0 passes, argon2 needs at least 1".into());
    }
    if m < 8 * p || m > u64::from(u32::MAX) {
        return Err(format!(
            "m={m} KiB, argon2 needs at least 8 per lane ({})",
            8 * p
        ));
    }
    let salt_len = decode(salt, "salt")?;
    if !(8..=64).contains(&salt_len) {
        return Err(format!("salt is {salt_len} bytes, expected 8 to 64"));
    }
    let hash_len = decode(hash, "hash")?;
    if !(16..=64).contains(&hash_len) {
        return Err(format!("hash is {hash_len} bytes, expected 16 to 64"));
    }
    Ok(())
}

fn decode(b64: &str, what: &str) -> Result<usize, String> {
    STANDARD_NO_PAD
        .decode(b64)
        .map(|bytes| bytes.len())
        .map_err(|e| format!("{what} is not unpadded base64 ({e})"))
}

#[cfg(test)]
mod tests {
    use super::check;

    const GOOD: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGhpcyBpcyBhIDMyIGJ5dGUgaGFzaCBvdXRwdXQhIQ";

    #[test]
    fn accepts_a_real_shape() {
        assert_eq!(check(GOOD), Ok(()));
    }

    #[test]
    fn refuses_each_broken_part() {
        for (bad, why) in [
            ("plain", "fields"),
            (
                "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "argon2id",
            ),
            (
                "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "v=19",
            ),
            (
                "$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "m=<KiB>",
            ),
            (
                "$argon2id$v=19$m=4,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "at least 8",
            ),
            (
                "$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "t=0",
            ),
            (
                "$argon2id$v=19$m=19456,t=x,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "decimal",
            ),
            (
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
                "salt is 4",
            ),
            (
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA",
                "salt is not",
            ),
            (
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
                "hash is 4",
            ),
        ] {
            let err = check(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
