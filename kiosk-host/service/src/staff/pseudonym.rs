//! The audit log's pseudonyms for login names that are no staff user ([`NameKey`]).

/// The key that turns a login name that is no staff user into the audit log's pseudonym
/// (`unknown:<12 hex digits>`, a keyed SHA-256): repeated attempts with one name can be
/// linked, the name itself (perhaps a password or an ID number typed into the wrong field)
/// is never stored. Derived from the database key, so the pseudonyms stay the same across
/// restarts and mean nothing without it.
pub struct NameKey(zeroize::Zeroizing<[u8; 32]>);

impl NameKey {
    pub fn new(key: zeroize::Zeroizing<[u8; 32]>) -> NameKey {
        NameKey(key)
    }

    /// The pseudonym of `name`.
    pub fn pseudonym(&self, name: &str) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.0.as_ref());
        h.update(name.as_bytes());
        format!("unknown:{}", hex::encode(&h.finalize()[..6]))
    }
}

impl std::fmt::Debug for NameKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameKey(..)")
    }
}
