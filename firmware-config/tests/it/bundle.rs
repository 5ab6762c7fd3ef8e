//! Signed bundles installed into a directory: what installs, what is refused (leaving the
//! directory exactly as it was), rollback, and interrupted changes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use ed25519_dalek::SigningKey;
use firmware_config::atomic_file::AtomicFile;
use firmware_config::bundle::{Bundle, BundleError};
use firmware_config::keys;
use firmware_config::store::{self, Action, Store, StoreError};

const EXAMPLE: &str = include_str!("../../../kiosk.example.toml");

/// The example with its config_version replaced and `key` as the bundle key.
fn config(version: u64, key: &SigningKey) -> String {
    let public = keys::encode_public(&key.verifying_key());
    EXAMPLE
        .replace("config_version = 3", &format!("config_version = {version}"))
        .replace(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            &public,
        )
}

fn bundle(key: &SigningKey, version: u64) -> String {
    Bundle::sign(key, version, 1_700_000_000 + version, &config(version, key))
        .to_json()
        .expect("json")
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).expect("file"),
            )
        })
        .collect()
}

/// A directory with version 1 installed by first-install trust.
fn installed() -> (tempfile::TempDir, SigningKey) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = keys::generate();
    Store::new(dir.path())
        .install(&bundle(&key, 1), Some(key.verifying_key()), 1)
        .expect("first install");
    (dir, key)
}

fn refused(dir: &Path, text: &str, trust: Option<&SigningKey>) -> StoreError {
    let before = snapshot(dir);
    let err = Store::new(dir)
        .install(text, trust.map(|k| k.verifying_key()), 99)
        .expect_err("must be refused");
    assert_eq!(
        snapshot(dir),
        before,
        "refusal changed the directory: {err}"
    );
    err
}

#[test]
fn good_bundle_installs_and_keeps_the_previous() {
    let (dir, key) = installed();
    let store = Store::new(dir.path());
    let done = store.install(&bundle(&key, 2), None, 2).expect("v2");
    assert_eq!(done.version, 2);
    assert_eq!(
        fs::read_to_string(dir.path().join(store::CONFIG_FILE)).expect("cfg"),
        config(2, &key)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join(store::PREVIOUS_FILE)).expect("prev"),
        config(1, &key)
    );
    let (state, _) = store.status().expect("state");
    assert_eq!(state.current.map(|c| c.version), Some(2));
    assert_eq!(state.previous.map(|c| c.version), Some(1));
    let names: Vec<String> = snapshot(dir.path()).into_keys().collect();
    assert_eq!(
        names,
        ["config-state.json", "kiosk.toml", "kiosk.toml.previous"],
        "no temporary files left"
    );
}

#[test]
fn tampered_text_is_refused() {
    let (dir, key) = installed();
    let mut b = Bundle::from_json(&bundle(&key, 2)).expect("parse");
    b.config = b
        .config
        .replace("replacement_fee_fen = 2000", "replacement_fee_fen = 0");
    let err = refused(dir.path(), &b.to_json().expect("json"), None);
    assert!(
        matches!(err, StoreError::Bundle(BundleError::BadSignature)),
        "{err}"
    );
    let mut b = Bundle::from_json(&bundle(&key, 2)).expect("parse");
    b.version = 3;
    let err = refused(dir.path(), &b.to_json().expect("json"), None);
    assert!(
        matches!(err, StoreError::Bundle(BundleError::BadSignature)),
        "{err}"
    );
}

#[test]
fn wrong_key_is_refused() {
    let (dir, _) = installed();
    let other = keys::generate();
    let err = refused(dir.path(), &bundle(&other, 2), None);
    assert!(
        matches!(err, StoreError::Bundle(BundleError::UntrustedKey { .. })),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("not among the 1 trusted agency key(s)"));
    // A forger naming the trusted key but signing with another key.
    let (_, trusted_key) = installed();
    let mut b = Bundle::from_json(&bundle(&other, 2)).expect("parse");
    b.key = keys::encode_public(&trusted_key.verifying_key());
    let fresh = tempfile::tempdir().expect("tempdir");
    let err = refused(
        fresh.path(),
        &b.to_json().expect("json"),
        Some(&trusted_key),
    );
    assert!(
        matches!(err, StoreError::Bundle(BundleError::BadSignature)),
        "{err}"
    );
}

#[test]
fn older_or_equal_version_is_refused() {
    let (dir, key) = installed();
    Store::new(dir.path())
        .install(&bundle(&key, 5), None, 2)
        .expect("v5");
    for v in [4, 5] {
        let err = refused(dir.path(), &bundle(&key, v), None);
        assert!(
            matches!(err, StoreError::NotNewer { bundle, installed: 5 } if bundle == v),
            "{err}"
        );
    }
}

#[test]
fn invalid_config_inside_is_refused() {
    let (dir, key) = installed();
    let text = config(2, &key).replace("replacement_fee_fen = 2000", "replacement_fee_fen = -1");
    let b = Bundle::sign(&key, 2, 5, &text).to_json().expect("json");
    let err = refused(dir.path(), &b, None);
    assert!(err.to_string().contains("bundle:kiosk.toml:"), "{err}");
    assert!(err.to_string().contains("below zero"), "{err}");
}

#[test]
fn trust_bootstrap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = keys::generate();
    let err = refused(dir.path(), &bundle(&key, 1), None);
    assert!(matches!(err, StoreError::NoTrust), "{err}");
    let (dir, key) = installed();
    let err = refused(dir.path(), &bundle(&key, 2), Some(&key));
    assert!(matches!(err, StoreError::TrustNotAllowed(1)), "{err}");
}

#[test]
fn garbage_bundle_is_refused() {
    let (dir, _) = installed();
    let err = refused(dir.path(), "not json", None);
    assert!(
        matches!(err, StoreError::Bundle(BundleError::Format(_))),
        "{err}"
    );
}

#[test]
fn rollback_restores_once() {
    let (dir, key) = installed();
    let store = Store::new(dir.path());
    store.install(&bundle(&key, 2), None, 2).expect("v2");
    let (restored, from) = store.rollback(3).expect("rollback");
    assert_eq!((restored.version, from), (1, 2));
    assert_eq!(
        fs::read_to_string(dir.path().join(store::CONFIG_FILE)).expect("cfg"),
        config(1, &key)
    );
    let before = snapshot(dir.path());
    let err = store.rollback(4).expect_err("second rollback");
    assert_eq!(snapshot(dir.path()), before);
    assert!(
        err.to_string().contains("since a rollback from version 2"),
        "{err}"
    );
    let (state, _) = store.status().expect("state");
    assert_eq!(
        state.history.last().map(|e| e.action),
        Some(Action::Rollback)
    );
    // Forward again with a newer bundle.
    store.install(&bundle(&key, 3), None, 5).expect("v3");
}

#[test]
fn interrupted_install_leaves_the_old_config_in_force() {
    let (dir, key) = installed();
    let store = Store::new(dir.path());
    // Simulate a crash after the pending state and a stray temporary file, before the rename.
    let (mut state, _) = store.status().expect("state");
    state.pending = Some(store::Pending {
        action: Action::Install,
        target: store::Installed {
            version: 2,
            sha256: firmware_config::bundle::digest(&config(2, &key)),
            created: 9,
        },
    });
    let json = serde_json::to_string(&state).expect("json");
    AtomicFile::new(&dir.path().join(store::STATE_FILE))
        .replace(json.as_bytes())
        .expect("write");
    fs::write(
        dir.path().join(".kiosk.toml.tmp-0000000000000001"),
        "partial",
    )
    .expect("tmp");
    let (state, text) = store.status().expect("status");
    assert_eq!(state.current.map(|c| c.version), Some(1));
    assert_eq!(text.as_deref(), Some(config(1, &key).as_str()));
    // The same install can be retried and succeeds.
    store.install(&bundle(&key, 2), None, 3).expect("retry");

    // A crash after the rename but before the final state: the new file is in force.
    let (dir, key) = installed();
    let store = Store::new(dir.path());
    let (mut state, _) = store.status().expect("state");
    state.pending = Some(store::Pending {
        action: Action::Install,
        target: store::Installed {
            version: 2,
            sha256: firmware_config::bundle::digest(&config(2, &key)),
            created: 9,
        },
    });
    let json = serde_json::to_string(&state).expect("json");
    AtomicFile::new(&dir.path().join(store::STATE_FILE))
        .replace(json.as_bytes())
        .expect("write");
    AtomicFile::new(&dir.path().join(store::CONFIG_FILE))
        .replace(config(2, &key).as_bytes())
        .expect("write");
    let (state, _) = store.status().expect("status");
    assert_eq!(state.current.map(|c| c.version), Some(2));
    assert_eq!(state.previous.map(|c| c.version), Some(1));
}

#[test]
fn hand_edited_config_is_reported() {
    let (dir, key) = installed();
    fs::write(
        dir.path().join(store::CONFIG_FILE),
        config(1, &key) + "\n# edited\n",
    )
    .expect("edit");
    let err = refused(dir.path(), &bundle(&key, 2), None);
    assert!(matches!(err, StoreError::HandEdited { .. }), "{err}");
}
