//! Shared by the dlib tests: the verifier on the fetched models, and the fetched photographs.

use std::path::PathBuf;

use face_match::dlib::DlibVerifier;
use face_match::{FaceSettings, DEFAULT_THRESHOLD};

/// `target/face` of the workspace, or `$KIOSK_FACE_DATA`.
pub fn face_data() -> PathBuf {
    std::env::var_os("KIOSK_FACE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/face"))
}

/// The verifier on the fetched models; panics with what to run when they are not there.
pub fn verifier() -> DlibVerifier {
    let dir = face_data().join("models");
    DlibVerifier::open(&FaceSettings {
        model_dir: dir.clone(),
        threshold: DEFAULT_THRESHOLD,
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e}\nfetch the models first: bash -c '. scripts/lib.sh && fetch_face_data' (into {})",
            dir.display()
        )
    })
}
